"""Dose plan arithmetic, plan validation, the infusion clock and delivered-dose reconciliation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaconsole.dose import (
    DosePlan,
    DosePlanError,
    InfusionClock,
    InfusionClockError,
    reconcile,
)
from ketaconsole.live.pump_ledger import PumpLedger


def test_clinical_example_70_kg_gives_35_mg_at_0_875_mg_per_min_and_52_5_mg_per_h() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    assert plan.dose_mg == pytest.approx(35.0)
    assert plan.rate_mg_min == pytest.approx(0.875)
    assert plan.rate_mg_h == pytest.approx(52.5)
    assert plan.rate_ml_h == pytest.approx(52.5)
    assert plan.volume_ml == pytest.approx(35.0)


def test_concentration_sets_the_volume_rate() -> None:
    plan = DosePlan(80, 0.5, 40, 2.0)
    assert plan.dose_mg == pytest.approx(40.0)
    assert plan.rate_ml_h == pytest.approx(30.0)
    assert plan.volume_ml == pytest.approx(20.0)


@pytest.mark.parametrize(("fields", "word"), [
    ((0, 0.5, 40, 1.0), "Weight"),
    ((70, 0.5, 40, 1000.0), "Concentration"),
    ((70, -0.5, 40, 1.0), "Dose"),
    ((70, 0.5, -40, 1.0), "Duration"),
    ((70, 0.5, math.nan, 1.0), "Duration"),
    ((70, 0.5, 40, "one"), "Concentration"),
])
def test_bad_field_is_refused_with_one_sentence_naming_it(fields: tuple, word: str) -> None:
    with pytest.raises(DosePlanError) as caught:
        DosePlan(*fields)
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert problem.startswith(word)
    assert problem.endswith(".")


def test_every_bad_field_gets_its_own_sentence() -> None:
    with pytest.raises(DosePlanError) as caught:
        DosePlan(0, -1, 0, 1000)
    assert [p.split()[0] for p in caught.value.problems] == [
        "Weight", "Dose", "Duration", "Concentration"]


def test_plan_round_trips_through_its_record() -> None:
    plan = DosePlan(72.5, 0.75, 45, 2.0)
    assert DosePlan.from_record(plan.as_record()) == plan


def test_expected_dose_leaves_out_pauses_and_stops_at_the_full_dose() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock()
    assert clock.expected_mg(plan, 100.0) == 0.0
    clock.start(100.0)
    assert clock.expected_mg(plan, 100.0 + 600) == pytest.approx(8.75)
    clock.pause(700.0)
    assert clock.expected_mg(plan, 1000.0) == pytest.approx(8.75)
    clock.resume(1000.0)
    assert clock.expected_mg(plan, 1600.0) == pytest.approx(17.5)
    assert clock.expected_mg(plan, 100_000.0) == pytest.approx(35.0)


def test_stopped_infusion_expects_no_more() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock()
    clock.start(0.0)
    clock.stop(1200.0)
    assert clock.expected_mg(plan, 5000.0) == pytest.approx(17.5)


def test_clock_refuses_a_pause_before_the_start_with_one_sentence() -> None:
    with pytest.raises(InfusionClockError, match="not running"):
        InfusionClock().pause(1.0)


def test_delivered_mg_is_ledger_volume_times_concentration_across_counter_restarts() -> None:
    plan = DosePlan(70, 0.5, 40, 2.0)
    ledger = PumpLedger("pump")
    ledger.record_counter(5.0)
    ledger.record_counter(0.0)   # new syringe: the counter restarts
    ledger.record_counter(3.0)
    dose = reconcile(plan, ledger.delivered_ml, 26.25)
    assert dose.delivered_ml == pytest.approx(8.0)
    assert dose.delivered_mg == pytest.approx(16.0)
    assert dose.delivered_mg_per_kg == pytest.approx(16.0 / 70)
    assert dose.rate_mg_h == pytest.approx(52.5)


def test_pump_on_plan_is_no_mismatch() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock(started_at=0.0)
    dose = reconcile(plan, 17.5, 52.5, infusion=clock, now=1200.0, pump_infusing=True)
    assert dose.expected_mg == pytest.approx(17.5)
    assert not dose.rate_mismatch
    assert not dose.delivered_mismatch
    assert dose.describe(plan, 52.5) == "The pump agrees with the dose plan."


def test_doubled_rate_and_double_volume_are_both_mismatches() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock(started_at=0.0)
    dose = reconcile(plan, 35.0, 105.0, infusion=clock, now=1200.0, pump_infusing=True)
    assert dose.rate_off_fraction == pytest.approx(1.0)
    assert dose.rate_mismatch
    assert dose.delivered_off_mg == pytest.approx(17.5)
    assert dose.delivered_mismatch
    assert "105.0 mL/h" in dose.describe(plan, 105.0)


def test_rate_is_not_compared_while_the_pump_is_not_infusing() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    dose = reconcile(plan, 0.0, 200.0, pump_infusing=False)
    assert dose.rate_off_fraction is None
    assert not dose.rate_mismatch


def test_tiny_gap_at_the_start_is_counting_noise() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock(started_at=0.0)
    dose = reconcile(plan, 0.0, 52.5, infusion=clock, now=20.0, pump_infusing=True)
    assert dose.expected_mg == pytest.approx(0.875 / 3)
    assert not dose.delivered_mismatch


@given(rate_factor=st.floats(0.0, 3.0), minutes=st.floats(2.0, 40.0))
def test_rate_mismatch_exactly_when_more_than_ten_percent_off(rate_factor: float,
                                                              minutes: float) -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock(started_at=0.0)
    rate = plan.rate_ml_h * rate_factor
    dose = reconcile(plan, 0.0, rate, infusion=clock, now=minutes * 60, pump_infusing=True)
    assert dose.rate_mismatch == (abs(rate - plan.rate_ml_h) > 0.1 * plan.rate_ml_h)


def test_pump_infusing_while_the_plan_is_paused_is_a_rate_mismatch() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock()
    clock.start(0.0)
    clock.pause(600.0)
    dose = reconcile(plan, 8.75, 52.5, infusion=clock, now=660.0, pump_infusing=True)
    assert dose.rate_off_fraction == pytest.approx(1.0)
    assert dose.rate_mismatch
