"""Low blood pressure, low respiration rate and EtCO2 out of range, through the alarm system.

Each test feeds the default profile's alarm system values as a monitor sends them (NIBP
as episodic readings that stand until the next, RR and EtCO2 once a second) and reads
the alarms it raises, their priority and the events it records.
"""

from __future__ import annotations

import copy

import pytest

from ketaconsole.alarms import (
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Priority,
    ProfileError,
    default_profile,
    profile_from_record,
)
from ketaconsole.observations import Numeric

SYS = "MDC_PRESS_BLD_NONINV_SYS"
DIA = "MDC_PRESS_BLD_NONINV_DIA"
MEAN = "MDC_PRESS_BLD_NONINV_MEAN"
RR = "MDC_RESP_RATE"
ETCO2 = "MDC_AWAY_CO2_ET"


@pytest.fixture
def recorded() -> list[AlarmEvent]:
    return []


@pytest.fixture
def system(recorded: list[AlarmEvent]) -> AlarmSystem:
    return AlarmSystem(default_profile(), on_event=recorded.append)


def reading(system: AlarmSystem, at: float, **pressures: float) -> None:
    """One NIBP reading (``sys``, ``dia``, ``mean`` in mmHg) at ``at``, then an evaluation."""
    refids = {"sys": SYS, "dia": DIA, "mean": MEAN}
    system.observe_all(Numeric("monitor", refids[name], value, "mm[Hg]", at)
                       for name, value in pressures.items())
    system.evaluate(at)


def breathe(system: AlarmSystem, refid: str, number: float, start: float, end: float) -> None:
    """``number`` once a second from ``start`` to ``end``, evaluated each time."""
    t = start
    while t <= end:
        system.observe(Numeric("monitor", refid, number, "", t))
        system.evaluate(t)
        t += 1.0


def shown(system: AlarmSystem, alarm_id: str, now: float) -> tuple[Priority, str] | None:
    alarm = next((a for a in system.active_alarms(now) if a.alarm_id == alarm_id), None)
    return None if alarm is None else (alarm.priority, alarm.values["metric"])


def started(recorded: list[AlarmEvent], alarm_id: str) -> list[AlarmEvent]:
    return [e for e in recorded if e.alarm_id == alarm_id and e.kind is AlarmEventKind.STARTED]


