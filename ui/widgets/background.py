"""Runs slow work (ports, database reads, exports) off the GUI thread and signals back."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class BackgroundCalls(QObject):
    """Each call runs on a thread of its own; its result or its error comes back as a signal.

    Signals are delivered on the GUI thread (queued across threads), so a slot may touch
    widgets. ``tag`` says which call answered. After :meth:`forget` (the console was
    locked), calls started before it no longer answer on ``done`` or ``failed``: what they
    read is never shown to the next person. Their results come back on ``forgotten``
    instead, for a screen that must keep what they opened (a database).
    """

    done = Signal(object, object)
    """(result, tag) when the call returned."""
    failed = Signal(object, object)
    """(exception, tag) when the call raised."""
    forgotten = Signal(object, object)
    """(result, tag) when a call started before :meth:`forget` returned."""
    _finished = Signal(int, bool, object, object)
    """(epoch, returned, result or exception, tag), from the worker to the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []
        self._epoch = 0
        self._finished.connect(self._deliver)

    def forget(self) -> None:
        """Calls still running will not answer on ``done`` or ``failed``."""
        self._epoch += 1

    def run(self, work: Callable[[], Any], tag: object = None) -> None:
        epoch = self._epoch

        def call() -> None:
            try:
                result = work()
            except Exception as exc:  # every failure goes back to the screen, in words
                self._answer(epoch, False, exc, tag)
            else:
                self._answer(epoch, True, result, tag)

        thread = threading.Thread(target=call, name=f"ui-call-{tag}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _answer(self, epoch: int, returned: bool, outcome: object, tag: object) -> None:
        """From the worker: the answer goes to the GUI thread, unless the screen that asked
        was closed meanwhile (its calls then have nobody to answer)."""
        with contextlib.suppress(RuntimeError):  # "Signal source has been deleted"
            self._finished.emit(epoch, returned, outcome, tag)

    def _deliver(self, epoch: int, returned: bool, outcome: object, tag: object) -> None:
        """On the GUI thread, where ``forget`` runs: so no answer slips past a lock."""
        if epoch != self._epoch:
            if returned:
                self.forgotten.emit(outcome, tag)
        elif returned:
            self.done.emit(outcome, tag)
        else:
            self.failed.emit(outcome, tag)

    @property
    def busy(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait_idle(self, timeout: float = 10.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
