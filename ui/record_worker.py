"""Records a nurse's entry off the GUI thread and says when the store has committed it.

An entry is shown as recorded only after ``SessionService.record_event`` returned the
stored event (committed, with its sequence number); until then it shows as pending, and
a failure keeps the entry and says why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ketaconsole.store import RecordNotWritten, SessionService
from ketaconsole.workflow import WorkflowError

NO_LOGIN_AUTHOR = "nurse (no log-in)"


class RecordWorker(QObject):
    """Sends entries to the store on worker threads; signals back on the GUI thread."""

    recorded = Signal(object, object)
    """(StoredEvent, tag) once the event is committed."""
    failed = Signal(str, object)
    """(one-sentence reason, tag) when it could not be committed."""
    refused = Signal(object, object)
    """({field: sentence}, tag) when what was entered cannot be recorded as it is."""

    def __init__(self, service: SessionService | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._threads: list[threading.Thread] = []

    def submit(self, kind: str, payload: dict[str, Any], *, tag: object = None,
               author: str = NO_LOGIN_AUTHOR) -> None:
        service = self.service
        if service is None:
            self.failed.emit("nothing is being recorded: no session is open", tag)
            return

        def work() -> None:
            try:
                stored = service.record_event(kind, payload, author=author)
            except RecordNotWritten as exc:
                self.failed.emit(f"{exc}; it stays queued and is written when the "
                                 "database recovers", tag)
            except Exception as exc:  # the entry must not vanish silently
                self.failed.emit(f"not recorded: {exc}", tag)
            else:
                self.recorded.emit(stored, tag)

        thread = threading.Thread(target=work, name=f"record-{kind}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def call(self, work: Callable[[], Any], *, tag: object = None) -> None:
        """Run a recording step (e.g. a workflow call) off the GUI thread."""

        def run() -> None:
            try:
                result = work()
            except WorkflowError as exc:
                self.refused.emit(exc.problems, tag)
            except RecordNotWritten as exc:
                self.failed.emit(f"{exc}; it stays queued and is written when the "
                                 "database recovers", tag)
            except Exception as exc:  # the entry must not vanish silently
                self.failed.emit(f"not recorded: {exc}", tag)
            else:
                self.recorded.emit(result, tag)

        thread = threading.Thread(target=run, name="record-step", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait_idle(self, timeout: float = 10.0) -> None:
        for thread in self._threads:
            thread.join(timeout)
