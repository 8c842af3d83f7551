"""Instrumented reference systems: a deterministic simulator and the mechanisms of the notes.

``systems.sim`` (virtual time, system models, faults), ``systems.rpc`` (stub generator,
marshaling, fragmentation, worker pool, retry semantics, real sockets), ``systems.transport``
(reliable transport over an unreliable network), ``systems.broadcast`` (the broadcast hierarchy)
and ``systems.catalogue`` (every system and variant, with what it promises).
"""
