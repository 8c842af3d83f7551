"""Causal consistency of storage: CC, CM and CCv (Bouajjani et al., POPL 2017) by bad patterns."""

from __future__ import annotations

from histcheck.registry import ModelSpec

_CHECK = "histcheck.causal.check:check_causal"

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("causal-register", "one read/write register with unique written values: causal "
              "consistency (CC), causal memory (CM), causal convergence (CCv)",
              ("CC", "CM", "CCv"), _CHECK),
    ModelSpec("causal-kv", "read/write keys with unique written values per key: causal "
              "consistency (CC), causal memory (CM), causal convergence (CCv)",
              ("CC", "CM", "CCv"), _CHECK),
)
