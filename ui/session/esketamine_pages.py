"""The esketamine session's own pages: the dose and lot, then dosing and monitoring.

An esketamine nasal session has no pump plan: its order is a dose the clinic allows
(56 or 84 mg) and the lot. "Dosing and monitoring" records each device the patient
administers (with its time), shows the two-hour countdown from the first device and the
three REMS blood pressures due, records when the patient would have been ready to leave,
and begins the discharge assessment: before the two-hour minimum only with a reason for
an earlier transfer of care. Every entry goes through the workflow, as on the other pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from ketaconsole.session.esketamine import BpCheck, NasalOrder, scale_check
from ketaconsole.session.treatment import devices_for
from ketaconsole.session.workflow import SessionWorkflow, WorkflowError
from ui import theme
from ui.session.session_pages import StepPage, Submit, button_rows
from ui.widgets.form_fields import fitting_combo
from ui.widgets.labels import WrappedText, note, set_text

BpChecks = Callable[[], Sequence[BpCheck]]
"""The room's REMS blood pressures as the readings so far meet them."""


class EsketaminePlanPage(StepPage):
    """The esketamine order: a dose the clinic allows and the lot of the devices."""

    def __init__(self, workflow: SessionWorkflow, submit: Submit) -> None:
        super().__init__("Esketamine dose")
        self._workflow, self._submit = workflow, submit
        self.column.insertWidget(1, note("Esketamine nasal spray: no pump and no mg/kg plan. "
                                          "Choose the prescribed dose and type the lot "
                                          "number of the devices."))
        self.dose = fitting_combo()
        self.form.add("dose_mg", "Dose", self.dose)
        self.form.add("lot", "Lot number", QLineEdit())
        self.confirm = QPushButton("Confirm dose")
        self.confirm.clicked.connect(self.record)
        self.column.addWidget(self.confirm)
        self.finish_layout()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.offer_doses()

    def offer_doses(self) -> None:
        """The clinic's allowed doses, each with how many devices it takes."""
        chosen = self.dose.currentData()
        self.dose.clear()
        for mg in self._workflow.esketamine_doses:
            self.dose.addItem(f"{mg} mg ({devices_for(mg)} devices of 28 mg)", mg)
        if chosen is not None and self.dose.findData(chosen) >= 0:
            self.dose.setCurrentIndex(self.dose.findData(chosen))

    def primary(self) -> QWidget | None:
        return self.confirm

    def record(self) -> None:
        dose = self.dose.currentData()
        if not isinstance(dose, int):
            self.show_problems({"dose_mg": "This clinic allows no esketamine dose; an admin "
                                           "sets one in the settings."})
            return
        order = NasalOrder(dose, self.form.text("lot"))
        self._submit(lambda: self._workflow.confirm_esketamine(order), self)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M")


class DosingPage(StepPage):
    """Dosing and monitoring: devices, the two-hour countdown, the BP checks, discharge."""

    def __init__(self, workflow: SessionWorkflow, submit: Submit,
                 bp_checks: BpChecks | None = None) -> None:
        super().__init__("Dosing and monitoring")
        self._workflow, self._submit = workflow, submit
        self._bp_checks = bp_checks
        self.column.insertWidget(1, note("The patient self-administers each device under "
                                          "supervision: press the button as each is used. "
                                          "Monitor for at least two hours from the first "
                                          "device; SpO2 throughout."))
        self.devices = WrappedText("No device administered yet")
        self.administer = QPushButton("Device 1 administered")
        self.administer.clicked.connect(
            lambda: self._submit(self._workflow.administer_device, self))
        self.countdown = WrappedText("")
        self.countdown.setFont(theme.font(16, bold=True))
        self.checks = WrappedText("")
        for place, widget in enumerate((self.devices, self.administer, self.countdown,
                                        self.checks), start=2):
            self.column.insertWidget(place, widget)  # above the form: what comes first
        # each label above its field, so a field is as wide as the side panel
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        ready_at = QLineEdit()
        ready_at.setPlaceholderText("HH:MM, or blank for now")
        self.form.add("ready_at", "Ready to leave at", ready_at)
        early = QLineEdit()
        early.setPlaceholderText("only to hand over care before two hours")
        self.form.add("early_reason", "Reason for an earlier discharge", early)
        self.ready = QPushButton("Ready to leave")
        self.ready.clicked.connect(self.record_ready)
        self.begin = QPushButton("Begin discharge assessment")
        self.begin.clicked.connect(self.begin_discharge)
        self.column.addLayout(button_rows([self.ready, self.begin], columns=1))
        self.ready_note = QLabel("")
        self.ready_note.setWordWrap(True)
        self.column.addWidget(self.ready_note)
        self.finish_layout()
        self.update_state(workflow.clock())

    def primary(self) -> QWidget | None:
        if self.administer.isEnabled():
            return self.administer
        return self.begin

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.update_state(self._workflow.clock())

    def update_state(self, now: float) -> None:
        """The devices given, the countdown and the blood pressures due, at ``now``."""
        nasal = self._workflow.model.nasal
        given = nasal.devices_at
        set_text(self.devices, ", ".join(f"device {n} at {_clock(at)}"
                                         for n, at in enumerate(given, start=1))
                 or "No device administered yet")
        left = nasal.dose_mg is not None and not nasal.all_devices_given
        self.administer.setVisible(left or not given)
        self.administer.setEnabled(left)
        self.administer.setText(f"Device {len(given) + 1} administered" if left
                                else "All devices administered")
        set_text(self.countdown, nasal.countdown(now, self._workflow.monitoring))
        due = [check.text(now) for check in self._bp_checks()] if self._bp_checks else []
        scales = scale_check(nasal, now, self._workflow.monitoring)
        set_text(self.checks, "\n".join([*due, *([scales] if scales else [])]))
        self.ready.setEnabled(bool(given))
        self.begin.setEnabled(nasal.all_devices_given)
        if nasal.ready_to_leave_at is not None:
            set_text(self.ready_note, f"Ready to leave at {_clock(nasal.ready_to_leave_at)} "
                                      "(recorded)")

    def _ready_time(self) -> float:
        """The time typed (today, HH:MM), or now when blank."""
        typed = self.form.text("ready_at")
        now = self._workflow.clock()
        if not typed:
            return now
        try:
            hours, minutes = (int(part) for part in typed.split(":"))
            moment = datetime.fromtimestamp(now).replace(hour=hours, minute=minutes,
                                                         second=0, microsecond=0)
        except ValueError:
            raise WorkflowError({"ready_at": "Type the time as HH:MM (for example 10:45), "
                                             "or leave it blank for now."}) from None
        return moment.timestamp()

    def record_ready(self) -> None:
        try:
            at = self._ready_time()
        except WorkflowError as exc:
            self.show_problems(exc.problems)
            return
        self._submit(lambda: self._workflow.ready_to_leave(at), self)

    def begin_discharge(self) -> None:
        reason = self.form.text("early_reason")
        self._submit(lambda: self._workflow.begin_discharge(early_reason=reason), self)