def test_systolic_below_90_is_medium_and_below_80_escalates_the_same_alarm_to_high(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    reading(system, 0, sys=92, dia=60, mean=71)
    assert shown(system, "bp-low", 0) is None
    reading(system, 600, sys=88, dia=60, mean=69)
    assert shown(system, "bp-low", 600) == (Priority.MEDIUM, SYS)
    reading(system, 1200, sys=78, dia=58, mean=66)
    assert shown(system, "bp-low", 1200) == (Priority.HIGH, SYS)
    kinds = [e.kind for e in recorded if e.alarm_id == "bp-low"]
    assert kinds == [AlarmEventKind.STARTED, AlarmEventKind.ESCALATED]
    (alarm,) = system.active_alarms(1200)
    assert alarm.label == "Blood pressure low" and "NIBP sys 78 mmHg, below 80" in alarm.message
    reading(system, 1800, sys=118, dia=76, mean=90)  # the next reading is normal: it ends
    assert shown(system, "bp-low", 1800) is None
    assert recorded[-1].kind is AlarmEventKind.ENDED


def test_mean_below_65_is_medium_and_below_55_high_with_a_normal_systolic(
        system: AlarmSystem) -> None:
    reading(system, 0, sys=96, dia=49, mean=64)
    assert shown(system, "bp-low", 0) == (Priority.MEDIUM, MEAN)
    reading(system, 600, sys=94, dia=38, mean=54)
    assert shown(system, "bp-low", 600) == (Priority.HIGH, MEAN)


def test_a_fall_of_40_mmhg_systolic_from_the_confirmed_baseline_is_medium_however_high_it_stays(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    reading(system, 0, sys=122, dia=80, mean=94)  # no baseline yet: no relative alarm
    assert shown(system, "bp-low", 0) is None
    system.set_baseline(SYS, 162, by="nurse Ana", now=10)
    reading(system, 600, sys=123, dia=80, mean=94)  # 39 below the baseline
    assert shown(system, "bp-low", 600) is None
    reading(system, 1200, sys=122, dia=80, mean=94)  # 40 below it
    assert shown(system, "bp-low", 1200) == (Priority.MEDIUM, SYS)
    (event,) = started(recorded, "bp-low")
    assert event.values["comparison"] == "fall" and event.values["baseline"] == 162
    assert "40 mmHg below the baseline of 162" in event.message


def test_a_fall_of_25_mmhg_mean_from_the_confirmed_baseline_is_medium(
        system: AlarmSystem) -> None:
    system.set_baseline(MEAN, 110, by="nurse Ana", now=0)
    reading(system, 600, sys=120, dia=70, mean=86)
    assert shown(system, "bp-low", 600) is None
    reading(system, 1200, sys=118, dia=68, mean=85)
    assert shown(system, "bp-low", 1200) == (Priority.MEDIUM, MEAN)


def test_respiration_below_8_for_30_s_is_medium_and_no_breath_adds_the_apnea_alarm(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    breathe(system, RR, 14, 0, 9)
    breathe(system, RR, 6, 10, 39)  # 29 s below 8: not yet
    assert shown(system, "rr-low", 39) is None
    breathe(system, RR, 6, 40, 40)
    assert shown(system, "rr-low", 40) == (Priority.MEDIUM, RR)
    assert shown(system, "apnea", 40) is None  # slow breathing is not apnea
    breathe(system, RR, 7, 41, 60)
    assert [e.kind for e in recorded if e.alarm_id == "rr-low"] == [AlarmEventKind.STARTED]
    breathe(system, RR, 0, 61, 91)
    assert shown(system, "apnea", 91) == (Priority.HIGH, RR)
    assert shown(system, "rr-low", 91) == (Priority.MEDIUM, RR)
    breathe(system, RR, 12, 92, 92)
    assert shown(system, "rr-low", 92) is None  # not latching; apnea latches
    assert shown(system, "apnea", 92) == (Priority.HIGH, RR)


def test_etco2_above_50_for_30_s_is_medium_and_above_60_for_15_s_escalates_to_high(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    breathe(system, ETCO2, 50, 0, 40)  # at 50 itself: no alarm
    assert shown(system, "etco2-high", 40) is None
    breathe(system, ETCO2, 54, 41, 70)
    assert shown(system, "etco2-high", 70) is None
    breathe(system, ETCO2, 54, 71, 71)
    assert shown(system, "etco2-high", 71) == (Priority.MEDIUM, ETCO2)
    breathe(system, ETCO2, 63, 72, 86)
    assert shown(system, "etco2-high", 86) == (Priority.MEDIUM, ETCO2)
    breathe(system, ETCO2, 63, 87, 87)
    assert shown(system, "etco2-high", 87) == (Priority.HIGH, ETCO2)
    assert [e.kind for e in recorded if e.alarm_id == "etco2-high"] == [
        AlarmEventKind.STARTED, AlarmEventKind.ESCALATED]
    (alarm,) = system.active_alarms(87)
    assert alarm.label == "EtCO2 high"


def test_etco2_below_25_for_a_minute_is_a_low_priority_alarm(system: AlarmSystem) -> None:
    breathe(system, ETCO2, 22, 0, 59)
    assert shown(system, "etco2-low", 59) is None
    breathe(system, ETCO2, 22, 60, 60)
    assert shown(system, "etco2-low", 60) == (Priority.LOW, ETCO2)
    assert system.audio(60).tone is Priority.LOW


@pytest.mark.parametrize(("fall", "says"), [
    (0, "fall 0 is not a change MDC_PRESS_BLD_NONINV_SYS can show; give how far it may "
        "fall from the baseline, above 0 and at most 350."),
    (-20, "fall -20 is not a change"),
    (400, "fall 400 is not a change"),
])
def test_a_fall_limit_out_of_range_is_refused_in_one_sentence(fall: float, says: str) -> None:
    record = copy.deepcopy(default_profile().as_record())
    (bp_low,) = [a for a in record["alarms"] if a["id"] == "bp-low"]
    limit = next(lim for lim in bp_low["limits"] if "fall" in lim)
    limit["fall"] = fall
    with pytest.raises(ProfileError) as refused:
        profile_from_record(record)
    (problem,) = refused.value.problems
    assert problem.startswith("alarm 'bp-low', limit 2: ") and says in problem
