"""Record histories from real databases: PostgreSQL transactions and Redis registers.

The pieces, in the order data flows through them:

- ``workloads``: what to ask for. Elle-style transactions (list-append, rw-register) and
  Knossos-style register operations, with the unique values the checkers rely on.
- ``recording``: C client threads, each with its own connection, running operations and logging
  each one's invocation and completion through one thread-safe ``Recorder``.
- ``postgres`` and ``redis``: a session per client that runs one operation against the server and
  says how it ended: ``ok``, ``fail`` (the server certainly did not apply it) or ``info`` (unknown).
- ``servers``: throwaway servers started from locally installed binaries in a temporary folder,
  listening on a unix socket only, and always stopped and removed afterwards.
- ``cli``: ``histcheck record postgres`` and ``histcheck record redis``.

Data flows one way: systems -> recorders -> checker. This package imports the checker's history
model and writers; the checker never imports it.
"""

from histcheck.recorders.databases.errors import RecorderError, ServerUnavailable

__all__ = ["RecorderError", "ServerUnavailable"]
