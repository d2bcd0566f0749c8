"""The course so far: one line per session of a patient, read from the record.

Per session: the order (mg/kg, planned mg) and what the pump delivered (mg, by the same
ledger over the recorded volumes as the session's own export), the measures answered
before it (PHQ-9, GAD-7, MADRS), peak systolic BP and lowest SpO2 from the stored
numerics, the peak CADSS-6 and lowest MOAA/S, whether a blood-pressure or an SpO2 /
respiration alarm sounded, vomiting, rescue medications and adverse events. The
titration rule, the course view and the course exports all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ketaconsole.course.titration import PastInfusion
from ketaconsole.dose import infusion_outcome, reconcile
from ketaconsole.live.pump_ledger import recorded_ledger
from ketaconsole.session.state import SessionState
from ketaconsole.session.treatment import Treatment
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, NumericValue
from ketaconsole.store.review import pump_volumes, session_states, timeline

SBP = "MDC_PRESS_BLD_NONINV_SYS"
DBP = "MDC_PRESS_BLD_NONINV_DIA"
SPO2 = "MDC_PULS_OXIM_SAT_O2"
BP_METRICS = {SBP, DBP, "MDC_PRESS_BLD_NONINV_MEAN"}
BREATHING_METRICS = {SPO2, "MDC_RESP_RATE"}
ALARMING = {"medium", "high"}


@dataclass(frozen=True, slots=True)
class SessionLine:
    """One infusion of the course, in the figures a clinician reads at a glance."""

    session_id: int
    started_at: float
    ended: bool
    weight_kg: float | None
    mg_per_kg: float | None
    """The order's dose (the plan last confirmed), ``None`` without a plan."""
    planned_mg: float | None
    delivered_mg: float | None
    """What the pump delivered, by its ledger over the recorded volumes (as the session's
    own export says); ``None`` when no pump reported a volume or there is no plan."""
    measures: dict[str, int] = field(default_factory=dict)
    peak_systolic: float | None = None
    lowest_spo2: float | None = None
    peak_cadss6: int | None = None
    bp_alarm: bool = False
    rescue_medications: tuple[str, ...] = ()
    adverse_events: tuple[str, ...] = ()
    dose_decision: dict[str, Any] | None = None
    measure_records: tuple[dict[str, Any], ...] = ()
    """Each measure as recorded (items, version, total), with its time as ``at``."""
    ended_at: float | None = None
    infusion_ran: bool = False
    """Whether dosing began (the pump's telemetry, or the nurse's Start without a pump)."""
    infusion_stopped: bool = False
    delivered_fraction: float | None = None
    """Delivered mg over the planned mg."""
    breathing_alarm: bool = False
    """An SpO2 or respiration alarm of medium or high priority sounded."""
    vomiting: bool = False
    """Vomiting noted on the timeline or recorded as an adverse event."""
    lowest_moaas: int | None = None
    alarms: int = 0
    """Medium- and high-priority alarms that started during the session."""
    treatment: Treatment = Treatment.IV_KETAMINE
    """What the session gave; an esketamine session is no infusion of the course."""
    esketamine_mg: int | None = None
    """An esketamine session's dose, once its devices were all administered."""

    @property
    def infused(self) -> bool:
        """An infusion of the course: a confirmed plan whose infusion ran."""
        return self.mg_per_kg is not None and self.infusion_ran

    @property
    def outcome(self) -> str:
        """``in-progress``, ``completed`` or ``stopped`` (:func:`infusion_outcome`)."""
        return infusion_outcome(session_ended=self.ended,
                                infusion_stopped=self.infusion_stopped,
                                fraction_of_plan=self.delivered_fraction)

    def past_infusion(self) -> PastInfusion | None:
        if not self.infused or self.mg_per_kg is None:
            return None
        return PastInfusion(self.mg_per_kg, self.measures.get("PHQ-9"), self.bp_alarm,
                            self.peak_cadss6, self.breathing_alarm, self.lowest_spo2,
                            self.vomiting, self.rescue_medications, self.lowest_moaas,
                            self.adverse_events)


