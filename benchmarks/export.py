"""Export timings for a recorded 4-hour session: ``export.<format>.s`` for each format.

The session is built once in a throw-away SQLite file through the store's own writer,
deterministically (fixed seed): ten numerics at 1 Hz (seven from the monitor, three
from the pump), NIBP every 10 to 15 minutes, a 125 Hz pleth wave, and a timeline with
a pre-assessment, pump state changes, a rate change, notes, alarms with their
acknowledgements, scales, a rescue medication, an adverse event, discharge criteria
and signatures. Each format is then exported into a temporary folder and timed from
reading the record to the export event being committed; the best of ``REPEATS``
counts. Targets: PDF <= 3 s, the others <= 1 s.

The floor in the same run reads the same rows with the plain ``sqlite3`` module and
nothing else: the session's numerics in storage order and its timeline events, and for
the formats that carry the pleth wave (``.vital``) its wave chunks too, so:

- ``export.<format>.s``: the export, read to committed;
- ``export.read_plain.s`` / ``export.read_plain_waves.s``: the floors;
- ``export.<format>.vs_read_ratio``: the export's time / its floor's (target <= 3).
"""

from __future__ import annotations

import math
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks._home import private_home
from ketaconsole.dose import DosePlan
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.observations import Numeric, PumpState, PumpStatus, WaveChunk
from ketaconsole.session.events import DosePlanned, Signature
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService, open_database

HOURS = 4
SEED = 20_260_921
START = 1_790_000_000.0
PLAN = DosePlan(weight_kg=82.0, mg_per_kg=0.5, duration_min=40.0, concentration_mg_ml=1.0)
INFUSION_FROM_S = 15 * 60
INFUSION_TO_S = INFUSION_FROM_S + 40 * 60
REPEATS = 3
IV_FORMATS = tuple(f for f in ExportFormat if f is not ExportFormat.REMS)
"""The formats of the 4-hour IV session timed here (the REMS form is an esketamine
session's, which this benchmark does not build)."""
WAVE_FORMATS = frozenset({"vital"})
"""The formats that read the stored pleth wave as well as the numerics."""
NOTES = ("Dissociation", "Nausea", "Anxiety", "Headache", "Resting comfortably")


class _Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def _monitor_values(second: int, rng: random.Random) -> dict[str, tuple[float | None, str]]:
    drift = math.sin(second / 900.0)
    spo2: float | None = round(97 + drift + rng.gauss(0, 0.4))
    if rng.random() < 0.002:
        spo2 = None
    return {"MDC_PULS_OXIM_SAT_O2": (spo2, "%"),
            "MDC_PULS_OXIM_PULS_RATE": (round(74 + 6 * drift + rng.gauss(0, 1.5)), "/min"),
            "MDC_ECG_HEART_RATE": (round(73 + 6 * drift + rng.gauss(0, 1.5)), "/min"),
            "MDC_RESP_RATE": (round(14 + rng.gauss(0, 1)), "/min"),
            "MDC_AWAY_CO2_ET": (round(36 + rng.gauss(0, 1)), "mm[Hg]"),
            "MDC_TEMP_BODY": (round(36.7 + 0.1 * drift, 1), "Cel"),
            "MDC_PULS_OXIM_PERF_REL": (round(2.5 + rng.gauss(0, 0.2), 2), "%")}


