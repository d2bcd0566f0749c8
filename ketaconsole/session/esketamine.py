"""Esketamine nasal sessions (Spravato, under its REMS): the treatment kind, the order, the
monitoring rules, and the one fold of the session's esketamine events.

The patient self-administers 56 or 84 mg (two or three 28 mg devices) under
supervision, is monitored for at least two hours from the first device (pulse oximetry
throughout), and has blood pressure taken before the first device, about 40 minutes
after it and before the end of monitoring (CLINICAL.md section 1, the Spravato label
and REMS). The clinic's allowed doses are its settings (``esketamine-56-mg``,
``esketamine-84-mg``). The treatment kind, the order, each device with its time, "ready
to leave at" and an earlier transfer of care are timeline events
(:mod:`ketaconsole.session.events`); :meth:`NasalRecord.apply` folds them, the one
function the session's fold, the live model and the REMS record all use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ketaconsole.live.freshness import describe_age
from ketaconsole.session.treatment import (
    Treatment,
    devices_for,
)

if TYPE_CHECKING:
    from ketaconsole.session.events import Entry


@dataclass(frozen=True, slots=True)
class NasalOrder:
    """An esketamine order as given: the dose in mg and the lot of the devices."""

    dose_mg: int
    lot: str = ""


@dataclass(frozen=True, slots=True)
class MonitoringRules:
    """The REMS monitoring times (seconds), as settings for a story run faster."""

    minimum_s: float = 2 * 3600
    """Monitoring from the first device before the patient may leave."""
    bp_after_s: float = 40 * 60
    """The blood pressure about 40 minutes after the first device."""
    bp_after_earliest_s: float = 30 * 60
    """The earliest reading that counts as the 40-minute one."""
    bp_after_latest_s: float = 60 * 60
    """The latest reading that counts as the 40-minute one (ours)."""
    bp_late_s: float = 10 * 60
    """How long past its time a check is before it is an alarm."""
    bp_before_end_s: float = 15 * 60
    """The end-of-monitoring reading: within this before the two-hour minimum or later."""
    scale_times_s: tuple[float, ...] = (40 * 60, 100 * 60)
    """When the clinic scores MOAA/S and CADSS, from the first device (ours)."""

    def at_pace(self, pace: float) -> MonitoringRules:
        return MonitoringRules(self.minimum_s / pace, self.bp_after_s / pace,
                               self.bp_after_earliest_s / pace, self.bp_after_latest_s / pace,
                               self.bp_late_s / pace,
                               self.bp_before_end_s / pace,
                               tuple(t / pace for t in self.scale_times_s))


SEDATION_SCALES = ("MOAA/S", "CADSS-6")
"""The scales the clinic scores at its times after the first device."""

REMS_RULES = MonitoringRules()
"""The REMS times as the label gives them."""


@dataclass(frozen=True, slots=True)
class NasalRecord:
    """An esketamine session's own facts, as its events say (the fold's result)."""

    treatment: Treatment = Treatment.IV_KETAMINE
    dose_mg: int | None = None
    lot: str = ""
    devices_at: tuple[float, ...] = ()
    """When each device was administered, in order (device 1 first)."""
    ready_to_leave_at: float | None = None
    early_transfer: str | None = None
    """The reason recorded for a transfer of care before the two-hour minimum."""
    scored_at: tuple[float, ...] = ()
    """When MOAA/S or CADSS-6 was scored."""

    @property
    def esketamine(self) -> bool:
        return self.treatment is Treatment.ESKETAMINE

    @property
    def first_device_at(self) -> float | None:
        return self.devices_at[0] if self.devices_at else None

    @property
    def devices_due(self) -> int:
        return devices_for(self.dose_mg) if self.dose_mg else 0

    @property
    def all_devices_given(self) -> bool:
        return self.dose_mg is not None and len(self.devices_at) >= self.devices_due

    def apply(self, at: float, entry: Entry) -> NasalRecord:
        """This record with one more event (``at``: its time); other kinds leave it as is."""
        from ketaconsole.session import events as te

        if isinstance(entry, te.TreatmentChosen):
            return replace(self, treatment=Treatment(entry.treatment))
        if isinstance(entry, te.EsketaminePlanned):
            return replace(self, treatment=Treatment.ESKETAMINE, dose_mg=entry.dose_mg,
                           lot=entry.lot)
        if isinstance(entry, te.NasalDeviceGiven):
            return replace(self, devices_at=(*self.devices_at, at))
        if isinstance(entry, te.ReadyToLeave):
            return replace(self, ready_to_leave_at=entry.ready_at)
        if isinstance(entry, te.EarlyTransferOfCare):
            return replace(self, early_transfer=entry.reason)
        if isinstance(entry, te.ScaleScored) and entry.scale in SEDATION_SCALES:
            return replace(self, scored_at=(*self.scored_at, at))
        return self

    def minimum_left(self, now: float, rules: MonitoringRules = REMS_RULES) -> float:
        """Seconds of the two-hour minimum still to run (the whole of it before a device)."""
        first = self.first_device_at
        if first is None:
            return rules.minimum_s
        return max(0.0, first + rules.minimum_s - now)

    def countdown(self, now: float, rules: MonitoringRules = REMS_RULES) -> str:
        """'Two-hour minimum: 1 h 12 min left' (or not started, or reached)."""
        if self.first_device_at is None:
            return "Two-hour minimum: starts at the first device"
        left = self.minimum_left(now, rules)
        if left <= 0:
            return "Two-hour minimum reached"
        return f"Two-hour minimum: {_hours(left)} left"


def _hours(seconds: float) -> str:
    minutes = int(seconds // 60) + (1 if seconds % 60 else 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@dataclass(frozen=True, slots=True)
class BpCheck:
    """One of the three REMS blood pressures: when it is due, and the reading that met it."""

    name: str
    due_at: float | None
    """``None``: not due yet (waits for the first device)."""
    overdue_at: float | None = None
    """When, with no reading, the check is an alarm."""
    taken_at: float | None = None
    missed: bool = False
    """Its time has passed for good (no reading before the first device)."""

    def late(self, now: float) -> bool:
        return self.taken_at is None and self.overdue_at is not None and not self.missed \
            and now > self.overdue_at

    def text(self, now: float) -> str:
        if self.taken_at is not None:
            return f"{self.name}: taken"
        if self.missed:
            return f"{self.name}: not taken"
        if self.due_at is None:
            return f"{self.name}: after the first device"
        if now < self.due_at:
            return f"{self.name}: due in {describe_age(self.due_at - now)}"
        if self.late(now) and self.overdue_at is not None:
            return f"{self.name}: overdue by {describe_age(now - self.overdue_at)}"
        return f"{self.name}: due now"


BP_BEFORE = "BP before the first device"
BP_AT_40 = "BP about 40 min after"
BP_AT_END = "BP before the end"


def bp_checks(record: NasalRecord, readings: Sequence[float], opened_at: float | None,
              rules: MonitoringRules = REMS_RULES) -> tuple[BpCheck, BpCheck, BpCheck]:
    """The three blood pressures the REMS asks, met by the readings' times (any order).

    Before: the last reading after the session opened and before the first device (due
    at once, overdue 10 min later). About 40 min: the first reading from 30 to 60 min after
    the first device (due at 40, overdue at 50). Before the end: the last reading after the
    40-minute one and from 15 min before the two-hour minimum (due then, overdue once the
    minimum is reached).
    """
    times = sorted(t for t in readings if opened_at is None or t >= opened_at)
    first = record.first_device_at
    before = [t for t in times if first is None or t <= first]
    opened = opened_at if opened_at is not None else 0.0
    check_before = BpCheck(BP_BEFORE, opened, opened + rules.bp_late_s,
                           before[-1] if before else None,
                           missed=not before and first is not None)
    if first is None:
        return (check_before, BpCheck(BP_AT_40, None), BpCheck(BP_AT_END, None))
    after = [t for t in times
             if first + rules.bp_after_earliest_s <= t <= first + rules.bp_after_latest_s]
    at_40 = after[0] if after else None
    end_from = first + rules.minimum_s - rules.bp_before_end_s
    ending = [t for t in times if t >= end_from and (at_40 is None or t > at_40)]
    return (check_before,
            BpCheck(BP_AT_40, first + rules.bp_after_s,
                    first + rules.bp_after_s + rules.bp_late_s, at_40),
            BpCheck(BP_AT_END, end_from, first + rules.minimum_s,
                    ending[-1] if ending else None))


def scale_check(record: NasalRecord, now: float,
                rules: MonitoringRules = REMS_RULES) -> str | None:
    """'MOAA/S and CADSS due now' when one of the clinic's times has come and neither was
    scored from 10 minutes before it; ``None`` when nothing is due."""
    first = record.first_device_at
    if first is None:
        return None
    for offset in rules.scale_times_s:
        due = first + offset
        if now >= due and not any(t >= due - rules.bp_late_s for t in record.scored_at):
            return "MOAA/S and CADSS due now"
    return None
