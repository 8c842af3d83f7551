"""The linearizability family's models, as the registry lists them (a light module: no search).

Each model can be checked for ``linearizable`` (real-time order; the default) and ``sequential``
(program order per process), and declares the operations it reads (``VOCABULARIES``; a history
with any other is refused before the search starts). The checker and the HTML report are
imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from histcheck.registry import ModelSpec
from histcheck.vocabulary import (
    ANY,
    LIST_OR_NIL,
    NUMBER_OR_NIL,
    PAIR,
    STRING_OR_NIL,
    Txn,
    Vocabulary,
)

if TYPE_CHECKING:
    from histcheck.plugins import PluginModel

_CONSISTENCIES = ("linearizable", "sequential")
_OPTIONS = ("engine", "workers", "explain", "shrink-seconds")
_CHECK = "histcheck.linear.check:check"
_REPORT = "histcheck.linear.report:write_report"

_SUMMARIES = (
    ("register", "read/write register starting at nil; a nil read means nil"),
    ("cas-register", "register with compare-and-set (Knossos rules; failed ops constrain "
                     "nothing)"),
    ("knossos-cas-register", "cas-register where a nil read matches any state (Knossos's own "
                             "unknown-read rule)"),
    ("etcd", "Porcupine's etcd register: absent start, nil read needs absent, a failed CAS "
             "says the value differed"),
    ("mutex", "lock: acquire needs it free, release needs it held"),
    ("kv", "Porcupine's key-value store: get/put/append of strings, keys start empty; "
           "partitioned by key"),
    ("grow-set", "set: add v, read returns the whole set"),
    ("fifo-queue", "FIFO queue: enqueue v; dequeue returns the head, nil when empty"),
    ("unordered-queue", "queue without order: dequeue returns any element, nil when empty"),
    ("lin-counter", "counter from 0: add n, read returns the total"),
    ("multi-register", "Knossos multi-register: txn of [r k v] and [w k v] (or read/write); "
                       "nil reads match anything; --opt initial={x 0 y 0}"),
)

REGISTER = Vocabulary.of({"read": ANY, "write": ANY})
CAS_REGISTER = Vocabulary.of({"read": ANY, "write": ANY, "cas": PAIR})
MULTI_REGISTER = Vocabulary.of({"txn": Txn((("r", ANY), ("w", ANY), ("read", ANY),
                                            ("write", ANY)))})
_QUEUE = Vocabulary.of({"enqueue": ANY, "dequeue": ANY})

VOCABULARIES: dict[str, Vocabulary] = {
    "register": REGISTER,
    "cas-register": CAS_REGISTER,
    "knossos-cas-register": CAS_REGISTER,
    "etcd": CAS_REGISTER,
    "mutex": Vocabulary.of({"acquire": ANY, "release": ANY}),
    "kv": Vocabulary.of({"get": STRING_OR_NIL, "put": STRING_OR_NIL, "append": STRING_OR_NIL}),
    "grow-set": Vocabulary.of({"add": ANY, "read": LIST_OR_NIL}),
    "fifo-queue": _QUEUE,
    "unordered-queue": _QUEUE,
    "lin-counter": Vocabulary.of({"add": NUMBER_OR_NIL, "increment": NUMBER_OR_NIL,
                                  "read": NUMBER_OR_NIL}),
    "multi-register": MULTI_REGISTER,
}
"""The operations each built-in model reads (``histcheck.vocabulary``)."""

_MODEL_OPTIONS = {"multi-register": ("initial",)}
"""Options one model reads besides the family's (``initial``: the registers' starting values)."""

MODELS: tuple[ModelSpec, ...] = tuple(
    ModelSpec(name=name, summary=summary, consistencies=_CONSISTENCIES, checker=_CHECK,
              reporter=_REPORT, options=_OPTIONS + _MODEL_OPTIONS.get(name, ()),
              vocabulary=VOCABULARIES[name])
    for name, summary in _SUMMARIES
)


def plugin_spec(plugin: PluginModel) -> ModelSpec:
    """A plugin's model, checked like the built-in ones (``histcheck.plugins``); it is gated
    only when it declares a ``vocabulary``."""
    return ModelSpec(name=plugin.name, summary=plugin.summary, consistencies=_CONSISTENCIES,
                     checker=_CHECK, reporter=_REPORT, options=_OPTIONS, origin=plugin.origin,
                     vocabulary=plugin.vocabulary)
