"""Rebuilding the alarm state from a session's recorded alarm events (restart after a crash).

Alarms that were active come back as *restored*: their condition is unknown until live
data judges it, so they neither end nor start again on their own until then. Limit
changes are re-applied to the profile, baselines and a pause still running come back.
"""

from __future__ import annotations

from collections.abc import Iterable

from ketaconsole.alarms.conditions import Judgement
from ketaconsole.alarms.events import AlarmEvent, AlarmEventKind
from ketaconsole.alarms.limits import LimitProfile, ProfileError, profile_from_record
from ketaconsole.alarms.state import ActiveAlarm, AlarmState, AudioPause

Baseline = tuple[str, float, float]
"""(metric, value, when it was confirmed)."""


def _changed_limit(profile: LimitProfile, event: AlarmEvent) -> LimitProfile:
    record = profile.as_record()
    for rule in record["alarms"]:
        if rule["id"] == event.alarm_id:
            rule["limits"][int(event.values["limit_index"])] = event.values["new"]
    try:
        return profile_from_record(record)
    except (ProfileError, IndexError, KeyError, ValueError):
        return profile  # a change the profile in force cannot take: keep the profile


def _alarm_event(event: AlarmEvent, state: AlarmState) -> None:
    if event.alarm_id is None or event.priority is None or event.category is None:
        return
    kind = event.kind
    if kind in (AlarmEventKind.ENDED, AlarmEventKind.RESET):
        state.active.pop(event.alarm_id, None)
        return
    if kind is AlarmEventKind.STARTED:
        state.active[event.alarm_id] = ActiveAlarm(
            event.alarm_id, event.label, event.category, event.priority, event.at,
            event.message, dict(event.values), bool(event.values.get("latching")),
            condition=Judgement.UNKNOWN, raised_at=event.at, restored=True)
        return
    alarm = state.active.get(event.alarm_id)
    if alarm is None:
        return
    if kind in (AlarmEventKind.ESCALATED, AlarmEventKind.DEESCALATED):
        alarm.priority = event.priority
        alarm.message, alarm.values = event.message, dict(event.values)
    if kind is AlarmEventKind.ESCALATED:
        alarm.acknowledged = False
        alarm.raised_at = event.at
    elif kind is AlarmEventKind.ACKNOWLEDGED:
        alarm.acknowledged = True
    elif kind is AlarmEventKind.LATCHED:
        alarm.condition = Judgement.CLEAR


def replay(events: Iterable[AlarmEvent], state: AlarmState, profile: LimitProfile,
           now: float) -> tuple[LimitProfile, list[Baseline]]:
    """Apply recorded events in order to ``state``; returns the profile and the baselines."""
    baselines: list[Baseline] = []
    for event in events:
        kind = event.kind
        if kind is AlarmEventKind.LIMIT_CHANGED and event.alarm_id is not None:
            profile = _changed_limit(profile, event)
        elif kind is AlarmEventKind.BASELINE_SET:
            baselines.append((str(event.values["metric"]), float(event.values["value"]),
                              event.at))
        elif kind is AlarmEventKind.AUDIO_PAUSED:
            until = float(event.values.get("until", event.at))
            state.pause = (AudioPause(event.at, until, event.priority, event.by)
                           if until > now else None)
        elif kind is AlarmEventKind.AUDIO_RESUMED:
            state.pause = None
        else:
            _alarm_event(event, state)
    return profile, baselines