def _timeline(service: SessionService, second: int, at: float, rng: random.Random) -> None:
    post = service.recorder.post_event
    if second == 60:
        post("pre_assessment", {"items": {"Identity confirmed": "yes", "Fasting": "6 h",
                                          "Baseline PHQ-9": 18, "Consent signed": "yes",
                                          "IV site": "left antecubital"}},
             author="nurse.kim", at=at)
    if second % 900 == 450:
        post("annotation", {"text": NOTES[(second // 900) % len(NOTES)]}, author="nurse.kim",
             at=at)
    if second % 1200 == 600:
        post("scale", {"scale": "MOAA/S", "score": 4 + (second // 1200) % 2,
                       "meaning": "responds to name"}, author="nurse.kim", at=at)
    if second % 3600 == 1500:
        post("alarm", {"kind": "started", "label": "NIBP sys high", "priority": "medium",
                       "message": "SBP above limit", "by": None}, author="console", at=at)
        post("alarm", {"kind": "acknowledged", "label": "NIBP sys high",
                       "priority": "medium", "by": "nurse.kim"}, author="nurse.kim",
             at=at + 12)
        post("alarm", {"kind": "ended", "label": "NIBP sys high", "priority": "medium"},
             author="console", at=at + 300)
    if second == INFUSION_FROM_S + 600:
        post("rate_change", {"rate_ml_h": round(PLAN.rate_ml_h * 0.8, 2),
                             "reason": "BP rise; slowed by order"}, author="dr.lee", at=at)
    if second == INFUSION_FROM_S + 1500:
        post("rescue_medication", {"drug": "Ondansetron", "dose": 4.0, "unit": "mg",
                                   "route": "IV"}, author="nurse.kim", at=at)
        post("adverse_event", {"event": "Nausea", "intervention": "Ondansetron 4 mg IV",
                               "outcome": "resolved"}, author="nurse.kim", at=at + 1)
    if rng.random() < 0.0005:
        post("link", {"device": "monitor-1", "status": "no_data", "detail": "brief dropout"},
             at=at)


def build_session(database: Database) -> int:
    """Record the 4-hour session; returns its number."""
    rng = random.Random(SEED)
    clock = _Clock()
    devices = [DeviceUse("monitor-1", "intellivue-mib", "/dev/ttyUSB0", {}, {}),
               DeviceUse("pump-1", "alaris-asena", "/dev/ttyUSB1", {}, {})]
    service = SessionService.begin(
        database, SessionPlan("Bench Patient", weight_kg=PLAN.weight_kg),
        devices, station="bench-room", clock=clock, max_held=2_000_000)
    service.record(DosePlanned(**PLAN.order_record()), author="bench-nurse", at=START)
    recorder = service.recorder
    next_bp = 120
    infused = 0.0
    rate = PLAN.rate_ml_h
    phase = 0.0
    for second in range(HOURS * 3600):
        at = START + second
        clock.now = at
        for metric, (value, unit) in _monitor_values(second, rng).items():
            recorder.observe(Numeric("monitor-1", metric, value, unit, at))
        if second >= next_bp:
            systolic = round(125 + 15 * math.sin(second / 2400.0) + rng.gauss(0, 4))
            diastolic = round(systolic * 0.64)
            for metric, value in (("MDC_PRESS_BLD_NONINV_SYS", systolic),
                                  ("MDC_PRESS_BLD_NONINV_DIA", diastolic),
                                  ("MDC_PRESS_BLD_NONINV_MEAN",
                                   round((systolic + 2 * diastolic) / 3))):
                recorder.observe(Numeric("monitor-1", metric, value, "mm[Hg]", at))
            next_bp = second + rng.randint(600, 900)
        infusing = INFUSION_FROM_S <= second < INFUSION_TO_S
        if second == INFUSION_FROM_S + 600:
            rate = round(PLAN.rate_ml_h * 0.8, 2)
        if infusing:
            infused += rate / 3600.0
        recorder.observe(PumpStatus(
            "pump-1", at, PumpState.INFUSING if infusing else PumpState.STOPPED,
            rate_ml_h=rate if infusing else 0.0, volume_infused_ml=round(infused, 3),
            vtbi_ml=round(PLAN.volume_ml, 1)))
        samples = []
        for _ in range(125):
            phase += 2 * math.pi * 1.2 / 125.0
            samples.append(round(math.sin(phase) + 0.3 * math.sin(2 * phase), 4))
        recorder.observe(WaveChunk("monitor-1", "MDC_PULS_OXIM_PLETH", tuple(samples), 125.0,
                                   "1", at))
        _timeline(service, second, at, rng)
    end = START + HOURS * 3600
    clock.now = end
    service.recorder.post_event("discharge", {
        "criteria": "modified Aldrete", "score": 10, "escort_present": True,
        "items": {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2,
                  "SpO2": 2}}, author="nurse.kim", at=end - 60)
    for name, role, user in (("Kim Nurse", "RN", "nurse.kim"), ("Dr Lee", "MD", "dr.lee")):
        service.record(Signature(name, role, "record signed", "Reviewed and signed"),
                       author=user, at=end - 30, timeout=120.0)
    if not service.close(timeout=300.0):
        raise RuntimeError("the benchmark session was not completely written")
    return service.session_id


def read_plain_seconds(path: Path, session_id: int, *, waves: bool) -> float:
    """Time for the floor: the session's rows read with plain ``sqlite3``."""
    started = time.perf_counter()
    plain = sqlite3.connect(path)
    try:
        plain.execute("SELECT received_at, device_id, metric, value, unit FROM numerics "
                      "WHERE session_id = ? ORDER BY id", (session_id,)).fetchall()
        plain.execute("SELECT seq, at, kind, author, payload, hash FROM timeline_events "
                      "WHERE session_id = ? ORDER BY seq", (session_id,)).fetchall()
        if waves:
            plain.execute("SELECT device_id, unit, sample_rate_hz, received_at, encoding, data "
                          "FROM wave_chunks WHERE session_id = ? ORDER BY first_received_at, "
                          "id", (session_id,)).fetchall()
    finally:
        plain.close()
    return time.perf_counter() - started


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kc-export-bench-") as folder, \
            private_home(Path(folder)):
        base = Path(folder)
        path = base / "record.sqlite3"
        database = open_database(f"sqlite:///{path}")
        try:
            started = time.perf_counter()
            session_id = build_session(database)
            figures["export.build_4h.s"] = time.perf_counter() - started
            read_plain_seconds(path, session_id, waves=True)  # the file in the page cache
            floors = {waves: min(read_plain_seconds(path, session_id, waves=waves)
                                 for _ in range(REPEATS)) for waves in (False, True)}
            figures["export.read_plain.s"] = floors[False]
            figures["export.read_plain_waves.s"] = floors[True]
            for fmt in IV_FORMATS:
                times = []
                for attempt in range(REPEATS):
                    out = base / f"out-{fmt.value}-{attempt}"
                    out.mkdir()
                    started = time.perf_counter()
                    result = export_session(database, session_id, fmt, out)
                    times.append(time.perf_counter() - started)
                name = fmt.value
                figures[f"export.{name}.s"] = min(times)
                figures[f"export.{name}.MB"] = sum(p.stat().st_size for p in result.files) / 1e6
                figures[f"export.{name}.vs_read_ratio"] = (
                    min(times) / floors[name in WAVE_FORMATS])
        finally:
            database.dispose()
    return figures


if __name__ == "__main__":
    print(run())
