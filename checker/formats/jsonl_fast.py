"""A fast path for big native JSON Lines histories, on polars; the exact reader stays the judge.

``read_fast(path)`` returns the same ``History`` as ``jsonl.read_exact`` or ``None``, meaning "use
the exact reader": it never raises a history error itself, so errors always come from the
exact reader with the right line. The idea:

1. Polars reads every line twice, cheaply: as raw text, and as JSON with every field typed as
   text (``read_ndjson`` with a String schema). The schema is every key named in a sample of
   lines (a regex); a line with any other key is parsed exactly, so extra fields are kept.
2. JSON text loses types (``"3"`` and ``3`` both read as ``3``), so a regex over each line tells,
   per field, which token it holds: a string, an integer, a flat list of integers, or null. A row
   is *simple* when all its fields are such tokens and it has no nested object (so every key
   match is a top-level key) and no backslash. Other rows (txn micro-ops, maps, floats) are
   parsed exactly with orjson, one line each.
3. Pairing is vectorised: per process, an invoke must follow a completion (or nothing) and a
   completion an invoke with the same ``f``. Anything unusual (blank lines, bad types, a pairing
   problem, a txn value of the wrong shape) returns ``None``.
"""

from __future__ import annotations

import gc
import re
from array import array
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson

from checker.errors import HistoryError
from checker.formats.mapping import ANONYMOUS_PROCESS, STANDARD_FIELDS, event_from_mapping
from checker.history import (
    INFO,
    INVOKE,
    NON_CLIENT_PROCESSES,
    OK,
    Event,
    EventType,
    History,
    Operation,
    PlacedEvent,
    _txn_shape_ok,
)

_TYPES = {t.value: t for t in EventType}
_KEY = r'"([A-Za-z0-9_\-.:/ ]+)"\s*:'
_TOKEN = r'("|-?\d+\s*[,}]|\[[-\d,\s]*\]\s*[,}]|null\s*[,}])'
"""The simple tokens: a string (its opening quote), an integer, a flat integer list, null."""


def _field(name: str) -> str:
    return '"' + re.escape(name) + r'"\s*:\s*'


def read_fast(path: Path) -> History | None:
    """The history in ``path``, or ``None`` when the exact reader must decide."""
    # Millions of new tuples would set off the cyclic collector again and again (nothing read
    # here forms a cycle): pause it for the read.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read(path)
    except (HistoryError, orjson.JSONDecodeError, ValueError, TypeError, KeyError):
        return None
    except Exception as exc:  # polars' own errors: malformed input for the fast path
        if type(exc).__module__.startswith("polars"):
            return None
        raise
    finally:
        if paused:
            gc.enable()


def _read(path: Path) -> History | None:
    import polars as pl

    data = path.read_bytes()
    if not data.strip() or b"\x1f" in data or b"\r" in data:
        return None
    text = pl.read_csv(data, has_header=False, separator="\x1f", quote_char=None,
                       schema={"line": pl.String})["line"]
    rows = len(text)
    if rows != data.count(b"\n") + (not data.endswith(b"\n")):
        return None  # blank lines (which polars skips): the exact reader numbers them
    if bool(text.str.strip_chars().eq("").any()):
        return None
    # Keys from a sample; a row with any other key fails the token count below and goes slow.
    sample = text.head(20_000).append(text.gather_every(101))
    keys = sorted(set(sample.str.extract_all(_KEY).explode().drop_nulls()
                      .str.extract(_KEY, 1).drop_nulls().to_list()))
    if "type" not in keys:
        return None
    frame = pl.read_ndjson(data, schema=dict.fromkeys(keys, pl.String))
    if frame.height != rows:
        return None
    line = pl.col("line")
    caps = {f"c:{key}": line.str.extract(_field(key) + _TOKEN, 1) for key in keys}
    offsets = {f"o:{key}": line.str.find(_field(key)) for key in keys
               if key not in STANDARD_FIELDS}
    shape = pl.DataFrame({"line": text}).select(
        simple=(line.str.count_matches("{", literal=True) == 1)
        & ~line.str.contains("\\", literal=True),
        tokens=line.str.count_matches(r'"[^"]*"\s*:'), **caps, **offsets)
    flags: dict[str, pl.Expr] = {}
    for key in keys:
        first = pl.col(f"c:{key}").str.head(1)
        flags |= {f"n:{key}": pl.col(f"c:{key}").is_not_null(), f"s:{key}": first == '"',
                  f"l:{key}": first == "[", f"z:{key}": first == "n",
                  f"i:{key}": first.is_in(list("-0123456789"))}
    shape = shape.with_columns(**flags)
    # Every key-like token is one known key holding a simple token, and none is repeated.
    present = pl.sum_horizontal([pl.col(f"n:{key}").cast(pl.Int32) for key in keys])
    simple = shape.select(pl.col("simple") & (pl.col("tokens") == present)).to_series()
    simple &= shape["s:f"] if "f" in keys else False
    for key in ("process", "type", "time", "index"):
        if key in keys:  # present, simple and of the wrong kind: the exact reader says why
            n, num, st, z = (shape[f"{c}:{key}"] for c in "nisz")
            allowed = num | z if key in ("time", "index") else st if key == "type" else num | st
            wrong = n & ~allowed
            if bool((wrong & simple).any()):
                return None
    columns = {key: _column(frame[key], shape, key) for key in keys}
    slow = [i for i, ok in enumerate(simple.to_list()) if not ok]
    table = _assemble(columns, shape, keys, rows)
    slow_lines: list[str] = text.gather(slow).to_list()
    for i, raw_line in zip(slow, slow_lines, strict=True):
        raw = orjson.loads(raw_line)
        if not isinstance(raw, dict):
            return None
        event = event_from_mapping(raw)
        for name, column in zip(_FIELDS, table, strict=True):
            column[i] = getattr(event, name)
    return _pair(table, str(path))


