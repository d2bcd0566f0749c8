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
    assert proposal.inputs["current_phq9"] == phq9 and proposal.rule == "titration rule default v1"


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
