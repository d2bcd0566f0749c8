"""The pages of the session workflow: each collects one step's entries for the core workflow.

A page never records anything itself, nor decides who may: it hands the workflow a
call to make (run off the GUI thread by the panel; the workflow asks its door who is
acting) and shows the problems, or the refusal, that come back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.catalogue import (
    NIBP_DIA,
    NIBP_MEAN,
    NIBP_SYS,
    PULSE_RATE,
    SPO2,
)
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.lookup import PatientMatch
from ketaconsole.live.engine import Engine
from ketaconsole.observations import PumpState
from ketaconsole.session.checkin import PREGNANCY_ANSWERS, CheckIn
from ketaconsole.session.discharge import SCALES, suggest_aldrete, suggest_padss, total
from ketaconsole.session.patient import Patient
from ketaconsole.session.phase import Phase, PhaseNow
from ketaconsole.session.treatment import Treatment
from ketaconsole.session.workflow import SessionWorkflow, WorkflowError
from ui import theme
from ui.course.patient_search import PatientSearch
from ui.widgets.form_fields import FormFields, fitting_combo
from ui.widgets.labels import WrappedText, note, set_text
from ui.widgets.type_scale import restyle

Submit = Callable[[Callable[[], Any], "StepPage"], None]
"""The panel's runner: do this recording call off the GUI thread, answer to this page."""

BASELINE_METRICS = (NIBP_SYS, NIBP_DIA, NIBP_MEAN, PULSE_RATE, SPO2)

OPTIONAL_BASELINE = frozenset({NIBP_MEAN.refid})
"""Baseline values a manual cuff does not give: left empty, their limits against the
baseline stay silent (the low-mean-pressure alarm's fall from baseline)."""


