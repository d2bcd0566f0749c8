"""The one check every observation passes on its way into the room: is each value believable?

A value the device marks invalid, a value that is not a number, and a value outside the
catalogue's plausible range are all *no value*: the engine replaces them by ``None``
before it keeps, shows, records or judges anything, so every reader downstream (tiles,
trends, alarms, the record) sees the same cleaned observation and none checks again.
A driver that knows the protocol already reports such a value as a value error (see
``ketaconsole.sdk.plausible_or_none``); this is the room's own guard for every driver.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.observations import Numeric, Observation, PumpStatus

PUMP_METRICS = (
    ("MDC_FLOW_FLUID_PUMP", "rate_ml_h"),
    ("MDC_VOL_FLUID_DELIV_TOTAL", "volume_infused_ml"),
    ("MDC_VOL_FLUID_TBI", "vtbi_ml"),
    ("MDC_VOL_FLUID_TBI_REMAIN", "volume_remaining_ml"),
)
"""The catalogue metric of each quantity a pump reports, and its field in ``PumpStatus``."""


def believable(metric: str, value: float | None) -> float | None:
    """``value`` when it is a number inside ``metric``'s plausible range, else ``None``."""
    if value is None or not math.isfinite(value):
        return None
    known = CATALOGUE.get(metric)
    if known is not None and not known.is_plausible(value):
        return None
    return float(value)


def cleaned(observation: Observation) -> tuple[Observation, bool]:
    """The observation with every unbelievable value made no value, and whether one was."""
    if isinstance(observation, Numeric):
        value = believable(observation.metric, observation.value)
        if value == observation.value:
            return observation, False
        return replace(observation, value=value), observation.value is not None
    if isinstance(observation, PumpStatus):
        changes: dict[str, Any] = {}
        for refid, attribute in PUMP_METRICS:
            sent = getattr(observation, attribute)
            value = believable(refid, sent)
            if value != sent:
                changes[attribute] = value
        if not changes:
            return observation, False
        return replace(observation, **changes), True
    return observation, False
