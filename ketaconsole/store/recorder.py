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

The :class:`Recorder` is what the rest of the console uses; its parts each do one job:
``event_policy`` (which observations become events), ``write_queue`` (what waits,
bounded, taken in batches), ``chain_writer`` (commits a batch and chains it) and
``outages`` (a database that cannot be written). The writer thread runs them here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from ketaconsole.devices.transport import Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Observation
from ketaconsole.store.chain_writer import ChainWriter
from ketaconsole.store.database import Database
from ketaconsole.store.event_policy import EventPolicy
from ketaconsole.store.outages import FaultCallback, OutageHandler, recorded_loss_notes
from ketaconsole.store.recorder_status import RecorderStatus, RecordNotWritten
from ketaconsole.store.timeline import SYSTEM_AUTHOR, StoredEvent
from ketaconsole.store.write_queue import WriteQueue

log = logging.getLogger(__name__)

ABANDON_WAIT_S = 10.0
"""How long a closing recorder waits for a write under way to end (database time-outs)."""


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
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self.status = RecorderStatus()
        self._queue = WriteQueue(self.status, clock=clock, max_held=max_held)
        self._writer = ChainWriter(database, session_id, self.status, clock=clock)
        self._outages = OutageHandler(database, session_id, self.status, self._queue,
                                      self._writer, clock=clock, on_fault=on_fault,
                                      on_recovered=on_recovered)
        self._policy = EventPolicy(self._queue)
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None

    @property
    def max_held(self) -> int:
        """Items held while the database cannot be written; beyond it the oldest are lost."""
        return self._queue.max_held

    @max_held.setter
    def max_held(self, value: int) -> None:
        self._queue.max_held = value

    @property
    def on_fault(self) -> FaultCallback | None:
        """Told, in one sentence, when the record cannot be written."""
        return self._outages.on_fault

    @on_fault.setter
    def on_fault(self, listener: FaultCallback | None) -> None:
        self._outages.on_fault = listener

    @property
    def on_recovered(self) -> FaultCallback | None:
        """Told, in one sentence, when the record is written again."""
        return self._outages.on_recovered

    @on_recovered.setter
    def on_recovered(self, listener: FaultCallback | None) -> None:
        self._outages.on_recovered = listener

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> Recorder:
        """Read where the session's chain ends and start the writer thread.

        A loss noted beside the anchor log when this session last stopped (the record
        could not be written) and not yet on the timeline goes on it now.
        """
        with self.database.sessions() as session:
            self._writer.read_tail(session)
            noted = recorded_loss_notes(session, self.session_id)
        self.status.committed_events = self._writer.last_seq
        self._outages.record_noted_losses(noted)
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.session_id}",
                                        daemon=True)
        self._queue.writer = self._thread
        self._thread.start()
        return self

    def attach(self, engine: Engine) -> None:
        """Record every observation the engine takes in."""
        self._engine = engine
        engine.subscribe(self.observe)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued and stop; False if something could not be written in time."""
        if self._engine is not None:
            self._engine.unsubscribe(self.observe)
        self._queue.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self._queue.abandon()
        if self._thread is not None and self._thread.is_alive():
            # A write still under way puts its batch back when it fails; wait for that,
            # so what is given up is counted, never dropped unseen.
            self._thread.join(ABANDON_WAIT_S)
        unwritten, loss = self._queue.unwritten()
        if unwritten:
            log.error("%d items of session %d were not written", unwritten, self.session_id)
        if loss.total:
            self._outages.note_loss(loss)
        return unwritten == 0 and not (self._thread and self._thread.is_alive())

    # -- what comes in -----------------------------------------------------------------

    def observe(self, obs: Observation) -> None:
        """Engine listener: queue an observation (never blocks on the database)."""
        self._policy.observe(obs)

    def journal(self, device_id: str, direction: Direction, at: float, data: bytes) -> None:
        """The transport's journal hook: queue raw bytes as they crossed the line."""
        self._queue.hold("journal", (device_id, direction.value, at, bytes(data)), at)

    def post_event(self, kind: str, payload: dict[str, Any], *, author: str = SYSTEM_AUTHOR,
                   at: float | None = None, corrects: int | None = None) -> None:
        """Queue a timeline event without waiting for it (link changes, device alarms)."""
        self._queue.enqueue_event(kind, payload, author, at, corrects)

    def record_event(self, kind: str, payload: dict[str, Any], *, author: str,
                     at: float | None = None, corrects: int | None = None,
                     timeout: float = 10.0) -> StoredEvent:
        """Commit a clinical event and return it as stored (sequence number and hash).

        Raises :class:`RecordNotWritten` if it is not committed within ``timeout``
        seconds; it then stays queued and is written when the database recovers.
        """
        if (corrects is not None
                and not 1 <= corrects <= self._writer.last_seq + len(self._queue.events)):
            raise ValueError(f"there is no event {corrects} in this session to correct")
        if self._thread is None or not self._thread.is_alive():
            raise RecordNotWritten(f"{kind} cannot be recorded: the session's recorder "
                                   "is not running")
        request = self._queue.enqueue_event(kind, payload, author, at, corrects, urgent=True)
        if not request.done.wait(timeout):
            message = self.status.message or "the database did not answer in time"
            raise RecordNotWritten(f"{kind} is not yet in the record: {message}")
        assert request.stored is not None
        return request.stored

    def update_session(self, **fields: Any) -> None:
        """Queue a change to the session row (phase, end time, devices used)."""
        self._queue.update_session(fields)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued before this call is committed."""
        self._queue.flush(timeout)

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        queue, writer, outages = self._queue, self._writer, self._outages
        backoff = self.first_retry_s
        failing = chain_moved = False
        due = time.monotonic() + self.flush_interval_s
        while True:
            # The next batch is due one interval after the last was taken, so commits
            # come at least every interval however long a write takes.
            batch = queue.take(None if failing else due)
            due = batch.taken_at + self.flush_interval_s
            if batch.empty:
                queue.mark_committed(batch.target)
                if batch.stopping:
                    return
                continue
            held, events, updates, loss = batch.held, batch.events, batch.updates, batch.loss
            taken = len(held) + len(events)  # written now, or already (settled below)
            try:
                held, events, loss = outages.settle_unsure(held, events, loss)
                stored = writer.write(held, events, updates, loss)
            except Exception as exc:
                queue.put_back(held, events, updates, loss)
                outages.mark_unsure(held, events, loss)
                if (isinstance(exc, IntegrityError) and not chain_moved
                        and writer.reload_tail()):
                    # Another writer (an export) appended to this session's chain: chain
                    # after its event and write again at once; nothing is wrong.
                    chain_moved = True
                    queue.hurry()
                    continue
                outages.report_fault(exc)
                writer.reload_tail()
                failing = True
                if queue.wait_retry(backoff):
                    return
                backoff = min(backoff * 2, self.max_retry_s)
                continue
            chain_moved = False
            for request, event in zip(events, stored, strict=False):
                request.stored = event
                request.done.set()
            was_failing, failing, backoff = failing, False, self.first_retry_s
            self._committed(batch.target)
            if was_failing:
                outages.report_recovery(taken)

    def _committed(self, target: int) -> None:
        """A batch is in the record: flushes waiting for it return, the status says so."""
        queue = self._queue
        with queue.cond:
            queue.committed = max(queue.committed, target)
            self._outages.lost_when_written = self.status.lost
            self.status.last_commit_at = self.clock()
            self.status.held = len(queue.held)
            queue.cond.notify_all()
