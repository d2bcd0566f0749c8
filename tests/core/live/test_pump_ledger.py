"""The pump ledger: one session total from a pump's counter, never backwards, never twice."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaconsole.live.engine import Engine
from ketaconsole.live.pump_ledger import COUNTER_RESTART_TOLERANCE_ML, PumpLedger
from ketaconsole.observations import PumpState, PumpStatus


def fed(*readings: float) -> PumpLedger:
    ledger = PumpLedger("pump")
    for reading in readings:
        ledger.record_counter(reading)
    return ledger


def test_no_reading_means_nothing_delivered() -> None:
    assert PumpLedger("pump").delivered_ml == 0.0


def test_a_growing_counter_is_the_total() -> None:
    assert fed(0.0, 1.0, 2.5).delivered_ml == pytest.approx(2.5)


def test_repeated_readings_add_nothing() -> None:
    assert fed(1.0, 1.0, 1.0, 1.0).delivered_ml == pytest.approx(1.0)


def test_jitter_below_the_tolerance_keeps_the_higher_reading() -> None:
    ledger = fed(2.0, 2.0 - COUNTER_RESTART_TOLERANCE_ML / 2, 2.0, 2.01)
    assert ledger.delivered_ml == pytest.approx(2.01)
    assert ledger.counter_restarts == 0


def test_jitter_never_lowers_the_total() -> None:
    ledger = fed(2.0)
    ledger.record_counter(1.98)
    assert ledger.delivered_ml == pytest.approx(2.0)


def test_a_counter_restart_keeps_what_was_counted() -> None:
    ledger = fed(10.0, 0.0, 0.5)
    assert ledger.delivered_ml == pytest.approx(10.5)
    assert ledger.counter_restarts == 1


def test_readings_repeated_after_a_restart_are_not_counted_twice() -> None:
    assert fed(10.0, 0.2, 0.2, 0.2).delivered_ml == pytest.approx(10.2)


def test_several_restarts_add_up() -> None:
    ledger = fed(3.0, 5.0, 0.0, 4.0, 1.0, 2.0)
    assert ledger.delivered_ml == pytest.approx(5.0 + 4.0 + 2.0)
    assert ledger.counter_restarts == 2


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), -3.0])
def test_an_impossible_reading_is_ignored(bad: float) -> None:
    ledger = fed(4.0, bad, 4.5)
    assert ledger.delivered_ml == pytest.approx(4.5)
    assert ledger.counter_restarts == 0


def test_rate_history_records_changes_only() -> None:
    ledger = PumpLedger("pump")
    for at, rate in ((0.0, 52.5), (1.0, 52.5), (2.0, 30.0), (3.0, 30.0), (4.0, 0.0)):
        ledger.record_rate(at, rate)
    assert [(c.at, c.rate_ml_h) for c in ledger.rate_history] == [
        (0.0, 52.5), (2.0, 30.0), (4.0, 0.0)]
    assert ledger.rate_ml_h == 0.0


def test_the_engine_keeps_one_ledger_per_pump_across_a_counter_reset() -> None:
    engine = Engine(clock=lambda: 0.0)
    for at, volume in enumerate((1.0, 2.0, 2.0, 0.1, 0.6)):
        engine.ingest([PumpStatus("pump", float(at), state=PumpState.INFUSING,
                                  rate_ml_h=52.5, volume_infused_ml=volume)])
    ledger = engine.pump("pump")
    assert ledger is not None
    assert ledger.delivered_ml == pytest.approx(2.6)
    assert ledger.state is PumpState.INFUSING


# -- properties ----------------------------------------------------------------------------

readings = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=60)


@given(readings)
def test_the_total_never_goes_backwards_for_any_readings(values: list[float]) -> None:
    ledger = PumpLedger("pump")
    total = ledger.delivered_ml
    for value in values:
        ledger.record_counter(value)
        now = ledger.delivered_ml
        assert math.isfinite(now)
        assert now >= total
        total = now


segment = st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), min_size=1,
                   max_size=8).map(sorted)


@given(st.lists(segment, min_size=1, max_size=6))
def test_the_total_is_the_sum_of_what_each_counter_run_reached(runs: list[list[float]]) -> None:
    """Counter runs separated by clear restarts: each run counted once, at its highest."""
    ledger = PumpLedger("pump")
    expected = 0.0
    previous_top: float | None = None
    for run in runs:
        if previous_top is not None and run[0] >= previous_top - COUNTER_RESTART_TOLERANCE_ML:
            run = [v for v in run if v >= previous_top] or [previous_top]
            expected -= previous_top  # not a restart: the run continues the previous one
            run_top = max(run)
        else:
            run_top = run[-1]
        for value in run:
            ledger.record_counter(value)
            ledger.record_counter(value)  # every reading twice: repeats add nothing
        expected += run_top
        previous_top = run_top
    assert ledger.delivered_ml == pytest.approx(expected)
