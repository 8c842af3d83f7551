"""A system's ``--opt NAME=VALUE`` settings, read strictly: a misspelt name is an error.

A run that silently ignored ``--opt serializable-read=true`` would test default reads and
report them as if it had tested the other kind, so each system names the settings it has and
anything else stops the run before a server starts.
"""

from __future__ import annotations

from collections.abc import Mapping

from histcheck.recorders.clusters.plan import RunPlan
from histcheck.recorders.databases.errors import RecorderError


def check_settings(plan: RunPlan, known: Mapping[str, str]) -> None:
    """``RecorderError`` naming the settings ``plan`` has that ``known`` (name: help) lacks."""
    unknown = sorted(set(plan.options) - set(known))
    if unknown:
        listed = "; ".join(f"{name} ({meaning})" for name, meaning in known.items())
        raise RecorderError(f"{plan.system} has no setting {', '.join(unknown)}; "
                            f"it has: {listed}")


SWITCH_WORDS = {"true": True, "yes": True, "on": True, "1": True,
                "false": False, "no": False, "off": False, "0": False}


def switch(plan: RunPlan, name: str) -> bool:
    """The setting ``name`` as true or false (absent: false)."""
    text = plan.option(name, "false").strip().lower()
    if text not in SWITCH_WORDS:
        raise RecorderError(f"--opt {name}= takes true or false, not {text!r}")
    return SWITCH_WORDS[text]


def number(plan: RunPlan, name: str, default: float, *, least: float = 1) -> float:
    """The setting ``name`` as a number of at least ``least``."""
    text = plan.option(name, str(default))
    try:
        value = float(text)
    except ValueError:
        raise RecorderError(f"--opt {name}= takes a number, not {text!r}") from None
    if value < least:
        raise RecorderError(f"--opt {name}= must be at least {least:g}, not {text}")
    return value


def count(plan: RunPlan, name: str, default: int) -> int:
    """The setting ``name`` as a whole number of at least 1."""
    value = number(plan, name, default)
    if value != int(value):
        raise RecorderError(f"--opt {name}= takes a whole number, not {plan.option(name, '')}")
    return int(value)


CLIENT_SETTINGS = {"clients": "concurrent clients", "rate": "operations per second in all",
                   "keys": "registers", "values": "values are drawn from 0..values-1"}
"""The settings every register workload has."""