def button_rows(buttons: list[QPushButton], columns: int = 2) -> QGridLayout:
    """Buttons two to a row, so a row never needs more than the side panel's width."""
    grid = QGridLayout()
    grid.setSpacing(6)
    for index, button in enumerate(buttons):
        grid.addWidget(button, index // columns, index % columns)
    return grid


class StepPage(QWidget):
    """A workflow page: a form, a primary action and a line for what went wrong."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.column = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setFont(theme.font(17, bold=True))
        self.column.addWidget(heading)
        self.form_layout = QFormLayout()
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form_layout.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = FormFields(self.form_layout)
        self.column.addLayout(self.form_layout)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.column.addWidget(self.message)

    def finish_layout(self) -> None:
        self.column.addStretch(1)

    def primary(self) -> QWidget | None:
        """The control the nurse most likely uses next on this page."""
        return next((b for b in self.findChildren(QPushButton)
                     if b.isEnabled() and b.isVisibleTo(self)), None)

    def take_focus(self) -> None:
        """Focus the next thing to do here (never a control outside the page)."""
        target = self.primary()
        if target is not None:
            target.setFocus()

    def show_problems(self, problems: dict[str, str]) -> None:
        unplaced = self.form.show_problems(problems)
        self.message.setText(" ".join(unplaced))

    def show_failure(self, reason: str) -> None:
        self.message.setText(reason)

    def clear_problems(self) -> None:
        self.form.show_problems({})
        self.message.setText("")


class CheckInPage(StepPage):
    """Find the patient's record (or register a new patient), then the pre-assessment."""

    IDENTITY = ("patient_name", "mrn", "date_of_birth")

    def __init__(self, workflow: SessionWorkflow, submit: Submit, patient: Patient | None,
                 desk: CourseDesk | None = None) -> None:
        super().__init__("Check-in and pre-assessment")
        self._workflow, self._submit = workflow, submit
        self.picked: PatientMatch | None = None
        """The record picked in the search; the check-in runs under it."""
        self.search = PatientSearch(desk, lambda: (self.form.text("patient_name"),
                                                   self.form.text("mrn"),
                                                   self.form.text("date_of_birth")))
        self.search.picked.connect(self.pick)
        self.column.insertWidget(1, self.search)
        f = self.form
        self.treatment = fitting_combo()
        for treatment, words in ((Treatment.IV_KETAMINE, "IV ketamine"),
                                 (Treatment.ESKETAMINE, "Esketamine (nasal)")):
            self.treatment.addItem(words, treatment.value)
        f.add("treatment", "Treatment", self.treatment)
        f.add("patient_name", "Patient", QLineEdit(patient.name if patient else ""))
        f.add("mrn", "MRN", QLineEdit(patient.identifier if patient else ""))
        f.add("date_of_birth", "Date of birth (YYYY-MM-DD)", QLineEdit())
        f.add("age_years", "Age (years)",
              QLineEdit("" if patient is None or patient.age_years is None
                        else str(patient.age_years)))
        f.add("weight_kg", "Weight (kg)",
              QLineEdit(f"{patient.weight_kg:g}" if patient else ""))
        f.add("height_cm", "Height (cm)",
              QLineEdit(f"{patient.height_cm:g}" if patient and patient.height_cm else ""))
        for key, label in (("allergies", "Allergies"), ("current_medication", "Medication"),
                           ("substance_use", "Substance use"), ("bp_history", "BP history"),
                           ("iv_site", "IV site")):
            f.add(key, label, QLineEdit())
        screen = fitting_combo()
        screen.addItems(("\u2014 choose \u2014", "negative", "positive"))
        f.add("psychosis_or_mania", "Psychosis / mania screen", screen)
        pregnancy = fitting_combo()
        pregnancy.addItems(("\u2014 choose \u2014", *PREGNANCY_ANSWERS))
        f.add("pregnancy", "Could she be pregnant now?", pregnancy)
        f.add("solids_hours", "Solid food (hours ago)", QLineEdit())
        f.add("clear_liquids_hours", "Clear liquids (hours ago)", QLineEdit())
        f.add("consent_signed", "Consent", QCheckBox("form signed"))
        f.add("escort_present", "Escort", QCheckBox("present, takes patient home"))
        for key in self.IDENTITY:
            field = f.fields[key]
            assert isinstance(field, QLineEdit)
            field.textEdited.connect(self.unpick)
        self.sign = QPushButton("Sign check-in")
        self.sign.clicked.connect(self.record)
        self.column.addWidget(self.sign)
        self.finish_layout()

    def pick(self, match: PatientMatch) -> None:
        """Fill the identity from the record picked (and the age from the birth date)."""
        self.picked = match
        person = match.patient
        for key, value in (("patient_name", person.name), ("mrn", person.mrn or ""),
                           ("date_of_birth", person.date_of_birth or "")):
            field = self.form.fields[key]
            assert isinstance(field, QLineEdit)
            field.setText(value)
        age = match.age_on(date.today())
        if age is not None:
            field = self.form.fields["age_years"]
            assert isinstance(field, QLineEdit)
            field.setText(str(age))

    def unpick(self) -> None:
        """The nurse typed over the identity: the record is found from what she typed."""
        if self.picked is not None:
            self.picked = None
            self.search.unchoose()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.show_fasting_rule()

    def show_fasting_rule(self) -> None:
        """Each fasting answer says the clinic's hours it is checked against."""
        rule = self._workflow.fasting
        for key, hours in (("solids_hours", rule.solids_h),
                           ("clear_liquids_hours", rule.clear_liquids_h)):
            field = self.form.fields[key]
            assert isinstance(field, QLineEdit)
            field.setPlaceholderText(f"at least {hours:g} h")

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.search.forget()

    def collect(self) -> CheckIn:
        f = self.form
        screen = f.fields["psychosis_or_mania"]
        assert isinstance(screen, QComboBox)
        answer = {1: False, 2: True}.get(screen.currentIndex())
        pregnancy = f.fields["pregnancy"]
        assert isinstance(pregnancy, QComboBox)
        asked = pregnancy.currentText() if pregnancy.currentIndex() > 0 else None
        age = f.number("age_years")
        return CheckIn(
            patient_name=f.text("patient_name"),
            age_years=int(age) if age is not None and age.is_integer() else None,
            weight_kg=f.number("weight_kg"), allergies=f.text("allergies"),
            current_medication=f.text("current_medication"),
            substance_use=f.text("substance_use"), psychosis_or_mania=answer,
            bp_history=f.text("bp_history"), solids_hours=f.number("solids_hours"),
            clear_liquids_hours=f.number("clear_liquids_hours"),
            consent_signed=f.checked("consent_signed"),
            iv_site=f.text("iv_site"), escort_present=f.checked("escort_present"),
            mrn=f.text("mrn"), date_of_birth=f.text("date_of_birth"),
            patient_id=self.picked.patient.patient_id if self.picked is not None else None,
            height_cm=self._height(), pregnancy=asked)

    def _height(self) -> float | None:
        """The height typed (NaN when it is not a number, so the checklist says so)."""
        if not self.form.text("height_cm"):
            return None
        height = self.form.number("height_cm")
        return float("nan") if height is None else height

    def primary(self) -> QWidget | None:
        return self.sign

    def record(self) -> None:
        form = self.collect()
        treatment = Treatment(self.treatment.currentData())
        self._submit(lambda: self._workflow.check_in(form, treatment=treatment), self)


class BaselinePage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit, engine: Engine) -> None:
        super().__init__("Baseline vitals")
        self._workflow, self._submit, self._engine = workflow, submit, engine
        self.column.insertWidget(1, note("Pre-filled from the devices: check each value, "
                                          "correct it if needed, then confirm."))
        for known in BASELINE_METRICS:
            optional = ", if measured" if known.refid in OPTIONAL_BASELINE else ""
            self.form.add(known.refid, f"{known.short} ({known.display_unit}{optional})",
                          QLineEdit())
        fill = QPushButton("Fill from devices")
        fill.clicked.connect(self.fill_from_devices)
        self.confirm = QPushButton("Confirm baseline")
        self.confirm.clicked.connect(self.record)
        self.column.addLayout(button_rows([fill, self.confirm]))
        self.finish_layout()

    def fill_from_devices(self) -> None:
        for known in BASELINE_METRICS:
            latest = self._engine.latest(known.refid)
            field = self.form.fields[known.refid]
            assert isinstance(field, QLineEdit)
            if latest is not None and latest.value is not None:
                field.setText(known.format(latest.value))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not any(self.form.text(m.refid) for m in BASELINE_METRICS):
            self.fill_from_devices()

    def record(self) -> None:
        values = {m.refid: self.form.number(m.refid) for m in BASELINE_METRICS
                  if m.refid not in OPTIONAL_BASELINE or self.form.text(m.refid)}
        self._submit(lambda: self._workflow.confirm_baseline(values), self)


