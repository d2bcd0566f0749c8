"""Infusions given through the clinic's own path on a story clock (the demo's past course).

A room is made the one way (:func:`ketaconsole.bedside.room.room_start`), without devices, its
engine on a clock the story moves (:func:`story_bedside`); the nurse's steps go through
the session workflow and its door (check-in, PHQ-9, baseline, plan, start, stop, CADSS-6,
discharge, sign-off, end); the monitor's and the pump's readings reach the engine as a
device's would, and the alarm system judges them at each moment of the story (its loop
on the wall clock is stopped: the story's clock is the only one). The record therefore
holds exactly what a session at the bedside holds, and every reader (the course,
follow-ups, exports) reads it through the same fold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ketaconsole.bedside.room import Room, RoomOptions, room_start
from ketaconsole.course.identity import PatientRecord
from ketaconsole.course.measures import MeasureResult, score
from ketaconsole.devices.registry import DriverRegistry
from ketaconsole.dose import DosePlan
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric, Observation, PumpState, PumpStatus
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.workflow import SessionWorkflow

SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
SPO2 = "MDC_PULS_OXIM_SAT_O2"
MONITOR, PUMP = "monitor", "pump"
STEP_S = 60.0
"""The story's readings come once a minute (an NIBP cycle every 10 minutes)."""


@dataclass(frozen=True, slots=True)
class StoryInfusion:
    """One infusion of the story: when, the order, the PHQ-9 before it, how it went."""

    at: float
    """When the patient is checked in (seconds since the epoch)."""
    plan: DosePlan
    phq9: Sequence[int]
    peak_systolic: float = 138.0
    """The highest systolic reading, about 30 minutes into the infusion."""
    cadss6: int | None = None
    baseline_systolic: float = 122.0
    measures: Sequence[MeasureResult] = ()
    """Other rating scales answered before the infusion, after the PHQ-9 (GAD-7, MADRS)."""


class StoryClock:
    """The story's time: moved by the story, read by the room."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class StoryBedside:
    """A bedside without devices whose time is the story's: the story moves it."""

    def __init__(self, room: Room, clock: StoryClock) -> None:
        self.room = room
        self.clock = clock

    @property
    def workflow(self) -> SessionWorkflow:
        return self.room.workflow

    @property
    def now(self) -> float:
        return self.clock.now

    def at(self, moment: float, readings: Sequence[Observation] = ()) -> None:
        """The story reaches ``moment``: its devices' ``readings`` reach the engine as a
        device's would, then the alarm system (with the BP check's reminder) judges it."""
        self.clock.now = moment
        if readings:
            self.room.engine.ingest(readings)
        assert self.room.alarm_loop is not None
        self.room.alarm_loop.step()


@contextmanager
def story_bedside(database_url: str, *, nurse: str, station: str, start: float,
                  pump: str | None = PUMP, place: str = "story") -> Iterator[StoryBedside]:
    """A bedside made the one way on the record at ``database_url``, its clock at ``start``.

    ``nurse`` is who the workflow's door says acts; the telemetry of ``pump`` is the
    infusion. The room stops on leaving: a session still open stays unfinished, as a
    console that stops leaves it.
    """
    clock = StoryClock(start)
    room = room_start([], database_url=database_url, engine=Engine(clock=clock),
                      options=RoomOptions(place=place, station=station,
                                          door=lambda _permission, _target: nurse,
                                          publish_status=False)).finish(
        DriverRegistry({}, []))  # a bedside with no device: the story's readings stand in
    try:
        assert room.alarm_loop is not None
        room.alarm_loop.stop()  # the story judges the alarms at its own moments
        if pump is not None:
            room.model.follow_pump(pump)  # the story's pump telemetry is the infusion
        yield StoryBedside(room, clock)
    finally:
        room.stop()


def give_infusions(database_url: str, person: PatientRecord, story: Sequence[StoryInfusion],
                   *, nurse: str, station: str, signer: str, age_years: int) -> list[int]:
    """Give each infusion of ``story`` in turn at one bedside; the sessions' numbers.

    ``nurse`` is who the workflow's door says acts; ``signer`` signs each discharge.
    """
    if not story:
        return []
    with story_bedside(database_url, nurse=nurse, station=station, start=story[0].at,
                       place="course history") as bedside:
        return [_give(bedside, person, age_years, infusion, signer) for infusion in story]


