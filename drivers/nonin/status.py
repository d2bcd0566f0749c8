"""Turns Nonin status bits into technical device alarms, reported only when they change.

Sustained conditions (sensor alarm, sensor disconnected, out of track, low battery, and
format #8's held perfusion bits) are compared frame by frame. The per-pulse bits of
formats #2 and #7 (red/yellow/green perfusion, artifact) are set for about 12 frames
around each pulse and clear between pulses, so they are judged once per pulse: a
condition holds from the pulse that showed it until a pulse that does not.
"""

from __future__ import annotations

from collections.abc import Mapping

from drivers.nonin.codes import (
    CONDITIONS,
    STATUS_ARTIFACT,
    STATUS_GREEN_PERFUSION,
    STATUS_RED_PERFUSION,
)
from ketaconsole.sdk import AlarmSource, DeviceAlarm

PULSE_CONDITIONS = ("artifact", "low-perfusion", "marginal-perfusion")


class ConditionTracker:
    """Remembers which conditions are active and reports each start and end once."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.active: set[str] = set()

    def update(self, conditions: Mapping[str, bool], now: float) -> list[DeviceAlarm]:
        changes: list[DeviceAlarm] = []
        for code, on in conditions.items():
            if on == (code in self.active):
                continue
            if on:
                self.active.add(code)
            else:
                self.active.discard(code)
            changes.append(DeviceAlarm(self.device_id, code, CONDITIONS[code],
                                       AlarmSource.TECHNICAL, on, now))
        return changes


class PulseQuality:
    """Collects the per-pulse bits of one pulse and says what the pulse showed when it ends."""

    def __init__(self) -> None:
        self._in_pulse = False
        self._perfusion = 0
        self._artifact = False

    def frame(self, status: int) -> dict[str, bool] | None:
        """Feed one status byte; returns the pulse's conditions on the frame after it ends."""
        perfusion = status & (STATUS_RED_PERFUSION | STATUS_GREEN_PERFUSION)
        self._artifact = self._artifact or bool(status & STATUS_ARTIFACT)
        if perfusion:
            self._in_pulse = True
            self._perfusion = perfusion
            return None
        if not self._in_pulse:
            return None
        red = bool(self._perfusion & STATUS_RED_PERFUSION)
        green = bool(self._perfusion & STATUS_GREEN_PERFUSION)
        verdict = {"artifact": self._artifact,
                   "low-perfusion": red and not green,
                   "marginal-perfusion": red and green}
        self._in_pulse = False
        self._perfusion = 0
        self._artifact = False
        return verdict

    def reset(self) -> None:
        self._in_pulse = False
        self._perfusion = 0
        self._artifact = False
