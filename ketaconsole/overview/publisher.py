"""The room's status publisher: about once a second, the room's status into the clinic's database.

A thread of its own on the room's record database, whose one server connection it shares
with the record's writer: a round waits at most for the writer's current batch, and
the screen and the alarms never wait for it. Each round is one short
transaction: the station's row in ``room_status`` is overwritten, on PostgreSQL a
``NOTIFY`` carries the status to every listening overview, and the alarm actions the
overview asked of this station (``room_commands``) are picked up and done here, by the
room's own alarm system, so they reach the room's timeline under the person who asked.

A database outage only stops publishing: ``problem`` says so in one sentence and the
next round tries again; monitoring, alarms and the record's own fault handling go on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.alarms import AlarmActionError
from ketaconsole.overview.status import PublishedRoom, RoomStatus, room_status
from ketaconsole.store.database import Database
from ketaconsole.store.models import RoomCommand, RoomStatusRow

log = logging.getLogger(__name__)

CHANNEL = "ketaconsole_room_status"
"""The PostgreSQL ``LISTEN/NOTIFY`` channel the rooms publish on."""
PUBLISH_EVERY_S = 1.0
NOTIFY_LIMIT_BYTES = 7900
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; a bigger status goes by table."""
ACKNOWLEDGE = "acknowledge"
COMMAND_EXPIRES_S = 30.0
"""An alarm action asked longer ago than this is not done (the room was not running then)."""


def upsert_status(connection: Connection, status: RoomStatus) -> None:
    """Overwrite the station's row (one row per station), and NOTIFY on PostgreSQL."""
    record = status.as_record()
    values = {"station": status.station, "seq": status.seq,
              "published_at": status.published_at, "status": record}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pg_statement = postgresql.insert(RoomStatusRow).values(values)
        connection.execute(pg_statement.on_conflict_do_update(
            index_elements=[RoomStatusRow.station],
            set_={k: pg_statement.excluded[k] for k in ("seq", "published_at", "status")}))
        payload = json.dumps(record, separators=(",", ":"))
        if len(payload.encode("utf-8")) > NOTIFY_LIMIT_BYTES:
            payload = json.dumps({"station": status.station, "seq": status.seq})
        connection.execute(select(func.pg_notify(CHANNEL, payload)))
    else:
        lite_statement = sqlite.insert(RoomStatusRow).values(values)
        connection.execute(lite_statement.on_conflict_do_update(
            index_elements=[RoomStatusRow.station],
            set_={k: lite_statement.excluded[k] for k in ("seq", "published_at", "status")}))


class RoomPublisher:
    """Publishes ``room``'s status every ``interval`` seconds and does the overview's asks."""

    def __init__(self, room: PublishedRoom, database: Database, *,
                 interval: float = PUBLISH_EVERY_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.room = room
        self.interval = interval
        self.clock = clock
        self._engine = database.engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.seq = 0
        self.problem: str | None = None
        """Why the last round was not published, in one sentence (``None``: it was)."""
        self.commands_done = 0

    def start(self) -> RoomPublisher:
        self._thread = threading.Thread(target=self._run, name="room-status", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop publishing; the last status says the console was closed on purpose."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.problem is None:
            self.publish_once(closed=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            if self.publish_once() and self.take_commands():
                self.publish_once()  # the acknowledgement shows at once, not a round later
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def publish_once(self, *, closed: bool = False) -> bool:
        """One round: the status into the table (and NOTIFY); ``False`` if it failed."""
        try:
            status = room_status(self.room, self.seq + 1, self.clock())
            if closed:
                status = replace(status, closed=True)
            with self._engine.begin() as connection:
                upsert_status(connection, status)
        except (SQLAlchemyError, OSError) as exc:
            self._failed(exc)
            return False
        except Exception:  # the publisher must outlive any one round's fault
            log.exception("room status could not be made")
            return False
        self.seq = status.seq
        if self.problem is not None:
            log.warning("room status: publishing again")
        self.problem = None
        return True

    def take_commands(self) -> int:
        """Do the alarm actions asked of this station from the overview; how many were done."""
        station = self.room.station
        try:
            with self._engine.begin() as connection:
                asked = connection.execute(
                    select(RoomCommand.id, RoomCommand.action, RoomCommand.alarm_id,
                           RoomCommand.requested_by, RoomCommand.requested_at)
                    .where(RoomCommand.station == station, RoomCommand.done_at.is_(None))
                    .order_by(RoomCommand.id)).all()
                for command_id, action, alarm_id, by, requested_at in asked:
                    late = self.clock() - requested_at
                    outcome = (f"not done: asked {late:.0f} s ago, too late to act on"
                               if late > COMMAND_EXPIRES_S else self._do(action, alarm_id, by))
                    connection.execute(update(RoomCommand)
                                       .where(RoomCommand.id == command_id)
                                       .values(done_at=self.clock(), outcome=outcome[:400]))
        except (SQLAlchemyError, OSError) as exc:
            self._failed(exc)
            return 0
        self.commands_done += len(asked)
        return len(asked)

    def _do(self, action: str, alarm_id: str | None, by: str) -> str:
        if action != ACKNOWLEDGE:
            return f"not done: this console does not know the action {action!r}"
        try:
            events = self.room.alarms.acknowledge(alarm_id, by=by, now=self.clock())
        except AlarmActionError as exc:
            return f"not done: {exc}"
        return f"acknowledged {len(events)} alarm(s)"

    def _failed(self, exc: BaseException) -> None:
        problem = ("the room's status is not reaching the overview: the database cannot be "
                   f"written ({type(exc).__name__}); it is tried again every second")
        if problem != self.problem:
            log.warning("room status: %s", exc)
        self.problem = problem

