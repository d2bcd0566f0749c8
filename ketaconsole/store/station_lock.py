"""One console per station at a time: a lock held for as long as the console runs.

A station's sessions are resumed and closed by the station's name, so two consoles
with one name would write into one session. On SQLite the lock is an exclusive lock on
a small file beside the database. On PostgreSQL it is an advisory lock held by the
console's one server connection (the record's engine keeps exactly one, shared by the
record's writer and the status publisher): every connection the engine makes takes the
lock as it is made, so the lock lives as long as the connection, a connection remade
after an outage takes it again, and one that finds the station taken by another console
in the meantime is refused (the record's writer then reports the fault). Both locks are
released by the operating system or the server when the process dies, so a crashed
console never leaves its station locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from ketaconsole.station import StationBusy
from ketaconsole.store.database import Database

__all__ = ["StationBusy", "StationLock", "lock_station"]


def _busy(station: str) -> StationBusy:
    return StationBusy(
        f"another console is already running as station {station!r} on this record; "
        "close it first, or give this console its own name with KETACONSOLE_STATION")


def _key(station: str) -> int:
    """A signed 64-bit advisory-lock key for the station's name."""
    digest = hashlib.sha256(b"ketaconsole-station:" + station.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class StationLock:
    """Held from :func:`lock_station` until :meth:`release` (or the process ends)."""

    def __init__(self, station: str, handle: IO[bytes] | None = None,
                 held_by: _ServerLock | None = None) -> None:
        self.station = station
        self._handle = handle
        self._held_by = held_by

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops its lock
            self._handle = None
        if self._held_by is not None:
            self._held_by.release()
            self._held_by = None


class _ServerLock:
    """The station's advisory lock, taken by every connection the record's engine makes."""

    def __init__(self, database: Database, station: str) -> None:
        self.database = database
        self.station = station
        self.key = _key(station)

    def take(self, dbapi_connection: Any, _record: Any) -> None:
        """``connect`` listener: the new connection takes the lock, or is refused."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = cursor.fetchone()
        finally:
            cursor.close()
        dbapi_connection.commit()
        if not row or not row[0]:
            raise _busy(self.station)  # the engine closes the connection it was making

    def hold(self) -> None:
        """Take the lock now: connections made before this held none, so they go first."""
        engine = self.database.engine
        event.listen(engine, "connect", self.take)
        engine.dispose()
        try:
            with engine.connect():
                pass
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Stop taking the lock and close the engine's connection (the server drops it)."""
        engine = self.database.engine
        if event.contains(engine, "connect", self.take):
            event.remove(engine, "connect", self.take)
        with contextlib.suppress(Exception):
            engine.dispose()


def _lock_file(database: Database, station: str) -> Path | None:
    path = make_url(database.url).database
    if not path or path == ":memory:":
        return None
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", station)[:80]
    return Path(path).with_name(f"{Path(path).name}.station-{safe}.lock")


def _lock_exclusively(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows consoles
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def lock_station(database: Database, station: str) -> StationLock:
    """Take the station's lock on this record, or raise :class:`StationBusy`."""
    if database.is_sqlite:
        path = _lock_file(database, station)
        if path is None:
            return StationLock(station)
        handle = open(path, "a+b")  # noqa: SIM115 - held open for the console's life
        if not _lock_exclusively(handle):
            handle.close()
            raise _busy(station)
        return StationLock(station, handle=handle)
    held_by = _ServerLock(database, station)
    held_by.hold()
    return StationLock(station, held_by=held_by)
