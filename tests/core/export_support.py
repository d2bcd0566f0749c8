"""A short recorded session for the export tests, made the clinic's way at a bedside.

Thirty minutes of a 70 kg patient at a bedside on a story clock
(:func:`ketaconsole.demo.story_infusions.story_bedside`), its course approved the day
before. The monitor's and the pump's readings reach the room's engine as a device's
would, and the room records them: SpO2, pulse rate, heart rate and respiration once a
second (with a stretch where the oximeter marks SpO2 invalid), NIBP every 5 minutes, the
pump's rate and volume once a second (slowed by hand after 4 minutes, which the
pump-vs-plan check notices), a 125 Hz pleth wave. The nurse's steps go through the
session workflow and its door: check-in, PHQ-9, baseline, the dose plan (20 minutes, past
the clinic's usual 40, accepted by the prescriber with a reason), start and stop,
the timeline's entries (an annotation, scales, a rescue medication, an adverse event),
the discharge criteria, the sign-off and the end. The alarms are the alarm system's: an
NIBP reading 44 mmHg above the baseline raises one, which the nurse acknowledges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ketaconsole.course.eligibility import latest_assessment
from ketaconsole.course.identity import PatientRecord, resolve_patient
from ketaconsole.course.measures import score
from ketaconsole.demo.story_infusions import StoryBedside, story_bedside
from ketaconsole.medication.order_check import LimitAcceptance
from ketaconsole.observations import Numeric, Observation, PumpState, PumpStatus, WaveChunk
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import Database
from tests.course_support import CLEAR, approve, mrn_of
from tests.plan_support import ketamine_plan

T0 = 1_790_000_000.0
"""2026-09-21 14:13:20 UTC: the patient is checked in and the session starts."""
MINUTES = 30
PLAN = ketamine_plan(70.0, 0.5, 20.0, 1.0)
SHORTER = LimitAcceptance("Dr Pia Prescriber", "20 minutes agreed with the patient after "
                                               "dissociation at 40")
"""Who accepts the 20-minute infusion, below the clinic's usual 40, and why."""
INVALID_SPO2_FROM = 300
INVALID_SPO2_TO = 310
RATE_CHANGE_AT = 240
BP_EVERY_S = 300
BASELINE_SYSTOLIC = 128.0
BP_HIGH_AT = 330
"""The second of the NIBP reading 44 mmHg above the baseline (a medium-priority alarm)."""
BP_HIGH = 172.0
INFUSION_FROM = 60
"""The second the pump starts infusing and the nurse presses Start (20 minutes of it)."""
NURSE = "nurse.kim"
MONITOR, PUMP = "monitor-1", "pump-1"
SBP, DBP, MAP = ("MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA",
                 "MDC_PRESS_BLD_NONINV_MEAN")


@dataclass(frozen=True)
class Recorded:
    session_id: int
    numerics: int
    invalid_numerics: int
    pleth_samples: int


def _approved(database: Database, patient: str) -> PatientRecord:
    """The patient's record, their course approved the day before (once)."""
    person = resolve_patient(database, patient, mrn=mrn_of(patient))
    if latest_assessment(database, person.patient_id) is None:
        approve(database, person, assessed_at=T0 - 86400.0,
                form=replace(CLEAR, infusion_min_minutes=20.0))
    return person


