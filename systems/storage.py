"""Run a storage system of the catalogue (register, smr-kv, 2pc, dsm) from ``Options``.

The storage systems record client histories (``sim.operations``), not traces; their checks are
the linearizability, transactional and causal checkers. ``RUNNERS`` maps a catalogue system name
to the function that simulates one of its variants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from histcheck.systems.clients import Progress
from histcheck.systems.sim.core import Simulator

if TYPE_CHECKING:
    from histcheck.systems.catalogue import Options


def _register(variant: str, seed: int, options: Options, progress: Progress | None) -> Simulator:
    from histcheck.systems.register.run import run_register

    return run_register(variant, seed=seed, clients=options.clients or 4,
                        operations=15 if options.operations is None else options.operations,
                        model=options.model, faults=options.faults or None,
                        progress=progress).sim


def _smr(variant: str, seed: int, options: Options, progress: Progress | None) -> Simulator:
    from histcheck.systems.smr.run import run_smr

    return run_smr(variant, seed=seed, clients=options.clients or 4,
                   operations=15 if options.operations is None else options.operations,
                   model=options.model, faults=options.faults or None, progress=progress).sim


def _twopc(variant: str, seed: int, options: Options, progress: Progress | None) -> Simulator:
    """``variant`` is ``<variant>`` or ``<variant>/<workload>`` (list-append by default)."""
    from histcheck.systems.twopc.run import run_twopc

    name, _, workload = variant.partition("/")
    return run_twopc(name, seed=seed, workload_kind=workload or "list-append",
                     clients=options.clients or 4,
                     operations=15 if options.operations is None else options.operations,
                     model=options.model, faults=options.faults or None, progress=progress).sim


def _dsm(variant: str, seed: int, options: Options, progress: Progress | None) -> Simulator:
    from histcheck.systems.dsm.run import run_dsm

    return run_dsm(variant, seed=seed, nodes=options.clients or 4,
                   operations=15 if options.operations is None else options.operations,
                   model=options.model, faults=options.faults or None,
                   accesses=options.accesses, progress=progress).sim


RUNNERS: dict[str, Callable[[str, int, Options, Progress | None], Simulator]] = {
    "register": _register,
    "smr-kv": _smr,
    "2pc": _twopc,
    "dsm": _dsm,
}
