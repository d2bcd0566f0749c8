"""The pump panel: rate in mL/h and mg/h, volume infused, mg and mg/kg delivered against the plan.

Rate and state come from the pump's live telemetry (blanked when stale); the delivered
volume is the engine's session total for that pump, which survives counter restarts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar

from ketaconsole.catalogue import PUMP_RATE, VTBI
from ketaconsole.dose import DosePlan, reconcile
from ketaconsole.engine import Engine
from ketaconsole.freshness import Freshness, assess
from ui import theme


def _label(text: str, px: int, *, bold: bool = False, muted: bool = False) -> QLabel:
    label = QLabel(text)
    label.setFont(theme.font(px, bold=bold))
    if muted:
        label.setObjectName("muted")
    return label


class PumpPanel(QFrame):
    """One infusion pump's telemetry and the dose delivered against the plan."""

    def __init__(self, engine: Engine, device_id: str, title: str,
                 plan: Callable[[], DosePlan | None]) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self.device_id = device_id
        self._plan = plan
        colour = theme.metric_colour(PUMP_RATE.refid)
        self.title = _label(title, 18, bold=True)
        self.title.setStyleSheet(f"color: {colour};")
        self.state = _label("waiting for the pump", 15, muted=True)
        self.rate = _label("--.-", 44, bold=True)
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate_mg = _label("-- mg/h", 18)
        self.infused = _label("-- mL infused", 18)
        self.delivered = _label("-- mg delivered", 18, bold=True)
        self.against_plan = _label("no dose plan", 15, muted=True)
        self.vtbi = _label("VTBI --", 15, muted=True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setHorizontalSpacing(18)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(self.state, 1, 0)
        layout.addWidget(self.rate, 0, 1, 2, 1)
        layout.addWidget(_label("mL/h", 14, muted=True), 0, 2, 2, 1)
        layout.addWidget(self.rate_mg, 0, 3)
        layout.addWidget(self.vtbi, 1, 3)
        layout.addWidget(self.infused, 0, 4)
        layout.addWidget(self.delivered, 0, 5)
        layout.addWidget(self.against_plan, 1, 4, 1, 2)
        layout.addWidget(self.progress, 2, 0, 1, 6)
        layout.setColumnStretch(3, 1)
        layout.setColumnStretch(4, 1)
        layout.setColumnStretch(5, 1)
        self.setAccessibleName(title)

    def refresh(self, now: float) -> None:
        status = self.engine.pump_status(self.device_id)
        ledger = self.engine.pump(self.device_id)
        rate = assess(PUMP_RATE, self.engine.latest(PUMP_RATE.refid), now)
        live = rate.freshness is Freshness.LIVE and status is not None
        plan = self._plan()
        self._set(self.rate, rate.text)
        self.rate.setStyleSheet(
            f"color: {theme.metric_colour(PUMP_RATE.refid) if live else theme.STALE};")
        if status is None or ledger is None:
            self._set(self.state, "waiting for the pump")
            return
        state = status.state.value if status.state else "state not reported"
        self._set(self.state, state if live else f"{state} ({rate.note})")
        vtbi = assess(VTBI, self.engine.latest(VTBI.refid), now)
        self._set(self.vtbi, f"VTBI {vtbi.text} mL")
        self._set(self.infused, f"{ledger.delivered_ml:.2f} mL infused")
        if plan is None:
            self._set(self.delivered, "-- mg delivered")
            self._set(self.against_plan, "no dose plan")
            return
        dose = reconcile(plan, ledger.delivered_ml, rate.value if live else None)
        self._set(self.rate_mg, "-- mg/h" if dose.rate_mg_h is None
                  else f"{dose.rate_mg_h:.1f} mg/h")
        self._set(self.delivered, f"{dose.delivered_mg:.1f} mg delivered")
        self._set(self.against_plan,
                  f"of {plan.dose_mg:.1f} mg planned \u00b7 {dose.delivered_mg_per_kg:.2f} "
                  f"of {plan.mg_per_kg:.2f} mg/kg")
        self.progress.setValue(int(1000 * min(1.0, dose.fraction_of_plan)))

    @staticmethod
    def _set(label: QLabel, text: str) -> None:
        if label.text() != text:
            label.setText(text)
