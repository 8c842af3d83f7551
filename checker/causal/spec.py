"""Causal consistency of storage: CC, CM and CCv (Bouajjani et al., POPL 2017) by bad patterns."""

from __future__ import annotations

from histcheck.registry import ModelSpec
from histcheck.vocabulary import ANY, Txn, Vocabulary

_CHECK = "histcheck.causal.check:check_causal"

READ_WRITE = Vocabulary.of({"read": ANY, "write": ANY, "r": ANY, "w": ANY,
                            "txn": Txn((("r", ANY), ("w", ANY), ("read", ANY), ("write", ANY)),
                                       most=1)})
"""Reads and writes, named either way, or a ``txn`` of one such micro-operation."""

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("causal-register", "one read/write register with unique written values: causal "
              "consistency (CC), causal memory (CM), causal convergence (CCv)",
              ("CC", "CM", "CCv"), _CHECK, vocabulary=READ_WRITE),
    ModelSpec("causal-kv", "read/write keys with unique written values per key: causal "
              "consistency (CC), causal memory (CM), causal convergence (CCv)",
              ("CC", "CM", "CCv"), _CHECK, vocabulary=READ_WRITE),
)
