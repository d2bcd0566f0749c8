"""The patient header: who, the session phase, time since the infusion started, the clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ketaconsole.observations import PumpState
from ketaconsole.session.model import SessionModel
from ui import theme
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.type_scale import restyle

NO_PATIENT = "No patient checked in"

PUMP_SAYS = {PumpState.INFUSING: "pump infusing", PumpState.PAUSED: "pump paused",
             PumpState.STOPPED: "pump stopped", PumpState.STANDBY: "pump on standby",
             PumpState.ALARM: "pump in alarm"}
"""The pump's own state, shown beside the nurse's phase."""


def _elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class PatientHeader(QFrame):
    """One line across the top of the monitor screen."""

    def __init__(self, model: SessionModel, *, simulated: bool = False,
                 notes: list[str] | None = None) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._model = model
        self.patient = QLabel(NO_PATIENT)
        self.patient.setFont(theme.font(22, bold=True))
        self.simulated = ElidedLabel()
        restyle(self.simulated, "background: transparent; color: #fb923c;")
        self.simulated.setFont(theme.font(13, bold=True))
        self._flag = ""
        """The one flag that is never cut: a room on simulated devices says so."""
        self.set_flags(simulated=simulated, notes=notes or [])
        self.phase = QLabel("")
        self.phase.setFont(theme.font(20))
        self.phase.setAccessibleName("Session phase")
        self.pump_state = QLabel("")
        self.pump_state.setFont(theme.font(16))
        self.pump_state.setObjectName("muted")
        self.pump_state.setAccessibleName("Pump state")
        self.elapsed = QLabel("")
        self.elapsed.setFont(theme.font(20, mono=True))
        self.clock = QLabel("")
        self.clock.setFont(theme.font(18, mono=True))
        self.clock.setObjectName("muted")
        who = QVBoxLayout()  # the simulated-devices flag under the name, never squeezed out
        who.setSpacing(0)
        who.addWidget(self.patient)
        who.addWidget(self.simulated)
        layout = self._row = QHBoxLayout(self)
        layout.setContentsMargins(14, 4, 14, 4)
        layout.addLayout(who)
        layout.addStretch(1)
        layout.addWidget(self.phase)
        layout.addSpacing(10)
        layout.addWidget(self.pump_state)
        layout.addSpacing(12)
        layout.addWidget(self.elapsed)
        layout.addSpacing(12)
        layout.addWidget(self.clock)

    def set_flags(self, *, simulated: bool, notes: list[str]) -> None:
        """Under the name: SIMULATED DEVICES (when any device is a simulator) and the
        room's notes."""
        flags = (["SIMULATED DEVICES"] if simulated else []) + list(notes)
        self.simulated.setText(" \u00b7 ".join(flags), shorter=tuple(flags[:1]))
        self._flag = flags[0] if flags else ""

    def add_control(self, widget: QWidget) -> None:
        """A control at the header's right end (who is logged in, Lock)."""
        self._row.insertWidget(self._row.count() - 1, widget)

    def refresh(self, now: float) -> None:
        model = self._model
        patient = model.patient
        who = patient.summary() if patient is not None else NO_PATIENT
        if self.patient.text() != who:
            self.patient.setText(who)
        current = model.now()
        phase = current.phase.value
        pump = "" if current.pump_state is None else PUMP_SAYS[current.pump_state]
        if self.pump_state.text() != pump:
            self.pump_state.setText(pump)
        elapsed = ("" if current.infusion_started_at is None
                   else f"{_elapsed(now - current.infusion_started_at)} since start")
        clock = datetime.fromtimestamp(now).strftime("%H:%M:%S")
        if self._flag:  # the simulated-devices flag keeps its words' room at any text size
            room = self.simulated.fontMetrics().horizontalAdvance(self._flag) + 4
            if self.simulated.minimumWidth() != room:
                self.simulated.setMinimumWidth(room)
        for label, text in ((self.phase, phase), (self.elapsed, elapsed), (self.clock, clock)):
            if label.text() != text:
                label.setText(text)
