"""The dose plan page: the order, the weight it is given on, and the clinic's limits as typed.

The nurse enters the patient's weight and height (from the check-in), the dose, the
infusion time and the concentration after dilution. As she types, the page shows what
follows (mg, rate, mL/h), which weight the clinic's rule doses on and why, and the
verdict of the one order check (:func:`ketaconsole.medication.order_check.check_order`)
against the clinic's drug library and the prescriber's approval: a hard limit in red,
the soft limits in amber with the fields for the clinician who accepts them and the
reason, which only then appear and are then required. Confirming hands the order to
the workflow, which runs the same check before anything is recorded.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from ketaconsole.catalogue import PUMP_RATE, VTBI
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.titration import DoseDecision
from ketaconsole.dose import DosePlan, DosePlanError
from ketaconsole.medication.order_check import (
    LimitAcceptance,
    OrderCheck,
    check_order,
    plan_order,
)
from ketaconsole.session.workflow import SessionWorkflow
from ui import theme
from ui.course.course_page import present
from ui.course.course_plan import course_table_html
from ui.course.course_view import CourseView
from ui.session.measures_box import MeasuresBox
from ui.session.session_pages import StepPage, Submit
from ui.widgets.form_fields import FormFields
from ui.widgets.labels import note
from ui.widgets.type_scale import restyle

DEFAULT_ORDER = {"mg_per_kg": 0.5, "duration_min": 40.0, "concentration_mg_ml": 1.0}
"""The usual order (CLINICAL.md section 1), pre-filled on the plan page."""
ORDER_FIELDS = ("weight_kg", "height_cm", "mg_per_kg", "duration_min", "concentration_mg_ml")


class PlanPage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit,
                 expected: DosePlan | None = None, desk: CourseDesk | None = None) -> None:
        super().__init__("Dose plan")
        self._workflow, self._submit = workflow, submit
        self._desk = desk
        order = expected.as_record() if expected is not None else DEFAULT_ORDER
        self.form.add("weight_kg", "Weight (kg)", QLineEdit())
        self.form.add("height_cm", "Height (cm)", QLineEdit())
        self.form.add("mg_per_kg", "Dose (mg/kg)", QLineEdit(f"{order['mg_per_kg']:g}"))
        self.form.add("duration_min", "Over (min)", QLineEdit(f"{order['duration_min']:g}"))
        concentration = QLineEdit(f"{order['concentration_mg_ml']:g}")
        concentration.setToolTip("The concentration in the bag or syringe, after dilution")
        self.form.add("concentration_mg_ml", "Concentration (mg/mL)", concentration)
        self.computed = QLabel("")
        self.computed.setWordWrap(True)
        self.computed.setFont(theme.font(16, bold=True))
        # room for two lines from the start, so the button below never moves under a tap
        self.computed.setMinimumHeight(2 * self.computed.fontMetrics().lineSpacing() + 4)
        self.column.addWidget(self.computed)
        self.limits = QLabel("")
        """The order check's verdict: a refusal, the soft limits passed, or within limits
        (right under what the order comes to, so a refusal shows as it is typed)."""
        self.limits.setWordWrap(True)
        self.column.addWidget(self.limits)
        self.weight_basis = note("")
        """Which weight the order is given on, and why."""
        self.column.addWidget(self.weight_basis)
        self.accept_rows = QFormLayout()
        """The clinician who accepts an order past the usual limits, and why: shown only
        then, and then required (each label above its field, so the field is wide)."""
        self.accept_rows.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.accept_form = FormFields(self.accept_rows)
        self.accept_form.add("limit_clinician", "Clinician who accepts it", QLineEdit())
        self.accept_form.add("limit_reason", "Why the order goes past the usual limits",
                             QLineEdit())
        self.column.addLayout(self.accept_rows)
        self._ask_acceptance(False)
        self.course = QLabel("")
        self.course.setWordWrap(True)
        self.course.setTextFormat(Qt.TextFormat.RichText)
        self.column.addWidget(self.course)
        self.measures = MeasuresBox(workflow, lambda work: submit(work, self))
        self.column.addWidget(self.measures)
        self.show_course = QPushButton("Show the course")
        self.show_course.setEnabled(False)
        self.show_course.clicked.connect(self.open_course)
        self.column.addWidget(self.show_course)
        self.course_view: QWidget | None = None
        decision_rows = QFormLayout()
        decision_rows.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.decision_form = FormFields(decision_rows)
        """Why another dose than the titration rule's proposal (beside the proposal)."""
        self.decision_form.add("override_reason", "Reason if not the proposed dose",
                               QLineEdit())
        self.column.addLayout(decision_rows)
        self._advice_shown: object = None
        for field in self.form.fields.values():
            assert isinstance(field, QLineEdit)
            field.textChanged.connect(self.recompute)
        self.confirm = QPushButton("Confirm plan")
        self.confirm.clicked.connect(self.record)
        self.column.addWidget(self.confirm)
        self.finish_layout()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        checked_in = self._workflow.check_in_record
        if checked_in is not None:
            for key, value in (("weight_kg", checked_in.weight_kg),
                               ("height_cm", checked_in.height_cm)):
                field = self.form.fields[key]
                assert isinstance(field, QLineEdit)
                if value and not field.text():
                    field.setText(f"{value:g}")
        self.show_advice()
        self.recompute()

    def show_advice(self) -> None:
        """The previous infusions and the proposed dose; the proposal pre-fills the dose once."""
        self.measures.refresh()
        advice = self._workflow.advice
        if advice is None or advice is self._advice_shown:
            return
        self._advice_shown = advice
        self.course.setText(course_table_html(advice))
        self.show_course.setEnabled(True)
        dose = self.form.fields["mg_per_kg"]
        assert isinstance(dose, QLineEdit)
        dose.setText(f"{advice.proposal.mg_per_kg:g}")

    def open_course(self) -> None:
        """The course view on the console's Course page, beside (never over) the monitor."""
        advice = self._workflow.advice
        if advice is None:
            return
        self.course_view = CourseView(advice.course, desk=self._desk)
        present(self.course_view, self)

    def plan(self) -> DosePlan:
        """The order as typed, on the weight the clinic's rule gives (``DosePlanError``)."""
        value = {k: self.form.number(k) for k in ORDER_FIELDS}
        nan = float("nan")
        return plan_order(self._workflow.drug_library,
                          weight_kg=value["weight_kg"] if value["weight_kg"] is not None
                          else nan, height_cm=value["height_cm"],
                          mg_per_kg=value["mg_per_kg"] if value["mg_per_kg"] is not None
                          else nan,
                          duration_min=value["duration_min"]
                          if value["duration_min"] is not None else nan,
                          concentration_mg_ml=value["concentration_mg_ml"]
                          if value["concentration_mg_ml"] is not None else nan)

    def check(self, plan: DosePlan) -> OrderCheck:
        """The one order check, against the clinic's library and the course's approval."""
        course = self._workflow.model.course
        return check_order(plan, self._workflow.drug_library,
                           course.approved_order() if course is not None else None)

    def recompute(self) -> None:
        try:
            plan = self.plan()
        except DosePlanError as exc:
            self.computed.setText("")
            self.weight_basis.setText("")
            self._verdict(None)
            self.message.setText(" ".join(exc.problems))
            return
        self.message.setText("")
        self.computed.setText(f"{plan.dose_mg:.1f} mg over {plan.duration_min:g} min = "
                              f"{plan.rate_mg_min:.3f} mg/min = "
                              f"{PUMP_RATE.with_unit(plan.rate_ml_h)} "
                              f"({VTBI.with_unit(plan.volume_ml)})")
        dosing = plan.dosing
        self.weight_basis.setText("" if dosing is None else
                                  f"Dosed on {dosing.weight_kg:g} kg: {dosing.reason()}.")
        self._verdict(self.check(plan))

    def _verdict(self, check: OrderCheck | None) -> None:
        """Show the order check's verdict; the acceptance fields only past soft limits."""
        refused = None if check is None else check.refusal
        soft = check is not None and refused is None and bool(check.soft)
        self._ask_acceptance(soft)
        if check is None:
            self.limits.setText("")
        elif refused is not None:
            restyle(self.limits, f"color: {theme.ALARM_HIGH}; font-weight: bold;")
            self.limits.setText(refused[1])
        elif soft:
            restyle(self.limits, f"color: {theme.ALARM_MEDIUM};")
            self.limits.setText(f"{check.soft_sentence()} A named clinician must accept "
                                "it, with the reason.")
        else:
            restyle(self.limits, f"color: {theme.MUTED};")
            self.limits.setText(self._within())
        cautions = [] if check is None or refused is not None else check.cautions
        if cautions:
            restyle(self.limits, f"color: {theme.ALARM_MEDIUM};")
            self.limits.setText(" ".join([*cautions, self.limits.text()]))

    def _within(self) -> str:
        library = self._workflow.drug_library
        course = self._workflow.model.course
        approval = "" if course is None else \
            " " + course.approved_order().describe(library)
        return f"Within the clinic's limits ({library.words}).{approval}"

    def _ask_acceptance(self, asking: bool) -> None:
        for row in range(self.accept_rows.rowCount()):
            self.accept_rows.setRowVisible(row, asking)

    def asks_acceptance(self) -> bool:
        """Whether the page asks for the clinician who accepts the order, and why."""
        return self.accept_rows.isRowVisible(0)

    def accepted(self) -> LimitAcceptance | None:
        """The clinician's acceptance, when the page asks for one."""
        if not self.asks_acceptance():
            return None
        return LimitAcceptance(self.accept_form.text("limit_clinician"),
                               self.accept_form.text("limit_reason"))

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each problem beside its field (the order's, the acceptance's, the decision's);
        the rest under the order."""
        placed: set[str] = set()
        for form in (self.form, self.accept_form, self.decision_form):
            mine = {k: v for k, v in problems.items() if k in form.errors}
            form.show_problems(mine)
            placed.update(mine)
        self.message.setText(" ".join(v for k, v in problems.items() if k not in placed))

    def clear_problems(self) -> None:
        super().clear_problems()
        self.accept_form.show_problems({})
        self.decision_form.show_problems({})

    def record(self) -> None:
        try:
            plan = self.plan()
        except DosePlanError as exc:
            self.message.setText(" ".join(exc.problems))
            return
        advice = self._workflow.advice
        decision = DoseDecision(advice.proposal, self.decision_form.text("override_reason")) \
            if advice is not None else None
        accepted = self.accepted()
        self._submit(lambda: self._workflow.confirm_plan(plan, decision=decision,
                                                         accepted=accepted), self)
