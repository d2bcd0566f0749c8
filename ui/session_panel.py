"""The session workflow panel: where the session stands, and the page for its next step.

Every step is recorded by the core workflow off the GUI thread; the panel moves to the
next page only once the store has committed the step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QStackedWidget, QVBoxLayout

from ketaconsole.engine import Engine
from ketaconsole.patient import Patient
from ketaconsole.settings import home_dir
from ketaconsole.workflow import STEPS, SessionWorkflow, Step
from ui import theme
from ui.record_worker import RecordWorker
from ui.session_pages import (
    BaselinePage,
    CheckInPage,
    DischargePage,
    DonePage,
    InfusionPage,
    PlanPage,
    RecoveryPage,
    SignOffPage,
    StepPage,
)


def default_export_folder() -> Path:
    """Exports go to the ``exports`` folder in the console's data folder."""
    return home_dir() / "exports"


class SessionPanel(QFrame):
    """Check-in to sign-off, one page per step."""

    def __init__(self, workflow: SessionWorkflow, engine: Engine, worker: RecordWorker,
                 author: Callable[[], str], patient: Patient | None,
                 export_folder: Callable[[], Path] = default_export_folder) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.workflow = workflow
        self.worker = worker
        self.steps = QLabel("")
        self.steps.setWordWrap(True)
        self.steps.setFont(theme.font(13))
        self.pages: dict[Step, StepPage] = {
            Step.CHECK_IN: CheckInPage(workflow, self.submit, author, patient),
            Step.BASELINE: BaselinePage(workflow, self.submit, author, engine),
            Step.PLAN: PlanPage(workflow, self.submit, author),
            Step.INFUSION: InfusionPage(workflow, self.submit, author),
            Step.RECOVERY: RecoveryPage(workflow, self.submit, author),
            Step.DISCHARGE: DischargePage(workflow, self.submit, author, engine),
            Step.SIGN_OFF: SignOffPage(workflow, self.submit, author),
            Step.DONE: DonePage(workflow, self.submit, export_folder, author),
        }
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.stack)
        layout.addWidget(self.steps)
        layout.addWidget(scroller, 1)
        self._waiting: StepPage | None = None
        worker.recorded.connect(self._recorded)
        worker.failed.connect(self._failed)
        worker.refused.connect(self._refused)
        self.show_step()
        self.setAccessibleName("Session workflow")

    def submit(self, work: Callable[[], Any], page: StepPage) -> None:
        page.clear_problems()
        page.message.setText("recording\u2026")
        self._waiting = page
        self.worker.call(work, tag=page)

    def _recorded(self, result: object, tag: object) -> None:
        if tag is not self._waiting or not isinstance(tag, StepPage):
            return
        self._waiting = None
        tag.message.setText("")
        if isinstance(tag, DonePage):
            tag.exported_result(result)
        infusion = self.pages[Step.INFUSION]
        assert isinstance(infusion, InfusionPage)
        infusion.update_buttons()
        self.show_step()

    def _failed(self, reason: str, tag: object) -> None:
        if isinstance(tag, StepPage) and tag is self._waiting:
            self._waiting = None
            tag.show_failure(reason)

    def _refused(self, problems: dict[str, str], tag: object) -> None:
        if isinstance(tag, StepPage) and tag is self._waiting:
            self._waiting = None
            tag.show_problems(problems)

    def show_step(self) -> None:
        current = self.workflow.step
        marks = [f"<b>{s.value}</b>" if s is current else
                 (f"\u2713 {s.value}" if STEPS.index(s) < STEPS.index(current) else s.value)
                 for s in STEPS if s is not Step.DONE]
        self.steps.setText(" \u203a ".join(marks))
        self.stack.setCurrentWidget(self.pages[current])

    def refresh(self, now: float) -> None:
        """Nothing runs per frame here; present for the frame clock's list."""
