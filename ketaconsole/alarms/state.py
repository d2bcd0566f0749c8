"""The alarm system's state: each active alarm as the state machine holds it, and the pause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ketaconsole.alarms.conditions import Judgement
from ketaconsole.alarms.priority import Category, Priority


@dataclass(slots=True)
class ActiveAlarm:
    """One alarm the state machine holds, from its start until it ends or is reset."""

    alarm_id: str
    label: str
    category: Category
    priority: Priority
    started_at: float
    message: str
    values: dict[str, Any]
    latching: bool
    condition: Judgement = Judgement.PRESENT
    acknowledged: bool = False
    raised_at: float = 0.0
    """When it started or last escalated: decides whether it sounds through a pause."""
    restored: bool = False


@dataclass(frozen=True, slots=True)
class AudioPause:
    """A two-minute pause of the alarm sound, and the priority it covers."""

    started_at: float
    until: float
    covers: Priority | None
    by: str | None

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.until - now)


@dataclass(slots=True)
class AlarmState:
    """Every active alarm by id, and the audio pause if one is running."""

    active: dict[str, ActiveAlarm] = field(default_factory=dict)
    pause: AudioPause | None = None
