"""Alarm limits and the limit profile: what counts as a breach, how urgent, for how long.

A profile holds alarms (``spo2-low``, ``bp-high``, ...), each with one or more limits.
A limit compares one metric (or the first live one of several, e.g. ECG heart rate,
else oximeter pulse rate) with an absolute threshold (``above`` is strictly greater,
``below`` strictly less) or with the patient's baseline (``rise`` / ``fall`` of at
least so much). While several limits of one alarm are breached, the alarm takes the
highest priority among them, so a worsening condition escalates the same alarm.
Profiles are plain JSON, validated with one sentence per problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from ketaconsole.alarms.priority import Priority
from ketaconsole.catalogue import CATALOGUE, MetricKind

COMPARISONS = ("above", "below", "rise", "fall")
"""``above``/``below``: absolute, strict; ``rise``/``fall``: from baseline, at least."""


class Phase(Enum):
    """When in the session a limit applies."""

    ANY = "any"
    BEFORE_DOSING = "before_dosing"
    AFTER_DOSING_START = "after_dosing_start"


@dataclass(frozen=True, slots=True)
class Limit:
    """One breach rule: a comparison with a threshold, its priority and its sustain time."""

    metrics: tuple[str, ...]
    comparison: str
    threshold: float
    priority: Priority
    sustain_s: float = 0.0
    phase: Phase = Phase.ANY
    note: str = ""

    @property
    def relative(self) -> bool:
        return self.comparison in ("rise", "fall")

    def breached(self, value: float, baseline: float | None) -> bool:
        """Whether ``value`` breaches this limit (a relative limit needs a baseline)."""
        if self.comparison == "above":
            return value > self.threshold
        if self.comparison == "below":
            return value < self.threshold
        if baseline is None:
            return False
        if self.comparison == "rise":
            return value - baseline >= self.threshold
        return baseline - value >= self.threshold

    def describe(self) -> str:
        """``"NIBP sys above 180 mm[Hg] for 0 s"`` in the catalogue's words."""
        known = CATALOGUE.get(self.metrics[0])
        name = known.short if known else self.metrics[0]
        unit = known.display_unit if known else ""
        words = {"above": "above", "below": "below", "rise": "risen by at least",
                 "fall": "fallen by at least"}[self.comparison]
        tail = " from baseline" if self.relative else ""
        return f"{name} {words} {self.threshold:g} {unit}{tail}".strip()

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"metrics": list(self.metrics),
                                  self.comparison: self.threshold,
                                  "priority": self.priority.value, "sustain_s": self.sustain_s}
        if self.phase is not Phase.ANY:
            record["phase"] = self.phase.value
        if self.note:
            record["note"] = self.note
        return record


