"""Physiological alarm conditions: limit breaches that have lasted their sustain time.

The evaluator keeps, per metric and device, the newest value the device sent and, per
limit, when that device's current unbroken breach began (a monitor's SpO2 and an
oximeter's are two series: one's gap or normal value never breaks the other's breach).
A limit judges the metric's primary device (``ketaconsole.live.metric_sources``: the one the
room's profile names, else the dedicated device), the same device the tile shows; while
the primary has no live value, a device with one stands in, and the alarm's message
names the device it judged. A breach is broken by a value inside the limit,
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
from ketaconsole.live.metric_sources import MetricSources
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


@dataclass(frozen=True, slots=True)
class Sample:
    value: float | None
    received_at: float
    device_id: str


_LimitKey = tuple[str, int, str, str]  # alarm id, limit index, metric, device
_Series = tuple[str, str]  # metric, device


def _window(refid: str) -> float | None:
    known = CATALOGUE.get(refid)
    return known.fresh_for_s if known is not None else None


def _is_live(refid: str, sample: Sample, now: float) -> bool:
    window = _window(refid)
    return sample.value is not None and (window is None or now - sample.received_at <= window)


def _describe(limit: Limit, refid: str, value: float, baseline: float | None) -> str:
    known = CATALOGUE[refid]
    shown = f"{known.short} {known.format(value)} {known.display_unit}"
    if limit.relative and baseline is not None:
        change = value - baseline
        return (f"{shown}, {abs(change):.0f} {known.display_unit} "
                f"{'above' if change >= 0 else 'below'} the baseline of "
                f"{known.format(baseline)} (limit: {limit.comparison} {limit.threshold:g})")
    words = "above" if limit.comparison == "above" else "below"
    held = f" for {limit.sustain_s:g} s" if limit.sustain_s else ""
    return f"{shown}, {words} {limit.threshold:g} {known.display_unit}{held}"


class PhysiologicalEvaluator:
    """Judges the profile's physiological alarms from the numerics devices send."""

    def __init__(self, profile: LimitProfile, sources: MetricSources | None = None) -> None:
        self._profile = profile
        self.sources = sources or MetricSources()
        """The room's devices and which is primary for which metric."""
        self._latest: dict[_Series, Sample] = {}
        self._baselines: dict[str, float] = {}
        self._breach_since: dict[_LimitKey, float] = {}

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
        self._breach_since.clear()
        self._rescan(now)

    def set_baseline(self, refid: str, value: float, now: float) -> None:
        self._baselines[refid] = value
        for metric, device_id in self._latest:
            if metric == refid:
                for key, _ in self._limits_on(refid, device_id):
                    self._breach_since.pop(key, None)
        self._rescan(now, only=refid)

    def _rescan(self, now: float, only: str | None = None) -> None:
        for (refid, device_id), sample in self._latest.items():
            if only is not None and refid != only:
                continue
            for key, limit in self._limits_on(refid, device_id):
                if sample.value is not None and limit.breached(
                        sample.value, self._baselines.get(refid)):
                    self._breach_since.setdefault(key, max(now, sample.received_at))

    def observe(self, numeric: Numeric) -> None:
        """Take one value from a device (invalid or implausible values break a breach)."""
        known = CATALOGUE.get(numeric.metric)
        if known is None or known.kind is not MetricKind.NUMERIC:
            return
        series = (numeric.metric, numeric.device_id)
        previous = self._latest.get(series)
        if previous is not None and numeric.received_at < previous.received_at:
            return  # out of order: the newer value already stands
        value = numeric.value
        if value is not None and (not known.is_plausible(value) or value != value):
            value = None
        window = known.fresh_for_s
        gap_broke = (previous is not None and window is not None
                     and numeric.received_at - previous.received_at > window)
        self._latest[series] = Sample(value, numeric.received_at, numeric.device_id)
        baseline = self._baselines.get(numeric.metric)
        for key, limit in self._limits_on(*series):
            if gap_broke:
                self._breach_since.pop(key, None)
            if value is not None and limit.breached(value, baseline):
                self._breach_since.setdefault(key, numeric.received_at)
            else:
                self._breach_since.pop(key, None)

    def live(self, refid: str, now: float) -> list[Sample]:
        """The newest valid value of a metric from each device still fresh at ``now``."""
        return [sample for (metric, _), sample in self._latest.items()
                if metric == refid and _is_live(refid, sample, now)]

    def judged_sample(self, refid: str, now: float) -> tuple[Sample, str | None] | None:
        """The sample a limit on ``refid`` judges at ``now``: the primary device's while it
        is live, else a live stand-in (with the primary it stands in for); ``None`` when
        no device has a live value."""
        newest = {device_id: sample for (metric, device_id), sample in self._latest.items()
                  if metric == refid}
        chosen = self.sources.choose(refid, newest, lambda s: _is_live(refid, s, now))
        if chosen is None or not _is_live(refid, newest[chosen.device_id], now):
            return None
        return newest[chosen.device_id], chosen.primary_id if chosen.stands_in else None

    def judge(self, rule: AlarmRule, now: float, dosing_started: bool
              ) -> tuple[Judgement, Condition | None]:
        """Whether one alarm's condition is present, clear or unknown at ``now``."""
        worst: tuple[Limit, int, str, tuple[Sample, str | None]] | None = None
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
            since = self._breach_since.get((rule.alarm_id, index, refid, sample.device_id))
            if since is None or now - since < limit.sustain_s:
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
        source = self.sources.label(sample.device_id)
        values: dict[str, Any] = {
            "metric": refid, "value": sample.value, "unit": CATALOGUE[refid].unit,
            "device_id": sample.device_id, "source": source,
            "received_at": sample.received_at,
            "limit_index": index, "comparison": limit.comparison,
            "threshold": limit.threshold, "sustain_s": limit.sustain_s,
            "breach_since": self._breach_since[(rule.alarm_id, index, refid,
                                                sample.device_id)],
        }
        if stands_in_for is not None:
            values["stands_in_for"] = stands_in_for
            source += f", standing in for {self.sources.label(stands_in_for)}"
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
