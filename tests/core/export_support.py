"""A short recorded session for the export tests, made through the store's own API.

Twenty minutes of a 70 kg patient: SpO2, pulse rate, heart rate and respiration once
a second (with a stretch where the oximeter marks SpO2 invalid), NIBP every 5 minutes,
the pump's rate and volume once a second with one rate change, a 125 Hz pleth wave,
and a timeline with pre-assessment, annotations, an alarm and its acknowledgement,
scales, a rescue medication, an adverse event, discharge criteria and two signatures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketaconsole.dose import DosePlan
from ketaconsole.observations import Numeric, PumpState, PumpStatus, WaveChunk
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService
from ketaconsole.timeline_events import (
    Annotation,
    DosePlanned,
    RescueMedication,
    ScaleScored,
    Signature,
    read,
)

T0 = 1_790_000_000.0
"""2026-09-21 14:13:20 UTC: the session's start."""
MINUTES = 20
PLAN = DosePlan(weight_kg=70.0, mg_per_kg=0.5, duration_min=10.0, concentration_mg_ml=1.0)
INVALID_SPO2_FROM = 300
INVALID_SPO2_TO = 310
RATE_CHANGE_AT = 240
BP_EVERY_S = 300


@dataclass
class Clock:
    now: float = T0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Recorded:
    session_id: int
    numerics: int
    invalid_numerics: int
    pleth_samples: int


def _devices() -> list[DeviceUse]:
    return [DeviceUse("monitor-1", "intellivue-mib", "/dev/ttyUSB0", {}, {}),
            DeviceUse("pump-1", "alaris-asena", "/dev/ttyUSB1", {}, {})]


def record_session(database: Database, *, close: bool = True,
                   patient: str = "Alex Example") -> Recorded:
    clock = Clock()
    service = SessionService.begin(
        database, SessionPlan(patient, weight_kg=70.0),
        _devices(), station=f"room-test-{patient}", clock=clock)
    service.record(DosePlanned.from_payload(PLAN.order_record()), author="nurse.kim", at=T0 + 1)
    recorder = service.recorder
    numerics = invalid = samples = 0
    service.record(read("pre_assessment", {"items": {
        "Identity confirmed": "yes", "Fasting": "light meal 7 h ago",
        "Baseline PHQ-9": 17, "Consent signed": "yes"}}), author="nurse.kim", at=T0 + 5)
    rate = PLAN.rate_ml_h
    infused = 0.0
    for second in range(MINUTES * 60):
        at = T0 + 10 + second
        clock.now = at
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
            recorder.observe(Numeric("monitor-1", metric, value, unit, at))
            numerics += 1
        if second % BP_EVERY_S == 30:
            for metric, value in (("MDC_PRESS_BLD_NONINV_SYS", 128.0 + second / 60),
                                  ("MDC_PRESS_BLD_NONINV_DIA", 82.0),
                                  ("MDC_PRESS_BLD_NONINV_MEAN", 97.0)):
                recorder.observe(Numeric("monitor-1", metric, value, "mm[Hg]", at))
                numerics += 1
        infusing = 60 <= second < 60 + int(PLAN.duration_min * 60)
        if second == RATE_CHANGE_AT:
            rate = round(PLAN.rate_ml_h * 0.75, 3)
        if infusing:
            infused += rate / 3600.0
        recorder.observe(PumpStatus("pump-1", at,
                                    PumpState.INFUSING if infusing else PumpState.STOPPED,
                                    rate_ml_h=rate if infusing else 0.0,
                                    volume_infused_ml=round(infused, 4)))
        numerics += 2
        wave = tuple(math.sin(2 * math.pi * 1.2 * (second + i / 125.0)) for i in range(125))
        recorder.observe(WaveChunk("monitor-1", "MDC_PULS_OXIM_PLETH", wave, 125.0, "1", at))
        samples += 125
        if second == 120:
            service.record(Annotation("Dissociation"), author="nurse.kim",
                                 at=at)
        if second == 200:
            service.record(read("alarm", {
                "kind": "started", "alarm_id": "bp-high", "label": "NIBP sys high",
                "priority": "medium", "category": "physiological",
                "message": "NIBP sys 182 mmHg, above 180 mmHg", "values": {"value": 182},
                "by": None,
                "previous_priority": None}), author="console", at=at)
        if second == 215:
            service.record(read("alarm", {
                "kind": "acknowledged", "alarm_id": "bp-high", "label": "NIBP sys high",
                "priority": "medium", "category": "physiological", "message": "",
                "values": {}, "by": "nurse.kim", "previous_priority": None}),
                author="nurse.kim", at=at)
        if second == RATE_CHANGE_AT:
            service.record(read("rate_change", {"rate_ml_h": rate,
                                                 "reason": "BP rise; slowed by order"}),
                                 author="dr.lee", at=at)
        if second == 420:
            service.record(RescueMedication.from_payload({"drug": "Ondansetron", "dose": 4.0,
                                                       "unit": "mg", "route": "IV"}),
                                 author="nurse.kim", at=at)
            service.record(read("adverse_event", {"event": "Nausea",
                                                   "intervention": "Ondansetron 4 mg IV",
                                                   "outcome": "resolved"}),
                                 author="nurse.kim", at=at + 0.5)
        if second == 600:
            service.record(ScaleScored.from_payload({"scale": "MOAA/S", "score": 4,
                                           "meaning": "lethargic response to name spoken "
                                                      "in normal tone"}),
                                 author="nurse.kim", at=at)
            service.record(ScaleScored.from_payload({"scale": "CADSS-6", "items": {
                "1 things moving in slow motion": 2, "2 things seem unreal": 3,
                "6 sense of time changed": 1, "7 body feels changed": 2,
                "15 separated from what is happening": 1,
                "22 feel disconnected from own body": 0}, "score": 9}),
                author="nurse.kim", at=at + 1)
    end = T0 + 10 + MINUTES * 60
    clock.now = end
    if close:
        service.record(read("discharge", {
            "criteria": "modified Aldrete", "score": 10, "escort_present": True,
            "items": {"activity": 2, "respiration": 2, "circulation": 2,
                      "consciousness": 2, "SpO2": 2}}), author="nurse.kim", at=end - 30)
        service.record(Signature.from_payload({"name": "Kim Nurse", "role": "RN",
                                           "statement": "Monitored and discharged"}),
                             author="nurse.kim", at=end - 20)
        service.record(Signature.from_payload({"name": "Dr Lee", "role": "MD",
                                           "statement": "Reviewed the record"}),
                             author="dr.lee", at=end - 10)
        assert service.close(author="nurse.kim")
    else:
        service.recorder.flush()
        service.recorder.close()
    return Recorded(service.session_id, numerics, invalid, samples)
