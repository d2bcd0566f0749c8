"""The patient header: who, the session phase, time since the infusion started, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from ketaconsole.patient import Patient
from ketaconsole.phase import PhaseNow
from ui import theme
from ui.elided_label import ElidedLabel


def _elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class PatientHeader(QFrame):
    """One line across the top of the monitor screen."""

    def __init__(self, patient: Patient | None, phase: Callable[[], PhaseNow],
                 *, simulated: bool = False, notes: list[str] | None = None) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._phase = phase
        name = patient.summary() if patient else "No patient checked in"
        self.patient = QLabel(name)
        self.patient.setFont(theme.font(22, bold=True))
        flags = (["SIMULATED DEVICES"] if simulated else []) + list(notes or [])
        self.simulated = ElidedLabel(" \u00b7 ".join(flags))
        self.simulated.setStyleSheet("background: transparent; color: #fb923c;")
        self.simulated.setFont(theme.font(13, bold=True))
        self.phase = QLabel("")
        self.phase.setFont(theme.font(20))
        self.elapsed = QLabel("")
        self.elapsed.setFont(theme.font(20, mono=True))
        self.clock = QLabel("")
        self.clock.setFont(theme.font(20, mono=True))
        self.clock.setObjectName("muted")
        layout = self._row = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.addWidget(self.patient)
        layout.addWidget(self.simulated, 1)
        layout.addWidget(self.phase)
        layout.addSpacing(18)
        layout.addWidget(self.elapsed)
        layout.addSpacing(18)
        layout.addWidget(self.clock)

    def add_control(self, widget: QWidget) -> None:
        """A control at the header's right end (who is logged in, Lock)."""
        self._row.insertWidget(self._row.count() - 1, widget)

    def refresh(self, now: float) -> None:
        current = self._phase()
        phase = current.phase.value
        elapsed = ("" if current.infusion_started_at is None
                   else f"since infusion start {_elapsed(now - current.infusion_started_at)}")
        clock = datetime.fromtimestamp(now).strftime("%H:%M:%S")
        for label, text in ((self.phase, phase), (self.elapsed, elapsed), (self.clock, clock)):
            if label.text() != text:
                label.setText(text)
