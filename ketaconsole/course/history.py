"""The course so far: one line per session of a patient, read from the record.

Per session: the dose (mg/kg and mg), the measures answered before it (PHQ-9,
GAD-7, MADRS), peak systolic BP and lowest SpO2 from the stored numerics, the peak
CADSS-6, whether a blood-pressure alarm sounded, rescue medications and adverse
events. The titration rule, the course view and the course exports all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ketaconsole.course.titration import PastInfusion
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, NumericValue
from ketaconsole.store.review import timeline

SBP = "MDC_PRESS_BLD_NONINV_SYS"
DBP = "MDC_PRESS_BLD_NONINV_DIA"
SPO2 = "MDC_PULS_OXIM_SAT_O2"
BP_METRICS = {SBP, DBP, "MDC_PRESS_BLD_NONINV_MEAN"}
ALARMING = {"medium", "high"}


@dataclass(frozen=True, slots=True)
class SessionLine:
    """One infusion of the course, in the figures a clinician reads at a glance."""

    session_id: int
    started_at: float
    ended: bool
    weight_kg: float | None
    mg_per_kg: float | None
    dose_mg: float | None
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

    @property
    def infused(self) -> bool:
        return self.mg_per_kg is not None

    def past_infusion(self) -> PastInfusion | None:
        if self.mg_per_kg is None:
            return None
        return PastInfusion(self.mg_per_kg, self.measures.get("PHQ-9"), self.bp_alarm,
                            self.peak_cadss6)


def _extreme(database: Database, session_id: int, metric: str, highest: bool) -> float | None:
    pick = func.max if highest else func.min
    with database.sessions() as session:
        value = session.scalar(select(pick(NumericValue.value)).where(
            NumericValue.session_id == session_id, NumericValue.metric == metric))
    return float(value) if value is not None else None


def session_line(database: Database, row: ClinicSession) -> SessionLine:
    measures: dict[str, int] = {}
    plan = row.dose_plan or {}
    mg_per_kg = plan.get("mg_per_kg")
    dose_mg = plan.get("dose_mg")
    cadss: list[int] = []
    bp_alarm = False
    rescue: list[str] = []
    adverse: list[str] = []
    decision: dict[str, Any] | None = None
    records: list[dict[str, Any]] = []
    for event in timeline(database, row.id):
        payload = event.payload
        if event.kind == "measure" and "instrument" in payload:
            measures.setdefault(str(payload["instrument"]), int(payload["total"]))
            records.append(dict(payload) | {"at": event.at})
        elif event.kind == "dose_plan":
            mg_per_kg = payload.get("mg_per_kg", mg_per_kg)
            dose_mg = payload.get("dose_mg", dose_mg)
        elif event.kind == "dose_proposal":
            decision = dict(payload)
        elif event.kind == "scale" and payload.get("scale") == "CADSS-6":
            score = payload.get("score")
            if isinstance(score, int | float) and not isinstance(score, bool):
                cadss.append(int(score))
        elif event.kind == "alarm" and payload.get("kind") in ("started", "escalated") \
                and payload.get("priority") in ALARMING \
                and (payload.get("values") or {}).get("metric") in BP_METRICS:
            bp_alarm = True
        elif event.kind == "rescue_medication":
            rescue.append(" ".join(str(p) for p in (payload.get("drug"), payload.get("dose"),
                                                    payload.get("unit")) if p))
        elif event.kind == "adverse_event":
            adverse.append(str(payload.get("event", "adverse event")))
    return SessionLine(row.id, row.started_at, row.ended_at is not None, row.weight_kg,
                       float(mg_per_kg) if mg_per_kg is not None else None,
                       float(dose_mg) if dose_mg is not None else None, measures,
                       _extreme(database, row.id, SBP, True),
                       _extreme(database, row.id, SPO2, False),
                       max(cadss) if cadss else None, bp_alarm, tuple(rescue), tuple(adverse),
                       decision, tuple(records), row.ended_at)


def course_history(database: Database, patient_id: int) -> list[SessionLine]:
    """Every session of the patient, oldest first."""
    with database.sessions() as session:
        rows = session.scalars(select(ClinicSession)
                               .where(ClinicSession.patient_id == patient_id)
                               .order_by(ClinicSession.started_at, ClinicSession.id)).all()
        for row in rows:
            session.expunge(row)
    return [session_line(database, row) for row in rows]


def past_infusions(lines: list[SessionLine], *, excluding: int | None = None) -> list[PastInfusion]:
    return [p for line in lines if line.session_id != excluding
            and (p := line.past_infusion()) is not None]
