"""Reading a recorded session back: the session list, timeline, trends, waves and journal."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import String, func, select, type_coerce

from ketaconsole.catalogue import VOLUME_INFUSED
from ketaconsole.session.state import FOLD_KINDS, SessionState, fold
from ketaconsole.store.anchors import AnchorProblem, session_chain
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
from ketaconsole.store.outages import recorded_loss_notes
from ketaconsole.store.record_fields import FIELDS_KIND, FieldsProblem, altered_fields
from ketaconsole.store.seal_sweep import every_seal_holds
from ketaconsole.store.seals import (
    SEAL_KIND,
    UNSEALED,
    MeasurementBreak,
    first_altered_measurement,
    seals_of,
)
from ketaconsole.store.service import UnknownSessionError, session_exists
from ketaconsole.store.timeline import ChainBreak, StoredEvent, first_break, format_time
from ketaconsole.store.wave_codec import decode_samples

CHAIN_ONLY_KINDS = (SEAL_KIND, FIELDS_KIND)
"""Entries that keep the chain whole and that no person reads as timeline events."""


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
              .where(TimelineEvent.kind.not_in(CHAIN_ONLY_KINDS))
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


def timeline(database: Database, session_id: int, *, seals: bool = True
             ) -> list[StoredEvent]:
    """The session's chain in order; ``seals=False`` leaves out the chain's own entries.

    Those are the measurement seals and the ``record_fields`` entries: they keep the
    record whole but are not events a person reads on a timeline.
    """
    query = (select(TimelineEvent.session_id, TimelineEvent.seq, TimelineEvent.at,
                    TimelineEvent.kind, TimelineEvent.author, TimelineEvent.payload,
                    TimelineEvent.corrects, TimelineEvent.prev_hash, TimelineEvent.hash)
             .where(TimelineEvent.session_id == session_id).order_by(TimelineEvent.seq))
    if not seals:
        query = query.where(TimelineEvent.kind.not_in(CHAIN_ONLY_KINDS))
    # Plain driver rows: a 4-hour session's chain has some 60,000 events with its seals.
    with database.engine.connect() as connection:
        result = connection.execute(query.with_only_columns(
            *(type_coerce(column, String) if column.name == "payload" else column
              for column in query.selected_columns)))
        rows = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
    return [StoredEvent(sid, seq, at, kind, author,
                        json.loads(payload) if isinstance(payload, str | bytes) else payload,
                        corrects, prev_hash, digest)
            for sid, seq, at, kind, author, payload, corrects, prev_hash, digest in rows]


def session_states(database: Database, session_ids: Iterable[int]) -> dict[int, SessionState]:
    """Each session's state: the one fold of its recorded events (only the kinds it reads)."""
    wanted = sorted(set(session_ids))
    if not wanted:
        return {}
    query = (select(TimelineEvent.session_id, TimelineEvent.seq, TimelineEvent.at,
                    TimelineEvent.kind, TimelineEvent.author, TimelineEvent.payload,
                    TimelineEvent.corrects, TimelineEvent.prev_hash, TimelineEvent.hash)
             .where(TimelineEvent.session_id.in_(wanted),
                    TimelineEvent.kind.in_(sorted(FOLD_KINDS)))
             .order_by(TimelineEvent.session_id, TimelineEvent.seq))
    by_session: dict[int, list[StoredEvent]] = {sid: [] for sid in wanted}
    with database.sessions() as session:
        for sid, seq, at, kind, author, payload, corrects, prev, digest in session.execute(query):
            by_session[int(sid)].append(StoredEvent(int(sid), seq, at, kind, author, payload,
                                                    corrects, prev, digest))
    return {sid: fold(events) for sid, events in by_session.items()}


