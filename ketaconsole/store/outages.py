"""Outages: what the recorder does while the database cannot be written.

It reports the fault in one sentence (how much is held), and on recovery puts the
outage on the timeline with its extent and what it cost. A write that failed may have
been committed all the same (the connection dropped after the server committed): the
next attempt first looks for it, so it is never written twice. What is still unwritten
when the recorder stops is noted beside the anchor log (see ``anchors``), and the
session's next start records that note as a ``record_loss`` event.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketaconsole.live.cleaning import PUMP_METRICS
from ketaconsole.store.anchors import session_chain
from ketaconsole.store.chain_writer import ChainWriter
from ketaconsole.store.database import Database
from ketaconsole.store.faults import holding_message, write_failure_reason
from ketaconsole.store.models import TimelineEvent
from ketaconsole.store.recorder_status import RecorderStatus
from ketaconsole.store.timeline import SYSTEM_AUTHOR, chain_event, format_time
from ketaconsole.store.write_queue import EventRequest, Held, Loss, WriteQueue

log = logging.getLogger("ketaconsole.store.recorder")
"""The recorder's log: its parts report under the one name."""

FaultCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class _Unsure:
    """A write whose commit may have reached the database although it reported failure."""

    held: int
    requests: int
    loss: Loss
    last_seq: int
    last_hash: str


@dataclass(slots=True)
class _Outage:
    """A time the record could not be written: since when, why, how much was held.

    Its counts add up: every item held during the outage was either written when the
    record came back or lost (the oldest dropped beyond ``max_held``), so ``held`` is
    ``written + lost``; ``most_held`` is the most held at one time.
    """

    began_at: float
    cause: str
    lost_before: int
    most_held: int = 0

    def note(self, cause: str, held: int) -> None:
        self.cause = cause
        self.most_held = max(self.most_held, held)

    def as_record(self, now: float, written: int, lost: int) -> dict[str, Any]:
        lost_now = lost - self.lost_before
        return {"from": self.began_at, "to": now, "from_time": format_time(self.began_at),
                "to_time": format_time(now), "seconds": round(now - self.began_at, 3),
                "cause": self.cause, "held": written + lost_now, "written": written,
                "lost": lost_now, "most_held": max(self.most_held, written)}


