"""The write queue: what waits for the recorder's writer thread, bounded, taken in batches.

Observations, raw bytes, timeline events and changes to the session row are queued
without blocking the devices; the writer takes everything queued at once as a batch. A
failed batch goes back to the front. Beyond ``max_held`` items the oldest are dropped
and counted (a :class:`Loss`, recorded as a ``record_loss`` event). One condition
guards the queue; the writer's other parts take it too when they read what is held.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ketaconsole.store.recorder_status import RecorderStatus, RecordNotWritten
from ketaconsole.store.timeline import SYSTEM_AUTHOR, StoredEvent, format_time

Held = tuple[str, Any, float]
"""(what, item, time) for a numeric, pump status, wave chunk or journal piece."""


@dataclass(slots=True)
class EventRequest:
    """A timeline event waiting to be chained; ``done`` is set once it is committed."""

    kind: str
    payload: dict[str, Any]
    author: str
    at: float
    corrects: int | None
    done: threading.Event = field(default_factory=threading.Event)
    stored: StoredEvent | None = None


@dataclass(slots=True)
class Loss:
    """What was dropped unwritten: how many of each kind, from when to when."""

    counts: Counter[str] = field(default_factory=Counter)
    first_at: float | None = None
    last_at: float | None = None

    def add(self, what: str, at: float) -> None:
        self.counts[what] += 1
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)

    def merge(self, other: Loss) -> None:
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

    def without(self, recorded: Loss) -> Loss:
        """What is left to report once ``recorded`` is already in the record."""
        left = Loss(self.counts - recorded.counts, self.first_at, self.last_at)
        return left if left.total else Loss()

    def as_event(self, now: float) -> EventRequest:
        """The ``record_loss`` event that puts this loss on the timeline."""
        payload = {"count": self.total, "by_kind": dict(sorted(self.counts.items())),
                   "from": self.first_at, "to": self.last_at,
                   "from_time": format_time(self.first_at) if self.first_at else None,
                   "to_time": format_time(self.last_at) if self.last_at else None,
                   "reason": "the record could not be written and the holding queue was full"}
        return EventRequest("record_loss", payload, SYSTEM_AUTHOR, now, None)


@dataclass(slots=True)
class Batch:
    """Everything that was queued when the writer took it."""

    held: deque[Held]
    events: list[EventRequest]
    updates: dict[str, Any]
    loss: Loss
    target: int
    """How many items had been queued in all; once written, a flush up to here returns."""
    stopping: bool
    taken_at: float
    """When it was taken (``time.monotonic``)."""

    @property
    def empty(self) -> bool:
        return not (self.held or self.events or self.updates or self.loss.total)


class WriteQueue:
    """What waits to be written, bounded, and the batches the writer thread takes."""

    def __init__(self, status: RecorderStatus, *, clock: Callable[[], float],
                 max_held: int) -> None:
        self.status = status
        self.clock = clock
        self.max_held = max_held
        self.cond = threading.Condition()
        """Guards everything queued (and the recorder's status while it is changed)."""
        self.held: deque[Held] = deque()
        self.events: list[EventRequest] = []
        self.committed = 0
        """How many queued items are committed (compared with what a flush waits for)."""
        self.trimmed_since_unsure = 0
        """Items dropped since a write failed that may have been committed after all."""
        self.writer: threading.Thread | None = None
        """The thread that empties the queue; once it has ended on stopping, nothing is held."""
        self._session_updates: dict[str, Any] = {}
        self._loss = Loss()
        self._issued = 0
        self._urgent = False
        self._stopping = False
        self._abandoned = False

    # -- what comes in -----------------------------------------------------------------

    def hold(self, what: str, item: Any, at: float) -> None:
        """Queue a numeric, pump status, wave chunk or journal piece (never blocks)."""
        with self.cond:
            if self._stopping and self.writer is not None and not self.writer.is_alive():
                return
            self.held.append((what, item, at))
            self._issued += 1
            self.trim(self._loss)

    def trim(self, loss: Loss) -> None:
        """Drop the oldest held items beyond the bound, counting them (lock held)."""
        while len(self.held) > self.max_held:
            lost_what, _, lost_at = self.held.popleft()
            loss.add(lost_what, lost_at)
            self.status.lost += 1
            self.trimmed_since_unsure += 1

    def enqueue_event(self, kind: str, payload: dict[str, Any], author: str,
                      at: float | None, corrects: int | None,
                      urgent: bool = False) -> EventRequest:
        """Queue a timeline event; ``urgent`` has the writer take it at once."""
        request = EventRequest(kind, dict(payload), author,
                               self.clock() if at is None else at, corrects)
        with self.cond:
            self.events.append(request)
            self._issued += 1
            if urgent:
                self._urgent = True
                self.cond.notify_all()
        return request

    def update_session(self, fields: dict[str, Any]) -> None:
        """Queue a change to the session row, to be written at once."""
        with self.cond:
            self._session_updates.update(fields)
            self._issued += 1
            self._urgent = True
            self.cond.notify_all()

    def flush(self, timeout: float) -> None:
        """Wait until everything queued before this call is committed."""
        with self.cond:
            target = self._issued
            self._urgent = True
            self.cond.notify_all()
            if not self.cond.wait_for(lambda: self.committed >= target, timeout):
                raise RecordNotWritten(self.status.message
                                       or "the record was not written in time")

    # -- the writer's side -------------------------------------------------------------

    def take(self, due: float | None) -> Batch:
        """Everything queued, as one batch.

        With a ``due`` time (``time.monotonic``) it first waits until then, or until
        something must be written now or the recorder stops; with none it takes at once.
        """
        with self.cond:
            if due is not None:
                self.cond.wait_for(lambda: self._urgent or self._stopping,
                                   max(0.0, due - time.monotonic()))
            taken_at = time.monotonic()
            self._urgent = False
            stopping = self._stopping
            held, self.held = self.held, deque()
            events, self.events = self.events, []
            updates, self._session_updates = self._session_updates, {}
            loss, self._loss = self._loss, Loss()
            target = self._issued
        return Batch(held, events, updates, loss, target, stopping, taken_at)

    def mark_committed(self, target: int) -> None:
        """Everything queued up to ``target`` is in the record: waiting flushes return."""
        with self.cond:
            self.committed = max(self.committed, target)
            self.cond.notify_all()

    def hurry(self) -> None:
        """Have the next batch taken at once."""
        with self.cond:
            self._urgent = True

    def put_back(self, held: deque[Held], events: list[EventRequest],
                 updates: dict[str, Any], loss: Loss) -> None:
        """A batch that could not be written goes back to the front of the queue."""
        with self.cond:
            held.extend(self.held)
            self.held = held
            self.trim(loss)
            self.events = events + self.events
            updates.update(self._session_updates)
            self._session_updates = updates
            loss.merge(self._loss)
            self._loss = loss

    def wait_retry(self, backoff: float) -> bool:
        """Sleep before the next attempt; True when close() has given up waiting."""
        deadline = time.monotonic() + backoff
        with self.cond:
            while not self._abandoned:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
            return self._abandoned

    # -- closing -----------------------------------------------------------------------

    def stop(self) -> None:
        """Have the writer take what is queued now, write it and end."""
        with self.cond:
            self._stopping = True
            self._urgent = True
            self.cond.notify_all()

    def abandon(self) -> None:
        """Stop retrying: the writer ends after the write under way."""
        with self.cond:
            self._abandoned = True
            self.cond.notify_all()

    def unwritten(self) -> tuple[int, Loss]:
        """How many items are still queued, and everything given up, as one loss."""
        with self.cond:
            unwritten = len(self.held) + len(self.events)
            loss = Loss()
            loss.merge(self._loss)
            for what, _, at in self.held:
                loss.add(what, at)
            for request in self.events:
                loss.add(f"event:{request.kind}", request.at)
        return unwritten, loss