@dataclass(frozen=True, slots=True)
class AlarmRule:
    """One physiological alarm and the limits that raise it."""

    alarm_id: str
    label: str
    limits: tuple[Limit, ...]
    latching: bool = False

    @property
    def metrics(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for limit in self.limits:
            seen.update(dict.fromkeys(limit.metrics))
        return tuple(seen)

    def as_record(self) -> dict[str, Any]:
        return {"id": self.alarm_id, "label": self.label, "latching": self.latching,
                "limits": [limit.as_record() for limit in self.limits]}


@dataclass(frozen=True, slots=True)
class TechnicalSettings:
    """Thresholds and priorities of the technical alarms."""

    no_data_s: float = 10.0
    max_errors_per_min: int = 5
    clock_skew_s: float = 120.0
    pump_tolerance: float = 0.10
    pump_mismatch_sustain_s: float = 10.0
    pump_escalate_rate: float = 1.5
    """A pump's drug rate beyond this multiple of the plan's is a high-priority alarm."""
    pump_escalate_delivered: float = 1.10
    """Delivered beyond this share of the planned dose is a high-priority alarm."""
    pump_unplanned_escalate_s: float = 60.0
    """A pump infusing with no confirmed plan for this long is a high-priority alarm."""
    priorities: Mapping[str, Priority] = field(default_factory=lambda: dict(
        TECHNICAL_PRIORITIES))

    def priority(self, kind: str) -> Priority:
        return self.priorities.get(kind, TECHNICAL_PRIORITIES[kind])

    def as_record(self) -> dict[str, Any]:
        return {"no_data_s": self.no_data_s, "max_errors_per_min": self.max_errors_per_min,
                "clock_skew_s": self.clock_skew_s, "pump_tolerance": self.pump_tolerance,
                "pump_mismatch_sustain_s": self.pump_mismatch_sustain_s,
                "pump_escalate_rate": self.pump_escalate_rate,
                "pump_escalate_delivered": self.pump_escalate_delivered,
                "pump_unplanned_escalate_s": self.pump_unplanned_escalate_s,
                "priorities": {k: v.value for k, v in sorted(self.priorities.items())}}


TECHNICAL_PRIORITIES: dict[str, Priority] = {
    "disconnected": Priority.MEDIUM,
    "no-data": Priority.MEDIUM,
    "error-rate": Priority.LOW,
    "sensor": Priority.MEDIUM,
    "device-alarm": Priority.LOW,
    "pump-mismatch": Priority.MEDIUM,
    "pump-programme": Priority.MEDIUM,
    "pump-unplanned": Priority.MEDIUM,
    "clock-skew": Priority.LOW,
    "store-fault": Priority.MEDIUM,
    "audio-fault": Priority.MEDIUM,
    "bp-overdue": Priority.LOW,
    "spo2-unmonitored": Priority.MEDIUM,
}
"""Kinds of technical alarm and their default priorities (ours)."""

AUDIO_PAUSE_RANGE_S = (10.0, 120.0)


@dataclass(frozen=True, slots=True)
class LimitProfile:
    """The alarm limits in force: stored with every session record."""

    name: str
    alarms: tuple[AlarmRule, ...]
    technical: TechnicalSettings = field(default_factory=TechnicalSettings)
    audio_pause_s: float = 120.0
    description: str = ""

    def rule(self, alarm_id: str) -> AlarmRule:
        for rule in self.alarms:
            if rule.alarm_id == alarm_id:
                return rule
        ids = ", ".join(r.alarm_id for r in self.alarms)
        raise ProfileError([f"The profile has no alarm {alarm_id!r}; choose one of {ids}."])

    def with_limit(self, alarm_id: str, index: int, *, threshold: float | None = None,
                   priority: Priority | None = None, sustain_s: float | None = None
                   ) -> LimitProfile:
        """A copy with one limit changed, validated like a loaded profile."""
        rule = self.rule(alarm_id)
        if not 0 <= index < len(rule.limits):
            raise ProfileError([f"Alarm {alarm_id!r} has limits 0 to {len(rule.limits) - 1}; "
                                f"there is no limit {index}."])
        old = rule.limits[index]
        new = replace(old,
                      threshold=old.threshold if threshold is None else threshold,
                      priority=old.priority if priority is None else priority,
                      sustain_s=old.sustain_s if sustain_s is None else sustain_s)
        limits = (*rule.limits[:index], new, *rule.limits[index + 1:])
        alarms = tuple(replace(r, limits=limits) if r.alarm_id == alarm_id else r
                       for r in self.alarms)
        return profile_from_record(replace(self, alarms=alarms).as_record())

    def with_sustain(self, alarm_id: str, sustain_s: float) -> LimitProfile:
        """A copy in which every limit of ``alarm_id`` must last ``sustain_s`` before it
        sounds (a clinic's setting), validated like a loaded profile.

        A profile without that alarm has nothing to delay and comes back unchanged.
        """
        if not any(rule.alarm_id == alarm_id for rule in self.alarms):
            return self
        alarms = tuple(replace(rule, limits=tuple(replace(limit, sustain_s=sustain_s)
                                                  for limit in rule.limits))
                       if rule.alarm_id == alarm_id else rule for rule in self.alarms)
        return profile_from_record(replace(self, alarms=alarms).as_record())

    def at_pace(self, pace: float) -> LimitProfile:
        """A copy whose sustain times pass ``pace`` times faster (a demo at --speed).

        A simulated patient whose story runs ``pace`` times faster than the wall clock
        holds a desaturation for 1/pace of the wall time; its alarms must sustain for
        1/pace of theirs, or they never fire. Device time-outs stay in wall seconds.
        """
        if pace == 1.0:
            return self
        alarms = tuple(replace(rule, limits=tuple(replace(limit,
                                                          sustain_s=limit.sustain_s / pace)
                                                  for limit in rule.limits))
                       for rule in self.alarms)
        technical = replace(self.technical, pump_mismatch_sustain_s=(
            self.technical.pump_mismatch_sustain_s / pace), pump_unplanned_escalate_s=(
            self.technical.pump_unplanned_escalate_s / pace))
        return replace(self, alarms=alarms, technical=technical)

    def as_record(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "audio_pause_s": self.audio_pause_s,
                "alarms": [rule.as_record() for rule in self.alarms],
                "technical": self.technical.as_record()}


class ProfileError(ValueError):
    """A limit profile that cannot be used; ``problems`` holds one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


# -- reading a profile record, collecting every problem --------------------------------


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.found.append(f"{where}: {what}")


def _number(record: Mapping[str, Any], key: str, where: str, problems: _Problems, *,
            default: float | None = None, low: float | None = None,
            high: float | None = None) -> float | None:
    value = record.get(key, default)
    if value is None:
        problems.add(where, f"{key} is missing; give it a number.")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        problems.add(where, f"{key} must be a number, not {value!r}; correct it.")
        return None
    if low is not None and value < low:
        problems.add(where, f"{key} must be at least {low:g}, not {value:g}; correct it.")
        return None
    if high is not None and value > high:
        problems.add(where, f"{key} must be at most {high:g}, not {value:g}; correct it.")
        return None
    return float(value)


def _priority(text: object, where: str, problems: _Problems) -> Priority | None:
    try:
        return Priority.parse(str(text))
    except ValueError as exc:
        problems.add(where, f"{exc}; correct it.")
        return None


def _threshold_problem(comparison: str, threshold: float, refid: str) -> str | None:
    """What is wrong with ``threshold`` for ``comparison`` on ``refid``, if anything.

    An absolute limit must be a value the metric can read; a rise or fall from the
    baseline must be an amount above 0 (a fall of 0 would alarm at the baseline itself)
    and no larger than the metric's whole range.
    """
    low, high = CATALOGUE[refid].plausible
    if comparison in ("rise", "fall"):
        if 0 < threshold <= high - low:
            return None
        return (f"{comparison} {threshold:g} is not a change {refid} can show; give how far "
                f"it may {comparison} from the baseline, above 0 and at most {high - low:g}.")
    if low <= threshold <= high:
        return None
    return (f"{comparison} {threshold:g} is outside what {refid} can read ({low:g} to "
            f"{high:g}); correct the threshold.")


def _limit(record: object, where: str, problems: _Problems) -> Limit | None:
    if not isinstance(record, Mapping):
        problems.add(where, "a limit must be an object with metrics, a comparison and a "
                            "priority; correct it.")
        return None
    metrics = record.get("metrics")
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, list) or not metrics:
        problems.add(where, "metrics must be a list of one or more metric ids; add them.")
        return None
    ok = True
    for refid in metrics:
        known = CATALOGUE.get(str(refid))
        if known is None or known.kind is not MetricKind.NUMERIC:
            problems.add(where, f"{refid!r} is not a numeric metric in the catalogue; "
                                "use a catalogue reference id such as MDC_PULS_OXIM_SAT_O2.")
            ok = False
    given = [c for c in COMPARISONS if c in record]
    if len(given) != 1:
        problems.add(where, "give exactly one of above, below, rise or fall; "
                            f"this limit has {len(given)}.")
        return None
    comparison = given[0]
    threshold = _number(record, comparison, where, problems)
    if threshold is not None and ok:
        for refid in metrics:
            problem = _threshold_problem(comparison, threshold, str(refid))
            if problem:
                problems.add(where, problem)
                ok = False
    priority = _priority(record.get("priority"), where, problems)
    sustain = _number(record, "sustain_s", where, problems, default=0.0, low=0.0, high=3600.0)
    phase_text = record.get("phase", Phase.ANY.value)
    try:
        phase = Phase(phase_text)
    except ValueError:
        names = ", ".join(p.value for p in Phase)
        problems.add(where, f"phase must be one of {names}, not {phase_text!r}; correct it.")
        return None
    if not ok or threshold is None or priority is None or sustain is None:
        return None
    return Limit(tuple(str(m) for m in metrics), comparison, threshold, priority, sustain,
                 phase, str(record.get("note", "")))


def _rule(record: object, index: int, seen: set[str], problems: _Problems) -> AlarmRule | None:
    where = f"alarm {index}"
    if not isinstance(record, Mapping):
        problems.add(where, "an alarm must be an object with id, label and limits; correct it.")
        return None
    alarm_id = record.get("id")
    if not isinstance(alarm_id, str) or not alarm_id.strip():
        problems.add(where, "id is missing; give the alarm a short id such as 'spo2-low'.")
        return None
    where = f"alarm {alarm_id!r}"
    if alarm_id in seen:
        problems.add(where, "this id is used twice; give each alarm its own id.")
    seen.add(alarm_id)
    label = record.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.add(where, "label is missing; give the words the nurse will read.")
    latching = record.get("latching", False)
    if not isinstance(latching, bool):
        problems.add(where, f"latching must be true or false, not {latching!r}.")
    raw_limits = record.get("limits")
    if not isinstance(raw_limits, list) or not raw_limits:
        problems.add(where, "limits must be a list with at least one limit; add one.")
        return None
    limits = [_limit(r, f"{where}, limit {i}", problems) for i, r in enumerate(raw_limits)]
    if any(limit is None for limit in limits) or not isinstance(label, str):
        return None
    return AlarmRule(alarm_id, label, tuple(lim for lim in limits if lim is not None),
                     bool(latching))


def _technical(record: object, problems: _Problems) -> TechnicalSettings:
    where = "technical"
    if record is None:
        return TechnicalSettings()
    if not isinstance(record, Mapping):
        problems.add(where, "technical must be an object of settings; correct it.")
        return TechnicalSettings()
    base = TechnicalSettings()
    no_data = _number(record, "no_data_s", where, problems, default=base.no_data_s,
                      low=1.0, high=600.0)
    errors = _number(record, "max_errors_per_min", where, problems,
                     default=base.max_errors_per_min, low=0.0, high=10000.0)
    skew = _number(record, "clock_skew_s", where, problems, default=base.clock_skew_s,
                   low=1.0, high=86400.0)
    tolerance = _number(record, "pump_tolerance", where, problems,
                        default=base.pump_tolerance, low=0.01, high=1.0)
    sustain = _number(record, "pump_mismatch_sustain_s", where, problems,
                      default=base.pump_mismatch_sustain_s, low=0.0, high=600.0)
    escalate_rate = _number(record, "pump_escalate_rate", where, problems,
                            default=base.pump_escalate_rate, low=1.05, high=10.0)
    escalate_delivered = _number(record, "pump_escalate_delivered", where, problems,
                                 default=base.pump_escalate_delivered, low=1.0, high=2.0)
    unplanned = _number(record, "pump_unplanned_escalate_s", where, problems,
                        default=base.pump_unplanned_escalate_s, low=0.0, high=600.0)
    priorities = dict(TECHNICAL_PRIORITIES)
    raw = record.get("priorities", {})
    if not isinstance(raw, Mapping):
        problems.add(where, "priorities must be an object of kind: priority; correct it.")
        raw = {}
    for kind, text in raw.items():
        if kind not in TECHNICAL_PRIORITIES:
            names = ", ".join(TECHNICAL_PRIORITIES)
            problems.add(where, f"{kind!r} is not a technical alarm kind; use one of {names}.")
            continue
        priority = _priority(text, f"{where}, {kind}", problems)
        if priority is not None:
            priorities[kind] = priority
    return TechnicalSettings(
        no_data_s=no_data if no_data is not None else base.no_data_s,
        max_errors_per_min=int(errors) if errors is not None else base.max_errors_per_min,
        clock_skew_s=skew if skew is not None else base.clock_skew_s,
        pump_tolerance=tolerance if tolerance is not None else base.pump_tolerance,
        pump_mismatch_sustain_s=sustain if sustain is not None else base.pump_mismatch_sustain_s,
        pump_escalate_rate=(escalate_rate if escalate_rate is not None
                            else base.pump_escalate_rate),
        pump_escalate_delivered=(escalate_delivered if escalate_delivered is not None
                                 else base.pump_escalate_delivered),
        pump_unplanned_escalate_s=(unplanned if unplanned is not None
                                   else base.pump_unplanned_escalate_s),
        priorities=priorities)


def profile_from_record(record: object) -> LimitProfile:
    """Build a profile from its JSON form, or raise :class:`ProfileError` naming every problem."""
    problems = _Problems()
    if not isinstance(record, Mapping):
        raise ProfileError(["The profile must be a JSON object with name and alarms; "
                            "start from the default profile."])
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("profile", "name is missing; give the profile a name.")
    pause = _number(record, "audio_pause_s", "profile", problems, default=120.0,
                    low=AUDIO_PAUSE_RANGE_S[0], high=AUDIO_PAUSE_RANGE_S[1])
    raw_alarms = record.get("alarms")
    rules: list[AlarmRule | None] = []
    if not isinstance(raw_alarms, list):
        problems.add("profile", "alarms must be a list of alarms; add them.")
    else:
        seen: set[str] = set()
        rules = [_rule(r, i, seen, problems) for i, r in enumerate(raw_alarms)]
    technical = _technical(record.get("technical"), problems)
    if problems.found:
        raise ProfileError(problems.found)
    return LimitProfile(str(name), tuple(r for r in rules if r is not None), technical,
                        pause if pause is not None else 120.0,
                        str(record.get("description", "")))

