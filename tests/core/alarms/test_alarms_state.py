"""The alarm state machine: start, escalation, acknowledge, audio pause, latching, restore."""

from __future__ import annotations

import json

import pytest

from ketaconsole.alarms import (
    SIGNALS,
    AlarmActionError,
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Category,
    Priority,
    default_profile,
)
from ketaconsole.observations import Numeric

SPO2 = "MDC_PULS_OXIM_SAT_O2"
SYS = "MDC_PRESS_BLD_NONINV_SYS"
DIA = "MDC_PRESS_BLD_NONINV_DIA"
HR = "MDC_ECG_HEART_RATE"


def value(refid: str, number: float | None, at: float, device: str = "monitor") -> Numeric:
    return Numeric(device, refid, number, "", at)


def run(system: AlarmSystem, refid: str, number: float | None, start: float, end: float,
        step: float = 1.0) -> None:
    """Send ``number`` once per ``step`` from ``start`` to ``end`` and evaluate each time."""
    t = start
    while t <= end:
        system.observe(value(refid, number, t))
        system.evaluate(t)
        t += step


@pytest.fixture
def recorded() -> list[AlarmEvent]:
    return []


@pytest.fixture
def system(recorded: list[AlarmEvent]) -> AlarmSystem:
    return AlarmSystem(default_profile(), on_event=recorded.append)


def kinds(events: list[AlarmEvent], alarm_id: str | None = None) -> list[AlarmEventKind]:
    return [e.kind for e in events if alarm_id is None or e.alarm_id == alarm_id]


def test_signals_follow_iec_60601_1_8_as_data() -> None:
    high, medium, low = (SIGNALS[p] for p in (Priority.HIGH, Priority.MEDIUM, Priority.LOW))
    assert (high.marks, high.colour, high.flash_hz, high.pulses) == ("***", "red", 2.0, 10)
    assert (medium.marks, medium.colour, medium.flash_hz, medium.pulses) == (
        "**", "yellow", 0.6, 3)
    assert (low.marks, low.colour, low.flash_hz, low.pulses) == ("*", "cyan", 0.0, 1)
    assert 1.4 <= high.flash_hz <= 2.8 and 0.4 <= medium.flash_hz <= 0.8
    assert SIGNALS[Priority.ADVISORY].tone is None


def test_desaturation_starts_medium_then_the_same_alarm_escalates_to_high(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, SPO2, 97, 0, 5)
    run(system, SPO2, 86, 6, 40)
    assert kinds(recorded) == [AlarmEventKind.STARTED, AlarmEventKind.ESCALATED]
    started, escalated = recorded
    assert (started.alarm_id, started.priority, started.at) == ("spo2-low", Priority.MEDIUM,
                                                               16.0)
    assert (escalated.alarm_id, escalated.priority, escalated.at) == ("spo2-low",
                                                                     Priority.HIGH, 21.0)
    assert escalated.previous_priority is Priority.MEDIUM
    assert escalated.values["value"] == 86 and escalated.values["threshold"] == 90
    (alarm,) = system.active_alarms(40)
    assert alarm.priority is Priority.HIGH and alarm.marks == "***"
    assert system.audio(40).tone is Priority.HIGH
    assert system.audio(40).tone_file == "high.wav"


def test_repeated_breaching_values_give_one_alarm_and_one_start(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 300)
    assert kinds(recorded) == [AlarmEventKind.STARTED]
    assert len(system.active_alarms(300)) == 1


