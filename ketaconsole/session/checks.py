"""Checks that fall due: when the next blood pressure is due, by phase.

BP every 10 minutes during the infusion and every 15 in recovery (CLINICAL.md section
1, Emory and Yale protocols); both intervals are settings. An esketamine session has the
REMS checks instead (:mod:`ketaconsole.session.esketamine`): BP before the first device,
about 40 minutes after it and before the end, each an alarm once overdue, and SpO2
monitored throughout (a technical alarm while no oximeter gives a live value).
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaconsole.alarms import AlarmSystem
from ketaconsole.catalogue import NIBP_SYS, SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import describe_age, is_live
from ketaconsole.session.esketamine import REMS_RULES, BpCheck, MonitoringRules, bp_checks
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
                 intervals: CheckIntervals = CheckIntervals(),
                 rules: MonitoringRules = REMS_RULES) -> None:
        self.alarms, self.engine, self.model, self.intervals = alarms, engine, model, intervals
        self.rules = rules
        self._session: int | None = None
        self._opened_at: float | None = None
        self._readings: list[float] = []
        """When each blood pressure of this session came (the REMS checks read them)."""

    def __call__(self, now: float) -> None:
        if self.model.session_id is None:
            self.alarms.clear_bp_overdue()
            self.alarms.clear_spo2_unmonitored()
            self._session = None
            return
        last = self.engine.latest(NIBP_SYS.refid)
        if self._session != self.model.session_id or self._opened_at is None:
            self._session, self._opened_at, self._readings = self.model.session_id, now, []
        if last is not None and last.value is not None \
                and last.received_at >= self._opened_at \
                and last.received_at not in self._readings[-1:]:
            self._readings.append(last.received_at)
        if self.model.nasal.esketamine:
            self._esketamine(now)
            return
        self.alarms.clear_spo2_unmonitored()
        due = bp_check(self.model.phase, None if last is None else last.received_at, now,
                       self.intervals)
        if due.late:
            self.alarms.report_bp_overdue("Blood pressure check overdue: take a reading now.",
                                          now)
        else:
            self.alarms.clear_bp_overdue()

    def esketamine_checks(self) -> tuple[BpCheck, BpCheck, BpCheck]:
        """The three REMS blood pressures of the session, as the readings so far meet them."""
        return bp_checks(self.model.nasal, self._readings, self._opened_at, self.rules)

    def _esketamine(self, now: float) -> None:
        late = [check for check in self.esketamine_checks() if check.late(now)]
        if late:
            self.alarms.report_bp_overdue(f"{late[0].name} is overdue: take a reading now.",
                                          now)
        else:
            self.alarms.clear_bp_overdue()
        spo2 = self.engine.latest(SPO2.refid)
        if spo2 is None or not is_live(SPO2.refid, spo2, now):
            self.alarms.report_spo2_unmonitored(
                "Esketamine needs pulse oximetry throughout: connect an oximeter.", now)
        else:
            self.alarms.clear_spo2_unmonitored()
