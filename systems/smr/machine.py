"""The replicated state machine: Porcupine's key-value store, with de-duplication of commands.

``get k`` returns the string held by ``k`` ("" if none), ``put k v`` sets it, ``append k v``
concatenates. A client may send one command to several servers (after a timeout or a redirect),
so the same command can be in the log twice; the machine remembers each client's last command
number and result, and applies a command only once (exactly-once, as in
``histcheck.systems.rpc.retry``, with the table inside the replicated state so every replica
agrees on it).
"""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class Command:
    client: str
    number: int
    f: str
    k: str
    value: Value = None


class KvMachine:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.last: dict[str, tuple[int, Value]] = {}

    def read(self, key: str) -> str:
        return self.data.get(key, "")

    def apply(self, command: Command) -> Value:
        seen = self.last.get(command.client)
        if seen is not None and seen[0] >= command.number:
            return seen[1] if seen[0] == command.number else None
        result: Value
        if command.f == "get":
            result = self.read(command.k)
        elif command.f == "put":
            self.data[command.k] = str(command.value)
            result = command.value
        else:
            self.data[command.k] = self.read(command.k) + str(command.value)
            result = command.value
        self.last[command.client] = (command.number, result)
        return result
