"""Record histories from real databases: PostgreSQL and MariaDB transactions, Redis registers.

The pieces, in the order data flows through them:

- ``workloads``: what to ask for. Elle-style transactions (list-append, rw-register) and
  Knossos-style register operations, with the unique values the checkers rely on.
- ``recording``: C client threads, each with its own connection, running operations and logging
  each one's invocation and completion through one thread-safe ``Recorder``.
- ``postgres``, ``mariadb`` and ``redis``: a session per client that runs one operation against
  the server and says how it ended: ``ok``, ``fail`` (the server certainly did not apply it) or
  ``info`` (unknown).
- ``servers`` and ``mariadb_server``: throwaway servers started from locally installed
  binaries in a temporary folder, and always stopped and removed afterwards.
- ``nodes`` and ``faulty``: a server as a node that faults can kill, restart, pause and resume,
  and the run of ``histcheck test postgres|mariadb`` under a nemesis.
- ``cli``: ``histcheck record postgres``, ``histcheck record mariadb``, ``histcheck record redis``.

Data flows one way: systems -> recorders -> checker. This package imports the checker's history
model and writers; the checker never imports it.
"""

from histcheck.recorders.databases.errors import RecorderError, ServerUnavailable

__all__ = ["RecorderError", "ServerUnavailable"]
