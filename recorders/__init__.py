"""Recording what systems did: client operations as histories, messages as traces.

Data flows one way: systems -> recorders -> checker. Recorders import the checker's history model
and writers; the checker never imports a recorder.
"""

from histcheck.recorders.operations import MonotonicClock, OperationRecorder, Ticket
from histcheck.recorders.trace import TraceRecorder

__all__ = ["MonotonicClock", "OperationRecorder", "Ticket", "TraceRecorder"]
