"""A histcheck model in a package of its own (see pyproject.toml's ``histcheck.models`` entry)."""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.history import INFO, Operation


@dataclass(frozen=True)
class MaxRegister:
    """A register that keeps the largest value ever written."""

    name: str = "max-register"

    def initial(self) -> int:
        return 0

    def step(self, state: int, op: Operation) -> int | None:
        if op.f == "write":
            return max(state, op.value)
        if op.f == "read":
            return state if op.value == state or op.type is INFO else None
        return None

    def pure(self, op: Operation) -> bool:
        return op.f == "read"
