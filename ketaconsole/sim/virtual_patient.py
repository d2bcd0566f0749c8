"""The shared virtual patient that every simulator follows, so pump and monitor agree.

Time runs in *scenario seconds*: ``(now - start) * speed``. The default scenario is a
70 kg adult given 0.5 mg/kg ketamine over 40 minutes at 1 mg/mL (35 mg, 52.5 mL/h),
starting one minute into the session. Blood pressure rises during the infusion, peaks
about 35 minutes after its start and is back to baseline by about 90 minutes
(CLINICAL.md section 1). Scenarios add excursions (hypertension, desaturation, sensor
off, hypotension, respiratory depression) on top; every simulator that measures a vital
sign follows them. Everything is deterministic for a given seed.

A patient that *follows the nurse* (the demo's) waits instead: its pump infuses only
once the nurse starts the plan, at the plan's rate, pauses, resumes and stops with her,
and the story's effects (the blood-pressure rise, the excursions) date from that start.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ketaconsole.dose import DosePlan
from ketaconsole.numbers import NumberRange

MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Excursion:
    """A departure of one vital sign from its course: ramps in, holds, ramps out."""

    vital: str
    start_s: float
    delta: float
    ramp_s: float = 60.0
    hold_s: float = 600.0

    def offset(self, t: float) -> float:
        into = t - self.start_s
        if into <= 0:
            return 0.0
        if into < self.ramp_s:
            return self.delta * into / self.ramp_s
        into -= self.ramp_s
        if into < self.hold_s:
            return self.delta
        into -= self.hold_s
        if into < self.ramp_s:
            return self.delta * (1 - into / self.ramp_s)
        return 0.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A session's story: baseline vitals, the infusion plan and any excursions."""

    name: str
    description: str
    weight_kg: float = 70.0
    dose_mg_per_kg: float = 0.5
    infusion_minutes: float = 40.0
    concentration_mg_ml: float = 1.0
    infusion_start_s: float = 1 * MINUTE
    baseline: dict[str, float] = field(default_factory=lambda: {
        "hr": 74.0, "spo2": 98.0, "sbp": 122.0, "dbp": 78.0, "rr": 14.0,
        "etco2": 36.0, "temp": 36.8, "pi": 3.6})
    bp_rise_mmhg: float = 18.0
    excursions: tuple[Excursion, ...] = ()
    sensor_off: tuple[tuple[float, float], ...] = ()
    """Scenario-second intervals during which the oximeter sensor is off the finger."""

    @property
    def dose_mg(self) -> float:
        return self.dose_mg_per_kg * self.weight_kg

    @property
    def infusion_volume_ml(self) -> float:
        return self.dose_mg / self.concentration_mg_ml

    @property
    def rate_ml_h(self) -> float:
        return self.infusion_volume_ml / (self.infusion_minutes / 60.0)


_INFUSION_START = 1 * MINUTE
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("normal", "An uneventful session: a moderate blood-pressure rise and recovery."),
        Scenario(
            "hypertension",
            "Systolic pressure climbs past 180 mmHg 35 minutes into the infusion.",
            excursions=(
                Excursion("sbp", _INFUSION_START + 33 * MINUTE, 52.0, ramp_s=120, hold_s=900),
                Excursion("dbp", _INFUSION_START + 33 * MINUTE, 32.0, ramp_s=120, hold_s=900),
            )),
        Scenario(
            "desaturation",
            "SpO2 falls to 85% ten minutes into the infusion for two minutes.",
            excursions=(Excursion("spo2", _INFUSION_START + 10 * MINUTE, -13.0,
                                  ramp_s=30, hold_s=120),)),
        Scenario(
            "sensor-off",
            "The oximeter probe comes off the finger five minutes into the infusion.",
            sensor_off=((_INFUSION_START + 5 * MINUTE, _INFUSION_START + 7 * MINUTE),)),
        Scenario(
            "hypotension",
            "Blood pressure falls to about 66/42 mmHg (mean about 50) ten minutes into the "
            "infusion, for fifteen minutes.",
            bp_rise_mmhg=0.0,
            excursions=(
                Excursion("sbp", _INFUSION_START + 10 * MINUTE, -56.0, ramp_s=120, hold_s=900),
                Excursion("dbp", _INFUSION_START + 10 * MINUTE, -36.0, ramp_s=120, hold_s=900),
            )),
        Scenario(
            "respiratory-depression",
            "Breathing slows to about 5 /min and EtCO2 climbs to about 58 mmHg from five "
            "minutes into the infusion until about ten minutes after it ends; SpO2 dips "
            "to about 95%.",
            excursions=tuple(
                Excursion(vital, _INFUSION_START + 5 * MINUTE, delta, ramp_s=180,
                          hold_s=42 * MINUTE)
                for vital, delta in (("rr", -9.0), ("etco2", 22.0), ("spo2", -2.0)))),
    )
}


