"""Alarm actions the overview asks of a room: a row the room's publisher picks up and does.

The room acknowledges with its own alarm system, so the acknowledgement is on its
timeline under the person logged in at the overview, exactly as if given at the bedside.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import insert, select

from ketaconsole.overview.publisher import ACKNOWLEDGE
from ketaconsole.store import Database
from ketaconsole.store.models import RoomCommand


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    done_at: float | None
    outcome: str | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


def ask_acknowledge(database: Database, station: str, *, by: str,
                    alarm_id: str | None = None, now: float | None = None) -> int:
    """Ask ``station`` to acknowledge one alarm (or all of them) for ``by``; the command's id."""
    if not by.strip():
        raise ValueError("an acknowledgement from the overview needs the person logged in")
    with database.engine.begin() as connection:
        result = connection.execute(insert(RoomCommand).values(
            station=station, action=ACKNOWLEDGE, alarm_id=alarm_id, requested_by=by,
            requested_at=time.time() if now is None else now).returning(RoomCommand.id))
        return int(result.scalar_one())


def command_outcome(database: Database, command_id: int) -> CommandOutcome:
    """Whether the room has done the command yet, and what came of it."""
    with database.engine.connect() as connection:
        row = connection.execute(select(RoomCommand.done_at, RoomCommand.outcome)
                                 .where(RoomCommand.id == command_id)).first()
    if row is None:
        raise LookupError(f"there is no overview command {command_id}")
    return CommandOutcome(row[0], row[1])