INFUSION_STATE_TEXT = {Phase.PRE_INFUSION: "Not started", Phase.INFUSION: "Running",
                       Phase.PAUSED: "Paused"}
"""The infusion step's state, as the nurse has run it."""


def infusion_state_text(now: PhaseNow) -> str:
    """The infusion as the nurse ran it, unless the pump says otherwise (it ended, alarmed,
    or infuses while the nurse paused): then what the pump says and what to do."""
    pump = now.pump_state
    if now.phase is Phase.INFUSION and pump is not None and pump is not PumpState.INFUSING:
        return (f"Pump {pump.value}: the pump is not infusing. Check it, then record Pause "
                "or Stop here.")
    if now.phase is Phase.PAUSED and pump is PumpState.INFUSING:
        return "Paused here, but the pump is infusing: check the pump."
    return INFUSION_STATE_TEXT.get(now.phase, "Stopped")


class InfusionPage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit) -> None:
        super().__init__("Infusion")
        self._workflow, self._submit = workflow, submit
        self.column.insertWidget(1, note("Start the pump, then press Start here; the "
                                          "console checks the pump against the plan."))
        self.form.add("reason", "Reason (pause / stop)", QLineEdit())
        self.state = WrappedText("Not started")
        self.state.setFont(theme.font(16, bold=True))
        self.column.addWidget(self.state)
        self.buttons: dict[str, QPushButton] = {}
        for action in ("start", "pause", "resume", "stop"):
            button = QPushButton(action.capitalize())
            button.clicked.connect(lambda _=False, a=action: self.act(a))
            self.buttons[action] = button
        self.column.addLayout(button_rows(list(self.buttons.values())))
        self.finish_layout()
        self.update_buttons()

    def primary(self) -> QWidget | None:
        """Running: Pause; paused: Resume; before: Start (the next likely action)."""
        for action in ("start", "resume", "pause", "stop"):
            button = self.buttons[action]
            if button.isEnabled():
                return button
        return None

    def act(self, action: str) -> None:
        reason = self.form.text("reason")
        self._submit(lambda: self._workflow.infusion_action(action, reason=reason), self)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.update_buttons()

    def update_buttons(self) -> None:
        workflow = self._workflow
        for action, button in self.buttons.items():
            button.setEnabled(workflow.infusion_allowed(action))
        set_text(self.state, infusion_state_text(workflow.model.now()))


