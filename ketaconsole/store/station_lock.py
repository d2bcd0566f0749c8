"""One console per station at a time: a lock held for as long as the console runs.

A station's sessions are resumed and closed by the station's name, so two consoles
with one name would write into one session. On SQLite the lock is an exclusive lock on
a small file beside the database; on PostgreSQL an advisory lock on a connection of
its own. Both are released by the operating system or the server when the process
dies, so a crashed console never leaves its station locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from pathlib import Path
from typing import IO, Any

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
                 connection: Any = None) -> None:
        self.station = station
        self._handle = handle
        self._connection = connection

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops its lock
            self._handle = None
        if self._connection is not None:
            # the server drops a session's advisory locks; a dead one has dropped them
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


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
    connection = database.engine.raw_connection()
    connection.detach()  # its own connection, closed (and the lock dropped) on release
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (_key(station),))
        row = cursor.fetchone()
        cursor.close()
        connection.commit()
    except Exception:
        connection.close()
        raise
    if not row or not row[0]:
        connection.close()
        raise _busy(station)
    return StationLock(station, connection=connection)
