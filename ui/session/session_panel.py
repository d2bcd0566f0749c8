"""The session workflow panel: where the session stands, and the page for its next step.

Every step is recorded by the core workflow off the GUI thread, and the workflow asks
its door who is acting (a refusal shows on the page and is on the audit trail); the
panel moves to the next page only once the store has committed the step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
)

from ketaconsole.bedside.room import RoomOptions
from ketaconsole.course.desk import CourseDesk
from ketaconsole.live.engine import Engine
from ketaconsole.session.workflow import STEPS, SessionWorkflow, Step
from ketaconsole.settings import exports_dir
from ui import theme
from ui.records.session_review import Exporter
from ui.session.esketamine_pages import BpChecks, DosingPage, EsketaminePlanPage
from ui.session.plan_page import PlanPage
from ui.session.record_worker import RecordWorker
from ui.session.session_pages import (
    BaselinePage,
    CheckInPage,
    DischargePage,
    DonePage,
    InfusionPage,
    RecoveryPage,
    SignOffPage,
    StepPage,
)
from ui.widgets.type_scale import restyle


def default_export_folder() -> Path:
    """Exports go to the ``exports`` folder in the console's data folder."""
    return exports_dir()


class SessionPanel(QFrame):
    """Check-in to sign-off, one page per step; End session closes the record."""

    def __init__(self, workflow: SessionWorkflow, engine: Engine, worker: RecordWorker,
                 options: RoomOptions,
                 export_folder: Callable[[], Path] = default_export_folder,
                 exporter: Exporter | None = None,
                 signer: Callable[[], str | None] = lambda: None,
                 desk: CourseDesk | None = None, bp_checks: BpChecks | None = None) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.workflow = workflow
        self.worker = worker
        self._engine, self._options = engine, options
        self._export_folder = export_folder
        self._exporter = exporter
        self._signer = signer
        self._desk = desk
        """The course's guarded door: patient search and registration at check-in."""
        self._bp_checks = bp_checks
        """The room's REMS blood pressures (an esketamine session's monitoring page)."""
        self.steps = QLabel("")
        self.steps.setWordWrap(True)
        self.steps.setFont(theme.font(13))
        self.stack = QStackedWidget()
        self.pages: dict[Step, StepPage] = {}
        self.nasal_pages: dict[Step, StepPage] = {}
        """An esketamine session's pages in place of the dose plan, infusion and recovery."""
        self._build_pages()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self.stack)
        layout.addWidget(self.steps)
        layout.addWidget(self.scroller, 1)
        self.ending = EndSessionBox(self._end_session)
        layout.addWidget(self.ending)
        self._waiting: StepPage | EndSessionBox | None = None
        worker.recorded.connect(self._recorded)
        worker.failed.connect(self._failed)
        worker.refused.connect(self._refused)
        self.show_step()
        self.setAccessibleName("Session workflow")

    def _build_pages(self) -> None:
        """A fresh page per step (at start, and for the next patient)."""
        for page in {*self.pages.values(), *self.nasal_pages.values()}:
            self.stack.removeWidget(page)
            page.deleteLater()
        workflow, engine = self.workflow, self._engine
        dosing = DosingPage(workflow, self.submit, self._bp_checks)
        self.nasal_pages = {Step.PLAN: EsketaminePlanPage(workflow, self.submit),
                            Step.INFUSION: dosing, Step.RECOVERY: dosing}
        self.pages = {
            Step.CHECK_IN: CheckInPage(workflow, self.submit, self._options.expected_patient,
                                       self._desk),
            Step.BASELINE: BaselinePage(workflow, self.submit, engine),
            Step.PLAN: PlanPage(workflow, self.submit, self._options.expected_plan, self._desk),
            Step.INFUSION: InfusionPage(workflow, self.submit),
            Step.RECOVERY: RecoveryPage(workflow, self.submit),
            Step.DISCHARGE: DischargePage(workflow, self.submit, engine),
            Step.SIGN_OFF: SignOffPage(workflow, self.submit, self._signer),
            Step.DONE: DonePage(workflow, self.submit, self._export_folder, self._exporter),
        }
        for page in (*self.pages.values(), self.nasal_pages[Step.PLAN], dosing):
            self.stack.addWidget(page)

    def page_for(self, step: Step) -> StepPage:
        """The page of ``step`` for this session's treatment."""
        if self.workflow.model.nasal.esketamine and step in self.nasal_pages:
            return self.nasal_pages[step]
        return self.pages[step]

    def _end_session(self, reason: str) -> None:
        self.ending.message.setText("recording\u2026")
        self._waiting = self.ending
        self.worker.call(lambda: self.workflow.end_session(reason=reason), tag=self.ending)

    def submit(self, work: Callable[[], Any], page: StepPage) -> None:
        page.clear_problems()
        page.message.setText("recording\u2026")
        self._waiting = page
        self.worker.call(work, tag=page)

    def _recorded(self, result: object, tag: object) -> None:
        if tag is not self._waiting:
            return
        self._waiting = None
        if isinstance(tag, EndSessionBox):
            tag.ended(bool(result))
            self._build_pages()
            self.show_step()
            return
        assert isinstance(tag, StepPage)
        tag.message.setText("")
        if isinstance(tag, DonePage):
            tag.exported_result(result)
        infusion = self.pages[Step.INFUSION]
        assert isinstance(infusion, InfusionPage)
        infusion.update_buttons()
        plan = self.pages[Step.PLAN]
        if isinstance(plan, PlanPage):
            plan.show_advice()
        dosing = self.nasal_pages[Step.INFUSION]
        assert isinstance(dosing, DosingPage)
        dosing.update_state(self.workflow.clock())
        self.show_step()
        current = self.page_for(self.workflow.step)
        if current.isVisible():
            current.take_focus()  # focus stays in the panel, on the next thing to do

    def _failed(self, reason: str, tag: object) -> None:
        if isinstance(tag, StepPage | EndSessionBox) and tag is self._waiting:
            self._waiting = None
            tag.show_failure(reason)

    def _refused(self, problems: dict[str, str], tag: object) -> None:
        if isinstance(tag, StepPage | EndSessionBox) and tag is self._waiting:
            self._waiting = None
            tag.show_problems(problems)

    def show_step(self) -> None:
        current = self.workflow.step
        names = NASAL_STEP_NAMES if self.workflow.model.nasal.esketamine else {}
        marks = [f"<b>{names.get(s, s.value)}</b>" if s is current else
                 (f"\u2713 {names.get(s, s.value)}" if STEPS.index(s) < STEPS.index(current)
                  else names.get(s, s.value))
                 for s in STEPS if s is not Step.DONE]
        self.steps.setText(" \u203a ".join(marks))
        page = self.page_for(current)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
            self.scroller.verticalScrollBar().setValue(0)  # a new step opens at its top
        self.ending.setVisible(self.workflow.session_open)
        self.ending.signed_off(current is Step.DONE)

    def refresh(self, now: float) -> None:
        """The infusion page follows the pump between the nurse's steps (while a step is
        being recorded the page waits for its answer: the buttons change with it)."""
        page = self.stack.currentWidget()
        if self._waiting is None and isinstance(page, InfusionPage):
            page.update_buttons()
        if self._waiting is None and isinstance(page, DosingPage):
            page.update_state(now)


