"""Runs the alarm system on a thread of its own, so alarms never wait for the screen.

A few times a second it evaluates every condition and hands the resulting events to the
record (queued, never blocking). The UI only reads the alarm system's state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ketaconsole.alarms import AlarmEvent, AlarmSystem

log = logging.getLogger(__name__)

EVALUATE_EVERY_S = 0.25


class AlarmLoop:
    """Evaluates ``alarms`` every ``interval`` seconds until stopped."""

    def __init__(self, alarms: AlarmSystem, *, interval: float = EVALUATE_EVERY_S,
                 clock: Callable[[], float] = time.time,
                 before: Callable[[float], None] | None = None) -> None:
        self.alarms = alarms
        self.interval = interval
        self.clock = clock
        self._before = before
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.evaluations = 0

    def start(self) -> AlarmLoop:
        self._thread = threading.Thread(target=self._run, name="alarms", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def step(self) -> list[AlarmEvent]:
        now = self.clock()
        if self._before is not None:
            self._before(now)
        events = self.alarms.evaluate(now)
        self.evaluations += 1
        return events

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except Exception:  # the loop must outlive any one evaluation's fault
                log.exception("alarm evaluation failed")
