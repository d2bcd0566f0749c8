"""Property tests of the alarm state machine under random values and random nurse actions.

Whatever happens, the audio pause never outlasts its time, the tone is the most urgent
audible alarm's, the list is sorted, and replaying the recorded events rebuilds the
same active alarms (what a restart after a crash relies on).
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ketaconsole.alarms import (
    AlarmActionError,
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Priority,
    default_profile,
)
from ketaconsole.observations import Numeric

PROFILE = default_profile()
METRICS: dict[str, list[float | None]] = {
    "MDC_PULS_OXIM_SAT_O2": [97.0, 93.0, 88.0, None],
    "MDC_ECG_HEART_RATE": [72.0, 45.0, 130.0, None],
    "MDC_RESP_RATE": [14.0, 0.0],
    "MDC_PRESS_BLD_NONINV_SYS": [120.0, 165.0, 190.0],
}

action = st.one_of(
    st.tuples(st.just("value"), st.sampled_from(sorted(METRICS)), st.integers(0, 3)),
    st.tuples(st.just("wait"), st.floats(0.5, 40.0)),
    st.tuples(st.just("acknowledge"), st.booleans()),
    st.tuples(st.just("pause")),
    st.tuples(st.just("reset")),
    st.tuples(st.just("fault"), st.booleans()),
)


Step = tuple[Any, ...]


def _apply(system: AlarmSystem, step: Step, now: float) -> float:
    kind = step[0]
    if kind == "value":
        refid, pick = str(step[1]), int(step[2])
        choices = METRICS[refid]
        system.observe(Numeric("monitor", refid, choices[pick % len(choices)], "", now))
    elif kind == "wait":
        now += float(step[1])
    elif kind == "acknowledge":
        shown = system.active_alarms(now)
        target = shown[0].alarm_id if (step[1] and shown) else None
        system.acknowledge(target, by="nurse", now=now)
    elif kind == "pause":
        system.pause_audio(by="nurse", now=now)
    elif kind == "reset":
        for alarm in system.active_alarms(now):
            with contextlib.suppress(AlarmActionError):
                system.reset(alarm.alarm_id, by="nurse", now=now)
    elif kind == "fault":
        if step[1]:
            system.report_store_fault("disk full", now)
        else:
            system.clear_store_fault()
    return now


def _shown(system: AlarmSystem, now: float) -> set[tuple[str, Priority, bool, bool]]:
    return {(a.alarm_id, a.priority, a.acknowledged, a.audible)
            for a in system.active_alarms(now)}


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(action, max_size=80))
def test_state_machine_invariants_hold_and_events_rebuild_the_alarms(
        steps: list[Step]) -> None:
    events: list[AlarmEvent] = []
    system = AlarmSystem(PROFILE, on_event=events.append)
    now = 0.0
    for step in steps:
        now = _apply(system, step, now)
        system.evaluate(now)

        audio = system.audio(now)
        if audio.paused:
            assert audio.paused_remaining_s is not None
            assert 0 < audio.paused_remaining_s <= PROFILE.audio_pause_s + 1e-9
        shown = system.active_alarms(now)
        audible = [a.priority for a in shown if a.audible]
        expected = max(audible, key=lambda p: p.rank) if audible else None
        assert audio.tone is expected
        keys = [(-a.priority.rank, -a.started_at) for a in shown]
        assert keys == sorted(keys)
        assert len({a.alarm_id for a in shown}) == len(shown)
        for alarm in shown:
            if alarm.priority is Priority.ADVISORY:
                assert not alarm.audible
            if not alarm.acknowledged and not audio.paused and alarm.signal.tone:
                assert alarm.audible

        started = {e.alarm_id for e in events if e.kind is AlarmEventKind.STARTED}
        assert {a.alarm_id for a in shown} <= started

        rebuilt = AlarmSystem(PROFILE)
        rebuilt.restore(list(events), now)
        assert _shown(rebuilt, now) == _shown(system, now)
        assert rebuilt.audio(now).paused == audio.paused
