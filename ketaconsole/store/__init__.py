"""The session record: database, schema and migrations, timeline hash chain, writer, review.

``open_database`` opens (and migrates) the record; ``SessionService`` starts or resumes a
session and records its events through the ``Recorder`` (the one writer thread);
``review`` reads a session back, ``replay`` feeds its journalled bytes through the drivers.
"""

from ketaconsole.store.database import Database, open_database
from ketaconsole.store.faults import DatabaseUnavailable
from ketaconsole.store.recorder import Recorder, RecorderStatus, RecordNotWritten
from ketaconsole.store.service import (
    DeviceUse,
    SessionPlan,
    SessionService,
    UnknownSessionError,
    append_event,
    station_name,
)
from ketaconsole.store.timeline import StoredEvent

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "DeviceUse",
    "RecordNotWritten",
    "Recorder",
    "RecorderStatus",
    "SessionPlan",
    "SessionService",
    "StoredEvent",
    "UnknownSessionError",
    "append_event",
    "open_database",
    "station_name",
]