class RecoveryPage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit) -> None:
        super().__init__("Recovery")
        self._workflow, self._submit = workflow, submit
        self.column.insertWidget(1, note(
            "Observe the patient; BP every 15 minutes. Blood pressure usually peaks 30-40 "
            "minutes after the start and is back to baseline by about 90 minutes."))
        self.begin = QPushButton("Begin discharge assessment")
        self.begin.clicked.connect(lambda: self._submit(
            self._workflow.begin_discharge, self))
        self.column.addWidget(self.begin)
        self.finish_layout()


class DischargePage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit, engine: Engine) -> None:
        super().__init__("Discharge criteria")
        self._workflow, self._submit, self._engine = workflow, submit, engine
        self.scale = fitting_combo()
        self.scale.addItems(list(SCALES))
        self.column.insertWidget(1, self.scale)
        self.column.insertWidget(2, note("Items marked 'suggested' come from the devices; "
                                          "you decide every item."))
        self.boxes: dict[str, QComboBox] = {}
        self.total = QLabel("")
        self.total.setWordWrap(True)
        self.total.setFont(theme.font(16, bold=True))
        self.column.addWidget(self.total)
        self.record_button = QPushButton("Record discharge criteria")
        self.record_button.clicked.connect(self.record)
        self.column.addWidget(self.record_button)
        self.finish_layout()
        self.scale.currentTextChanged.connect(self.build)
        self.build(self.scale.currentText())

    def build(self, scale: str) -> None:
        while self.form_layout.rowCount():
            self.form_layout.removeRow(0)
        self.form.fields.clear()
        self.form.errors.clear()
        self.boxes = {}
        suggested = self.suggestions(scale)
        for item in SCALES[scale]:
            box = fitting_combo()
            box.addItem("\u2014 score \u2014", None)
            for score, meaning in item.choices:
                mark = " (suggested)" if suggested.get(item.key) == score else ""
                box.addItem(f"{score}  {meaning}{mark}", score)
            if item.key in suggested:
                box.setCurrentIndex(box.findData(suggested[item.key]))
            box.currentIndexChanged.connect(self.update_total)
            self.form.add(item.key, item.label, box)
            self.boxes[item.key] = box
        self.update_total()

    def suggestions(self, scale: str) -> dict[str, int]:
        def live(refid: str) -> float | None:
            latest = self._engine.latest(refid)
            return None if latest is None else latest.value

        baseline = self._workflow.baseline.get(NIBP_SYS.refid)
        if scale == "Aldrete":
            return suggest_aldrete(live(SPO2.refid), live(NIBP_SYS.refid), baseline)
        return suggest_padss(live(NIBP_SYS.refid), baseline)

    def scores(self) -> dict[str, int]:
        return {key: box.currentData() for key, box in self.boxes.items()
                if box.currentData() is not None}

    def update_total(self) -> None:
        scores = self.scores()
        self.total.setText(f"Total {total(scores)} of {2 * len(self.boxes)} "
                           f"(discharge at 9 or more)")

    def record(self) -> None:
        scale, scores = self.scale.currentText(), self.scores()
        self._submit(lambda: self._workflow.record_discharge(scale, scores), self)