_FIELDS = ("process", "type", "f", "value", "key", "time", "extra")


def _column(values: Any, shape: Any, key: str) -> list[Any]:
    """The Python values of one field: ints, strings, int lists (tuples) or None."""
    import polars as pl

    kinds = shape.select(ints=pl.col(f"i:{key}").any(), strs=pl.col(f"s:{key}").any(),
                         lists=pl.col(f"l:{key}").any()).row(0)
    if not kinds[1] and not kinds[2]:
        return values.cast(pl.Int64, strict=False).to_list()  # type: ignore[no-any-return]
    texts = values.to_list()
    if not kinds[0] and not kinds[2]:
        return texts  # type: ignore[no-any-return]
    ints = values.cast(pl.Int64, strict=False).to_list()
    is_int = shape[f"i:{key}"].to_list()
    is_list = shape[f"l:{key}"].to_list()
    out: list[Any] = [i if flag else t for i, t, flag in zip(ints, texts, is_int, strict=True)]
    lists = [i for i, flag in enumerate(is_list) if flag and texts[i] is not None]
    if lists:
        parsed = orjson.loads("[" + ",".join(texts[i] for i in lists) + "]")
        for i, value in zip(lists, parsed, strict=True):
            out[i] = tuple(value)
    return out


def _assemble(columns: dict[str, list[Any]], shape: Any, keys: list[str],
              rows: int) -> list[list[Any]]:
    """Event fields as columns, in ``_FIELDS`` order (slow rows are overwritten by the caller)."""
    none: list[Any] = [None] * rows
    process = columns.get("process") or [ANONYMOUS_PROCESS] * rows
    if "process" in columns and None in process:
        present = shape["n:process"].to_list()
        process = [p if n else ANONYMOUS_PROCESS for p, n in zip(process, present, strict=True)]
    types = list(map(_TYPES.get, columns.get("type", none)))
    extras: list[Any] = [()] * rows
    extra_keys = [k for k in keys if k not in STANDARD_FIELDS]
    if extra_keys:
        offsets = {k: shape[f"o:{k}"].to_list() for k in extra_keys}
        for i in range(rows):
            found = [(offsets[k][i], k) for k in extra_keys if offsets[k][i] is not None]
            if found:
                extras[i] = tuple((k, columns[k][i]) for _, k in sorted(found))
    return [process, types, list(columns.get("f", none)), list(columns.get("value", none)),
            list(columns.get("key", none)), list(columns.get("time", none)), extras]


def _pair(table: list[list[Any]], source: str) -> History | None:
    """Pair invokes with completions per process; ``None`` on any problem."""
    import polars as pl

    process, types, fs, values, keys, times, extras = table
    if None in types or any(type(f) is not str for f in fs):
        return None
    client = [not (type(p) is str and p in NON_CLIENT_PROCESSES) for p in process]
    for i, is_client in enumerate(client):
        if is_client and fs[i] == "txn" and not _txn_shape_ok(values[i], types[i]):
            return None
    frame = pl.DataFrame({
        "proc": [f"{p}" if type(p) is int else f"'{p}" for p in process],
        "invoke": [t is INVOKE for t in types],
        "f": fs,
        "client": client,
    }).with_row_index("pos").filter("client")
    frame = frame.with_columns(
        prev_invoke=pl.col("invoke").shift(1).over("proc"),
        prev_f=pl.col("f").shift(1).over("proc"),
        next_pos=pl.col("pos").shift(-1).over("proc"),
    )
    bad = frame.filter(
        pl.when(pl.col("invoke")).then(pl.col("prev_invoke").fill_null(False))
        .otherwise(~pl.col("prev_invoke").fill_null(False) | (pl.col("prev_f") != pl.col("f"))))
    if bad.height:
        return None
    invokes = frame.filter("invoke")
    calls = invokes["pos"].to_list()
    rets = invokes["next_pos"].to_list()
    ops = list(map(_operation, range(len(calls)), calls, rets, repeat(table)))
    others = tuple(PlacedEvent(i, Event(process[i], types[i], fs[i], values[i], keys[i],
                                        times[i], extras[i]))
                   for i, is_client in enumerate(client) if not is_client)
    timed = frame.height > 0 and None not in [times[p] for p in frame["pos"].to_list()]
    return History(operations=tuple(ops), others=others, source=source, size=len(types),
                   timed=timed, lines=array("l", range(1, len(types) + 1)))


def _operation(number: int, call: int, ret: int | None, table: list[list[Any]]) -> Operation:
    process, types, fs, values, keys, times, extras = table
    value_in = values[call]
    if ret is None:
        return Operation(number, process[call], fs[call], value_in, INFO, call, None,
                         keys[call], value_in, times[call], None, extras[call], ())
    kind = types[ret]
    value_out = values[ret]
    value = value_out if kind is OK else value_in
    if kind is INFO and value_out is not None and value_in is None:
        value = value_out
    key = keys[call] if keys[call] is not None else keys[ret]
    return Operation(number, process[call], fs[call], value, kind, call, ret, key,
                     value_in, times[call], times[ret], extras[call], extras[ret])
