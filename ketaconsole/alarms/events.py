"""Alarm events: every start, escalation, acknowledgement, pause, reset and end, as a record.

The alarm system hands each event to a plain callable ``on_event(AlarmEvent)``; the
store commits it to the session timeline. ``as_record`` / ``from_record`` give the
JSON form, so the active alarms can be rebuilt from the recorded events after a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ketaconsole.alarms.priority import Category, Priority


class AlarmEventKind(Enum):
    STARTED = "started"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    ACKNOWLEDGED = "acknowledged"
    LATCHED = "latched"
    """The condition cleared; the latching alarm keeps signalling until a person resets it."""
    RESET = "reset"
    ENDED = "ended"
    AUDIO_PAUSED = "audio_paused"
    AUDIO_RESUMED = "audio_resumed"
    LIMIT_CHANGED = "limit_changed"
    BASELINE_SET = "baseline_set"


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One thing that happened to an alarm (or to the alarm system), with its values."""

    kind: AlarmEventKind
    at: float
    alarm_id: str | None = None
    label: str = ""
    priority: Priority | None = None
    category: Category | None = None
    message: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    """The values that triggered it: metric, value, unit, threshold, baseline, device..."""
    by: str | None = None
    """Who acted (acknowledge, pause, reset, limit change, baseline)."""
    previous_priority: Priority | None = None

    def as_record(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "at": self.at, "alarm_id": self.alarm_id,
                "label": self.label,
                "priority": self.priority.value if self.priority else None,
                "category": self.category.value if self.category else None,
                "message": self.message, "values": dict(self.values), "by": self.by,
                "previous_priority": (self.previous_priority.value
                                      if self.previous_priority else None)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AlarmEvent:
        def priority(key: str) -> Priority | None:
            text = record.get(key)
            return Priority(text) if text else None

        category = record.get("category")
        return cls(kind=AlarmEventKind(record["kind"]), at=float(record["at"]),
                   alarm_id=record.get("alarm_id"), label=record.get("label", ""),
                   priority=priority("priority"),
                   category=Category(category) if category else None,
                   message=record.get("message", ""), values=dict(record.get("values") or {}),
                   by=record.get("by"), previous_priority=priority("previous_priority"))


EventSink = Callable[[AlarmEvent], None]
