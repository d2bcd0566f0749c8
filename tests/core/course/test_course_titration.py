"""The titration rule, table-driven: response, tolerability and history -> the proposed dose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketaconsole.course.titration import (
    DoseDecision,
    PastInfusion,
    TitrationProfileError,
    load_rule,
    propose,
)

RULE = load_rule()
RANGE = (0.4, 0.75)


def infusions(*rows: tuple[float, int | None, bool, int | None]) -> list[PastInfusion]:
    return [PastInfusion(*row) for row in rows]


TABLE = [
    # history (mg/kg, PHQ-9 before, BP alarm, peak CADSS-6), PHQ-9 now -> mg/kg, reason
    ((), 20, 0.5, "starting dose"),
    (((0.5, 20, False, 4),), 19, 0.5, "too early"),
    (((0.5, 20, False, 4), (0.5, 19, False, 5)), 18, 0.6, "step up"),
    (((0.5, 20, False, 4), (0.5, 14, False, 5)), 12, 0.5, "responding"),
    (((0.5, 20, False, 4), (0.6, 19, True, 5)), 19, 0.5, "blood-pressure alarm"),
    (((0.5, 20, False, 4), (0.6, 19, False, 14)), 19, 0.5, "CADSS-6 14"),
    (((0.7, 20, False, 4), (0.7, 20, False, 3)), 20, 0.75, "approved maximum"),
    (((0.75, 20, False, 4), (0.75, 20, False, 3)), 20, 0.75, "approved maximum"),
    (((0.4, 20, True, 4),), 20, 0.4, "approved minimum"),
    (((0.5, 20, False, 4), (0.5, 18, True, 13)), 18, 0.4, "blood-pressure alarm"),
]


@pytest.mark.parametrize(("history", "phq9", "dose", "why"), TABLE)
def test_the_rule_proposes_the_dose_the_table_says(
        history: tuple[tuple[float, int | None, bool, int | None], ...], phq9: int,
        dose: float, why: str) -> None:
    proposal = propose(RULE, infusions(*history), phq9, RANGE)
    assert proposal.mg_per_kg == pytest.approx(dose)
    assert why in proposal.reason
    assert RANGE[0] <= proposal.mg_per_kg <= RANGE[1]
    assert proposal.inputs["current_phq9"] == phq9 and proposal.rule == "titration rule default v2"


TOLERABILITY = [
    # the last infusion at 0.6 mg/kg, tolerated at PHQ-9 20 -> 19 but for one signal
    (PastInfusion(0.6, 19, breathing_alarm=True), "SpO2 or respiration alarm"),
    (PastInfusion(0.6, 19, lowest_spo2=87.0), "SpO2 down to 87 %"),
    (PastInfusion(0.6, 19, vomiting=True), "vomiting"),
    (PastInfusion(0.6, 19, rescue_medications=("ondansetron 4 mg",)),
     "rescue medication (ondansetron 4 mg)"),
    (PastInfusion(0.6, 19, lowest_moaas=2), "MOAA/S 2"),
    (PastInfusion(0.6, 19, peak_cadss6=12), "CADSS-6 12"),
    (PastInfusion(0.6, 19, adverse_events=("Emergence reaction / agitation",)),
     "adverse event (Emergence reaction / agitation)"),
]


@pytest.mark.parametrize(("last", "signal"), TOLERABILITY)
def test_every_recorded_signal_of_the_last_infusion_steps_the_dose_down(
        last: PastInfusion, signal: str) -> None:
    proposal = propose(RULE, [PastInfusion(0.5, 20), last], 19, RANGE)
    assert proposal.mg_per_kg == pytest.approx(0.5)
    assert proposal.reason == f"{signal} at the last infusion: step down"


def test_light_sedation_and_a_good_saturation_are_tolerated() -> None:
    last = PastInfusion(0.5, 19, lowest_spo2=94.0, lowest_moaas=3, peak_cadss6=11)
    assert last.not_tolerated(RULE) == []
    assert propose(RULE, [PastInfusion(0.5, 20), last], 19, RANGE).mg_per_kg == \
        pytest.approx(0.6)


def test_the_rule_never_steps_back_up_to_a_dose_that_was_not_tolerated() -> None:
    history = [PastInfusion(0.5, 20), PastInfusion(0.6, 19, bp_alarm=True),
               PastInfusion(0.5, 19)]
    proposal = propose(RULE, history, 19, RANGE)
    assert proposal.mg_per_kg == pytest.approx(0.5)
    assert proposal.reason == ("PHQ-9 from 20 to 19 (5% fall) after 3 infusions, but 0.6 "
                               "mg/kg was not tolerated: same dose")


def test_no_step_up_when_the_phq9_worsened() -> None:
    proposal = propose(RULE, [PastInfusion(0.5, 10), PastInfusion(0.5, 14)], 27, RANGE)
    assert proposal.mg_per_kg == pytest.approx(0.5)
    assert proposal.reason == "PHQ-9 from 10 to 27: worse than at the baseline, no step up: " \
                              "same dose"


def test_no_step_up_on_a_baseline_of_zero() -> None:
    proposal = propose(RULE, [PastInfusion(0.5, 0), PastInfusion(0.5, 0)], 0, RANGE)
    assert proposal.mg_per_kg == pytest.approx(0.5) and not proposal.review
    assert "a baseline of 0 leaves no response to judge, no step up" in proposal.reason


def test_after_the_clinics_number_of_infusions_without_response_it_proposes_review() -> None:
    history = [PastInfusion(0.75, 20) for _ in range(6)]
    proposal = propose(RULE, history, 16, RANGE)
    assert proposal.review and proposal.mg_per_kg == pytest.approx(0.75)
    assert proposal.reason == "PHQ-9 from 20 to 16 (20% fall), no response after 6 " \
                              "infusions: review the course"
    assert proposal.headline() == "review by the prescriber (last dose 0.75 mg/kg held)"
    assert not propose(RULE, history[:5], 16, RANGE).review  # five: not yet
    assert propose(RULE, history[:4], 16, RANGE, review_after=4).review  # the clinic's number
    assert not propose(RULE, history, 10, RANGE).review  # a 50 % fall is a response
    decision = DoseDecision(proposal)
    assert decision.problem(0.75) is not None  # even the held dose needs the review's word
    reviewed = DoseDecision(proposal, "reviewed with Dr Pia: one more at 0.75, then stop")
    assert reviewed.problem(0.75) is None
    assert reviewed.as_record(0.75)["decision"] == "overridden"


def test_an_override_needs_a_reason_and_both_are_recorded() -> None:
    proposal = propose(RULE, infusions((0.5, 20, False, 4), (0.5, 19, False, 4)), 19, RANGE)
    assert DoseDecision(proposal).problem(0.5) is not None
    assert DoseDecision(proposal).problem(0.6) is None
    record = DoseDecision(proposal, "patient anxious about a higher dose").as_record(0.5)
    assert (record["decision"], record["proposed_mg_per_kg"], record["chosen_mg_per_kg"]) == (
        "overridden", 0.6, 0.5)
    assert DoseDecision(proposal).as_record(0.6)["decision"] == "accepted"


def test_a_bad_profile_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "rule.json"
    bad.write_text(json.dumps({"name": "x"}))
    with pytest.raises(TitrationProfileError, match="malformed"):
        load_rule(bad)


def test_a_recorded_rule_reads_in_words_never_as_its_id() -> None:
    from ketaconsole.course.titration import load_rule, rule_in_words

    rule = load_rule()
    words = rule_in_words(rule.label, rule)
    assert words.startswith("Default titration for IV ketamine courses: start at 0.5 mg/kg")
    assert "titration rule default" not in words and " v1" not in words
    assert rule_in_words("titration rule slow v3", rule) == \
        "the clinic's titration rule \u201cslow\u201d, version 3"
