"""The chain writer: commits a batch's rows and seals them into the session's hash chain.

In one transaction it inserts the batch's numerics, wave chunks and journal chunks,
chains the batch's events (sequence number, previous hash), the measurement seal over
the rows and, when the session row changed or its statement is incomplete, the next
``record_fields`` statement; then it copies the chain's new head to the anchor log. It
keeps where the chain ends, and answers whether a write it is unsure of went in.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ketaconsole.observations import WaveChunk
from ketaconsole.store.anchors import session_chain
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, JournalChunk, NumericValue, TimelineEvent
from ketaconsole.store.models import WaveChunkRecord as WaveRow
from ketaconsole.store.record_fields import (
    FIELDS_KIND,
    is_complete,
    last_statement,
    next_statement,
    read_fields,
)
from ketaconsole.store.recorder_status import RecorderStatus
from ketaconsole.store.rows import journal_rows, numeric_row, pump_rows, wave_rows
from ketaconsole.store.seals import SEAL_KIND, insert_sealed
from ketaconsole.store.timeline import GENESIS_HASH, SYSTEM_AUTHOR, StoredEvent, chain_event
from ketaconsole.store.write_queue import EventRequest, Held, Loss

log = logging.getLogger("ketaconsole.store.recorder")
"""The recorder's log: its parts report under the one name."""


