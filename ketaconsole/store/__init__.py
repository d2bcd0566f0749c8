"""The session record: database, schema and migrations, timeline hash chain, writer, review.

``open_database`` opens (and migrates) the record; ``SessionService`` starts or resumes a
session and records its events through the ``Recorder`` (the one writer thread);
``review`` reads a session back, ``replay`` feeds its journalled bytes through the drivers.

The names below load their modules (and SQLAlchemy) on first use, so that a light part
of the store (``ketaconsole.store.timeline``) or a module that only names these types
does not pay for the database before the console's window is painted.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Database": "database", "open_database": "database",
    "DatabaseUnavailable": "faults",
    "Recorder": "recorder", "RecorderStatus": "recorder", "RecordNotWritten": "recorder",
    "DeviceUse": "service", "SessionPlan": "service", "SessionService": "service",
    "UnknownSessionError": "service", "append_event": "service", "station_name": "service",
    "StoredEvent": "timeline",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