class SignOffPage(StepPage):
    def __init__(self, workflow: SessionWorkflow, submit: Submit,
                 signer: Callable[[], str | None] = lambda: None) -> None:
        super().__init__("Sign-off")
        self._workflow, self._submit = workflow, submit
        self.form.add("name", "Your name", QLineEdit())
        self._signer = signer
        self.sign = QPushButton("Sign the record")
        self.sign.clicked.connect(self.record)
        self.column.addWidget(self.sign)
        self.finish_layout()

    def showEvent(self, event: Any) -> None:
        """The name is pre-filled with the person logged in (she can change it)."""
        super().showEvent(event)
        field = self.form.fields["name"]
        assert isinstance(field, QLineEdit)
        name = self._signer()
        if name and not field.text():
            field.setText(name)

    def record(self) -> None:
        name = self.form.text("name")
        self._submit(lambda: self._workflow.sign_off(name), self)


class DonePage(StepPage):
    """Signed off: the record can now be exported, in each format, from here."""

    def __init__(self, workflow: SessionWorkflow, submit: Submit,
                 export_folder: Callable[[], Path],
                 exporter: Callable[[int, Any, Path], Any] | None = None) -> None:
        super().__init__("Session signed off")
        self._workflow, self._submit, self._folder = workflow, submit, export_folder
        self._exporter = exporter
        """The guarded export (the permission the workflow's table names for an export
        checked against the person logged in, audited); a console without a record
        database has none, and nothing to export."""
        self.summary = note("")
        self.column.addWidget(self.summary)
        self.export_buttons: dict[str, QPushButton] = {}
        for fmt in EXPORT_LABELS:
            button = QPushButton(EXPORT_LABELS[fmt])
            button.clicked.connect(lambda _=False, f=fmt: self.export(f))
            self.export_buttons[fmt] = button
        self.column.addLayout(button_rows(list(self.export_buttons.values())))
        self.exported = note("")
        self.column.addWidget(self.exported)
        self.finish_layout()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        signed = self._workflow.signed_by
        self.export_buttons["rems"].setVisible(self._workflow.model.nasal.esketamine)
        self.summary.setText(("Signed off" + (f" by {signed}" if signed else "")) +
                             f". Export the record for the clinic's file (into "
                             f"{self._folder()}):")

    def export(self, fmt: str) -> None:
        """Export in format ``fmt`` (pdf, csv, fhir, hl7, vital, rems) off the GUI thread."""
        from ketaconsole.export.service import ExportFailed, ExportFormat

        service, exporter = self._workflow.service, self._exporter
        if service is None or exporter is None:
            self.show_failure("Nothing was recorded, so there is nothing to export.")
            return
        folder = self._folder()

        def work() -> object:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                return exporter(service.session_id, ExportFormat(fmt), folder)
            except ExportFailed as exc:
                raise WorkflowError({"export": str(exc)}) from None

        self._submit(work, self)

    def exported_result(self, result: object) -> None:
        from ketaconsole.export.service import ExportResult

        if isinstance(result, ExportResult):
            names = ", ".join(p.name for p in result.files)
            self.exported.setText(f"Exported {names}.")


EXPORT_LABELS = {"pdf": "PDF chart", "csv": "CSV", "fhir": "FHIR R4", "hl7": "HL7 v2",
                 "vital": "VitalDB .vital", "rems": "REMS form"}
"""Export formats by their ``ExportFormat`` value (imported only when an export runs);
the REMS form is offered only for an esketamine session."""