class ChainWriter:
    """Writes one session's batches and chains its events; knows where the chain ends."""

    def __init__(self, database: Database, session_id: int, status: RecorderStatus, *,
                 clock: Callable[[], float]) -> None:
        self.database = database
        self.session_id = session_id
        self.status = status
        self.clock = clock
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self._fields: dict[str, Any] | None = None
        """The session's last ``record_fields`` statement (see ``record_fields``)."""

    # -- where the chain ends -------------------------------------------------------------

    def read_tail(self, session: Session) -> bool:
        """Where the chain ends and its last statement of the rows; True if it moved on."""
        last = session.execute(
            select(TimelineEvent.seq, TimelineEvent.hash)
            .where(TimelineEvent.session_id == self.session_id)
            .order_by(TimelineEvent.seq.desc()).limit(1)).first()
        if last is None or int(last[0]) <= self.last_seq:
            return False
        self.last_seq, self.last_hash = int(last[0]), str(last[1])
        self._fields = last_statement(session, self.session_id)
        return True

    def reload_tail(self) -> bool:
        """Re-read where the chain ends, in case another writer (an export, a check-in of
        the same patient) appended to it.

        True when the chain had moved on.
        """
        try:
            with self.database.sessions() as session:
                return self.read_tail(session)
        except Exception:
            return False

    # -- writing ---------------------------------------------------------------------------

    def write(self, held: deque[Held], events: list[EventRequest],
              updates: dict[str, Any], loss: Loss) -> list[StoredEvent]:
        """Commit one batch; the events as chained (the loss event, seal and statement not)."""
        sid = self.session_id
        numerics: list[dict[str, Any]] = []
        waves: list[WaveChunk] = []
        pieces: list[tuple[str, str, float, bytes]] = []
        for what, item, _ in held:
            if what == "numeric":
                numerics.append(numeric_row(sid, item))
            elif what == "pump":
                numerics.extend(pump_rows(sid, item))
            elif what == "wave":
                waves.append(item)
            else:
                pieces.append(item)
        requests = list(events)
        if loss.total:
            requests.append(loss.as_event(self.clock()))
        chained: list[StoredEvent] = []
        seq, prev = self.last_seq, self.last_hash
        for request in requests:
            seq += 1
            event = chain_event(sid, seq, request.at, request.kind, request.author,
                                request.payload, request.corrects, prev)
            chained.append(event)
            prev = event.hash
        with self.database.sessions() as session, session.begin():
            seal = insert_sealed(session, sid, numerics, wave_rows(sid, waves),
                                 journal_rows(sid, pieces))
            rows = list(chained)
            if seal is not None:
                # The batch's seal is chained in the same transaction as its rows.
                seq += 1
                sealed = chain_event(sid, seq, self.clock(), SEAL_KIND, SYSTEM_AUTHOR, seal,
                                     None, prev)
                rows.append(sealed)
                prev = sealed.hash
            if updates:
                session.execute(update(ClinicSession).where(ClinicSession.id == sid)
                                .values(**updates))
            fields = self._fields
            if updates or not is_complete(fields):
                # What the writer wrote to the row goes on the chain with it: the last
                # statement with the change applied (never the row read back, which
                # would take in an edit made with plain SQL). A session without a
                # complete statement (recorded before a field was covered) completes it.
                stood = None if is_complete(fields) else read_fields(session, sid)
                fields = next_statement(self._fields, stood, updates)
                if fields is not None and fields != self._fields:
                    seq += 1
                    noted = chain_event(sid, seq, self.clock(), FIELDS_KIND, SYSTEM_AUTHOR,
                                        fields, None, prev)
                    rows.append(noted)
                    prev = noted.hash
            self._insert(session, TimelineEvent, [
                {"session_id": e.session_id, "seq": e.seq, "at": e.at, "kind": e.kind,
                 "author": e.author, "payload": e.payload, "corrects": e.corrects,
                 "prev_hash": e.prev_hash, "hash": e.hash} for e in rows])
        self._fields = fields
        self.last_seq, self.last_hash = seq, prev
        self.status.committed_events = seq
        self._anchor(seq, prev)
        return chained

    def _anchor(self, seq: int, head: str) -> None:
        """Copy the chain's new head to the anchor log (outside the database)."""
        anchors = self.database.anchors
        if anchors is None:
            return
        try:
            anchors.append(session_chain(self.session_id), seq, head, self.clock())
        except OSError as exc:
            log.warning("the chain head of session %d could not be anchored (%s)",
                        self.session_id, exc)

    @staticmethod
    def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            session.execute(insert(model.__table__), rows)

    # -- what is in the record ---------------------------------------------------------------

    def has_event(self, seq: int, digest: str) -> bool:
        """Whether the chain holds this event (its sequence number and hash)."""
        with self.database.sessions() as session:
            return session.execute(select(TimelineEvent.id).where(
                TimelineEvent.session_id == self.session_id, TimelineEvent.seq == seq,
                TimelineEvent.hash == digest)).first() is not None

    def has_item(self, item: Held) -> bool:
        """Whether a held item's row is in the record (found by its device, metric, time)."""
        what, obj, at = item
        sid = self.session_id
        query: Any
        if what == "numeric":
            query = select(NumericValue.id).where(
                NumericValue.session_id == sid, NumericValue.device_id == obj.device_id,
                NumericValue.metric == obj.metric, NumericValue.received_at == at)
        elif what == "pump":
            query = select(NumericValue.id).where(
                NumericValue.session_id == sid, NumericValue.device_id == obj.device_id,
                NumericValue.received_at == at)
        elif what == "wave":
            query = select(WaveRow.id).where(
                WaveRow.session_id == sid, WaveRow.device_id == obj.device_id,
                WaveRow.metric == obj.metric, WaveRow.first_received_at == at)
        else:
            query = select(JournalChunk.id).where(
                JournalChunk.session_id == sid, JournalChunk.device_id == obj[0],
                JournalChunk.direction == obj[1], JournalChunk.first_at == at)
        with self.database.sessions() as session:
            return session.execute(query.limit(1)).first() is not None

    def stored_events(self, first_seq: int, count: int) -> list[StoredEvent]:
        """``count`` events of the chain from ``first_seq``, as stored."""
        if not count:
            return []
        with self.database.sessions() as session:
            rows = session.scalars(select(TimelineEvent).where(
                TimelineEvent.session_id == self.session_id,
                TimelineEvent.seq >= first_seq, TimelineEvent.seq < first_seq + count)
                .order_by(TimelineEvent.seq)).all()
        return [StoredEvent(r.session_id, r.seq, r.at, r.kind, r.author, r.payload,
                            r.corrects, r.prev_hash, r.hash) for r in rows]