def _extreme(database: Database, session_id: int, metric: str, highest: bool) -> float | None:
    pick = func.max if highest else func.min
    with database.sessions() as session:
        value = session.scalar(select(pick(NumericValue.value)).where(
            NumericValue.session_id == session_id, NumericValue.metric == metric))
    return float(value) if value is not None else None


def session_line(database: Database, row: ClinicSession, state: SessionState) -> SessionLine:
    """One session of the course: its fold for the plan and infusion, its record for the rest."""
    plan = state.plan
    measures: dict[str, int] = {}
    for record in state.measures:
        measures.setdefault(str(record["instrument"]), int(record["total"]))
    ledger = recorded_ledger(pump_volumes(database, row.id), state.pump_channel)
    delivered = reconcile(plan, ledger.delivered_ml, None) \
        if plan is not None and ledger is not None else None
    cadss: list[int] = []
    alarms = 0
    bp_alarm = False
    rescue: list[str] = []
    adverse: list[str] = []
    moaas: list[int] = []
    breathing_alarm = vomiting = False
    for event in timeline(database, row.id, seals=False):
        payload = event.payload
        if event.kind == "scale" and payload.get("scale") in ("CADSS-6", "MOAA/S"):
            score = payload.get("score")
            if isinstance(score, int | float) and not isinstance(score, bool):
                (cadss if payload.get("scale") == "CADSS-6" else moaas).append(int(score))
        elif event.kind == "alarm" and payload.get("kind") in ("started", "escalated") \
                and payload.get("priority") in ALARMING:
            alarms += payload.get("kind") == "started"
            metric = (payload.get("values") or {}).get("metric")
            bp_alarm = bp_alarm or metric in BP_METRICS
            breathing_alarm = breathing_alarm or metric in BREATHING_METRICS
        elif event.kind == "annotation" and "vomit" in str(payload.get("text", "")).lower():
            vomiting = True
        elif event.kind == "rescue_medication":
            rescue.append(" ".join(str(p) for p in (payload.get("drug"), payload.get("dose"),
                                                    payload.get("unit")) if p))
        elif event.kind == "adverse_event":
            adverse.append(str(payload.get("event", "adverse event")))
            vomiting = vomiting or "vomit" in adverse[-1].lower()
    return SessionLine(
        row.id, row.started_at, state.ended or row.ended_at is not None, row.weight_kg,
        plan.mg_per_kg if plan is not None else None,
        plan.dose_mg if plan is not None else None,
        delivered.delivered_mg if delivered is not None else None, measures,
        _extreme(database, row.id, SBP, True), _extreme(database, row.id, SPO2, False),
        max(cadss) if cadss else None, bp_alarm, tuple(rescue), tuple(adverse),
        dict(state.dose_decision) if state.dose_decision is not None else None,
        tuple(dict(m) for m in state.measures), row.ended_at,
        infusion_ran=state.infused, infusion_stopped=state.infusion.stopped_at is not None,
        delivered_fraction=delivered.fraction_of_plan if delivered is not None else None,
        breathing_alarm=breathing_alarm, vomiting=vomiting,
        lowest_moaas=min(moaas) if moaas else None, alarms=alarms,
        treatment=state.nasal.treatment,
        esketamine_mg=state.nasal.dose_mg if state.nasal.all_devices_given else None)


def course_history(database: Database, patient_id: int) -> list[SessionLine]:
    """Every session of the patient, oldest first."""
    with database.sessions() as session:
        rows = session.scalars(select(ClinicSession)
                               .where(ClinicSession.patient_id == patient_id)
                               .order_by(ClinicSession.started_at, ClinicSession.id)).all()
        for row in rows:
            session.expunge(row)
    states = session_states(database, [row.id for row in rows])
    return [session_line(database, row, states[row.id]) for row in rows]


def past_infusions(lines: list[SessionLine], *, excluding: int | None = None) -> list[PastInfusion]:
    return [p for line in lines if line.session_id != excluding
            and (p := line.past_infusion()) is not None]
