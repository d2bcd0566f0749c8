"""Physiological alarm conditions: limit breaches that have lasted their sustain time.

The evaluator reads the newest values from the room's engine (cleaned there once: an
invalid or implausible value is no value) and keeps only, per limit and device, when
that device's current unbroken breach began (a monitor's SpO2 and an oximeter's are two
series: one's gap or normal value never breaks the other's breach).
A limit judges the metric's source as the engine chooses it (``ketaconsole.live.metric_sources``:
the primary device the room's profile names, else the dedicated device), the same device
the tile shows; while the primary has no live value, a device with one stands in, and
the alarm's message names the device it judged. A breach is broken by a value inside the limit,
by a value the device marks invalid, or by a gap in the data longer than the
metric's freshness window (catalogue ``fresh_for_s``). A value older than that window
is never evaluated as if it were live: the condition is then *unknown*, not clear.
Episodic readings (NIBP) have no window and stand until the next reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ketaconsole.alarms.limits import AlarmRule, Limit, LimitProfile, Phase
from ketaconsole.alarms.priority import Category, Priority
from ketaconsole.catalogue import CATALOGUE, MetricKind
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import LatestValue, describe_age, is_live
from ketaconsole.observations import Numeric


class Judgement(Enum):
    """What an evaluator can say about an alarm condition right now."""

    PRESENT = "present"
    CLEAR = "clear"
    UNKNOWN = "unknown"
    """No live data to judge by (sensor off, device gone, nothing received yet)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """An alarm condition that is present now, with the values that make it so."""

    alarm_id: str
    label: str
    category: Category
    priority: Priority
    message: str
    values: dict[str, Any] = field(default_factory=dict)
    latching: bool = False


@dataclass(slots=True)
class _Breach:
    """One device's unbroken breach of one limit: since when, and its newest value's time."""

    since: float
    last_at: float


_LimitKey = tuple[str, int, str, str]  # alarm id, limit index, metric, device


def _describe(limit: Limit, refid: str, value: float, baseline: float | None) -> str:
    known = CATALOGUE[refid]
    shown = f"{known.short} {known.format(value)} {known.display_unit}"
    if limit.relative and baseline is not None:
        change = value - baseline
        return (f"{shown}, {abs(change):.0f} {known.display_unit} "
                f"{'above' if change >= 0 else 'below'} the baseline of "
                f"{known.format(baseline)} (limit: {limit.comparison} {limit.threshold:g})")
    words = "above" if limit.comparison == "above" else "below"
    # a clinician's duration (whole seconds or minutes), never a fraction of a second
    held = f" for {describe_age(limit.sustain_s)}" if limit.sustain_s >= 1 else ""
    return f"{shown}, {words} {limit.threshold:g} {known.display_unit}{held}"


