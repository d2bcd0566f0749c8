"""Soak: resident memory over 8 simulated hours of a full room, recorded and alarmed.

A full room (a monitor with 10 numerics at 1 Hz and a 125 Hz pleth wave in 32-sample
chunks, a pulse oximeter with SpO2, pulse rate and PI, an infusing pump at 1 Hz, and the
raw bytes of each device's second in the journal) is fed as fast as it goes, second by
simulated second, into the engine with the real recorder (``SessionService`` on a
throw-away SQLite file, writer thread) and the alarm system (SpO2 falls below its limit
for a minute every hour, so alarms start, end and are recorded) attached; the alarm
system is evaluated four times a simulated second, as the alarm loop does. Every
``FLUSH_EVERY_S`` simulated seconds the feed waits for the writer, so the figure is what
the console keeps, not a queue the benchmark outran. Inputs are seeded.

- ``soak.rss_growth.percent``: VmRSS at the end over VmRSS after ``WARM_UP_H`` of
  warm-up, minus one, in per cent;
- ``soak.rss_warm.MB`` and ``soak.rss_end.MB``: the two samples, and
  ``soak.rss_<n>h.MB`` VmRSS after every ``SAMPLE_EVERY_H`` simulated hours on the way
  (does what grows level off?);
- ``soak.trend_history.MB``: what the engine's whole-session trend arrays hold at the end
  (they grow with the session by design: the trend shows the whole session), and
  ``soak.trend_history_growth.MB`` how much of that came after the warm-up;
  ``soak.other_growth.MB`` is the RSS growth less the trend's;
- ``soak.alarm_events``: alarm events the alarm system raised on the way (each recorded);
- ``soak.simulated_h`` and ``soak.wall.s``: how much was simulated, in how long.

Target (BENCHMARKS.md): growth <= 10 %. ``run(quick=True)`` simulates 20 minutes.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from pathlib import Path

from benchmarks._full_room import SimulatedMonitor, room_second
from ketaconsole.alarms import AlarmEvent, AlarmSystem, default_profile
from ketaconsole.devices.transport import Direction
from ketaconsole.live.engine import Engine
from ketaconsole.store import DeviceUse, SessionPlan, SessionService, open_database

SEED = 20261128
START = 1_795_002_600.0
"""Ten minutes before a full hour: SpO2 first falls ten minutes into the session."""
HOURS = 8.0
WARM_UP_H = 0.5
FLUSH_EVERY_S = 300
SAMPLE_EVERY_H = 2
EVALUATIONS_PER_S = 4
QUICK_HOURS = 1 / 3
QUICK_WARM_UP_H = 1 / 12
OXIMETER_KEEPS = ("MDC_PULS_OXIM_SAT_O2", "MDC_PULS_OXIM_PULS_RATE", "MDC_PULS_OXIM_PERF_REL")


def rss_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("/proc/self/status has no VmRSS line; the soak needs Linux")


class SimulatedTime:
    """The clock every part reads: set by the feed, second by simulated second."""

    def __init__(self, at: float) -> None:
        self.now = at

    def __call__(self) -> float:
        return self.now


def trend_history_mb(engine: Engine) -> float:
    """What the engine's trend history stores (its own arrays, not the copies it hands out)."""
    return engine.trends.nbytes / 1e6


def soak(folder: Path, hours: float, warm_up_h: float) -> dict[str, float]:
    clock = SimulatedTime(START)
    engine = Engine(clock=clock)
    database = open_database(f"sqlite:///{folder / 'soak.sqlite3'}")
    devices = [DeviceUse(d, slug, "simulated", {}, {}) for d, slug in
               (("monitor", "intellivue-mib"), ("oximeter", "masimo-ascii"),
                ("pump", "alaris-asena"))]
    service = SessionService.begin(database, SessionPlan("Soak Patient", 70.0), devices,
                                   station="soak", clock=clock)
    recorder = service.recorder

    alarm_events: list[str] = []

    def alarm_event(event: AlarmEvent) -> None:
        alarm_events.append(event.kind.value)
        recorder.post_event("alarm", event.as_record(), author=event.by or "alarm system",
                            at=event.at)

    alarms = AlarmSystem(default_profile(), on_event=alarm_event)
    alarms.attach(engine)
    recorder.attach(engine)
    monitors = [
        SimulatedMonitor("monitor", SEED, skip=frozenset(OXIMETER_KEEPS)),
        SimulatedMonitor("oximeter", SEED + 1, pleth=False, desaturation_every_s=3600,
                         skip=frozenset({"MDC_ECG_HEART_RATE", "MDC_RESP_RATE",
                                         "MDC_AWAY_CO2_ET", "MDC_TEMP_BODY",
                                         "MDC_PRESS_BLD_NONINV_SYS",
                                         "MDC_PRESS_BLD_NONINV_DIA",
                                         "MDC_PRESS_BLD_NONINV_MEAN"})),
    ]
    rng = random.Random(SEED)
    seconds = int(hours * 3600)
    warm_up = int(warm_up_h * 3600)
    rss_warm = trends_warm = 0.0
    on_the_way: dict[str, float] = {}
    began = time.perf_counter()
    try:
        for s in range(seconds):
            t0 = START + s
            clock.now = t0 + 1
            engine.ingest(room_second(monitors, "pump", t0, START))
            recorder.journal("monitor", Direction.RECEIVED, t0 + 0.9, rng.randbytes(900))
            recorder.journal("oximeter", Direction.RECEIVED, t0 + 0.1, rng.randbytes(98))
            recorder.journal("pump", Direction.SENT, t0 + 0.6, b"!STATUS 0001\r\n")
            recorder.journal("pump", Direction.RECEIVED, t0 + 0.7, rng.randbytes(80))
            for k in range(EVALUATIONS_PER_S):
                alarms.evaluate(t0 + (k + 1) / EVALUATIONS_PER_S)
            if (s + 1) % FLUSH_EVERY_S == 0:
                recorder.flush(timeout=600)
            if (s + 1) % (SAMPLE_EVERY_H * 3600) == 0 and s + 1 < seconds:
                gc.collect()
                on_the_way[f"soak.rss_{(s + 1) // 3600}h.MB"] = rss_mb()
            if s + 1 == warm_up:
                gc.collect()
                rss_warm = rss_mb()
                trends_warm = trend_history_mb(engine)
        recorder.flush(timeout=600)
        gc.collect()
        rss_end = rss_mb()
        wall = time.perf_counter() - began
        trends = trend_history_mb(engine)
    finally:
        service.close()
        database.dispose()
    return {"soak.rss_growth.percent": (rss_end / rss_warm - 1) * 100,
            "soak.rss_warm.MB": rss_warm, "soak.rss_end.MB": rss_end,
            "soak.trend_history.MB": trends,
            "soak.trend_history_growth.MB": trends - trends_warm,
            "soak.other_growth.MB": rss_end - rss_warm - (trends - trends_warm),
            **on_the_way,
            "soak.alarm_events": len(alarm_events), "soak.simulated_h": seconds / 3600,
            "soak.wall.s": wall}


def run(*, quick: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="kc-soak-") as tmp:
        if quick:
            return soak(Path(tmp), QUICK_HOURS, QUICK_WARM_UP_H)
        return soak(Path(tmp), HOURS, WARM_UP_H)


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
