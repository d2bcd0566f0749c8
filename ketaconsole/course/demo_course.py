"""The demo's patient and course in progress: approved, five past infusions, one BP alarm.

Written only into the demo's own record database, once: the PHQ-9 falls from 20 to 10
over five infusions, the dose steps up to 0.6 mg/kg after two, a blood-pressure alarm
at the third brings it back to 0.5 mg/kg. The nurse then plans the sixth.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ketaconsole.course.eligibility import (
    EligibilityForm,
    EligibilityPolicy,
    PriorTreatment,
    decision_support,
    latest_assessment,
    store_assessment,
)
from ketaconsole.course.history import SBP, SPO2
from ketaconsole.course.identity import PatientRecord, resolve_patient
from ketaconsole.course.measures import score
from ketaconsole.demo_cast import DEMO_MRN
from ketaconsole.dose import DosePlan
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.models import NumericValue

__all__ = ["DEMO_MRN", "seed_demo_course"]

DEMO_PRESCRIBER = "Dr Demo Prescriber"
DAY = 86400.0

PAST = (  # mg/kg, PHQ-9 answers before the infusion, BP alarm, CADSS-6
    (0.5, [3, 3, 2, 2, 2, 3, 2, 2, 1], False, 6),
    (0.5, [2, 3, 2, 2, 2, 2, 2, 2, 0], False, 5),
    (0.6, [2, 2, 2, 2, 1, 2, 2, 1, 0], True, 8),
    (0.5, [2, 2, 1, 2, 1, 2, 1, 1, 0], False, 5),
    (0.5, [1, 2, 1, 2, 1, 1, 1, 1, 0], False, 4),
)

DEMO_ASSESSMENT = EligibilityForm(
    active_psychosis=False, pregnancy=False, screening_systolic_mmhg=132,
    screening_diastolic_mmhg=84, substance_use_disorder=False, cardiovascular_disease=False,
    prior_ketamine_misuse=False, interstitial_cystitis=False,
    consent_document="IV ketamine course consent", consent_version="demo-1",
    dose_min_mg_per_kg=0.4, dose_max_mg_per_kg=0.75,
    prior_treatments=(PriorTreatment("antidepressant", "sertraline, 12 weeks"),
                      PriorTreatment("antidepressant", "bupropion, 8 weeks"),
                      PriorTreatment("TMS", "30 sessions")))


def _fixed(at: float) -> Callable[[], float]:
    return lambda: at


def seed_demo_course(database: Database, name: str, weight_kg: float, *,
                     clock: Callable[[], float] = time.time) -> PatientRecord:
    """The demo patient with an approved course and five past infusions (written once)."""
    person = resolve_patient(database, name, mrn=DEMO_MRN, weight_kg=weight_kg)
    if latest_assessment(database, person.patient_id) is not None:
        return person
    now = clock()
    start = now - 16 * DAY
    store_assessment(database, person.patient_id, DEMO_ASSESSMENT,
                     decision_support(DEMO_ASSESSMENT, EligibilityPolicy()),
                     prescriber=DEMO_PRESCRIBER, policy=EligibilityPolicy(),
                     clock=lambda: start - DAY)
    for number, (mg_per_kg, answers, bp_alarm, cadss) in enumerate(PAST):
        at = start + number * 3 * DAY
        plan = DosePlan(weight_kg, mg_per_kg, 40.0, 1.0)
        service = SessionService.begin(
            database, SessionPlan(name, weight_kg, phase="Signed off",
                                  patient_id=person.patient_id),
            [], station="demo-course-history", clock=_fixed(at + 7200))
        nurse = "demo-nurse"
        service.record_event("measure", score("PHQ-9", answers).as_record(), author=nurse,
                             at=at + 60)
        service.record_event("dose_plan", plan.order_record(), author=nurse, at=at + 300)
        service.record_event("infusion_start", {"action": "start"}, author=nurse, at=at + 600)
        if bp_alarm:
            service.record_event("alarm", {
                "kind": "started", "at": at + 1800, "alarm_id": "bp-high",
                "label": "Blood pressure high", "priority": "medium",
                "category": "physiological", "message": "SBP 168 mmHg, 42 above baseline",
                "values": {"metric": "MDC_PRESS_BLD_NONINV_SYS", "value": 168,
                           "unit": "mm[Hg]"}, "by": None, "previous_priority": None},
                author="alarm system", at=at + 1800)
        service.record_event("scale", {"scale": "CADSS-6", "score": cadss}, author=nurse,
                             at=at + 2400)
        service.record_event("infusion_stop", {"action": "stop"}, author=nurse, at=at + 3000)
        service.close(author=nurse)
        _vitals(database, service.session_id, at, bp_alarm)
    return person


def _vitals(database: Database, session_id: int, at: float, bp_alarm: bool) -> None:
    """The monitor's readings every 10 minutes over the session (as the record holds them)."""
    peak = 168.0 if bp_alarm else 138.0
    rows = []
    for step in range(12):
        t = at + 600 + step * 600
        rise = 1 - abs(step - 4) / 8
        rows += [NumericValue(session_id=session_id, device_id="monitor", metric=SBP,
                              value=round(122 + (peak - 122) * max(rise, 0)), unit="mm[Hg]",
                              received_at=t),
                 NumericValue(session_id=session_id, device_id="monitor", metric=SPO2,
                              value=97.0 - (2.0 if step == 3 else 0.0), unit="%",
                              received_at=t)]
    with database.sessions() as session, session.begin():
        session.add_all(rows)
