"""The demo's patient and course in progress: approved, five past infusions, one BP alarm.

Written only into the demo's own record database, once: the PHQ-9 falls from 20 to 10
over five infusions, the dose steps up to 0.6 mg/kg after two, a blood-pressure alarm
at the third brings it back to 0.5 mg/kg. The first infusion's PHQ-9 item 9 (answered 1)
was acknowledged at the bedside, and by the demo's prescriber the next day, before the
second. The nurse then plans the sixth.
"""

from __future__ import annotations

import functools
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
from ketaconsole.course.identity import PatientRecord, resolve_patient
from ketaconsole.course.safety_flags import acknowledge_flag, patient_flags
from ketaconsole.demo.cast import DEMO_HEIGHT_CM, DEMO_MRN
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.medication.order_check import plan_order
from ketaconsole.store import Database

__all__ = ["DEMO_MRN", "seed_demo_course"]

DEMO_PRESCRIBER = "Dr Demo Prescriber"
DEMO_NURSE = "demo-nurse"
DEMO_AGE = 42
HISTORY_STATION = "demo-course-history"
"""The bedside the past infusions were given at (not the demo's own station)."""
DAY = 86400.0

PAST = (  # mg/kg, PHQ-9 answers before the infusion, BP alarm, CADSS-6
    (0.5, [3, 3, 2, 2, 2, 3, 2, 2, 1], False, 6),
    (0.5, [2, 3, 2, 2, 2, 2, 2, 2, 0], False, 5),
    (0.6, [2, 2, 2, 2, 1, 2, 2, 1, 0], True, 8),
    (0.5, [2, 2, 1, 2, 1, 2, 1, 1, 0], False, 5),
    (0.5, [1, 2, 1, 2, 1, 1, 1, 1, 0], False, 4),
)

DEMO_ASSESSMENT = EligibilityForm(
    present=frozenset(), screening_bp=((132, 84), (128, 82)),
    consent_document="IV ketamine course consent", consent_version="demo-1",
    dose_min_mg_per_kg=0.4, dose_max_mg_per_kg=0.75, infusion_min_minutes=40.0,
    infusion_max_minutes=60.0, max_total_mg=60.0,
    prior_treatments=(PriorTreatment("antidepressant", "sertraline, 12 weeks"),
                      PriorTreatment("antidepressant", "bupropion, 8 weeks"),
                      PriorTreatment("TMS", "30 sessions")))


def seed_demo_course(database: Database, name: str, weight_kg: float, *,
                     clock: Callable[[], float] = time.time) -> PatientRecord:
    """The demo patient with an approved course and five past infusions (written once).

    The infusions are given at a bedside of their own through the session workflow,
    three days apart on a story clock (:mod:`ketaconsole.demo.story_infusions`).
    """
    person = resolve_patient(database, name, mrn=DEMO_MRN, weight_kg=weight_kg)
    if latest_assessment(database, person.patient_id) is not None:
        return person
    now = clock()
    start = now - 16 * DAY
    library = clinic_library(database)
    store_assessment(database, person.patient_id, DEMO_ASSESSMENT,
                     decision_support(DEMO_ASSESSMENT, EligibilityPolicy(), library),
                     prescriber=DEMO_PRESCRIBER, policy=EligibilityPolicy(),
                     clock=lambda: start - DAY)
    story = [StoryInfusion(start + number * 3 * DAY,
                           plan_order(library, weight_kg=weight_kg, height_cm=DEMO_HEIGHT_CM,
                                      mg_per_kg=mg_per_kg, duration_min=40.0,
                                      concentration_mg_ml=1.0),
                           answers, peak_systolic=168.0 if bp_alarm else 138.0, cadss6=cadss)
             for number, (mg_per_kg, answers, bp_alarm, cadss) in enumerate(PAST)]
    for infusion in story:
        give_infusions(database.url, person, [infusion], nurse=DEMO_NURSE,
                       station=HISTORY_STATION, signer="Demo Nurse", age_years=DEMO_AGE)
        for flag in patient_flags(database, person.patient_id):  # the first one's item 9
            if flag.open:
                acknowledge_flag(database, flag.flag_id, prescriber=DEMO_PRESCRIBER,
                                 note="seen the next day: no plan or intent; safety plan "
                                      "reviewed with the patient",
                                 clock=functools.partial(float, flag.raised_at + DAY))
    return person
