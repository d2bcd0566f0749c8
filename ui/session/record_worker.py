"""Records a nurse's entry off the GUI thread and says when the store has committed it.

An entry is shown as recorded only after the session workflow returned the stored event
(committed, with its sequence number); until then it shows as pending, and a failure
keeps the entry and says why. Every entry and step goes through the workflow, which
asks its door who is acting (a refusal comes back as a failure, and is audited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ketaconsole.session.workflow import SessionWorkflow, WorkflowError
from ketaconsole.store import RecordNotWritten, SessionService
from ui.widgets.background import BackgroundCalls

__all__ = ["RecordWorker"]


class RecordWorker(QObject):
    """Sends entries to the store on worker threads; signals back on the GUI thread."""

    recorded = Signal(object, object)
    """(StoredEvent or the step's result, tag) once it is committed."""
    failed = Signal(str, object)
    """(one-sentence reason, tag) when it could not be committed."""
    refused = Signal(object, object)
    """({field: sentence}, tag) when what was entered cannot be recorded as it is."""

    def __init__(self, workflow: SessionWorkflow | None, parent: QObject | None = None, *,
                 after: Callable[[object], None] | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        """The session's steps and entries, each asking the workflow's door who acts."""
        self._after = after
        """Told each committed result on the worker thread (the audit trail)."""
        self._calls = BackgroundCalls(self)
        self._calls.done.connect(self.recorded.emit)
        self._calls.failed.connect(self._answer_failure)

    @property
    def service(self) -> SessionService | None:
        """The session's record, once one is open (a room opens it at check-in)."""
        return self.workflow.service if self.workflow is not None else None

    def sharing(self, parent: QObject | None = None) -> RecordWorker:
        """Another worker (own signals) on the same workflow and audit step."""
        return RecordWorker(self.workflow, parent, after=self._after)

    def submit(self, kind: str, payload: dict[str, Any], *, tag: object = None) -> None:
        """Record one timeline entry (annotation, medication, score ...) by who is acting."""
        workflow = self.workflow
        if workflow is None or workflow.service is None:
            self.failed.emit("nothing is being recorded: no session is open", tag)
            return
        self.call(lambda: workflow.record_entry(kind, payload), tag=tag)

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