class PhysiologicalEvaluator:
    """Judges the profile's physiological alarms from the numerics devices send."""

    def __init__(self, profile: LimitProfile, live: Engine) -> None:
        self._profile = profile
        self.live = live
        """The room's live state: each metric's newest values and its chosen source."""
        self._baselines: dict[str, float] = {}
        self._breaches: dict[_LimitKey, _Breach] = {}

    @property
    def profile(self) -> LimitProfile:
        return self._profile

    @property
    def baselines(self) -> dict[str, float]:
        return dict(self._baselines)

    def clear_baselines(self) -> None:
        self._baselines.clear()

    def _limits_on(self, refid: str, device_id: str) -> list[tuple[_LimitKey, Limit]]:
        return [((rule.alarm_id, index, refid, device_id), limit)
                for rule in self._profile.alarms
                for index, limit in enumerate(rule.limits) if refid in limit.metrics]

    def set_profile(self, profile: LimitProfile, now: float) -> None:
        """Use new limits from now on; breaches are judged afresh against the newest values."""
        self._profile = profile
        self._breaches.clear()
        self._rescan(now)

    def set_baseline(self, refid: str, value: float, now: float) -> None:
        self._baselines[refid] = value
        for key in [key for key in self._breaches if key[2] == refid]:
            del self._breaches[key]
        self._rescan(now, only=refid)

    def _rescan(self, now: float, only: str | None = None) -> None:
        """Breaches judged afresh against each device's newest value (new limits or a new
        baseline), as if they began now."""
        metrics = {refid for rule in self._profile.alarms for limit in rule.limits
                   for refid in limit.metrics if only is None or refid == only}
        for refid in metrics:
            for device_id in self.live.senders(refid):
                latest = self.live.latest_from(refid, device_id)
                if latest is None or latest.value is None:
                    continue
                for key, limit in self._limits_on(refid, device_id):
                    if limit.breached(latest.value, self._baselines.get(refid)):
                        self._breaches.setdefault(key, _Breach(max(now, latest.received_at),
                                                               latest.received_at))

    def observe(self, numeric: Numeric) -> None:
        """Take one cleaned value from the engine (no value, or a gap in the data longer
        than the metric's freshness window, breaks a breach)."""
        known = CATALOGUE.get(numeric.metric)
        if known is None or known.kind is not MetricKind.NUMERIC:
            return
        at, value = numeric.received_at, numeric.value
        baseline = self._baselines.get(numeric.metric)
        for key, limit in self._limits_on(numeric.metric, numeric.device_id):
            breach = self._breaches.get(key)
            if breach is not None and at < breach.last_at:
                continue  # out of order: the newer value already stands
            if value is None or not limit.breached(value, baseline):
                self._breaches.pop(key, None)
            elif breach is None or not known.fresh_at(at - breach.last_at):
                self._breaches[key] = _Breach(at, at)
            else:
                breach.last_at = at

    def judged_sample(self, refid: str, now: float
                      ) -> tuple[LatestValue, str | None] | None:
        """The value a limit on ``refid`` judges at ``now``: the primary device's while it
        is live, else a live stand-in (with the primary it stands in for); ``None`` when
        no device has a live value."""
        chosen = self.live.source(refid, now)
        if chosen is None:
            return None
        latest = self.live.latest_from(refid, chosen.device_id)
        if latest is None or not is_live(refid, latest, now):
            return None
        return latest, chosen.primary_id if chosen.stands_in else None

    def judge(self, rule: AlarmRule, now: float, dosing_started: bool
              ) -> tuple[Judgement, Condition | None]:
        """Whether one alarm's condition is present, clear or unknown at ``now``."""
        worst: tuple[Limit, int, str, tuple[LatestValue, str | None]] | None = None
        any_live = False
        for index, limit in enumerate(rule.limits):
            if limit.phase is Phase.BEFORE_DOSING and dosing_started:
                continue
            if limit.phase is Phase.AFTER_DOSING_START and not dosing_started:
                continue
            # the first of the limit's metrics that any device sends live is judged, as
            # its primary device (or a live stand-in) sends it
            found = next(((m, judged) for m in limit.metrics
                          if (judged := self.judged_sample(m, now)) is not None), None)
            if found is None:
                continue
            any_live = True
            refid, (sample, _) = found
            assert sample.value is not None
            breach = self._breaches.get((rule.alarm_id, index, refid, sample.device_id))
            if breach is None or now - breach.since < limit.sustain_s:
                continue
            if not limit.breached(sample.value, self._baselines.get(refid)):
                continue
            if worst is None or limit.priority.rank > worst[0].priority.rank:
                worst = (limit, index, refid, found[1])
        if worst is None:
            return (Judgement.CLEAR if any_live else Judgement.UNKNOWN), None
        limit, index, refid, (sample, stands_in_for) = worst
        assert sample.value is not None
        baseline = self._baselines.get(refid)
        source = self.live.sources.label(sample.device_id)
        values: dict[str, Any] = {
            "metric": refid, "value": sample.value, "unit": CATALOGUE[refid].unit,
            "device_id": sample.device_id, "source": source,
            "received_at": sample.received_at,
            "limit_index": index, "comparison": limit.comparison,
            "threshold": limit.threshold, "sustain_s": limit.sustain_s,
            "breach_since": self._breaches[(rule.alarm_id, index, refid,
                                            sample.device_id)].since,
        }
        if stands_in_for is not None:
            values["stands_in_for"] = stands_in_for
            source += f", standing in for {self.live.sources.label(stands_in_for)}"
        if limit.relative:
            values["baseline"] = baseline
        message = f"{_describe(limit, refid, sample.value, baseline)} (from {source})"
        condition = Condition(rule.alarm_id, rule.label, Category.PHYSIOLOGICAL,
                              limit.priority, message, values, rule.latching)
        return Judgement.PRESENT, condition

    def evaluate(self, now: float, dosing_started: bool
                 ) -> dict[str, tuple[Judgement, Condition | None]]:
        return {rule.alarm_id: self.judge(rule, now, dosing_started)
                for rule in self._profile.alarms}
