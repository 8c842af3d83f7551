"""CAS registers partition by key, as plain registers do: linearizability is local."""

from __future__ import annotations

import pytest

from histcheck.history import Event, EventType, from_events
from histcheck.linear import BUILTIN, check_history

INVOKE, OK = EventType.INVOKE, EventType.OK
CAS_MODELS = ("cas-register", "knossos-cas-register", "etcd")


def _two_keys(keyed: bool = True) -> list[Event]:
    """x: w 1, then cas [1 2], then r 2; y: w 5 between them. Fine per key; as one register the
    cas would find 5, not 1."""
    x, y = ("x", "y") if keyed else (None, None)
    return [
        Event(0, INVOKE, "write", 1, x), Event(0, OK, "write", 1, x),
        Event(1, INVOKE, "write", 5, y), Event(1, OK, "write", 5, y),
        Event(0, INVOKE, "cas", (1, 2), x), Event(0, OK, "cas", (1, 2), x),
        Event(1, INVOKE, "read", 5, y), Event(1, OK, "read", 5, y),
        Event(0, INVOKE, "read", 2, x), Event(0, OK, "read", 2, x),
    ]


@pytest.mark.parametrize("model", CAS_MODELS)
@pytest.mark.parametrize("consistency", ["linearizable", "sequential"])
def test_cas_history_linearizable_per_key_is_valid(model: str, consistency: str) -> None:
    result = check_history(from_events(_two_keys()), BUILTIN[model], consistency=consistency)
    assert result.valid is True, result.explanation
    if consistency == "linearizable":
        assert result.figures["parts"] == 2


@pytest.mark.parametrize("model", CAS_MODELS)
def test_without_keys_the_same_operations_are_one_register_and_invalid(model: str) -> None:
    assert check_history(from_events(_two_keys(keyed=False)), BUILTIN[model]).valid is False


@pytest.mark.parametrize("model", CAS_MODELS)
def test_a_violation_on_one_key_is_found_and_named(model: str) -> None:
    events = [*_two_keys(),
              Event(2, INVOKE, "cas", (5, 6), "y"), Event(2, OK, "cas", (5, 6), "y"),
              Event(2, INVOKE, "read", 5, "y"), Event(2, OK, "read", 5, "y")]
    result = check_history(from_events(events), BUILTIN[model])
    assert result.valid is False
    assert result.anomalies[0].data["key"] == "y"
