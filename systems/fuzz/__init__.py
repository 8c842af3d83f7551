"""Fuzzing: hypothesis chooses workloads, fault schedules and every simulator choice, checks
each run with histcheck, and shrinks a violation to the smallest run that still shows it.

- ``RecordingMachine``: a ``RuleBasedStateMachine`` base that records your client's calls and
  checks the history at teardown (``machine``);
- ``search`` and ``FuzzConfig``: the fuzz loop for any simulated system (``driver``);
- ``fuzz_entry``: the loop for a catalogue entry, behind ``histcheck fuzz`` (``catalogue``);
- strategies: ``fault_schedules``, ``workloads``, ``choosers`` (``strategies``), and the
  hypothesis-driven ``random.Random`` (``choices``).
"""

from histcheck.systems.fuzz.catalogue import Case, fuzz_entry
from histcheck.systems.fuzz.choices import ChoiceRandom, Chooser, HypothesisChooser, SeededChooser
from histcheck.systems.fuzz.driver import Failure, FuzzConfig, Outcome, search
from histcheck.systems.fuzz.machine import ConsistencyViolation, RecordingMachine
from histcheck.systems.fuzz.strategies import (
    NO_FAULTS,
    NODE_FAULTS,
    Call,
    FaultSpace,
    Workload,
    choosers,
    fault_schedules,
    workloads,
)

__all__ = [
    "NODE_FAULTS",
    "NO_FAULTS",
    "Call",
    "Case",
    "ChoiceRandom",
    "Chooser",
    "ConsistencyViolation",
    "Failure",
    "FaultSpace",
    "FuzzConfig",
    "HypothesisChooser",
    "Outcome",
    "RecordingMachine",
    "SeededChooser",
    "Workload",
    "choosers",
    "fault_schedules",
    "fuzz_entry",
    "search",
    "workloads",
]