NASAL_STEP_NAMES = {Step.PLAN: "Esketamine dose", Step.INFUSION: "Dosing and monitoring",
                    Step.RECOVERY: "Monitoring"}
"""The steps' names in an esketamine session."""


class EndSessionBox(QFrame):
    """End the session: after sign-off at once, before it with a reason."""

    def __init__(self, end: Callable[[str], None]) -> None:
        super().__init__()
        self._end = end
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason, if before sign-off (e.g. infusion abandoned)")
        self.reason.setAccessibleName("Reason for ending the session")
        self.button = QPushButton("End session")
        self.button.setAccessibleName("End session")
        self.button.clicked.connect(lambda: self._end(self.reason.text()))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        row = QHBoxLayout()  # the long label comes only after sign-off, when the reason goes
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.reason, 1)
        row.addWidget(self.button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(row)
        column.addWidget(self.message)

    def signed_off(self, done: bool) -> None:
        """After sign-off no reason is needed; the button says what comes next."""
        self.reason.setVisible(not done)
        self.button.setText("End session and start the next patient" if done
                            else "End session")

    def ended(self, written: bool) -> None:
        self.reason.clear()
        self.message.setText("" if written else
                             "The session was ended, but part of its record could not be "
                             "written yet; check the record banner.")

    def show_failure(self, reason: str) -> None:
        self.message.setText(reason)

    def show_problems(self, problems: dict[str, str]) -> None:
        self.message.setText(" ".join(problems.values()))
