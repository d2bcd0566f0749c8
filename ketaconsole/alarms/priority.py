"""Alarm priorities and how each one looks and sounds (IEC 60601-1-8), as data for the UI.

The UI reads :data:`SIGNALS` to colour, flash and mark an alarm and to choose the
tone file; nothing else hard-codes those conventions (CLINICAL.md section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Priority(Enum):
    """How urgent an alarm is; ``ADVISORY`` is informational (shown, never sounded)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    ADVISORY = "advisory"

    @property
    def rank(self) -> int:
        """3 for high down to 0 for advisory: bigger is more urgent."""
        return _RANK[self]

    def __lt__(self, other: Priority) -> bool:
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Priority:
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValueError(f"priority must be one of {names}, not {text!r}") from None


_RANK = {Priority.ADVISORY: 0, Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}


class Category(Enum):
    """Whether an alarm concerns the patient or the equipment."""

    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"


@dataclass(frozen=True, slots=True)
class AlarmSignal:
    """The visual and audible signal of one priority."""

    marks: str
    colour: str
    flash_hz: float
    """0 means steady."""
    tone: str | None
    """File name in resources/alarm_tones, or ``None`` for no sound."""
    pulses: int
    repeat_s: float | None
    """Seconds from the start of one burst pattern to the start of the next."""


SIGNALS: dict[Priority, AlarmSignal] = {
    Priority.HIGH: AlarmSignal("***", "red", 2.0, "high.wav", 10, 3.0),
    Priority.MEDIUM: AlarmSignal("**", "yellow", 0.6, "medium.wav", 3, 4.0),
    Priority.LOW: AlarmSignal("*", "cyan", 0.0, "low.wav", 1, 16.0),
    Priority.ADVISORY: AlarmSignal("", "cyan", 0.0, None, 0, None),
}


def signal(priority: Priority) -> AlarmSignal:
    return SIGNALS[priority]
