"""A full room's observations, deterministic: monitors (10 numerics, 125 Hz pleth) and a pump.

Shared by the UI and soak benchmarks. A monitor sends its 10 numerics once a second and
its pleth wave in 32-sample chunks (every 0.256 s); the pump reports its status once a
second. Values come from a seeded random generator, so two runs see the same room.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ketaconsole.observations import Numeric, Observation, PumpState, PumpStatus, WaveChunk

PLETH = "MDC_PULS_OXIM_PLETH"
SPO2 = "MDC_PULS_OXIM_SAT_O2"
PLETH_HZ = 125.0
PLETH_CHUNK = 32
PUMP_RATE_ML_H = 52.5
VTBI_ML = 35.0
MONITOR_NUMERICS = (
    ("MDC_ECG_HEART_RATE", "/min", 74.0), ("MDC_PULS_OXIM_SAT_O2", "%", 97.0),
    ("MDC_PULS_OXIM_PULS_RATE", "/min", 74.0), ("MDC_RESP_RATE", "/min", 14.0),
    ("MDC_AWAY_CO2_ET", "mm[Hg]", 36.0), ("MDC_TEMP_BODY", "Cel", 36.8),
    ("MDC_PULS_OXIM_PERF_REL", "%", 3.6), ("MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", 122.0),
    ("MDC_PRESS_BLD_NONINV_DIA", "mm[Hg]", 78.0),
    ("MDC_PRESS_BLD_NONINV_MEAN", "mm[Hg]", 93.0),
)


@dataclass
class SimulatedMonitor:
    """One bedside monitor's numerics and pleth chunks from a seeded generator."""

    device_id: str
    seed: int
    skip: frozenset[str] = frozenset()
    """Metrics this monitor leaves out (another device sends them)."""
    pleth: bool = True
    desaturation_every_s: float | None = None
    """SpO2 falls to 85 % for the first minute of every such period (alarms raise, clear)."""
    rng: random.Random = field(init=False)
    sample: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def numerics(self, at: float) -> list[Observation]:
        gauss = self.rng.gauss
        every = self.desaturation_every_s
        low = every is not None and at % every < 60
        return [Numeric(self.device_id, metric,
                        round((85.0 if low and metric == SPO2 else base) + gauss(0, 1), 1),
                        unit, at)
                for metric, unit, base in MONITOR_NUMERICS if metric not in self.skip]

    def pleth_chunk(self, at: float) -> WaveChunk:
        """The next 32 samples of a pulse-shaped wave at about 75 beats a minute."""
        samples: list[float | None] = []
        for _ in range(PLETH_CHUNK):
            beat = (self.sample % 100) / 100.0
            self.sample += 1
            shape = math.sin(math.pi * min(1.0, beat * 3)) if beat < 1 / 3 else \
                0.25 * math.sin(math.pi * (beat - 1 / 3) * 1.5)
            samples.append(round(50 + 40 * shape + self.rng.gauss(0, 0.5), 2))
        return WaveChunk(self.device_id, PLETH, tuple(samples), PLETH_HZ, "1", at)


def pump_status(device_id: str, at: float, started_at: float) -> PumpStatus:
    """An infusing pump's telemetry at ``at``, running at a fixed rate since ``started_at``."""
    infused = min(VTBI_ML, max(0.0, at - started_at) * PUMP_RATE_ML_H / 3600)
    return PumpStatus(device_id, at, state=PumpState.INFUSING, rate_ml_h=PUMP_RATE_ML_H,
                      volume_infused_ml=round(infused, 2), vtbi_ml=VTBI_ML,
                      volume_remaining_ml=round(VTBI_ML - infused, 2))


def room_second(monitors: list[SimulatedMonitor], pump_id: str, t0: float,
                pump_started_at: float) -> list[Observation]:
    """One second of the room from ``t0``: each monitor's numerics and pleth, the pump."""
    observations: list[Observation] = []
    chunks_per_second = PLETH_HZ / PLETH_CHUNK
    for monitor in monitors:
        # The chunk cadence runs on through the seconds: chunk k is due at k * 0.256 s.
        first = math.ceil(t0 * chunks_per_second - 1e-9)
        last = math.ceil((t0 + 1) * chunks_per_second - 1e-9)
        for k in range(first, last) if monitor.pleth else ():
            observations.append(monitor.pleth_chunk(k / chunks_per_second))
        observations.extend(monitor.numerics(t0 + 0.5))
    observations.append(pump_status(pump_id, t0 + 0.7, pump_started_at))
    return observations
