"""Runs slow work (ports, database reads, exports) off the GUI thread and signals back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class BackgroundCalls(QObject):
    """Each call runs on a thread of its own; its result or its error comes back as a signal.

    Signals are delivered on the GUI thread (queued across threads), so a slot may touch
    widgets. ``tag`` says which call answered.
    """

    done = Signal(object, object)
    """(result, tag) when the call returned."""
    failed = Signal(object, object)
    """(exception, tag) when the call raised."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []

    def run(self, work: Callable[[], Any], tag: object = None) -> None:
        def call() -> None:
            try:
                result = work()
            except Exception as exc:  # every failure goes back to the screen, in words
                self.failed.emit(exc, tag)
            else:
                self.done.emit(result, tag)

        thread = threading.Thread(target=call, name=f"ui-call-{tag}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    @property
    def busy(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait_idle(self, timeout: float = 10.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
