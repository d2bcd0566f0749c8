"""Per-pump history: rate changes and a cumulative delivered volume that never goes backwards.

Pumps report the volume infused since *their* counter was last cleared (new syringe,
counter reset, pump restart). The ledger turns those readings into one running total
for the session: a reading lower than the previous one means the counter restarted,
so what had been counted so far is kept and the new count adds on top. A repeated
reading adds nothing, so nothing is counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ketaconsole.observations import PumpState

# A reading this much below the previous one is a counter restart, not jitter.
COUNTER_RESTART_TOLERANCE_ML = 0.05


@dataclass(frozen=True, slots=True)
class RateChange:
    at: float
    rate_ml_h: float


@dataclass(slots=True)
class PumpLedger:
    """What one pump has done this session, as the console reconciles it."""

    device_id: str
    rate_history: list[RateChange] = field(default_factory=list)
    state: PumpState | None = None
    counter_restarts: int = 0
    _carried_ml: float = 0.0
    _last_counter_ml: float | None = None

    @property
    def delivered_ml(self) -> float:
        """Total volume delivered this session, across counter restarts."""
        return self._carried_ml + (self._last_counter_ml or 0.0)

    @property
    def counted(self) -> bool:
        """Whether the pump has reported its volume counter this session."""
        return self._last_counter_ml is not None

    @property
    def infusing(self) -> bool:
        """Whether the pump infuses: its own state where it reports one, else a rate above 0."""
        if self.state is not None:
            return self.state is PumpState.INFUSING
        rate = self.rate_ml_h
        return rate is not None and rate > 0

    @property
    def rate_ml_h(self) -> float | None:
        return self.rate_history[-1].rate_ml_h if self.rate_history else None

    def record_rate(self, at: float, rate_ml_h: float) -> None:
        if not self.rate_history or self.rate_history[-1].rate_ml_h != rate_ml_h:
            self.rate_history.append(RateChange(at, rate_ml_h))

    def record_counter(self, counter_ml: float) -> None:
        if not math.isfinite(counter_ml) or counter_ml < 0:
            return  # no pump counts backwards from zero or to infinity: not a reading
        last = self._last_counter_ml
        if last is not None and counter_ml < last - COUNTER_RESTART_TOLERANCE_ML:
            self._carried_ml += last
            self.counter_restarts += 1
        elif last is not None and counter_ml < last:
            return  # jitter below the tolerance: keep the higher reading
        self._last_counter_ml = counter_ml


def recorded_ledger(readings: Iterable[tuple[str, float | None]],
                    channel: str | None) -> PumpLedger | None:
    """The ledger over a session's recorded volume readings (device, counter) in storage
    order: the same total the live ledger kept. Only ``channel``'s readings count (``None``:
    the first device that sent one); ``None`` when no reading was recorded."""
    ledger: PumpLedger | None = None
    for device, value in readings:
        if value is None or math.isnan(value) or (channel is not None and device != channel):
            continue
        if ledger is None:
            ledger = PumpLedger(device)
            channel = device
        ledger.record_counter(value)
    return ledger


def pump_channel(pump_id: str, ledgers: Mapping[str, PumpLedger]) -> str | None:
    """The channel of ``pump_id`` among ``ledgers`` (by device id): the pump itself, or for
    a station, which reports its slots as ``<pump>/<slot>``, the slot that infuses, then
    the one that has delivered the most (``None`` when it has sent nothing)."""
    ids = [d for d in ledgers if d == pump_id or d.startswith(pump_id + "/")]
    if not ids:
        return None
    return max(ids, key=lambda d: (ledgers[d].state is PumpState.INFUSING,
                                   ledgers[d].delivered_ml))
