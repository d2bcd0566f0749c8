"""Checks that fall due: when the next blood pressure is due, by phase.

BP every 10 minutes during the infusion and every 15 in recovery (CLINICAL.md section
1, Emory and Yale protocols); both intervals are settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaconsole.alarms import AlarmSystem
from ketaconsole.catalogue import NIBP_SYS
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import describe_age
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase


@dataclass(frozen=True, slots=True)
class CheckIntervals:
    bp_during_infusion_s: float = 10 * 60
    bp_in_recovery_s: float = 15 * 60
    bp_before_infusion_s: float = 15 * 60

    def at_pace(self, pace: float) -> CheckIntervals:
        """Intervals for a story that runs ``pace`` times faster than the wall clock."""
        return CheckIntervals(self.bp_during_infusion_s / pace, self.bp_in_recovery_s / pace,
                              self.bp_before_infusion_s / pace)


@dataclass(frozen=True, slots=True)
class CheckDue:
    text: str
    overdue: bool
    late: bool = False
    """Past its time (or never taken): the check is an alarm, not only a note."""


def bp_check(phase: Phase, last_reading_at: float | None, now: float,
             intervals: CheckIntervals = CheckIntervals()) -> CheckDue:
    """'BP due in 2 min', 'BP overdue by 1 min' or 'BP due now (no reading yet)'."""
    every = {Phase.INFUSION: intervals.bp_during_infusion_s,
             Phase.PAUSED: intervals.bp_during_infusion_s,
             Phase.RECOVERY: intervals.bp_in_recovery_s,
             Phase.DISCHARGE: intervals.bp_in_recovery_s}.get(phase,
                                                             intervals.bp_before_infusion_s)
    if last_reading_at is None:
        return CheckDue("BP due now (no reading yet)", True, late=True)
    left = last_reading_at + every - now
    if left >= every / 10:  # "due now" in the last tenth (a minute of ten), at any pace
        return CheckDue(f"BP due in {describe_age(left)}", False)
    if left >= 0:
        return CheckDue("BP due now", True)
    return CheckDue(f"BP overdue by {describe_age(-left)}", True, late=True)


class BpReminder:
    """Raises the low-priority 'blood pressure check overdue' alarm while a session's
    check is late, and clears it when a reading comes (run before each alarm evaluation).
    """

    def __init__(self, alarms: AlarmSystem, engine: Engine, model: SessionModel,
                 intervals: CheckIntervals = CheckIntervals()) -> None:
        self.alarms, self.engine, self.model, self.intervals = alarms, engine, model, intervals

    def __call__(self, now: float) -> None:
        if self.model.session_id is None:
            self.alarms.clear_bp_overdue()
            return
        last = self.engine.latest(NIBP_SYS.refid)
        due = bp_check(self.model.phase, None if last is None else last.received_at, now,
                       self.intervals)
        if due.late:
            self.alarms.report_bp_overdue("Blood pressure check overdue: take a reading now.",
                                          now)
        else:
            self.alarms.clear_bp_overdue()