def _give(bedside: StoryBedside, person: PatientRecord, age_years: int,
          infusion: StoryInfusion, signer: str) -> int:
    flow = bedside.workflow
    plan = infusion.plan
    bedside.at(infusion.at, _idle(infusion.at, 0.0))  # the devices on the new patient
    # fasted overnight, a glass of water four hours before: within any clinic's hours
    weighed = plan.dosing.actual_kg if plan.dosing is not None else plan.weight_kg
    flow.check_in(CheckIn(person.name, age_years, weighed, "none known", "none", "none",
                          False, "none", 12.0, 4.0, True, "left forearm", True,
                          mrn=person.mrn or "", patient_id=person.patient_id,
                          height_cm=plan.dosing.height_cm if plan.dosing is not None else None,
                          pregnancy="no"))
    session_id = flow.service_id()
    _idle_until(bedside, bedside.now + 60)
    answered = score("PHQ-9", list(infusion.phq9))
    flow.record_measure(answered)
    for flag in answered.flags:  # item 9 above 0: a named clinician acknowledges it first
        flow.acknowledge_flag(flag, name=signer, action="risk assessed with the patient; "
                                                        "safe to proceed")
    for other in infusion.measures:
        flow.record_measure(other)
    _idle_until(bedside, bedside.now + 120, systolic=infusion.baseline_systolic)
    flow.confirm_baseline({SBP: infusion.baseline_systolic, DBP: 78.0})
    _idle_until(bedside, bedside.now + 120)
    flow.confirm_plan(plan)
    _idle_until(bedside, bedside.now + 300)
    flow.infusion_action("start")
    started = bedside.now
    given_s = plan.duration_min * 60.0
    ran = 0.0
    while ran <= given_s + 20 * 60:
        infusing = ran < given_s
        bedside.at(started + ran, _readings(
            started + ran, infusion, ran, plan.rate_ml_h * min(ran, given_s) / 3600.0,
            plan.rate_ml_h if infusing else 0.0,
            PumpState.INFUSING if infusing else PumpState.STOPPED))
        if ran == given_s:
            flow.infusion_action("stop")
        if infusion.cadss6 is not None and ran == given_s + 10 * 60:
            flow.record_entry("scale", {"scale": "CADSS-6", "score": infusion.cadss6})
        ran += STEP_S
    _idle_until(bedside, started + ran, volume_ml=plan.volume_ml)
    flow.begin_discharge()
    flow.record_discharge("Aldrete", {"activity": 2, "respiration": 2, "circulation": 2,
                                      "consciousness": 2, "spo2": 2})
    flow.sign_off(signer)
    _idle_until(bedside, bedside.now + 60, volume_ml=plan.volume_ml)
    flow.end_session()
    return session_id


def _idle_until(bedside: StoryBedside, until: float, *, volume_ml: float = 0.0,
                systolic: float | None = None) -> None:
    """The story's minutes outside the infusion up to ``until``: the devices keep reading
    (the pump stopped), an NIBP reading at ``until`` if ``systolic`` is given."""
    while bedside.now + STEP_S < until:
        bedside.at(bedside.now + STEP_S, _idle(bedside.now + STEP_S, volume_ml))
    bedside.at(until, _idle(until, volume_ml, systolic))


def _idle(at: float, volume_ml: float, systolic: float | None = None) -> list[Observation]:
    observations: list[Observation] = [
        PumpStatus(PUMP, at, state=PumpState.STOPPED, rate_ml_h=0.0,
                   volume_infused_ml=round(volume_ml, 3)),
        Numeric(MONITOR, SPO2, 97.0, "%", at)]
    if systolic is not None:
        observations += [Numeric(MONITOR, SBP, round(systolic), "mm[Hg]", at),
                         Numeric(MONITOR, DBP, 78.0, "mm[Hg]", at)]
    return observations


def _readings(at: float, infusion: StoryInfusion, ran: float, volume_ml: float,
              rate_ml_h: float, state: PumpState) -> list[Observation]:
    """A minute of the story: the pump's status, SpO2, and an NIBP cycle every 10 minutes."""
    observations: list[Observation] = [
        PumpStatus(PUMP, at, state=state, rate_ml_h=rate_ml_h,
                   volume_infused_ml=round(volume_ml, 3)),
        Numeric(MONITOR, SPO2, 97.0 - (2.0 if 1200 <= ran < 1260 else 0.0), "%", at)]
    if ran % 600 == 0:
        # the rise peaks about 30 minutes in and is back to baseline an hour later
        rise = max(0.0, 1 - abs(ran - 1800) / 1800)
        systolic = infusion.baseline_systolic + (
            infusion.peak_systolic - infusion.baseline_systolic) * rise
        observations += [Numeric(MONITOR, SBP, round(systolic), "mm[Hg]", at),
                         Numeric(MONITOR, DBP, 78.0, "mm[Hg]", at)]
    return observations