class UnknownScenarioError(KeyError):
    """A scenario name that does not exist."""


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise UnknownScenarioError(
            f"no scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None


@dataclass(frozen=True, slots=True)
class Vitals:
    """The patient's true state at one moment."""

    hr: float
    spo2: float
    sbp: float
    dbp: float
    rr: float
    etco2: float
    temp: float
    pi: float
    sensor_off: bool

    @property
    def mean(self) -> float:
        return (self.sbp + 2 * self.dbp) / 3


@dataclass(frozen=True, slots=True)
class InfusionState:
    """Where the scenario's infusion stands."""

    running: bool
    finished: bool
    rate_ml_h: float
    volume_infused_ml: float
    vtbi_ml: float
    concentration_mg_ml: float

    @property
    def volume_remaining_ml(self) -> float:
        return max(0.0, self.vtbi_ml - self.volume_infused_ml)


def _bump(t: float, peak_at: float, gone_at: float) -> float:
    """0 before 0, rising smoothly to 1 at ``peak_at``, back to 0 at ``gone_at``."""
    if t <= 0 or t >= gone_at:
        return 0.0
    if t < peak_at:
        return (1 - math.cos(math.pi * t / peak_at)) / 2
    return (1 + math.cos(math.pi * (t - peak_at) / (gone_at - peak_at))) / 2


SCENARIO_SPEED = NumberRange("--speed", 0, 3600, above_low=True,
                             unit="scenario seconds per real second")
"""How fast a scenario may run: faster than 3600 (an hour a second) shows nothing useful."""
@dataclass(slots=True)
class NurseRun:
    """The infusion as the nurse runs it, in scenario seconds: the plan's rate and volume,
    and the stretches it ran (the last one open while it runs)."""

    rate_ml_h: float
    vtbi_ml: float
    concentration_mg_ml: float
    started_s: float
    stretches: list[list[float | None]] = field(default_factory=list)
    stopped: bool = False

    def running_s(self, t: float) -> float:
        total = 0.0
        for began, ended in self.stretches:
            assert began is not None
            total += max(0.0, (t if ended is None else min(ended, t)) - began)
        return min(total, self.duration_s)

    @property
    def duration_s(self) -> float:
        return self.vtbi_ml / self.rate_ml_h * 3600.0 if self.rate_ml_h > 0 else 0.0

    @property
    def open(self) -> bool:
        return bool(self.stretches) and self.stretches[-1][1] is None

    def close(self, t: float) -> None:
        if self.open:
            self.stretches[-1][1] = t


class VirtualPatient:
    """A deterministic patient whose vitals follow a scenario on a (possibly fast) clock."""

    def __init__(self, story: Scenario | None = None, *, start: float = 0.0,
                 speed: float = 1.0, seed: int = 7, follows_nurse: bool = False) -> None:
        SCENARIO_SPEED.check(speed)
        self.scenario = story or SCENARIOS["normal"]
        self.start = start
        self.speed = speed
        self.seed = seed
        self.follows_nurse = follows_nurse
        self.run: NurseRun | None = None
        """The infusion the nurse started (only when the patient follows the nurse)."""

    def nurse_did(self, action: str, at: float, plan: DosePlan | None) -> None:
        """The nurse started, paused, resumed or stopped the plan (or ended the session)."""
        if not self.follows_nurse:
            return
        t = self.scenario_time(at)
        run = self.run
        if action == "start" and plan is not None:
            self.run = NurseRun(plan.rate_ml_h, plan.volume_ml, plan.concentration_mg_ml,
                                started_s=t, stretches=[[t, None]])
        elif run is None:
            return
        elif action == "pause":
            run.close(t)
        elif action == "resume" and not run.open and not run.stopped:
            run.stretches.append([t, None])
        elif action == "stop":
            run.close(t)
            run.stopped = True
        elif action == "end":
            self.run = None

    def story_time(self, now: float) -> float:
        """Scenario seconds on the story's own clock: its infusion starts when the nurse's
        does (a patient who follows the nurse waits just before it until then)."""
        t = self.scenario_time(now)
        if not self.follows_nurse:
            return t
        start = self.scenario.infusion_start_s
        if self.run is None:
            return min(t, start)
        return t - self.run.started_s + start

    def with_clock(self, start: float, speed: float | None = None) -> VirtualPatient:
        return VirtualPatient(self.scenario, start=start, speed=speed or self.speed,
                              seed=self.seed, follows_nurse=self.follows_nurse)

    def scenario_time(self, now: float) -> float:
        return max(0.0, (now - self.start) * self.speed)

    def _noise(self, channel: int, t: float, amplitude: float) -> float:
        second = math.floor(t)
        frac = t - second

        def at(s: int) -> float:
            return random.Random(self.seed * 1_000_003 + channel * 7919 + s).uniform(-1, 1)

        return amplitude * (at(second) * (1 - frac) + at(second + 1) * frac)

    def vitals(self, now: float) -> Vitals:
        t = self.scenario_time(now)
        story = self.story_time(now)
        s = self.scenario
        base = s.baseline
        since_start = story - s.infusion_start_s
        rise = _bump(since_start, 35 * MINUTE, 90 * MINUTE)
        values = {
            "hr": base["hr"] + 8 * rise + self._noise(1, t, 1.5),
            "spo2": base["spo2"] + self._noise(2, t / 5, 0.8),
            "sbp": base["sbp"] + s.bp_rise_mmhg * rise + self._noise(3, t / 30, 3),
            "dbp": base["dbp"] + 0.6 * s.bp_rise_mmhg * rise + self._noise(4, t / 30, 2),
            "rr": base["rr"] + self._noise(5, t / 10, 1.2),
            "etco2": base["etco2"] + self._noise(6, t / 10, 1.0),
            "temp": base["temp"] + self._noise(7, t / 60, 0.1),
            "pi": base["pi"] + self._noise(8, t / 3, 0.4),
        }
        for excursion in s.excursions:
            values[excursion.vital] += excursion.offset(story)
        values["spo2"] = min(100.0, values["spo2"])
        off = any(a <= story < b for a, b in s.sensor_off)
        return Vitals(sensor_off=off, **values)

    def infusion(self, now: float) -> InfusionState:
        t = self.scenario_time(now)
        s = self.scenario
        if self.follows_nurse:
            return self._nurse_infusion(t)
        duration = s.infusion_minutes * MINUTE
        running_for = min(max(0.0, t - s.infusion_start_s), duration)
        running = 0 < t - s.infusion_start_s < duration
        volume = s.rate_ml_h * running_for / 3600.0
        return InfusionState(
            running=running,
            finished=t - s.infusion_start_s >= duration,
            rate_ml_h=s.rate_ml_h if running else 0.0,
            volume_infused_ml=volume,
            vtbi_ml=s.infusion_volume_ml,
            concentration_mg_ml=s.concentration_mg_ml,
        )


    def _nurse_infusion(self, t: float) -> InfusionState:
        run = self.run
        if run is None:  # loaded with the plan's syringe, waiting for the nurse
            return InfusionState(running=False, finished=False, rate_ml_h=0.0,
                                 volume_infused_ml=0.0, vtbi_ml=self.scenario.infusion_volume_ml,
                                 concentration_mg_ml=self.scenario.concentration_mg_ml)
        ran = run.running_s(t)
        finished = ran >= run.duration_s
        running = run.open and not finished
        return InfusionState(running=running, finished=finished,
                             rate_ml_h=run.rate_ml_h if running else 0.0,
                             volume_infused_ml=run.rate_ml_h * ran / 3600.0,
                             vtbi_ml=run.vtbi_ml, concentration_mg_ml=run.concentration_mg_ml)


class PlethGenerator:
    """A plethysmogram at the device's real sample rate, beating at the patient's pulse rate.

    The waveform is sampled in real time (a 125 Hz device sends 125 samples a second
    whatever the scenario speed); its pulse rate follows the patient at that moment.
    """

    def __init__(self, patient: VirtualPatient, sample_rate_hz: float) -> None:
        self.patient = patient
        self.sample_rate_hz = sample_rate_hz
        self._phase = 0.0
        self._next_time: float | None = None

    @staticmethod
    def shape(phase: float) -> float:
        """One beat, 0..1: a fast systolic upstroke, a dicrotic notch, a slow run-off."""
        p = phase % 1.0
        systolic = math.exp(-((p - 0.18) / 0.08) ** 2)
        dicrotic = 0.35 * math.exp(-((p - 0.45) / 0.09) ** 2)
        return systolic + dicrotic

    def samples_until(self, now: float, most: int | None = None) -> list[float]:
        """The samples due up to ``now`` since the previous call (0..1, unitless); at most
        the ``most`` latest, as a device that keeps only a short buffer sends after a
        long silence (the older ones are skipped, their beats still counted)."""
        step = 1.0 / self.sample_rate_hz
        if self._next_time is None:
            self._next_time = now
        out: list[float] = []
        hr = self.patient.vitals(now).hr
        due = int((now - self._next_time) / step) + 1
        if most is not None and due > most:
            skipped = due - most
            self._phase += hr / 60.0 * step * skipped
            self._next_time += step * skipped
        while self._next_time <= now:
            self._phase += hr / 60.0 * step
            out.append(self.shape(self._phase))
            self._next_time += step
        return out

