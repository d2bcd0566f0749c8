"""The writer thread: the one place that writes a session's record to the database.

Observations from the engine and raw bytes from the links are queued without blocking
the devices; the writer commits them in batches at least every ``flush_interval_s``
(bulk inserts). Timeline events are chained (sequence number, previous hash) by the
writer and committed at once; :meth:`Recorder.record_event` blocks until its event is
committed and returns it as stored. When the database cannot be written the recorder
keeps everything in a bounded queue, reports the fault in one sentence, retries with
back-off and writes the backlog when it can; what overflows the queue is counted and
recorded as a ``record_loss`` event with its extent. What is still unwritten when it
stops is noted beside the anchor log (see ``anchors``), and the session's next start
records that note as a ``record_loss`` event.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketaconsole.devices.transport import Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    DeviceCommand,
    Identity,
    LinkState,
    Numeric,
    Observation,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.store.anchors import session_chain
from ketaconsole.store.database import Database
from ketaconsole.store.faults import holding_message, write_failure_reason
from ketaconsole.store.models import ClinicSession, JournalChunk, NumericValue, TimelineEvent
from ketaconsole.store.models import WaveChunkRecord as WaveRow
from ketaconsole.store.record_fields import (
    FIELDS_KIND,
    is_complete,
    last_statement,
    next_statement,
    read_fields,
)
from ketaconsole.store.rows import (
    PUMP_METRICS,
    journal_rows,
    numeric_row,
    pump_rows,
    wave_rows,
)
from ketaconsole.store.seals import SEAL_KIND, insert_sealed
from ketaconsole.store.timeline import (
    GENESIS_HASH,
    SYSTEM_AUTHOR,
    StoredEvent,
    chain_event,
    format_time,
)

log = logging.getLogger(__name__)

ABANDON_WAIT_S = 10.0
"""How long a closing recorder waits for a write under way to end (database time-outs)."""
FaultCallback = Callable[[str], None]


class RecordNotWritten(RuntimeError):
    """An event could not be committed in time; it is held and will be written later."""


@dataclass(slots=True)
class RecorderStatus:
    """What the recorder is doing, for the status strip and the technical alarm."""

    writing: bool = True
    message: str | None = None
    held: int = 0
    lost: int = 0
    last_commit_at: float | None = None
    committed_events: int = 0


@dataclass(slots=True)
class _EventRequest:
    kind: str
    payload: dict[str, Any]
    author: str
    at: float
    corrects: int | None
    done: threading.Event = field(default_factory=threading.Event)
    stored: StoredEvent | None = None


@dataclass(slots=True)
class _Loss:
    counts: Counter[str] = field(default_factory=Counter)
    first_at: float | None = None
    last_at: float | None = None

    def add(self, what: str, at: float) -> None:
        self.counts[what] += 1
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)

    def merge(self, other: _Loss) -> None:
        self.counts.update(other.counts)
        for at in (other.first_at, other.last_at):
            if at is not None:
                self.add_span(at)

    def add_span(self, at: float) -> None:
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def without(self, recorded: _Loss) -> _Loss:
        """What is left to report once ``recorded`` is already in the record."""
        left = _Loss(self.counts - recorded.counts, self.first_at, self.last_at)
        return left if left.total else _Loss()


@dataclass(frozen=True, slots=True)
class _Unsure:
    """A write whose commit may have reached the database although it reported failure."""

    held: int
    requests: int
    loss: _Loss
    last_seq: int
    last_hash: str


@dataclass(slots=True)
class _Outage:
    """A time the record could not be written: since when, why, how much was held."""

    began_at: float
    cause: str
    lost_before: int
    most_held: int = 0

    def note(self, cause: str, held: int) -> None:
        self.cause = cause
        self.most_held = max(self.most_held, held)

    def as_record(self, now: float, written: int, lost: int) -> dict[str, Any]:
        return {"from": self.began_at, "to": now, "from_time": format_time(self.began_at),
                "to_time": format_time(now), "seconds": round(now - self.began_at, 3),
                "cause": self.cause, "held": self.most_held, "written": written,
                "lost": lost - self.lost_before}


_Held = tuple[str, Any, float]
"""(what, item, time) for a numeric, pump status, wave chunk or journal piece."""


class Recorder:
    """Writes one session's observations, raw bytes and timeline events on its own thread."""

    def __init__(self, database: Database, session_id: int, *,
                 clock: Callable[[], float] = time.time, flush_interval_s: float = 0.25,
                 max_held: int = 200_000, first_retry_s: float = 0.25,
                 max_retry_s: float = 5.0, on_fault: FaultCallback | None = None,
                 on_recovered: FaultCallback | None = None) -> None:
        self.database = database
        self.session_id = session_id
        self.clock = clock
        self.flush_interval_s = flush_interval_s
        self.max_held = max_held
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self.on_fault = on_fault
        self.on_recovered = on_recovered
        self._cond = threading.Condition()
        self._held: deque[_Held] = deque()
        self._events: list[_EventRequest] = []
        self._session_updates: dict[str, Any] = {}
        self._loss = _Loss()
        self._issued = 0
        self._committed = 0
        self._urgent = False
        self._stopping = False
        self._abandoned = False
        self._unsure: _Unsure | None = None
        self._trimmed_since_unsure = 0
        self._thread: threading.Thread | None = None
        self._last_seq = 0
        self._last_hash = GENESIS_HASH
        self._identities: dict[str, dict[str, Any]] = {}
        self._fields: dict[str, Any] | None = None
        """The session's last ``record_fields`` statement (see ``record_fields``)."""
        self._outage: _Outage | None = None
        self._lost_when_written = 0
        """Items lost so far when the last write succeeded (an outage counts from there)."""
        self._pump_states: dict[str, str | None] = {}
        self._engine: Engine | None = None
        self.status = RecorderStatus()

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> Recorder:
        """Read where the session's chain ends and start the writer thread.

        A loss noted beside the anchor log when this session last stopped (the record
        could not be written) and not yet on the timeline goes on it now.
        """
        with self.database.sessions() as session:
            self._read_tail(session)
            noted = recorded_loss_notes(session, self.session_id)
        self.status.committed_events = self._last_seq
        anchors = self.database.anchors
        if anchors is not None:
            chain = session_chain(self.session_id)
            for payload in anchors.losses(chain):
                if payload.get("noted") not in noted:
                    self.post_event("record_loss", payload, at=self.clock())
            try:
                anchors.reserve_loss_notes()
            except OSError as exc:
                log.warning("no room could be set aside to note losses (%s)", exc)
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.session_id}",
                                        daemon=True)
        self._thread.start()
        return self

    def _read_tail(self, session: Session) -> bool:
        """Where the chain ends and its last statement of the rows; True if it moved on."""
        last = session.execute(
            select(TimelineEvent.seq, TimelineEvent.hash)
            .where(TimelineEvent.session_id == self.session_id)
            .order_by(TimelineEvent.seq.desc()).limit(1)).first()
        if last is None or int(last[0]) <= self._last_seq:
            return False
        self._last_seq, self._last_hash = int(last[0]), str(last[1])
        self._fields = last_statement(session, self.session_id)
        return True

    def attach(self, engine: Engine) -> None:
        """Record every observation the engine takes in."""
        self._engine = engine
        engine.subscribe(self.observe)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued and stop; False if something could not be written in time."""
        if self._engine is not None:
            self._engine.unsubscribe(self.observe)
        with self._cond:
            self._stopping = True
            self._urgent = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._cond:
            self._abandoned = True
            self._cond.notify_all()
        if self._thread is not None and self._thread.is_alive():
            # A write still under way puts its batch back when it fails; wait for that,
            # so what is given up is counted, never dropped unseen.
            self._thread.join(ABANDON_WAIT_S)
        with self._cond:
            unwritten = len(self._held) + len(self._events)
            loss = _Loss()
            loss.merge(self._loss)
            for what, _, at in self._held:
                loss.add(what, at)
            for request in self._events:
                loss.add(f"event:{request.kind}", request.at)
        if unwritten:
            log.error("%d items of session %d were not written", unwritten, self.session_id)
        if loss.total:
            self._note_loss(loss)
        return unwritten == 0 and not (self._thread and self._thread.is_alive())

    def _note_loss(self, loss: _Loss) -> None:
        """Keep what is given up beside the anchor log: ``verify`` reports it as a hole
        and the session's next start records it on the timeline."""
        anchors = self.database.anchors
        if anchors is None:
            return
        payload = _loss_event(loss, self.clock()).payload
        payload["reason"] = ("the console stopped while the record could not be written ("
                             f"{self._outage.cause if self._outage else 'no answer'})")
        try:
            anchors.note_loss(session_chain(self.session_id), payload)
        except OSError as exc:
            log.error("the loss in session %d could not be noted either (%s)",
                      self.session_id, exc)

    # -- what comes in -----------------------------------------------------------------

    def observe(self, obs: Observation) -> None:
        """Engine listener: queue an observation (never blocks on the database)."""
        if isinstance(obs, Numeric):
            self._hold("numeric", obs, obs.received_at)
        elif isinstance(obs, WaveChunk):
            self._hold("wave", obs, obs.received_at)
        elif isinstance(obs, PumpStatus):
            self._hold("pump", obs, obs.received_at)
            state = obs.state.value if obs.state else None
            if state is not None and self._pump_states.get(obs.device_id) != state:
                self._pump_states[obs.device_id] = state
                self.post_event("pump_state", {"device": obs.device_id, "state": state},
                                at=obs.received_at)
        elif isinstance(obs, LinkState):
            self.post_event("link", {"device": obs.device_id, "status": obs.status.value,
                                     "detail": obs.detail}, at=obs.received_at)
        elif isinstance(obs, DeviceAlarm):
            record = obs.as_record()
            record.pop("received_at")
            self.post_event("device_alarm", record, at=obs.received_at)
        elif isinstance(obs, DeviceCommand):
            self.post_event("device_command", {"device": obs.device_id,
                                               "command": obs.command}, at=obs.received_at)
        elif isinstance(obs, Identity):
            record = obs.as_record()
            record.pop("received_at")
            if self._identities.get(obs.device_id) != record:
                self._identities[obs.device_id] = record
                self.post_event("device_identity", record, at=obs.received_at)

    def journal(self, device_id: str, direction: Direction, at: float, data: bytes) -> None:
        """The transport's journal hook: queue raw bytes as they crossed the line."""
        self._hold("journal", (device_id, direction.value, at, bytes(data)), at)

    def post_event(self, kind: str, payload: dict[str, Any], *, author: str = SYSTEM_AUTHOR,
                   at: float | None = None, corrects: int | None = None) -> None:
        """Queue a timeline event without waiting for it (link changes, device alarms)."""
        self._enqueue_event(kind, payload, author, at, corrects)

    def record_event(self, kind: str, payload: dict[str, Any], *, author: str,
                     at: float | None = None, corrects: int | None = None,
                     timeout: float = 10.0) -> StoredEvent:
        """Commit a clinical event and return it as stored (sequence number and hash).

        Raises :class:`RecordNotWritten` if it is not committed within ``timeout``
        seconds; it then stays queued and is written when the database recovers.
        """
        if corrects is not None and not 1 <= corrects <= self._last_seq + len(self._events):
            raise ValueError(f"there is no event {corrects} in this session to correct")
        if self._thread is None or not self._thread.is_alive():
            raise RecordNotWritten(f"{kind} cannot be recorded: the session's recorder "
                                   "is not running")
        request = self._enqueue_event(kind, payload, author, at, corrects, urgent=True)
        if not request.done.wait(timeout):
            message = self.status.message or "the database did not answer in time"
            raise RecordNotWritten(f"{kind} is not yet in the record: {message}")
        assert request.stored is not None
        return request.stored

    def update_session(self, **fields: Any) -> None:
        """Queue a change to the session row (phase, end time, devices used)."""
        with self._cond:
            self._session_updates.update(fields)
            self._issued += 1
            self._urgent = True
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued before this call is committed."""
        with self._cond:
            target = self._issued
            self._urgent = True
            self._cond.notify_all()
            if not self._cond.wait_for(lambda: self._committed >= target, timeout):
                raise RecordNotWritten(self.status.message
                                       or "the record was not written in time")

    # -- queueing ------------------------------------------------------------------------

    def _hold(self, what: str, item: Any, at: float) -> None:
        with self._cond:
            if self._stopping and self._thread is not None and not self._thread.is_alive():
                return
            self._held.append((what, item, at))
            self._issued += 1
            self._trim(self._loss)

    def _trim(self, loss: _Loss) -> None:
        """Drop the oldest held items beyond the bound, counting them (lock held)."""
        while len(self._held) > self.max_held:
            lost_what, _, lost_at = self._held.popleft()
            loss.add(lost_what, lost_at)
            self.status.lost += 1
            self._trimmed_since_unsure += 1

    def _enqueue_event(self, kind: str, payload: dict[str, Any], author: str,
                       at: float | None, corrects: int | None,
                       urgent: bool = False) -> _EventRequest:
        request = _EventRequest(kind, dict(payload), author,
                                self.clock() if at is None else at, corrects)
        with self._cond:
            self._events.append(request)
            self._issued += 1
            if urgent:
                self._urgent = True
                self._cond.notify_all()
        return request

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        backoff = self.first_retry_s
        failing = chain_moved = False
        due = time.monotonic() + self.flush_interval_s
        while True:
            with self._cond:
                if not failing:
                    # The next batch is due one interval after the last was taken, so
                    # commits come at least every interval however long a write takes.
                    self._cond.wait_for(lambda: self._urgent or self._stopping,
                                        max(0.0, due - time.monotonic()))
                due = time.monotonic() + self.flush_interval_s
                self._urgent = False
                stopping = self._stopping
                held, self._held = self._held, deque()
                events, self._events = self._events, []
                updates, self._session_updates = self._session_updates, {}
                loss, self._loss = self._loss, _Loss()
                target = self._issued
            if not (held or events or updates or loss.total):
                with self._cond:
                    self._committed = max(self._committed, target)
                    self._cond.notify_all()
                if stopping:
                    return
                continue
            try:
                if self._unsure is not None:
                    held, events, loss = self._settle_unsure(held, events, loss)
                stored = self._write(held, events, updates, loss)
            except Exception as exc:
                self._put_back(held, events, updates, loss)
                if self._unsure is None:
                    with self._cond:
                        self._unsure = _Unsure(len(held), len(events), loss,
                                               self._last_seq, self._last_hash)
                        self._trimmed_since_unsure = 0
                if (isinstance(exc, IntegrityError) and not chain_moved
                        and self._reload_tail()):
                    # Another writer (an export) appended to this session's chain: chain
                    # after its event and write again at once; nothing is wrong.
                    chain_moved = True
                    with self._cond:
                        self._urgent = True
                    continue
                self._report_fault(exc)
                self._reload_tail()
                failing = True
                if self._wait_retry(backoff):
                    return
                backoff = min(backoff * 2, self.max_retry_s)
                continue
            chain_moved = False
            for request, event in zip(events, stored, strict=False):
                request.stored = event
                request.done.set()
            was_failing, failing, backoff = failing, False, self.first_retry_s
            with self._cond:
                self._committed = max(self._committed, target)
                self._lost_when_written = self.status.lost
                self.status.last_commit_at = self.clock()
                self.status.held = len(self._held)
                self._cond.notify_all()
            if was_failing:
                self._report_recovery(len(held))

    def _settle_unsure(self, held: deque[_Held], events: list[_EventRequest],
                       loss: _Loss) -> tuple[deque[_Held], list[_EventRequest], _Loss]:
        """After a failed write, find out whether it was committed after all.

        A connection can drop after the server committed but before it said so. The
        failed batch went back to the front of the queue, so its first event (or, with
        no events, its first held item) shows in the database exactly when the whole
        batch does; then it is taken off the queue instead of being written twice.
        """
        unsure = self._unsure
        assert unsure is not None
        with self._cond:
            still_held = max(0, unsure.held - self._trimmed_since_unsure)
        if unsure.requests:
            first = events[0]
            probe = chain_event(self.session_id, unsure.last_seq + 1, first.at, first.kind,
                                first.author, first.payload, first.corrects, unsure.last_hash)
            written = self._event_exists(probe.seq, probe.hash)
        else:
            first_row = next((item for item in itertools.islice(held, still_held)
                              if _has_row(item)), None)
            written = first_row is not None and self._item_exists(first_row)
        self._unsure = None
        if not written:
            return held, events, loss
        log.warning("a write reported as failed had been committed; not writing it again")
        for _ in range(still_held):
            held.popleft()
        committed, events = events[:unsure.requests], events[unsure.requests:]
        self._reload_tail()
        stored = self._stored_events(unsure.last_seq + 1, len(committed))
        for request, event in zip(committed, stored, strict=True):
            request.stored = event
            request.done.set()
        return held, events, loss.without(unsure.loss)

    def _event_exists(self, seq: int, digest: str) -> bool:
        with self.database.sessions() as session:
            return session.execute(select(TimelineEvent.id).where(
                TimelineEvent.session_id == self.session_id, TimelineEvent.seq == seq,
                TimelineEvent.hash == digest)).first() is not None

    def _item_exists(self, item: _Held) -> bool:
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

    def _stored_events(self, first_seq: int, count: int) -> list[StoredEvent]:
        if not count:
            return []
        with self.database.sessions() as session:
            rows = session.scalars(select(TimelineEvent).where(
                TimelineEvent.session_id == self.session_id,
                TimelineEvent.seq >= first_seq, TimelineEvent.seq < first_seq + count)
                .order_by(TimelineEvent.seq)).all()
        return [StoredEvent(r.session_id, r.seq, r.at, r.kind, r.author, r.payload,
                            r.corrects, r.prev_hash, r.hash) for r in rows]

    def _reload_tail(self) -> bool:
        """Re-read where the chain ends, in case another writer (an export, a check-in of
        the same patient) appended to it.

        True when the chain had moved on.
        """
        try:
            with self.database.sessions() as session:
                return self._read_tail(session)
        except Exception:
            return False

    def _wait_retry(self, backoff: float) -> bool:
        """Sleep before the next attempt; True when close() has given up waiting."""
        deadline = time.monotonic() + backoff
        with self._cond:
            while not self._abandoned:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._abandoned

    def _put_back(self, held: deque[_Held], events: list[_EventRequest],
                  updates: dict[str, Any], loss: _Loss) -> None:
        with self._cond:
            held.extend(self._held)
            self._held = held
            self._trim(loss)
            self._events = events + self._events
            updates.update(self._session_updates)
            self._session_updates = updates
            loss.merge(self._loss)
            self._loss = loss

    def _write(self, held: deque[_Held], events: list[_EventRequest],
               updates: dict[str, Any], loss: _Loss) -> list[StoredEvent]:
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
            requests.append(_loss_event(loss, self.clock()))
        chained: list[StoredEvent] = []
        seq, prev = self._last_seq, self._last_hash
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
        self._last_seq, self._last_hash = seq, prev
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

    # -- reporting -----------------------------------------------------------------------

    def _report_fault(self, exc: Exception) -> None:
        reason = write_failure_reason(exc)
        with self._cond:
            held = sum(1 for what, _, _ in self._held if what != "journal")
            held += len(self._events)
            message = holding_message(reason, held)
            if self._outage is None:
                self._outage = _Outage(self.clock(), reason, self._lost_when_written)
            self._outage.note(reason, len(self._held) + len(self._events))
            self.status.writing = False
            self.status.message = message
            self.status.held = held
        # The reason only, never the failed statement: its parameters are patient data.
        log.debug("write of session %d failed: %s", self.session_id, type(exc).__name__)
        if self.on_fault is None:
            log.warning("session %d: %s", self.session_id, message)
        else:
            try:
                self.on_fault(message)
            except Exception:
                log.exception("fault listener failed")

    def _report_recovery(self, written: int) -> None:
        message = f"The record is being written again; {written:,} held items were written."
        self.status.writing = True
        self.status.message = None
        outage, self._outage = self._outage, None
        if outage is not None:
            # The outage itself goes on the timeline, with its extent and what it cost.
            self.post_event("store_outage", outage.as_record(self.clock(), written,
                                                             self.status.lost))
        if self.on_recovered is None:
            log.warning("session %d: %s", self.session_id, message)
        else:
            try:
                self.on_recovered(message)
            except Exception:
                log.exception("recovery listener failed")


def recorded_loss_notes(session: Session, session_id: int) -> set[str]:
    """The ids of the loss notes already on the session's timeline (``record_loss``)."""
    payloads = session.scalars(select(TimelineEvent.payload).where(
        TimelineEvent.session_id == session_id, TimelineEvent.kind == "record_loss"))
    return {str(p["noted"]) for p in payloads if isinstance(p, dict) and "noted" in p}


def _has_row(item: _Held) -> bool:
    """Whether a held item becomes at least one row (a pump reporting nothing does not)."""
    what, obj, _ = item
    return what != "pump" or any(getattr(obj, attribute) is not None
                                 for _, attribute in PUMP_METRICS)


def _loss_event(loss: _Loss, now: float) -> _EventRequest:
    payload = {"count": loss.total, "by_kind": dict(sorted(loss.counts.items())),
               "from": loss.first_at, "to": loss.last_at,
               "from_time": format_time(loss.first_at) if loss.first_at else None,
               "to_time": format_time(loss.last_at) if loss.last_at else None,
               "reason": "the record could not be written and the holding queue was full"}
    return _EventRequest("record_loss", payload, SYSTEM_AUTHOR, now, None)
