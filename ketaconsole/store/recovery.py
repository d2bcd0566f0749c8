"""After a crash: find the session this console left open and when its record last grew."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.store.database import Database
from ketaconsole.store.models import (
    ClinicSession,
    JournalChunk,
    NumericValue,
    Patient,
    TimelineEvent,
    WaveChunkRecord,
)


def unfinished_session(database: Database, station: str, *,
                       quiet: bool = False) -> tuple[int, str | None] | None:
    """The newest session of this station that has no end, with its patient's name.

    ``quiet``: a record that cannot be read now (a full disk) answers ``None`` instead
    of failing, for a status line after a session could not be closed.
    """
    try:
        with database.sessions() as session:
            found = session.execute(
                select(ClinicSession.id, Patient.name)
                .join(Patient, Patient.id == ClinicSession.patient_id, isouter=True)
                .where(ClinicSession.station == station, ClinicSession.ended_at.is_(None))
                .order_by(ClinicSession.started_at.desc(), ClinicSession.id.desc())
                .limit(1)).first()
    except SQLAlchemyError:
        if not quiet:
            raise
        return None
    return None if found is None else (int(found[0]), found[1])


def last_committed_write(database: Database, session_id: int) -> float | None:
    """The latest time anything of the session reached the database (the outage's start)."""
    queries = (
        select(func.max(TimelineEvent.at)).where(TimelineEvent.session_id == session_id),
        select(func.max(NumericValue.received_at))
        .where(NumericValue.session_id == session_id),
        select(func.max(WaveChunkRecord.received_at))
        .where(WaveChunkRecord.session_id == session_id),
        select(func.max(JournalChunk.last_at)).where(JournalChunk.session_id == session_id),
        select(ClinicSession.started_at).where(ClinicSession.id == session_id),
    )
    latest: float | None = None
    with database.sessions() as session:
        for query in queries:
            value = session.execute(query).scalar()
            if value is not None:
                latest = float(value) if latest is None else max(latest, float(value))
    return latest
