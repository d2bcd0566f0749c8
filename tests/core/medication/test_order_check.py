"""The one order check and the dosing weight: hard limits refused naming them, soft limits
accepted by a named clinician, the approval's ranges, and the weight the dose is given on."""

from __future__ import annotations

import pytest

from ketaconsole.course.eligibility import Assessment
from ketaconsole.dose import DosePlan, DosePlanError
from ketaconsole.medication.body import (
    WEIGHT_KG,
    DosingWeight,
    DosingWeightRule,
    WeightBasis,
    dosing_weight,
    ideal_weight,
)
from ketaconsole.medication.library import default_library
from ketaconsole.medication.order_check import (
    ApprovedOrder,
    LimitAcceptance,
    SoftLimit,
    check_order,
    plan_order,
)
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.events import read, sentence

LIBRARY = default_library()
APPROVED = ApprovedOrder("Dr Pia Prescriber", (0.4, 0.75), (30.0, 60.0), 60.0)


def _plan(weight: float = 70.0, mg_per_kg: float = 0.5, minutes: float = 40.0,
          concentration: float = 1.0, height: float | None = 175.0) -> DosePlan:
    return plan_order(LIBRARY, weight_kg=weight, height_cm=height, mg_per_kg=mg_per_kg,
                      duration_min=minutes, concentration_mg_ml=concentration)


@pytest.mark.parametrize(("order", "field", "says"), [
    ({"concentration": 100.0}, "concentration_mg_ml",
     "Concentration 100 mg/mL is above the clinic's limit of 10 mg/mL after dilution; an "
     "undiluted vial is not for a pump infusion, so dilute it and enter the concentration in "
     "the bag or syringe."),
    ({"concentration": 50.0}, "concentration_mg_ml", "Concentration 50 mg/mL is above"),
    ({"mg_per_kg": 1.5}, "mg_per_kg",
     "Dose 1.5 mg/kg is above the clinic's hard limit of 1.0 mg/kg; check the order with the "
     "prescriber."),
    ({"mg_per_kg": 0.05}, "mg_per_kg", "Dose 0.05 mg/kg is below the clinic's hard limit of "
                                       "0.1 mg/kg"),
    ({"minutes": 1.0}, "duration_min",
     "Infusion time 1 min is below the clinic's hard limit of 20 min; check the order with "
     "the prescriber."),
    ({"minutes": 300.0}, "duration_min", "Infusion time 300 min is above the clinic's hard "
                                         "limit of 240 min"),
    ({"weight": 140.0, "height": 220.0, "mg_per_kg": 1.0}, "total_mg",
     "Total dose 140 mg is above the clinic's hard limit of 120 mg"),
    ({"height": None}, "height_cm",
     "Enter the patient's height in cm: the clinic doses on ideal body weight above BMI 30, "
     "so the plan needs the BMI."),
])
def test_an_order_outside_a_hard_limit_is_refused_in_one_sentence_naming_it(
        order: dict[str, float], field: str, says: str) -> None:
    check = check_order(_plan(**order), LIBRARY)
    assert check.refusal is not None
    assert check.refusal[0] == field and check.refusal[1].startswith(says)
    assert check.refusal[1].endswith(".") and "\n" not in check.refusal[1]


def test_the_reported_order_12_kg_at_0_5_mg_per_kg_over_1_minute_from_a_vial_is_refused() -> None:
    with pytest.raises(DosePlanError, match="Weight of 12 kg is outside 30-350 kg"):
        _plan(weight=12.0, minutes=1.0, concentration=100.0)
    check = check_order(_plan(weight=30.0, minutes=1.0, concentration=100.0), LIBRARY)
    assert list(check.refusals) == ["concentration_mg_ml", "duration_min"]


def test_past_a_soft_limit_the_order_needs_a_named_clinician_and_a_reason() -> None:
    check = check_order(_plan(minutes=30.0), LIBRARY, APPROVED)
    assert check.refusal is None
    assert check.soft == (SoftLimit("infusion_minutes", 30.0, 40.0, above=False),)
    assert check.soft_sentence() == ("Infusion time 30 min is below the clinic's usual minimum "
                                     "of 40 min.")
    assert set(check.unaccepted(None)) == {"limit_clinician", "limit_reason"}
    assert set(check.unaccepted(LimitAcceptance("Dr Lee", " "))) == {"limit_reason"}
    assert check.unaccepted(LimitAcceptance("Dr Lee", "nausea at 40 min, agreed")) == {}
    within = check_order(_plan(), LIBRARY, APPROVED)
    assert within.refusal is None and within.soft == () and within.unaccepted(None) == {}


def test_the_approval_bounds_the_dose_the_infusion_time_and_the_total() -> None:
    approved = ApprovedOrder("Dr Pia Prescriber", (0.4, 0.6), (40.0, 60.0), 30.0)
    refusals = {field: text for field, text in (
        check_order(_plan(**order), LIBRARY, approved).refusal or ("", "")
        for order in ({"mg_per_kg": 0.7}, {"minutes": 90.0}, {"mg_per_kg": 0.45}))}
    assert refusals == {
        "mg_per_kg": "Dose 0.7 mg/kg is outside the 0.4 to 0.6 mg/kg the prescriber approved; "
                     "ask the prescriber to reassess the course.",
        "duration_min": "Infusion time 90 min is outside the 40 to 60 min the prescriber "
                        "approved; ask the prescriber to reassess the course.",
        "total_mg": "Total dose 31.5 mg is above the 30 mg the prescriber approved; ask the "
                    "prescriber to reassess the course."}