def record_session(database: Database, *, close: bool = True, patient: str = "Alex Example",
                   paused: tuple[int, int] | None = None) -> Recorded:
    """The session, ended and signed off (``close``), or left open as a console that stops
    leaves it (the record then in progress); with the infusion ``paused`` from one second
    to another (the pump paused, the nurse's Pause and Resume), if given."""
    person = _approved(database, patient)
    numerics = invalid = samples = 0
    with story_bedside(database.url, nurse=NURSE, station=f"room-test-{patient}", start=T0,
                       pump=PUMP, place="export test room") as bedside:
        flow = bedside.workflow
        flow.check_in(CheckIn(patient, 41, 70.0, "none known", "sertraline 100 mg", "none",
                              False, "none", 7.0, 3.0, True, "left antecubital", True,
                              mrn=person.mrn or "", patient_id=person.patient_id, pregnancy="no"))
        session_id = flow.service_id()
        bedside.at(T0 + 2)
        flow.record_measure(score("PHQ-9", [3, 2, 2, 2, 2, 2, 2, 2, 0]))
        bedside.at(T0 + 3)
        flow.confirm_baseline({SBP: BASELINE_SYSTOLIC, DBP: 82.0})
        bedside.at(T0 + 5)
        flow.confirm_plan(PLAN, accepted=SHORTER)
        rate = PLAN.rate_ml_h
        infused = 0.0
        stop_at = INFUSION_FROM + int(PLAN.duration_min * 60)
        for second in range(MINUTES * 60):
            at = T0 + 10 + second
            readings: list[Observation] = []
            spo2: float | None = 97.0 + math.sin(second / 40.0)
            if INVALID_SPO2_FROM <= second < INVALID_SPO2_TO:
                spo2 = None
                invalid += 1
            values = {"MDC_PULS_OXIM_SAT_O2": spo2,
                      "MDC_PULS_OXIM_PULS_RATE": 72.0 + (second % 7),
                      "MDC_ECG_HEART_RATE": 71.0 + (second % 5),
                      "MDC_RESP_RATE": 14.0}
            for metric, value in values.items():
                unit = "%" if metric == "MDC_PULS_OXIM_SAT_O2" else "/min"
                readings.append(Numeric(MONITOR, metric, value, unit, at))
            if second % BP_EVERY_S == 30:
                systolic = BP_HIGH if second == BP_HIGH_AT else BASELINE_SYSTOLIC + second / 60
                for metric, value in ((SBP, systolic), (DBP, 82.0), (MAP, 97.0)):
                    readings.append(Numeric(MONITOR, metric, value, "mm[Hg]", at))
            halted = paused is not None and paused[0] <= second < paused[1]
            infusing = INFUSION_FROM <= second < stop_at and not halted
            if second == RATE_CHANGE_AT:
                rate = round(PLAN.rate_ml_h * 0.75, 3)  # the pump slowed by hand
            if infusing:
                infused += rate / 3600.0
            state = PumpState.INFUSING if infusing else (
                PumpState.PAUSED if halted else PumpState.STOPPED)
            readings.append(PumpStatus(PUMP, at, state, rate_ml_h=rate if infusing else 0.0,
                                       volume_infused_ml=round(infused, 4)))
            wave = tuple(math.sin(2 * math.pi * 1.2 * (second + i / 125.0)) for i in range(125))
            readings.append(WaveChunk(MONITOR, "MDC_PULS_OXIM_PLETH", wave, 125.0, "1", at))
            # as many numerics as readings: the wave is none, the pump's status two (its
            # rate and its volume)
            numerics += len(readings)
            samples += 125
            bedside.at(at, readings)
            _nurse(bedside, second, stop_at, close=close, paused=paused)
        if close:
            bedside.at(T0 + 10 + MINUTES * 60)
            assert flow.end_session()
    return Recorded(session_id, numerics, invalid, samples)


def _nurse(bedside: StoryBedside, second: int, stop_at: int, *, close: bool,
           paused: tuple[int, int] | None) -> None:
    """What the nurse does at this second of the story (after its readings came in)."""
    flow, at = bedside.workflow, bedside.now
    if paused is not None and second == paused[0]:
        flow.infusion_action("pause", reason="nausea")
    elif paused is not None and second == paused[1]:
        flow.infusion_action("resume", reason="nausea settled")
    elif second == INFUSION_FROM:
        flow.infusion_action("start")
    elif second == stop_at:
        flow.infusion_action("stop")
    elif second == 120:
        flow.record_entry("annotation", {"text": "Dissociation"})
    elif second == BP_HIGH_AT + 15:  # at the alarm bar
        bedside.room.alarms.acknowledge("bp-high", by=NURSE, now=at)
    elif second == 420:
        flow.record_entry("rescue_medication", {"drug": "Ondansetron", "dose": 4.0,
                                                "unit": "mg", "route": "IV"})
        bedside.at(at + 0.5)
        flow.record_entry("adverse_event", {"event": "Nausea",
                                            "intervention": "Ondansetron 4 mg IV",
                                            "outcome": "resolved"})
    elif second == 600:
        flow.record_entry("scale", {"scale": "MOAA/S", "score": 4,
                                    "meaning": "lethargic response to name spoken in "
                                               "normal tone"})
        bedside.at(at + 1)
        flow.record_entry("scale", {"scale": "CADSS-6", "items": {
            "1 things moving in slow motion": 2, "2 things seem unreal": 3,
            "6 sense of time changed": 1, "7 body feels changed": 2,
            "15 separated from what is happening": 1,
            "22 feel disconnected from own body": 0}, "score": 9})
    elif close and second == 1760:
        flow.begin_discharge()
    elif close and second == 1770:
        flow.record_discharge("Aldrete", {"activity": 2, "respiration": 2, "circulation": 2,
                                          "consciousness": 2, "spo2": 2})
    elif close and second == 1780:
        flow.sign_off("Kim Nurse")


