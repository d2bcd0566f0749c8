"""Whether a value is live, stale, invalid or missing, and how old it is, in words.

A value is live only when a device sent it within the metric's freshness window
(catalogue ``fresh_for_s``); episodic readings (NIBP) have no window and stand until
the next reading. :func:`is_live` is that rule for every reader (the engine choosing a
metric's source, the alarms judging a limit); :func:`assess` is how a display shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from ketaconsole.catalogue import CATALOGUE, Metric


@dataclass(frozen=True, slots=True)
class LatestValue:
    """The newest value of a metric from one device, and when it came."""

    value: float | None
    received_at: float
    device_id: str
    device_time: datetime | None = None

    def age(self, now: float) -> float:
        return max(0.0, now - self.received_at)


def is_live(refid: str, latest: LatestValue, now: float) -> bool:
    """A valid value still inside ``refid``'s freshness window at ``now``."""
    if latest.value is None:
        return False
    known = CATALOGUE.get(refid)
    return known is None or known.fresh_at(latest.age(now))


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
    if not metric.fresh_at(age):
        return ShownValue(Freshness.STALE, blank, f"no data for {describe_age(age)}", None)
    return ShownValue(Freshness.LIVE, metric.format(latest.value), "", latest.value)
