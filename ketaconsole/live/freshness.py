"""Whether a shown value is live, stale, invalid or missing, and how old it is, in words.

A value is only ever displayed as live when a device sent it within the metric's
freshness window (catalogue ``fresh_for_s``). Episodic readings (NIBP) have no window:
they are shown with the time of the reading instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ketaconsole.catalogue import Metric
from ketaconsole.live.engine import LatestValue


class Freshness(Enum):
    LIVE = "live"
    STALE = "stale"
    INVALID = "invalid"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class ShownValue:
    """What a display should show for one metric at one moment."""

    freshness: Freshness
    text: str
    note: str
    value: float | None


def describe_age(seconds: float) -> str:
    """``"8 s"``, ``"3 min"``, ``"2 h 05 min"``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def assess(metric: Metric, latest: LatestValue | None, now: float) -> ShownValue:
    """Decide how a metric's newest value may be shown at ``now``."""
    blank = metric.format(None)
    if latest is None:
        return ShownValue(Freshness.MISSING, blank, "no data", None)
    age = latest.age(now)
    if latest.value is None:
        return ShownValue(Freshness.INVALID, blank,
                          f"device reports no valid value ({describe_age(age)})", None)
    if metric.fresh_for_s is not None and age > metric.fresh_for_s:
        return ShownValue(Freshness.STALE, blank, f"no data for {describe_age(age)}", None)
    return ShownValue(Freshness.LIVE, metric.format(latest.value), "", latest.value)