def test_an_approval_signed_before_time_and_total_were_asked_reads_with_the_hard_limits(
) -> None:
    older = Assessment(7, 3, 1_780_000_000.0, 1_800_000_000.0, "Dr Old", True, 0.4, 0.75,
                       {"flagged": [], "dose_min_mg_per_kg": 0.4, "dose_max_mg_per_kg": 0.75})
    approved = older.approved_order()
    assert (approved.infusion_minutes, approved.max_total_mg) == (None, None)
    assert approved.describe(LIBRARY) == (
        "Approved by Dr Old: 0.4 to 0.75 mg/kg; this approval predates infusion-time and "
        "total-dose approvals, so the clinic's hard limits apply (infusion time 20 to 240 min, "
        "total dose at most 120 mg).")
    assert check_order(_plan(minutes=200.0), LIBRARY, approved).refusal is None
    refused = check_order(_plan(minutes=250.0), LIBRARY, approved).refusal
    assert refused is not None and "hard limit of 240 min" in refused[1]
    payload = older.clearance_record("MRN-7")
    for key in ("infusion_min_minutes", "infusion_max_minutes", "max_total_mg"):
        assert payload[key] is None
        del payload[key]  # as a session under it recorded it before the fields were there
    assert read("course_clearance", payload) is not None
    assert "(the approval does not state the infusion time and total dose: the clinic's " \
           "hard limits apply)" in sentence("course_clearance", payload)


def test_a_patient_above_the_clinics_bmi_is_dosed_on_ideal_weight_and_the_plan_says_why() -> None:
    assert ideal_weight(182.0, 22.0) == pytest.approx(73.0, abs=0.1)  # Peterson's example
    heavy = _plan(weight=120.0, height=170.0)
    assert heavy.dosing is not None and heavy.dosing.basis is WeightBasis.IDEAL
    assert heavy.weight_kg == 63.8 and heavy.dose_mg == pytest.approx(31.9)
    assert heavy.dosing.reason() == ("ideal body weight: BMI 41.5 is above the clinic's 30 "
                                     "(actual weight 120 kg, height 170 cm)")
    assert check_order(heavy, LIBRARY, APPROVED).refusal is None
    usual = _plan()
    assert usual.dosing is not None and usual.weight_kg == 70.0
    assert usual.dosing.reason() == "actual body weight: BMI 22.9 is not above the clinic's 30"
    adjusted = dosing_weight(DosingWeightRule(WeightBasis.ADJUSTED, 30.0), 120.0, 170.0)
    assert adjusted.weight_kg == pytest.approx(63.8 + 0.4 * (120.0 - 63.8), abs=0.1)
    # 350 kg at 1 mg/kg was accepted as 350 mg; now the dose is on the ideal weight
    giant = _plan(weight=350.0, height=175.0, mg_per_kg=1.0)
    assert giant.weight_kg == pytest.approx(67.7) and giant.dose_mg < 120.0
    # a plan on the actual weight where the rule says ideal is refused
    actual = DosingWeight(120.0, 170.0, WeightBasis.ACTUAL, 120.0, 30.0)
    refused = check_order(DosePlan(120.0, 0.5, 40.0, 1.0, actual), LIBRARY).refusal
    assert refused == ("weight_kg", "The plan doses on 120 kg, but the clinic's rule (ideal "
                                    "body weight above BMI 30) gives 63.8 kg; plan the order "
                                    "again.")


def test_one_weight_range_holds_at_check_in_in_the_plan_and_in_record() -> None:
    from ketaconsole.cli.record_cmd import WEIGHT

    low, high = WEIGHT_KG
    assert (low, high) == (30.0, 350.0) and (WEIGHT.low, WEIGHT.high) == WEIGHT_KG
    form = CheckIn("Ann Example", 40, 29.0, "none", "none", "none", False, "none", 8.0, 4.0,
                   True, "left arm", True, pregnancy="no")
    assert form.problems()["weight_kg"] == ("Weigh the patient and enter the weight in kg "
                                            "(30 to 350).")
    with pytest.raises(DosePlanError, match="Weight of 29 kg is outside 30-350 kg"):
        _plan(weight=29.0)
    assert "weight_kg" not in CheckIn("Ann Example", 40, 30.0, "none", "none", "none", False,
                                      "none", 8.0, 4.0, True, "left arm", True,
                                      pregnancy="no").problems()


def test_a_dose_the_pump_cannot_give_as_ordered_is_a_caution_not_a_refusal() -> None:
    from ketaconsole.medication.order_check import check_order, plan_order

    tiny = plan_order(LIBRARY, weight_kg=30, height_cm=160, mg_per_kg=0.2, duration_min=40,
                      concentration_mg_ml=10.0)  # 6 mg: 0.6 mL over 40 min, 0.9 mL/h
    check = check_order(tiny, LIBRARY)
    assert check.refusal is None
    (caution,) = check.cautions
    assert caution.startswith("The whole dose is 0.60 mL: under 1 mL")
    usual = plan_order(LIBRARY, weight_kg=70, height_cm=175, mg_per_kg=0.5, duration_min=40,
                       concentration_mg_ml=1.0)
    assert check_order(usual, LIBRARY).cautions == ()
