"""The prescriber's eligibility assessment at the console, signed by the prescriber logged in.

The same form as ``ketaconsole assess``: every contraindication of
:mod:`ketaconsole.course.contraindications`, each question saying whether the clinic's
settings make it absolute or relative, with the decision support shown as they are
ticked; two screening blood-pressure readings whose mean is judged against 140/90 and
the clinic's threshold; prior treatments, the consent document and its version, and the
order approved: the dose range, the infusion-time range and the most mg one infusion
may give, within the hard limits of the clinic's drug library (its usual limits
pre-filled, read with the threshold when the form opens). Signing goes through the
course's guarded door, which refuses anyone but a prescriber and puts the assessment on
the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.course.contraindications import CONTRAINDICATIONS, label
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.eligibility import (
    PRIOR_TREATMENT_KINDS,
    Assessment,
    EligibilityForm,
    EligibilityPolicy,
    PriorTreatment,
    decision_support,
)
from ketaconsole.course.identity import PatientRecord
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.medication.library import DrugLibrary, default_library
from ui import theme
from ui.widgets.background import BackgroundCalls
from ui.widgets.form_fields import QuestionRows, headed_body
from ui.widgets.type_scale import restyle

PRIOR_ROWS = 4
"""Rows for prior treatments (antidepressant trials, ECT/TMS, esketamine...)."""


def _number(text: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return float("nan")


class AssessmentForm(QWidget):
    """One patient's eligibility assessment; signing is a prescriber's."""

    def __init__(self, desk: CourseDesk, patient: PatientRecord, *,
                 on_signed: Callable[[Assessment], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self.patient, self._on_signed = desk, patient, on_signed
        self.policy = EligibilityPolicy()
        """The clinic's threshold, read when the form opens (the default until then)."""
        self.library: DrugLibrary = default_library()
        """The clinic's drug library, read when the form opens (the default until then)."""
        self.setWindowTitle(f"Eligibility assessment: {patient.name}")
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._failed)
        outer, column = headed_body(self, f"Eligibility assessment \u00b7 {patient.label()}")

        screening = QGroupBox("Screening blood pressure (two readings; their mean is judged)")
        rows = QuestionRows(screening)
        self.readings: list[tuple[QLineEdit, QLineEdit]] = []
        for number in ("First", "Second"):
            systolic, diastolic = QLineEdit(), QLineEdit()
            systolic.setPlaceholderText("systolic")
            diastolic.setPlaceholderText("diastolic")
            bp = QWidget()
            bp_row = QHBoxLayout(bp)
            bp_row.setContentsMargins(0, 0, 0, 0)
            bp_row.addWidget(systolic)
            bp_row.addWidget(QLabel("/"))
            bp_row.addWidget(diastolic)
            rows.add(f"{number} reading (mmHg)", bp, wide=True)
            for line in (systolic, diastolic):
                line.textChanged.connect(self.update_support)
            self.readings.append((systolic, diastolic))
        column.addWidget(screening)

        contraindications = QGroupBox("Contraindications")
        rows = QuestionRows(contraindications, "An absolute one stops the course; a relative "
                            "one, or a mean screening reading above 140/90 mmHg, needs your "
                            "reasoning (which is which is the clinic's setting).")
        self.contraindications: dict[str, QCheckBox] = {}
        self._questions: dict[str, QLabel] = {}
        for item in CONTRAINDICATIONS:
            box = QCheckBox("present")
            box.toggled.connect(self.update_support)
            rows.add(item.label, box)
            cell = rows.grid.itemAtPosition(rows.grid.rowCount() - 1, 0)
            question = None if cell is None else cell.widget()
            assert isinstance(question, QLabel)
            self.contraindications[item.key], self._questions[item.key] = box, question
        self._show_severity()
        self.reasoning = QLineEdit()
        self.reasoning.setPlaceholderText("why the course goes ahead despite them")
        rows.add("Reasoning", self.reasoning, wide=True)
        column.addWidget(contraindications)

        prior = QGroupBox("Prior treatments")
        prior_column = QVBoxLayout(prior)
        self.prior: list[tuple[QComboBox, QLineEdit]] = []
        for _ in range(PRIOR_ROWS):
            kind = QComboBox()
            kind.addItem("\u2014", None)
            for name in PRIOR_TREATMENT_KINDS:
                kind.addItem(name, name)
            detail = QLineEdit()
            detail.setPlaceholderText("drug and dose, sessions, weeks, response")
            row = QHBoxLayout()
            row.addWidget(kind)
            row.addWidget(detail, 1)
            prior_column.addLayout(row)
            self.prior.append((kind, detail))
        column.addWidget(prior)

        consent = QGroupBox("Consent and the approved order")
        rows = QuestionRows(consent)
        self.consent_document = QLineEdit("IV ketamine course consent")
        rows.add("Consent document signed", self.consent_document, wide=True)
        self.consent_version = QLineEdit()
        self.consent_version.setPlaceholderText("e.g. 2026-03")
        rows.add("Its version", self.consent_version)
        self.dose_min, self.dose_max = QLineEdit("0.5"), QLineEdit("0.75")
        rows.add("Lowest dose approved (mg/kg)", self.dose_min)
        rows.add("Highest dose approved (mg/kg)", self.dose_max)
        self.infusion_min, self.infusion_max = QLineEdit(), QLineEdit()
        rows.add("Shortest infusion approved (min)", self.infusion_min)
        rows.add("Longest infusion approved (min)", self.infusion_max)
        self.max_total = QLineEdit()
        rows.add("Most one infusion may give (mg)", self.max_total)
        self._usual_limits()
        for line in (self.dose_min, self.dose_max, self.infusion_min, self.infusion_max,
                     self.max_total):
            line.textChanged.connect(self.update_support)
        column.addWidget(consent)
        column.addStretch(1)

        self.support = QLabel("")
        self.support.setWordWrap(True)
        outer.addWidget(self.support)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.sign = QPushButton("Sign the assessment")
        self.sign.setToolTip("Signed by the prescriber logged in at this console")
        self.sign.clicked.connect(self.record)
        outer.addWidget(self.sign)
        self.resize(720, 780)
        self.update_support()
        self.calls.run(lambda: EligibilityPolicy.of_clinic(desk.database), "policy")
        self.calls.run(lambda: clinic_library(desk.database), "library")

    def _usual_limits(self) -> None:
        """Pre-fill the infusion times and the most mg with the library's usual limits."""
        band = self.library.infusion_minutes
        for line, value in ((self.infusion_min, band.soft_min),
                            (self.infusion_max, band.soft_max),
                            (self.max_total, self.library.total_mg.soft_max)):
            if value is not None:
                line.setText(f"{value:g}")

    def _show_severity(self) -> None:
        """Each question says whether the clinic makes its contraindication absolute."""
        for item in CONTRAINDICATIONS:
            severity = "absolute" if item.key in self.policy.absolute else "relative"
            self._questions[item.key].setText(
                f"{item.label[0].upper()}{item.label[1:]} ({severity})")

    def form(self) -> EligibilityForm:
        prior = tuple(PriorTreatment(str(kind.currentData()), detail.text().strip())
                      for kind, detail in self.prior if kind.currentData() is not None)
        readings = tuple((_number(systolic.text()), _number(diastolic.text()))
                         for systolic, diastolic in self.readings
                         if systolic.text().strip() or diastolic.text().strip())
        return EligibilityForm(
            present=frozenset(key for key, box in self.contraindications.items()
                              if box.isChecked()),
            screening_bp=readings, consent_document=self.consent_document.text(),
            consent_version=self.consent_version.text(),
            dose_min_mg_per_kg=_number(self.dose_min.text()),
            dose_max_mg_per_kg=_number(self.dose_max.text()), prior_treatments=prior,
            relative_reasoning=self.reasoning.text(),
            infusion_min_minutes=_number(self.infusion_min.text()),
            infusion_max_minutes=_number(self.infusion_max.text()),
            max_total_mg=_number(self.max_total.text()))

    def update_support(self) -> None:
        """The decision support as it stands: what stops the course, what needs reasoning."""
        findings = decision_support(self.form(), self.policy, self.library)
        threshold = (f"the clinic's threshold is {self.policy.max_systolic_mmhg:g}/"
                     f"{self.policy.max_diastolic_mmhg:g} mmHg")
        order = [findings.problems[k] for k in ("dose_range", "infusion_range", "max_total")
                 if k in findings.problems]
        if order:
            restyle(self.support, f"color: {theme.ALARM_MEDIUM};")
            self.support.setText(" ".join(order))
        elif findings.absolute:
            restyle(self.support, f"color: {theme.ALARM_HIGH}; font-weight: bold;")
            self.support.setText("Absolute contraindication: " + ", ".join(
                label(k) for k in findings.absolute) + f" ({threshold}). Signed, the "
                "course is recorded as not approved.")
        elif findings.relative:
            restyle(self.support, f"color: {theme.ALARM_MEDIUM};")
            self.support.setText("Relative contraindication: " + ", ".join(
                label(k) for k in findings.relative) + ". The course may go ahead with "
                "your reasoning.")
        else:
            restyle(self.support, f"color: {theme.MUTED};")
            self.support.setText(f"No contraindication ticked; {threshold}.")

    def record(self) -> None:
        form, desk, patient_id = self.form(), self._desk, self.patient.patient_id
        restyle(self.message, f"color: {theme.MUTED};")
        self.message.setText("signing\u2026")
        self.calls.run(lambda: desk.assess_eligibility(patient_id, form), "sign")

    def _failed(self, error: object, _tag: object) -> None:
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.message.setText(str(error))

    def _answered(self, result: object, tag: object) -> None:
        if tag == "policy" and isinstance(result, EligibilityPolicy):
            self.policy = result
            self._show_severity()
            self.update_support()
            return
        if tag == "library" and isinstance(result, DrugLibrary):
            usual = self.library
            self.library = result
            if (self.infusion_min.text(), self.infusion_max.text(), self.max_total.text()) == (
                    f"{usual.infusion_minutes.soft_min:g}", f"{usual.infusion_minutes.soft_max:g}",
                    f"{usual.total_mg.soft_max:g}"):
                self._usual_limits()  # the clinic's usual limits, unless already changed
            self.update_support()
            return
        if not isinstance(result, Assessment):
            return
        verdict = (f"Approved for {result.summary()} until {result.expires()}"
                   if result.approved else "Not approved")
        flagged = ", ".join(result.flagged) or "nothing flagged"
        colour = theme.TEXT if result.approved else theme.ALARM_HIGH
        restyle(self.message, f"color: {colour};")
        self.message.setText(f"Signed by {result.prescriber}. {verdict} ({flagged}).")
        self.sign.setEnabled(False)
        if self._on_signed is not None:
            self._on_signed(result)