ESKETAMINE_T0 = T0 + 7 * 86400.0
"""An esketamine session a week after the infusion above."""
ESKETAMINE_LOT = "L2291A"


@dataclass(frozen=True)
class EsketamineRecorded:
    session_id: int
    first_device_at: float
    signed_at: float


def record_esketamine_session(database: Database, *, patient: str = "Esme Example",
                              bp_at_40: bool = True, medication: str = "lorazepam 1 mg, "
                              "sertraline 100 mg") -> EsketamineRecorded:
    """An esketamine 56 mg session the clinic's way at a story bedside: check-in with the
    patient's medicines, baseline, the order, two devices, the monitor's readings every two
    seconds for 125 minutes (NIBP before the first device, at 41 minutes unless
    ``bp_at_40`` is false, and at 117 minutes; SpO2 dipping below 90% at 20 minutes for
    20 s), MOAA/S and CADSS-6, ready to leave at 95 minutes, the discharge after the
    two-hour minimum, the sign-off and the end."""
    from ketaconsole.session.esketamine import NasalOrder
    from ketaconsole.session.treatment import Treatment

    person = _approved(database, patient)
    start = ESKETAMINE_T0
    with story_bedside(database.url, nurse=NURSE, station=f"room-esk-{patient}", start=start,
                       pump=None, place="export test room") as bedside:
        flow = bedside.workflow
        flow.check_in(CheckIn(patient, 38, 64.0, "none known", medication, "none", False,
                              "none", 7.0, 3.0, True, "none (nasal)", True,
                              mrn=person.mrn or "", patient_id=person.patient_id,
                              pregnancy="no"),
                      treatment=Treatment.ESKETAMINE)
        session_id = flow.service_id()
        bedside.at(start + 30, [Numeric(MONITOR, SBP, 126.0, "mm[Hg]", start + 30),
                                Numeric(MONITOR, DBP, 80.0, "mm[Hg]", start + 30)])
        flow.confirm_baseline({SBP: 126.0, DBP: 80.0})
        bedside.at(start + 60)
        flow.confirm_esketamine(NasalOrder(56, ESKETAMINE_LOT))
        first = start + 120
        bedside.at(first)
        flow.administer_device()
        bedside.at(first + 300)
        flow.administer_device()
        bp_seconds = {117 * 60: (138.0, 86.0)} | ({41 * 60: (148.0, 92.0)} if bp_at_40 else {})
        for second in range(302, 125 * 60, 2):
            at = first + second
            dip = 20 * 60 <= second < 20 * 60 + 20
            readings: list[Observation] = [
                Numeric(MONITOR, "MDC_PULS_OXIM_SAT_O2", 87.0 if dip else 97.0, "%", at),
                Numeric(MONITOR, "MDC_RESP_RATE", 14.0, "/min", at)]
            if second in bp_seconds:
                systolic, diastolic = bp_seconds[second]
                readings += [Numeric(MONITOR, SBP, systolic, "mm[Hg]", at),
                             Numeric(MONITOR, DBP, diastolic, "mm[Hg]", at)]
            bedside.at(at, readings)
            if second == 40 * 60:
                flow.record_entry("scale", {"scale": "MOAA/S", "score": 4, "meaning":
                                            "lethargic response to name spoken in normal tone"})
                flow.record_entry("scale", {"scale": "CADSS-6", "items": {
                    "1 things moving in slow motion": 1, "2 things seem unreal": 2,
                    "6 sense of time changed": 0, "7 body feels changed": 1,
                    "15 separated from what is happening": 0,
                    "22 feel disconnected from own body": 0}, "score": 4})
            elif second == 100 * 60:
                flow.ready_to_leave(first + 95 * 60)
            elif second == 121 * 60:
                flow.begin_discharge()
                flow.record_discharge("Aldrete", {"activity": 2, "respiration": 2,
                                                  "circulation": 2, "consciousness": 2,
                                                  "spo2": 2})
            elif second == 122 * 60:
                flow.sign_off("Kim Nurse")
                signed = bedside.now
        bedside.at(first + 125 * 60)
        assert flow.end_session()
    return EsketamineRecorded(session_id, first, signed)
