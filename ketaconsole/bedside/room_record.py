"""Opening a room's record: the database (migrated), the station's lock, the bedside's security.

This is the slow part of starting a console (SQLAlchemy, the migrations, the argon2
hashes of the demo's PINs), and it touches nothing of the room, so it may run on any
thread: the console window runs it off the GUI thread after its first paint, the
headless ``record`` command in turn. It also reads the clinic's alarm settings into the
alarm profile the room will judge by. :meth:`Room.attach_record` then joins the result
to the room, on the room's own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ketaconsole.alarms import LimitProfile, default_profile
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.security.clinic_settings import clinic_alarm_profile
from ketaconsole.station import StationBusy
from ketaconsole.store import Database, DatabaseUnavailable, open_database
from ketaconsole.store.station_lock import StationLock, lock_station

NO_DATABASE = "not recording: no record database was given"


@dataclass(slots=True)
class RoomRecord:
    """The record a room runs on, or the one sentence saying why there is none."""

    database: Database | None
    station_lock: StationLock | None = None
    security: BedsideSecurity | None = None
    problem: str | None = None
    alarm_profile: LimitProfile | None = None
    """The default alarm profile with the clinic's settings in force (none without a record)."""

    def close(self) -> None:
        """Let the record go unused (its room stopped before it could join)."""
        if self.station_lock is not None:
            self.station_lock.release()
        if self.database is not None:
            self.database.dispose()


def open_record(database_url: str | None, *, station: str, place: str,
                demo_users: bool = False,
                refuse: Callable[[Database], str | None] | None = None) -> RoomRecord:
    """Open the record at ``database_url`` for this station (step 3 of making a room).

    ``refuse`` may turn the database down before anything is written into it (the demo
    writes only into a database of its own): its sentence becomes the ``problem``.

    A database that cannot be opened is a :class:`RoomRecord` with its ``problem``;
    another console running as ``station`` on it raises :class:`StationBusy`.
    """
    if database_url is None:
        return RoomRecord(None, problem=NO_DATABASE)
    try:
        database = open_database(database_url, station=station)
    except DatabaseUnavailable as exc:
        return RoomRecord(None, problem=f"not recording: {exc}")
    refused = refuse(database) if refuse is not None else None
    if refused is not None:
        database.dispose()
        return RoomRecord(None, problem=f"not recording: {refused}")
    try:
        station_lock = lock_station(database, station)
    except StationBusy:
        database.dispose()
        raise
    security = BedsideSecurity(database, place=place)
    if demo_users:
        security.seed_demo_users()
    return RoomRecord(database, station_lock, security,
                      alarm_profile=clinic_alarm_profile(database, default_profile()))