def test_stale_value_never_alarms_however_long_ago_the_breach_began(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.observe(value(SPO2, 80, 0.0))
    for t in range(11, 60):  # first look after the 10 s freshness window
        system.evaluate(float(t))
    assert [e for e in recorded if e.category is Category.PHYSIOLOGICAL] == []
    assert {a.alarm_id for a in system.active_alarms(60)} == {"no-data:monitor"}


def test_acknowledged_alarm_stays_shown_silent_and_sounds_again_when_it_worsens(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, SPO2, 92, 0, 12)
    (event,) = system.acknowledge("spo2-low", by="nurse Ana", now=12.5)
    assert event.kind is AlarmEventKind.ACKNOWLEDGED and event.by == "nurse Ana"
    (alarm,) = system.active_alarms(13)
    assert alarm.acknowledged and not alarm.audible
    assert system.audio(13).tone is None
    assert system.acknowledge("spo2-low", by="nurse Ana", now=13) == []  # no duplicate
    run(system, SPO2, 85, 13, 30)
    (alarm,) = system.active_alarms(30)
    assert alarm.priority is Priority.HIGH and not alarm.acknowledged
    assert system.audio(30).tone is Priority.HIGH


def test_audio_pause_counts_down_two_minutes_then_sounds_again(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 12)
    assert system.audio(12).tone is Priority.MEDIUM
    pause = system.pause_audio(by="nurse Ana", now=20)
    assert pause.kind is AlarmEventKind.AUDIO_PAUSED
    state = system.audio(50)
    assert state.paused and state.tone is None
    assert state.paused_remaining_s == pytest.approx(90)
    run(system, HR, 40, 13, 139)
    assert system.audio(139).tone is None
    run(system, HR, 40, 140, 141)
    assert kinds(recorded)[-1] is AlarmEventKind.AUDIO_RESUMED
    assert system.audio(141).tone is Priority.MEDIUM
    assert not system.audio(141).paused


def test_audio_pause_ends_even_if_nobody_evaluates(system: AlarmSystem) -> None:
    run(system, HR, 40, 0, 12)
    system.pause_audio(by="nurse Ana", now=12)
    assert system.audio(12 + 119).paused
    later = system.audio(12 + 121)
    assert not later.paused and later.tone is Priority.MEDIUM


def test_new_high_alarm_sounds_through_an_audio_pause(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 12)
    system.pause_audio(by="nurse Ana", now=12)
    for t in range(13, 30):
        system.observe(value(HR, 40, t))
        if t == 20:
            system.observe(value(SYS, 188, t))
        system.evaluate(float(t))
    assert system.audio(30).paused
    assert system.audio(30).tone is Priority.HIGH
    shown = {a.alarm_id: a.audible for a in system.active_alarms(30)}
    assert shown == {"bp-high": True, "hr-low": False}


def test_new_alarm_no_higher_than_the_paused_ones_waits_for_the_pause(
        system: AlarmSystem) -> None:
    run(system, SYS, 190, 0, 2)
    system.pause_audio(by="nurse Ana", now=2)
    run(system, SPO2, 85, 3, 30)
    assert {a.alarm_id for a in system.active_alarms(30)} == {"bp-high", "spo2-low"}
    assert system.audio(30).tone is None


def test_latching_alarm_keeps_signalling_until_a_person_resets_it(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, SPO2, 85, 0, 20)
    with pytest.raises(AlarmActionError, match="still present"):
        system.reset("spo2-low", by="nurse Ana", now=20)
    run(system, SPO2, 97, 21, 60)
    (alarm,) = system.active_alarms(60)
    assert alarm.latched and alarm.condition_present is False
    assert alarm.priority is Priority.HIGH and alarm.audible
    assert kinds(recorded, "spo2-low")[-1] is AlarmEventKind.LATCHED
    event = system.reset("spo2-low", by="nurse Ana", now=61)
    assert event.kind is AlarmEventKind.RESET and event.by == "nurse Ana"
    assert system.active_alarms(61) == []


def test_acknowledging_a_latched_alarm_whose_condition_cleared_resets_it(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, SPO2, 85, 0, 20)
    run(system, HR, 40, 0, 20)
    run(system, SPO2, 97, 21, 30)
    events = system.acknowledge(by="nurse Ana", now=31)
    assert {(e.alarm_id, e.kind) for e in events} == {
        ("spo2-low", AlarmEventKind.RESET), ("hr-low", AlarmEventKind.ACKNOWLEDGED)}
    assert [a.alarm_id for a in system.active_alarms(31)] == ["hr-low"]


def test_non_latching_alarm_ends_when_its_condition_clears(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 12)
    run(system, HR, 70, 13, 14)
    assert kinds(recorded, "hr-low") == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]
    assert system.active_alarms(14) == []


def test_alarm_is_kept_while_its_data_is_missing(system: AlarmSystem) -> None:
    run(system, HR, 40, 0, 12)
    run(system, HR, None, 13, 40)  # device says: no valid value
    (alarm,) = system.active_alarms(40)
    assert alarm.alarm_id == "hr-low" and alarm.condition_present is None


def test_alarms_sort_by_priority_then_newest_first(system: AlarmSystem) -> None:
    for t in range(0, 40):
        system.observe(value(HR, 40, t))
        if t >= 5:
            system.observe(value("MDC_RESP_RATE", 0, t))
        if t == 20:
            system.observe(value(DIA, 115, t))
        system.evaluate(float(t))
    order = [(a.alarm_id, a.priority) for a in system.active_alarms(40)]
    # no breath at all is both apnea and a low rate; the rate alarm (from 35 s) is newer
    # than the heart rate's (from 10 s)
    assert order == [("apnea", Priority.HIGH), ("bp-high", Priority.HIGH),
                     ("rr-low", Priority.MEDIUM), ("hr-low", Priority.MEDIUM)]


def test_advisory_before_dosing_ends_when_dosing_starts(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.observe(value(SYS, 150, 0))
    system.evaluate(0)
    (alarm,) = system.active_alarms(0)
    assert alarm.priority is Priority.ADVISORY and not alarm.audible
    assert system.audio(0).tone is None
    system.mark_dosing_started(10)
    system.evaluate(10)
    assert kinds(recorded, "bp-high") == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]