class OutageHandler:
    """Reports a record that cannot be written, its recovery, and what it cost."""

    def __init__(self, database: Database, session_id: int, status: RecorderStatus,
                 queue: WriteQueue, writer: ChainWriter, *, clock: Callable[[], float],
                 on_fault: FaultCallback | None,
                 on_recovered: FaultCallback | None) -> None:
        self.database = database
        self.session_id = session_id
        self.status = status
        self.clock = clock
        self.on_fault = on_fault
        self.on_recovered = on_recovered
        self.lost_when_written = 0
        """Items lost so far when the last write succeeded (an outage counts from there)."""
        self._queue = queue
        self._writer = writer
        self._unsure: _Unsure | None = None
        self._outage: _Outage | None = None

    # -- losses noted when the recorder stopped ---------------------------------------------

    def record_noted_losses(self, noted: set[str]) -> None:
        """Put on the timeline the losses noted beside the anchor log and not on it yet
        (``noted``: those already there), and set room aside to note the next one."""
        anchors = self.database.anchors
        if anchors is None:
            return
        chain = session_chain(self.session_id)
        for payload in anchors.losses(chain):
            if payload.get("noted") not in noted:
                self._queue.enqueue_event("record_loss", payload, SYSTEM_AUTHOR,
                                          self.clock(), None)
        try:
            anchors.reserve_loss_notes()
        except OSError as exc:
            log.warning("no room could be set aside to note losses (%s)", exc)

    def note_loss(self, loss: Loss) -> None:
        """Keep what is given up beside the anchor log: ``verify`` reports it as a hole
        and the session's next start records it on the timeline."""
        anchors = self.database.anchors
        if anchors is None:
            return
        payload = loss.as_event(self.clock()).payload
        payload["reason"] = ("the console stopped while the record could not be written ("
                             f"{self._outage.cause if self._outage else 'no answer'})")
        try:
            anchors.note_loss(session_chain(self.session_id), payload)
        except OSError as exc:
            log.error("the loss in session %d could not be noted either (%s)",
                      self.session_id, exc)

    # -- a write that failed -----------------------------------------------------------------

    def mark_unsure(self, held: deque[Held], events: list[EventRequest], loss: Loss) -> None:
        """A write failed (its batch is back in the queue): it may have been committed."""
        if self._unsure is None:
            with self._queue.cond:
                self._unsure = _Unsure(len(held), len(events), loss, self._writer.last_seq,
                                       self._writer.last_hash)
                self._queue.trimmed_since_unsure = 0

    def settle_unsure(self, held: deque[Held], events: list[EventRequest],
                      loss: Loss) -> tuple[deque[Held], list[EventRequest], Loss]:
        """After a failed write, find out whether it was committed after all.

        A connection can drop after the server committed but before it said so. The
        failed batch went back to the front of the queue, so its first event (or, with
        no events, its first held item) shows in the database exactly when the whole
        batch does; then it is taken off the queue instead of being written twice.
        """
        unsure = self._unsure
        if unsure is None:
            return held, events, loss
        with self._queue.cond:
            still_held = max(0, unsure.held - self._queue.trimmed_since_unsure)
        if unsure.requests:
            first = events[0]
            probe = chain_event(self.session_id, unsure.last_seq + 1, first.at, first.kind,
                                first.author, first.payload, first.corrects, unsure.last_hash)
            written = self._writer.has_event(probe.seq, probe.hash)
        else:
            first_row = next((item for item in itertools.islice(held, still_held)
                              if _has_row(item)), None)
            written = first_row is not None and self._writer.has_item(first_row)
        self._unsure = None
        if not written:
            return held, events, loss
        log.warning("a write reported as failed had been committed; not writing it again")
        for _ in range(still_held):
            held.popleft()
        committed, events = events[:unsure.requests], events[unsure.requests:]
        self._writer.reload_tail()
        stored = self._writer.stored_events(unsure.last_seq + 1, len(committed))
        for request, event in zip(committed, stored, strict=True):
            request.stored = event
            request.done.set()
        return held, events, loss.without(unsure.loss)

    # -- reporting -----------------------------------------------------------------------

    def report_fault(self, exc: Exception) -> None:
        """Say in one sentence why the record cannot be written and how much is held."""
        reason = write_failure_reason(exc)
        queue = self._queue
        with queue.cond:
            held = sum(1 for what, _, _ in queue.held if what != "journal")
            held += len(queue.events)
            message = holding_message(reason, held)
            if self._outage is None:
                self._outage = _Outage(self.clock(), reason, self.lost_when_written)
            self._outage.note(reason, len(queue.held) + len(queue.events))
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

    def report_recovery(self, written: int) -> None:
        """The record is written again: the outage goes on the timeline, the fault clears.

        ``written``: the items (held measurements, raw bytes and events) of the batch
        that reached the record, as taken from the queue: all that was held.
        """
        message = f"The record is being written again; {written:,} held items were written."
        self.status.writing = True
        self.status.message = None
        outage, self._outage = self._outage, None
        if outage is not None:
            # The outage itself goes on the timeline, with its extent and what it cost.
            self._queue.enqueue_event("store_outage", outage.as_record(
                self.clock(), written, self.status.lost), SYSTEM_AUTHOR, None, None)
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


def _has_row(item: Held) -> bool:
    """Whether a held item becomes at least one row (a pump reporting nothing does not)."""
    what, obj, _ = item
    return what != "pump" or any(getattr(obj, attribute) is not None
                                 for _, attribute in PUMP_METRICS)
