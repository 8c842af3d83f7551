"""Instrumented reference systems: a deterministic simulator and the mechanisms systems rest on.

Under ``histcheck.systems``: ``sim`` (virtual time, system models, faults), ``rpc`` (stub
generator, marshaling, fragmentation, worker pool, retry semantics, real sockets), ``transport``
(reliable transport over an unreliable network), ``broadcast`` (the broadcast hierarchy) and
``catalogue`` (every system and variant, with what it promises).
"""
