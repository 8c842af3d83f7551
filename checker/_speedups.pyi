from typing import Any

def edn_lines(text: str, offset: int, events: list[Any], numbers: list[int], line: int,
              record: type, types: dict[str, Any], true: object, false: object,
              anonymous: object, max_depth: int) -> tuple[int, int, int]: ...
def log_lines(text: str, offset: int, end: int, events: list[Any], numbers: list[int],
              line: int, event: type, types: dict[str, Any], true: object, false: object,
              max_depth: int) -> tuple[int, int, int]: ...
def pair(events: list[Any], start: int, base: int, open_ops: dict[Any, Any], slots: list[Any],
         calls: Any, operation: type, invoke: object, ok: object, info: object,
         non_client: frozenset[str], txn_ok: Any) -> tuple[int, bool]: ...
def candidates(state: Any, n: int, succ: list[int], calls: tuple[float, ...],
               rets: tuple[float, ...], before: tuple[int, ...], placed: bytearray,
               pure: tuple[bool, ...], required: tuple[bool, ...], ops: tuple[Any, ...],
               step: Any, can_reach: Any, choices: type, walk_most: int,
               lookahead: int) -> list[Any] | None: ...