def test_rise_from_confirmed_baseline_is_medium(system: AlarmSystem,
                                                recorded: list[AlarmEvent]) -> None:
    system.set_baseline(SYS, 120, by="nurse Ana", now=0)
    system.mark_dosing_started(1)
    system.observe(value(SYS, 158, 600))
    system.evaluate(600)
    assert system.active_alarms(600) == []
    system.observe(value(SYS, 161, 1200))
    system.evaluate(1200)
    (alarm,) = system.active_alarms(1200)
    assert alarm.priority is Priority.MEDIUM
    assert alarm.values["baseline"] == 120 and alarm.values["comparison"] == "rise"
    assert kinds(recorded) == [AlarmEventKind.BASELINE_SET, AlarmEventKind.STARTED]


def test_store_fault_is_a_technical_alarm_until_cleared(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.report_store_fault("disk full", now=5)
    system.evaluate(5)
    (alarm,) = system.active_alarms(5)
    assert alarm.category is Category.TECHNICAL and "disk full" in alarm.message
    system.clear_store_fault()
    system.evaluate(6)
    assert kinds(recorded, "store-fault") == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]


def _through_json(events: list[AlarmEvent]) -> list[AlarmEvent]:
    return [AlarmEvent.from_record(json.loads(json.dumps(e.as_record()))) for e in events]


def test_restored_alarms_are_active_again_with_priority_and_acknowledgement(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.set_baseline(SYS, 120, by="nurse Ana", now=0)
    run(system, SPO2, 85, 0, 20)
    run(system, HR, 40, 0, 20)
    system.acknowledge("hr-low", by="nurse Ana", now=20)
    system.pause_audio(by="nurse Ana", now=21)

    after_crash = AlarmSystem(default_profile())
    shown = after_crash.restore(_through_json(recorded), now=60)
    assert {(a.alarm_id, a.priority, a.acknowledged) for a in shown} == {
        ("spo2-low", Priority.HIGH, False), ("hr-low", Priority.MEDIUM, True)}
    assert all(a.condition_present is None for a in shown)
    assert after_crash.audio(60).paused
    assert after_crash.evaluate(60) == []  # no data yet: nothing ends, nothing restarts
    # the baseline came back too: a rise of 45 is a medium blood-pressure alarm
    after_crash.mark_dosing_started(0)
    after_crash.observe(value(SYS, 165, 61))
    after_crash.evaluate(61)
    assert "bp-high" in {a.alarm_id for a in after_crash.active_alarms(61)}


def test_restored_alarm_ends_only_when_live_data_shows_it_clear(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 20)
    after_crash = AlarmSystem(default_profile())
    after_crash.restore(_through_json(recorded), now=100)
    run(after_crash, HR, 72, 100, 101)
    assert after_crash.active_alarms(101) == []
    assert kinds(after_crash.events) == [AlarmEventKind.ENDED]


def test_restored_ended_alarm_stays_ended(system: AlarmSystem,
                                          recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 12)
    run(system, HR, 70, 13, 14)
    after_crash = AlarmSystem(default_profile())
    assert after_crash.restore(_through_json(recorded), now=20) == []


def test_tone_player_fault_is_a_technical_alarm_until_cleared(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.report_audio_fault("no audio device", now=5)
    system.evaluate(5)
    (alarm,) = system.active_alarms(5)
    assert alarm.alarm_id == "audio-fault" and alarm.category is Category.TECHNICAL
    assert "no audio device" in alarm.message
    system.clear_audio_fault()
    system.evaluate(6)
    assert kinds(recorded, "audio-fault") == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]


def test_second_oximeter_neither_breaks_nor_fakes_the_first_ones_breach(
        system: AlarmSystem) -> None:
    for t in range(0, 20):
        system.observe(value(SPO2, 85, t, device="masimo"))
        system.observe(value(SPO2, 97 if t % 2 else None, t, device="monitor"))
        system.evaluate(float(t))
    (alarm,) = system.active_alarms(19)
    assert alarm.priority is Priority.HIGH and alarm.values["device_id"] == "masimo"


def test_alarm_stays_judged_on_the_device_still_sending(system: AlarmSystem,
                                                        recorded: list[AlarmEvent]) -> None:
    run(system, HR, 40, 0, 12)
    for t in range(13, 40):  # the ECG lead falls off; the oximeter's pulse rate carries on
        system.observe(value("MDC_PULS_OXIM_PULS_RATE", 72, t, device="masimo"))
        system.evaluate(float(t))
    assert kinds(recorded, "hr-low") == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]
    assert recorded[-1].at == 23  # once the last ECG value is stale, pulse rate is judged
