"""Cost of the alarm system: one observation, and one evaluation of a busy room.

A room of an oximeter, a monitor and a pump (SpO2, pulse, HR, RR, NIBP, pump status)
from the desaturation scenario's virtual patient, an hour at one value a second per
metric, fed to the alarm system with one ``evaluate`` per simulated second (the alarm
loop evaluates several times a second). Time is the process's CPU time; the best of
``REPEATS`` runs counts. The plain baseline does the same work with no state: each
second, compare every default limit with the newest value of its metric.

- ``alarms.observe.us``: microseconds per observation taken;
- ``alarms.evaluate.us``: microseconds per evaluation;
- ``alarms.evaluate_baseline.us``: the baseline's microseconds per second of data;
- ``alarms.evaluate.vs_baseline_ratio``: evaluation / baseline.
"""

from __future__ import annotations

import time

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.dose import DosePlan, InfusionClock
from ketaconsole.observations import Numeric, Observation, PumpState, PumpStatus
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient

SECONDS = 3600
REPEATS = 3


def _room() -> list[list[Observation]]:
    patient = VirtualPatient(SCENARIOS["desaturation"], start=0.0)
    seconds: list[list[Observation]] = []
    for t in range(SECONDS):
        at = float(t)
        v = patient.vitals(at)
        pump = patient.infusion(at)
        batch: list[Observation] = [
            Numeric("oximeter", "MDC_PULS_OXIM_SAT_O2", round(v.spo2), "%", at),
            Numeric("oximeter", "MDC_PULS_OXIM_PULS_RATE", round(v.hr), "/min", at),
            Numeric("monitor", "MDC_ECG_HEART_RATE", round(v.hr), "/min", at),
            Numeric("monitor", "MDC_RESP_RATE", round(v.rr), "/min", at),
            PumpStatus("pump", at, state=PumpState.INFUSING if pump.running
                       else PumpState.STANDBY, rate_ml_h=pump.rate_ml_h,
                       volume_infused_ml=pump.volume_infused_ml),
        ]
        if t % 600 == 0:
            batch += [Numeric("monitor", "MDC_PRESS_BLD_NONINV_SYS", round(v.sbp), "mm[Hg]",
                              at),
                      Numeric("monitor", "MDC_PRESS_BLD_NONINV_DIA", round(v.dbp), "mm[Hg]",
                              at)]
        seconds.append(batch)
    return seconds


def _alarm_system(room: list[list[Observation]]) -> tuple[float, float, int]:
    story = SCENARIOS["desaturation"]
    alarms = AlarmSystem(default_profile())
    infusion = InfusionClock()
    infusion.start(story.infusion_start_s)
    alarms.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), infusion, "pump")
    observe = evaluate = 0.0
    count = 0
    for t, batch in enumerate(room):
        began = time.process_time()
        for observation in batch:
            alarms.observe(observation)
        middle = time.process_time()
        alarms.evaluate(float(t))
        ended = time.process_time()
        observe += middle - began
        evaluate += ended - middle
        count += len(batch)
    return observe, evaluate, count


def _baseline(room: list[list[Observation]]) -> float:
    limits = [(limit.metrics[0], limit.comparison, limit.threshold)
              for rule in default_profile().alarms for limit in rule.limits]
    latest: dict[str, float] = {}
    began = time.process_time()
    breached = 0
    for batch in room:
        for observation in batch:
            if isinstance(observation, Numeric) and observation.value is not None:
                latest[observation.metric] = observation.value
        for refid, comparison, threshold in limits:
            value = latest.get(refid)
            if value is not None and (value > threshold if comparison == "above"
                                      else value < threshold):
                breached += 1
    return time.process_time() - began


def run() -> dict[str, float]:
    room = _room()
    best = [min(x) for x in zip(*(_alarm_system(room) for _ in range(REPEATS)),
                                strict=True)]
    observe, evaluate, count = best[0], best[1], best[2]
    baseline = min(_baseline(room) for _ in range(REPEATS))
    return {"alarms.observe.us": observe / count * 1e6,
            "alarms.evaluate.us": evaluate / SECONDS * 1e6,
            "alarms.evaluate_baseline.us": baseline / SECONDS * 1e6,
            "alarms.evaluate.vs_baseline_ratio": evaluate / baseline}
