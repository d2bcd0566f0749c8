"""Property tests of the limit logic: an alarm exactly when a breach has lasted its sustain time.

A reference written from the rule's words is checked against the evaluator and the
alarm system on random sample series: values inside and outside the limit, invalid
values, and gaps longer than the metric's freshness window.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketaconsole.alarms import (
    AlarmEventKind,
    AlarmSystem,
    Judgement,
    LimitProfile,
    PhysiologicalEvaluator,
    profile_from_record,
)
from ketaconsole.catalogue import SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric

assert SPO2.fresh_for_s is not None
WINDOW: float = SPO2.fresh_for_s
THRESHOLD = 90.0


def _profile(sustain_s: float) -> LimitProfile:
    return profile_from_record({"name": "test", "alarms": [{
        "id": "spo2-low", "label": "SpO2 low", "limits": [
            {"metrics": [SPO2.refid], "below": THRESHOLD, "priority": "high",
             "sustain_s": sustain_s}]}]})


def breach_lasting(samples: list[tuple[float, float | None]], now: float) -> float | None:
    """How long the current breach has lasted at ``now`` by the rule's words, or None.

    A breach is a run of values below the threshold with no gap longer than the
    freshness window and no invalid value; it only counts while its newest value is
    still fresh.
    """
    seen = [(t, v) for t, v in samples if t <= now]
    if not seen:
        return None
    t_last, v_last = seen[-1]
    if v_last is None or v_last >= THRESHOLD or now - t_last > WINDOW:
        return None
    start = t_last
    for (t_prev, v_prev), (t_next, _) in zip(seen[-2::-1], seen[::-1], strict=False):
        if v_prev is None or v_prev >= THRESHOLD or t_next - t_prev > WINDOW:
            break
        start = t_prev
    return now - start


Step = tuple[float, float | None, list[float]]

step = st.tuples(
    st.floats(0.25, 14.0),                                  # time since the previous value
    st.one_of(st.none(), st.sampled_from([80.0, 89.0, 90.0, 91.0, 97.0])),
    st.lists(st.floats(0.0, 14.0), max_size=3),             # extra looks before the next value
)


@settings(max_examples=300, deadline=None)
@given(sustain=st.sampled_from([0.0, 1.0, 5.0, 15.0, 30.0]), steps=st.lists(step, max_size=60))
def test_evaluator_present_exactly_when_breach_lasts_its_sustain_time(
        sustain: float, steps: list[Step]) -> None:
    engine = Engine()
    evaluator = PhysiologicalEvaluator(_profile(sustain), engine)
    engine.subscribe(lambda obs: evaluator.observe(obs) if isinstance(obs, Numeric) else None)
    rule = evaluator.profile.rule("spo2-low")
    samples: list[tuple[float, float | None]] = []
    t = 0.0
    for gap, number, looks in steps:
        t += gap
        samples.append((t, number))
        engine.ingest([Numeric("ox", SPO2.refid, number, "%", t)])
        for now in [t, *(t + x for x in sorted(looks))]:
            judgement, _ = evaluator.judge(rule, now, dosing_started=True)
            lasting = breach_lasting(samples, now)
            expected = lasting is not None and lasting >= sustain
            assert (judgement is Judgement.PRESENT) == expected, (now, samples)


@settings(max_examples=200, deadline=None)
@given(sustain=st.sampled_from([0.0, 5.0, 15.0]), steps=st.lists(step, max_size=60))
def test_alarm_starts_only_after_a_sustained_breach_and_every_sustained_breach_alarms(
        sustain: float, steps: list[Step]) -> None:
    system = AlarmSystem(_profile(sustain))
    samples: list[tuple[float, float | None]] = []
    t = 0.0
    for gap, number, looks in steps:
        t += gap
        samples.append((t, number))
        system.observe(Numeric("ox", SPO2.refid, number, "%", t))
        for now in [t, *(t + x for x in sorted(looks))]:
            started = [e for e in system.evaluate(now) if e.kind is AlarmEventKind.STARTED
                       and e.alarm_id == "spo2-low"]
            lasting = breach_lasting(samples, now)
            sustained = lasting is not None and lasting >= sustain
            if started:
                assert sustained, ("alarm without a sustained breach", now, samples)
            if sustained:
                assert "spo2-low" in {a.alarm_id for a in system.active_alarms(now)}, (
                    "sustained breach without an alarm", now, samples)
