"""The pump panel: rate in mL/h and mg/h, volume infused, mg and mg/kg delivered against the plan.

Rate and state come from the pump's live telemetry (blanked when stale); the delivered
dose is the session model's (the pump ledger's total, which survives counter restarts,
against the plan the nurse confirmed).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QProgressBar

from ketaconsole.catalogue import PUMP_RATE, VTBI
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import Freshness, LatestValue, assess
from ketaconsole.session.model import SessionModel
from ui import theme
from ui.widgets.labels import RIGHT, label, set_text
from ui.widgets.type_scale import restyle


class PumpPanel(QFrame):
    """One infusion pump's telemetry and the dose delivered against the plan."""

    def __init__(self, engine: Engine, device_id: str, title: str,
                 model: SessionModel) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self.device_id = device_id
        self._model = model
        colour = theme.metric_colour(PUMP_RATE.refid)
        self.title = label(title, 18, bold=True)
        restyle(self.title, f"color: {colour};")
        self.state = label("waiting for the pump", 15, muted=True)
        self.rate = label("--.-", 36, bold=True)
        self.rate.setAlignment(RIGHT)
        self.rate_mg = label("-- mg/h", 18)
        self.infused = label("-- mL infused", 18)
        self.delivered = label("-- mg delivered", 18, bold=True)
        self.against_plan = label("no dose plan", 15, muted=True)
        self.vtbi = label("VTBI --", 15, muted=True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setHorizontalSpacing(18)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(self.state, 1, 0)
        layout.addWidget(self.rate, 0, 1, 2, 1)
        layout.addWidget(label("mL/h", 14, muted=True), 0, 2, 2, 1)
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

    def _no_dose(self, infused: str, against_plan: str) -> None:
        """Nothing delivered to show (the last patient's dose never stays on the panel)."""
        set_text(self.infused, infused)
        set_text(self.delivered, "-- mg delivered")
        set_text(self.rate_mg, "-- mg/h")
        set_text(self.against_plan, against_plan)
        if self.progress.value() != 0:
            self.progress.setValue(0)

    def refresh(self, now: float) -> None:
        channel = self.engine.pump_channel(self.device_id)
        status = self.engine.pump_status(channel) if channel else None
        ledger = self.engine.pump(channel) if channel else None
        rate = assess(PUMP_RATE, None if status is None else LatestValue(
            status.rate_ml_h, status.received_at, status.device_id), now)
        live = rate.freshness is Freshness.LIVE and status is not None
        plan = self._model.plan
        set_text(self.rate, rate.text)
        restyle(self.rate,
                f"color: {theme.metric_colour(PUMP_RATE.refid) if live else theme.STALE};")
        if status is None or ledger is None:  # no pump, or a new session's count not begun
            set_text(self.state, "waiting for the pump")
            set_text(self.vtbi, "VTBI --")
            self._no_dose("-- mL infused", "no dose plan" if plan is None else "")
            return
        state = status.state.value if status.state else "state not reported"
        set_text(self.state, state if live else f"{state} ({rate.note})")
        vtbi = assess(VTBI, LatestValue(status.vtbi_ml, status.received_at, status.device_id),
                      now)
        set_text(self.vtbi, f"VTBI {vtbi.text} mL")
        set_text(self.infused, f"{ledger.delivered_ml:.2f} mL infused")
        if plan is None:
            self._no_dose(self.infused.text(), "no dose plan")
            return
        dose = self._model.delivered(now, self.device_id)
        if dose is None:
            return
        set_text(self.rate_mg, "-- mg/h" if not live or dose.rate_mg_h is None
                 else f"{dose.rate_mg_h:.1f} mg/h")
        set_text(self.delivered, f"{dose.delivered_mg:.1f} mg delivered")
        set_text(self.against_plan,
                  f"of {plan.dose_mg:.1f} mg planned \u00b7 {dose.delivered_mg_per_kg:.2f} "
                  f"of {plan.mg_per_kg:.2f} mg/kg")
        self.progress.setValue(int(1000 * min(1.0, dose.fraction_of_plan)))

