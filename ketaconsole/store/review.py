"""Reading a recorded session back: the session list, timeline, trends, waves and journal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from ketaconsole.store.database import Database
from ketaconsole.store.journal_codec import unpack_pieces
from ketaconsole.store.models import (
    ClinicSession,
    JournalChunk,
    NumericValue,
    Patient,
    TimelineEvent,
    WaveChunkRecord,
)
from ketaconsole.store.service import UnknownSessionError
from ketaconsole.store.timeline import ChainBreak, StoredEvent, first_break, format_time
from ketaconsole.store.wave_codec import decode_samples


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    patient: str
    station: str
    phase: str
    started_at: float
    ended_at: float | None
    events: int
    devices: list[Any]

    def as_record(self) -> dict[str, Any]:
        return {"id": self.id, "patient": self.patient, "station": self.station,
                "phase": self.phase, "started": format_time(self.started_at),
                "ended": format_time(self.ended_at) if self.ended_at is not None else None,
                "events": self.events,
                "devices": [d.get("slug") for d in self.devices if isinstance(d, dict)]}


@dataclass(frozen=True, slots=True)
class Trend:
    """One metric over a session: receive times and values (NaN where there was no value)."""

    metric: str
    unit: str
    times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StoredWave:
    device_id: str
    metric: str
    unit: str
    sample_rate_hz: float
    first_received_at: float
    received_at: float
    samples: tuple[float | None, ...]


def list_sessions(database: Database) -> list[SessionSummary]:
    counts = (select(TimelineEvent.session_id, func.count().label("n"))
              .group_by(TimelineEvent.session_id).subquery())
    query = (select(ClinicSession, Patient.name, counts.c.n)
             .join(Patient, Patient.id == ClinicSession.patient_id)
             .outerjoin(counts, counts.c.session_id == ClinicSession.id)
             .order_by(ClinicSession.id))
    with database.sessions() as session:
        return [SessionSummary(row.id, name, row.station, row.phase, row.started_at,
                               row.ended_at, int(n or 0), list(row.devices))
                for row, name, n in session.execute(query)]


def session_row(database: Database, session_id: int) -> ClinicSession:
    """The session's row, or :class:`UnknownSessionError` naming what exists."""
    with database.sessions() as session:
        row = session.get(ClinicSession, session_id)
    if row is None:
        raise UnknownSessionError(
            f"there is no session {session_id} in this record; "
            "'ketaconsole sessions' lists the sessions there are")
    return row


def timeline(database: Database, session_id: int) -> list[StoredEvent]:
    query = (select(TimelineEvent.session_id, TimelineEvent.seq, TimelineEvent.at,
                    TimelineEvent.kind, TimelineEvent.author, TimelineEvent.payload,
                    TimelineEvent.corrects, TimelineEvent.prev_hash, TimelineEvent.hash)
             .where(TimelineEvent.session_id == session_id).order_by(TimelineEvent.seq))
    with database.sessions() as session:
        return [StoredEvent(*row) for row in session.execute(query)]


def verify(database: Database, session_id: int) -> tuple[int, ChainBreak | None]:
    """How many events the session has and where its chain first breaks (``None``: intact)."""
    session_row(database, session_id)
    events = timeline(database, session_id)
    return len(events), first_break(events)


def trends(database: Database, session_id: int) -> dict[str, Trend]:
    """Every numeric metric of the session, in time order (read from the trend index)."""
    metrics = (select(NumericValue.metric).where(NumericValue.session_id == session_id)
               .distinct().order_by(NumericValue.metric))
    found: dict[str, Trend] = {}
    with database.engine.connect() as connection:
        for metric in connection.execute(metrics).scalars().all():
            unit = connection.execute(
                select(NumericValue.unit).where(NumericValue.session_id == session_id,
                                                NumericValue.metric == metric).limit(1)
            ).scalar_one()
            series = connection.execute(
                select(NumericValue.received_at, NumericValue.value)
                .where(NumericValue.session_id == session_id, NumericValue.metric == metric)
                .order_by(NumericValue.received_at))
            # Plain (time, value) tuples straight from the driver: a 4-hour session has
            # hundreds of thousands of them. numpy turns a missing value (None) into NaN.
            points = np.array(series.cursor.fetchall(), dtype=np.float64).reshape(-1, 2)
            series.close()
            found[metric] = Trend(metric, unit, points[:, 0].copy(), points[:, 1].copy())
    return found


def waves(database: Database, session_id: int, metric: str,
          since: float | None = None, until: float | None = None) -> list[StoredWave]:
    query = (select(WaveChunkRecord).where(WaveChunkRecord.session_id == session_id,
                                           WaveChunkRecord.metric == metric)
             .order_by(WaveChunkRecord.received_at, WaveChunkRecord.id))
    if since is not None:
        query = query.where(WaveChunkRecord.received_at >= since)
    if until is not None:
        query = query.where(WaveChunkRecord.first_received_at <= until)
    with database.sessions() as session:
        return [StoredWave(r.device_id, r.metric, r.unit, r.sample_rate_hz,
                           r.first_received_at, r.received_at,
                           decode_samples(r.data, r.encoding))
                for r in session.scalars(query)]


def journal(database: Database, session_id: int) -> Iterator[tuple[str, str, float, bytes]]:
    """Every raw-byte piece of the session as ``(device, direction, time, bytes)``, in order."""
    query = (select(JournalChunk.device_id, JournalChunk.direction, JournalChunk.pieces,
                    JournalChunk.data)
             .where(JournalChunk.session_id == session_id)
             .order_by(JournalChunk.first_at, JournalChunk.id))
    pieces: list[tuple[float, int, str, str, bytes]] = []
    order = 0
    with database.sessions() as session:
        for device_id, direction, packed, data in session.execute(query):
            for at, chunk in unpack_pieces(packed, data):
                pieces.append((at, order, device_id, direction, chunk))
                order += 1
    pieces.sort(key=lambda p: (p[0], p[1]))
    for at, _, device_id, direction, chunk in pieces:
        yield device_id, direction, at, chunk
