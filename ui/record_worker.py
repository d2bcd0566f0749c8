"""Records a nurse's entry off the GUI thread and says when the store has committed it.

An entry is shown as recorded only after ``SessionService.record_event`` returned the
stored event (committed, with its sequence number); until then it shows as pending, and
a failure keeps the entry and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ketaconsole.actors import NO_LOGIN_AUTHOR
from ketaconsole.security.services import AuthorisedSession
from ketaconsole.store import RecordNotWritten, SessionService
from ketaconsole.workflow import WorkflowError
from ui.background import BackgroundCalls

__all__ = ["NO_LOGIN_AUTHOR", "RecordWorker"]

ServiceSource = Callable[[], SessionService | None]
EntryDoor = Callable[[SessionService], AuthorisedSession]
"""The guarded session a console's entries go through, for the session's record."""


class RecordWorker(QObject):
    """Sends entries to the store on worker threads; signals back on the GUI thread."""

    recorded = Signal(object, object)
    """(StoredEvent or the step's result, tag) once it is committed."""
    failed = Signal(str, object)
    """(one-sentence reason, tag) when it could not be committed."""
    refused = Signal(object, object)
    """({field: sentence}, tag) when what was entered cannot be recorded as it is."""

    def __init__(self, service: SessionService | ServiceSource | None,
                 parent: QObject | None = None, *,
                 author: Callable[[], str] = lambda: NO_LOGIN_AUTHOR,
                 after: Callable[[object], None] | None = None,
                 door: EntryDoor | None = None) -> None:
        super().__init__(parent)
        self._door = door
        """The guarded services a timeline entry goes through (the role is checked)."""
        self._after = after
        """Told each committed result on the worker thread (the audit trail)."""
        self._source: ServiceSource = service if callable(service) else (lambda: service)
        self.author = author
        """Who makes an entry now; raises (and is audited) when nobody may."""
        self._calls = BackgroundCalls(self)
        self._calls.done.connect(self.recorded.emit)
        self._calls.failed.connect(self._answer_failure)

    @property
    def service(self) -> SessionService | None:
        """The session's record, once one is open (a room opens it at check-in)."""
        return self._source()

    def sharing(self, parent: QObject | None = None) -> RecordWorker:
        """Another worker (own signals) on the same session's record and author."""
        return RecordWorker(self._source, parent, author=self.author, after=self._after,
                            door=self._door)

    def submit(self, kind: str, payload: dict[str, Any], *, tag: object = None) -> None:
        """Record one timeline event (annotation, medication, score ...) by who is logged in."""
        service = self.service
        if service is None:
            self.failed.emit("nothing is being recorded: no session is open", tag)
            return
        door = self._door
        if door is not None:
            self.call(lambda: door(service).record_entry(kind, payload), tag=tag)
        else:
            self.call(lambda: service.record_event(kind, payload, author=self.author()),
                      tag=tag)

    def call(self, work: Callable[[], Any], *, tag: object = None) -> None:
        """Run a recording step (e.g. a workflow call) off the GUI thread."""
        after = self._after

        def run() -> Any:
            result = work()
            if after is not None:
                after(result)
            return result

        self._calls.run(run, tag)

    def _answer_failure(self, error: object, tag: object) -> None:
        if isinstance(error, WorkflowError):
            self.refused.emit(error.problems, tag)
        elif isinstance(error, RecordNotWritten):
            self.failed.emit(f"{error}; it stays queued and is written when the database "
                             "recovers", tag)
        else:  # the entry must not vanish silently
            self.failed.emit(f"not recorded: {error}", tag)

    def wait_idle(self, timeout: float = 10.0) -> None:
        self._calls.wait_idle(timeout)