def pump_volumes(database: Database, session_id: int) -> list[tuple[str, float | None]]:
    """The session's recorded pump volume readings (device, counter) in storage order."""
    query = (select(NumericValue.device_id, NumericValue.value)
             .where(NumericValue.session_id == session_id,
                    NumericValue.metric == VOLUME_INFUSED.refid)
             .order_by(NumericValue.id))
    with database.sessions() as session:
        return [(str(device), value) for device, value in session.execute(query)]


def session_state(database: Database, session_id: int) -> SessionState:
    """Where one session stands, folded from its record."""
    return session_states(database, [session_id])[session_id]


def chain_links(database: Database, session_id: int, *, through_seq: int | None = None
                ) -> list[tuple[int, str]]:
    """(sequence number, hash) of every entry of the session's chain, in order."""
    query = (select(TimelineEvent.seq, TimelineEvent.hash)
             .where(TimelineEvent.session_id == session_id).order_by(TimelineEvent.seq))
    if through_seq is not None:
        query = query.where(TimelineEvent.seq <= through_seq)
    with database.engine.connect() as connection:
        return [(int(seq), str(digest)) for seq, digest in connection.execute(query)]


RecordProblem = ChainBreak | MeasurementBreak | FieldsProblem | AnchorProblem


def verify(database: Database, session_id: int) -> tuple[int, RecordProblem | None]:
    """How many events the session's chain has and the first problem (``None``: intact).

    In this order: a session whose rows are gone but whose anchor log is not (removed),
    the timeline's chain, then every measurement seal, then the chain against its anchors
    outside the database (a shortened or recomputed record: the fields a removed end
    stated would read as edited), then every field of the session's and its patient's
    rows against the chain's last ``record_fields`` statement.
    """
    removed = removed_session(database, session_id)
    if removed is not None:
        return 0, removed
    session_row(database, session_id)
    events = timeline(database, session_id)
    broken = first_break(events)
    if broken is not None:
        return len(events), broken
    altered = altered_measurement(database, session_id, seals_of(events))
    if altered is not None and altered.sentence.endswith(UNSEALED):
        # a session still recording commits each batch with its seal; one committed between
        # reading the chain and the rows is read whole the second time
        events = timeline(database, session_id)
        broken = first_break(events)
        if broken is not None:
            return len(events), broken
        altered = altered_measurement(database, session_id, seals_of(events))
    if altered is not None:
        return len(events), altered
    if database.anchors is not None:
        problem = database.anchors.check(session_chain(session_id), "the record",
                                         {e.seq: e.hash for e in events})
        if problem is not None:
            return len(events), problem
    return len(events), altered_fields(database, session_id, events)


def altered_measurement(database: Database, session_id: int,
                        seals: list[StoredEvent]) -> MeasurementBreak | None:
    """The first measurement not as sealed: one quick sweep proves most records whole,
    and only a record it cannot prove is recomputed seal by seal to name what changed."""
    if every_seal_holds(database, session_id, seals):
        return None
    return first_altered_measurement(database, session_id, seals)


def removed_session(database: Database, session_id: int) -> AnchorProblem | None:
    """A session the record no longer has although its anchor log saw it (else ``None``)."""
    if database.anchors is None or session_exists(database, session_id):
        return None
    seen = [a for a in database.anchors.read(session_chain(session_id)) if a.seq >= 0]
    if not seen:
        return None
    last = max(seen, key=lambda a: a.seq)
    return AnchorProblem(f"the whole session was removed from the record (its anchor log "
                         f"saw its chain reach event {last.seq} at {format_time(last.at)})")


def unrecorded_losses(database: Database, session_id: int) -> list[dict[str, Any]]:
    """Losses noted beside the anchor log that are not yet ``record_loss`` events.

    A console that stopped while the record could not be written (a full disk) notes
    what it gave up there; the session's next start puts it on the timeline.
    """
    if database.anchors is None:
        return []
    with database.sessions() as session:
        recorded = recorded_loss_notes(session, session_id)
    return [note for note in database.anchors.losses(session_chain(session_id))
            if note.get("noted") not in recorded]


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
