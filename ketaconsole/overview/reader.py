"""Reading the rooms' statuses: the whole table at once, or as they come (``LISTEN`` on PostgreSQL).

:func:`read_statuses` reads every station's row (``ketaconsole rooms``, the overview's
start and its regular re-read). :class:`StatusFeed` is the overview's thread: on
PostgreSQL it listens on the rooms' channel and hands each status on as it arrives,
and re-reads the table every few seconds so that nothing lost in an outage stays lost;
on SQLite it re-reads the table twice a second. A fault is held in ``problem`` and
tried again; the statuses then age, and the overview shows which rooms fell silent.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.overview.publisher import CHANNEL
from ketaconsole.overview.status import RoomStatus
from ketaconsole.store import Database
from ketaconsole.store.models import RoomStatusRow

log = logging.getLogger(__name__)

StatusSink = Callable[[RoomStatus], None]
RESYNC_EVERY_S = 5.0
SQLITE_POLL_S = 0.5


def read_statuses(database: Database) -> list[RoomStatus]:
    """Every station's last status, by station name (rows this version cannot read left out)."""
    with database.engine.connect() as connection:
        rows = connection.execute(select(RoomStatusRow.status)
                                  .order_by(RoomStatusRow.station)).scalars().all()
    statuses = []
    for record in rows:
        try:
            statuses.append(RoomStatus.from_record(record))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("room status left out: %s", exc)
    return statuses


def read_status(database: Database, station: str) -> RoomStatus | None:
    with database.engine.connect() as connection:
        record = connection.execute(select(RoomStatusRow.status)
                                    .where(RoomStatusRow.station == station)).scalar()
    return None if record is None else RoomStatus.from_record(record)


class StatusFeed:
    """Hands every room status to ``sink`` as it arrives, on a thread of its own."""

    def __init__(self, database: Database, sink: StatusSink, *,
                 resync_s: float = RESYNC_EVERY_S) -> None:
        self.database = database
        self.sink = sink
        self.resync_s = resync_s
        self.problem: str | None = None
        self.notifications = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> StatusFeed:
        self._thread = threading.Thread(target=self._run, name="status-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.database.is_sqlite:
                    self._poll()
                else:
                    self._listen()
            except (SQLAlchemyError, OSError, ImportError) as exc:
                self._failed(exc)
            except Exception as exc:  # psycopg's own errors; the feed must go on
                self._failed(exc)
            self._stop.wait(1.0)

    def _failed(self, exc: BaseException) -> None:
        problem = ("the overview cannot read the rooms: the database does not answer "
                   f"({type(exc).__name__}); trying again every second")
        if problem != self.problem:
            log.warning("status feed: %s", exc)
        self.problem = problem

    def _resync(self) -> None:
        for status in read_statuses(self.database):
            self.sink(status)
        self.problem = None

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._resync()
            self._stop.wait(SQLITE_POLL_S)

    def _listen(self) -> None:
        import psycopg

        url = make_url(self.database.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._resync()
            next_resync = time.monotonic() + self.resync_s
            while not self._stop.is_set():
                for note in connection.notifies(timeout=0.5):
                    self.notifications += 1
                    self._received(note.payload)
                if time.monotonic() >= next_resync:
                    self._resync()
                    next_resync = time.monotonic() + self.resync_s

    def _received(self, payload: str) -> None:
        try:
            record: dict[str, Any] = json.loads(payload)
            if "v" not in record:  # too big to notify: only the station and seq came
                found = read_status(self.database, str(record["station"]))
                if found is not None:
                    self.sink(found)
                return
            self.sink(RoomStatus.from_record(record))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("room status notification left out: %s", exc)

