"""PHQ-9, GAD-7 and MADRS scored item by item; PHQ-9 item 9 blocks dosing until acknowledged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ketaconsole.course.measures import (
    GAD7,
    PHQ9,
    MeasureError,
    remitted_phq9,
    responded,
    score,
)
from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.events import sentence
from ketaconsole.session.workflow import SessionWorkflow, WorkflowError
from ketaconsole.store import Database
from ketaconsole.store.review import timeline
from tests.course_support import approved_patient
from tests.plan_support import ketamine_plan

SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
ADA = CheckIn("Ada Lovelace", 36, 70.0, "none known", "sertraline 50 mg", "none", False,
              "none", 6.0, 3.0, True, "left antecubital", True, mrn="MRN-1815", pregnancy="no")
T0 = 1_800_000_000.0


# Severity bands as published: PHQ-9 (Kroenke et al. 2001) 5/10/15/20; GAD-7 (Spitzer et
# al. 2006) 5/10/15. Each row: answers, total, band.
@pytest.mark.parametrize(("answers", "total", "band"), [
    ([0] * 9, 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([2, 2, 1, 1, 1, 1, 1, 1, 0], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 1, 1, 1], 15, "moderately severe"),
    ([3, 3, 3, 2, 2, 2, 2, 2, 1], 20, "severe"),
    ([3] * 9, 27, "severe"),
])
def test_phq9_totals_and_severity_bands(answers: list[int], total: int, band: str) -> None:
    result = score("PHQ-9", answers)
    assert (result.total, result.band) == (total, band)
    assert result.loinc == "44261-6" and result.version == PHQ9.version
    assert result.flags == (("suicidality",) if answers[8] > 0 else ())


@pytest.mark.parametrize(("answers", "total", "band"), [
    ([0] * 7, 0, "minimal"), ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild"), ([2, 2, 2, 1, 1, 1, 1], 10, "moderate"),
    ([3, 3, 2, 2, 2, 2, 1], 15, "severe"), ([3] * 7, 21, "severe"),
])
def test_gad7_totals_and_severity_bands(answers: list[int], total: int, band: str) -> None:
    result = score("GAD-7", answers)
    assert (result.total, result.band, result.loinc) == (total, band, GAD7.total_loinc)
    assert result.loinc == "70274-6" and not result.flags


def test_madrs_is_ten_items_of_zero_to_six() -> None:
    assert score("MADRS", [6] * 10).total == 60
    assert score("MADRS", [2] * 10).band == "moderate"
    with pytest.raises(MeasureError, match=r"item 3 .* 0 to 6"):
        score("MADRS", [0, 0, 7, 0, 0, 0, 0, 0, 0, 0])


def test_an_unanswered_or_out_of_range_item_is_named() -> None:
    with pytest.raises(MeasureError, match=r"PHQ-9 item 9 \(thoughts"):
        score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, None])
    with pytest.raises(MeasureError, match="9 items; 8 answers"):
        score("PHQ-9", [0] * 8)


def test_response_is_a_halving_and_remission_is_below_five() -> None:
    assert responded(20, 10) and not responded(20, 11)
    assert remitted_phq9(4) and not remitted_phq9(5)


@pytest.fixture
def workflow(database: Database) -> Iterator[SessionWorkflow]:
    """Ada checked in at a bedside (her course approved), her baseline confirmed."""
    approved_patient(database, ADA.patient_name, ADA.mrn, assessed_at=T0 - 86400.0)
    with story_bedside(database.url, nurse="nia", station="measures-test",
                       start=T0) as bedside:
        flow = bedside.workflow
        flow.check_in(ADA)
        bedside.at(T0 + 120)
        flow.confirm_baseline({SBP: 124.0, DBP: 78.0})
        bedside.at(T0 + 180)
        yield flow
        if flow.session_open:
            flow.end_session(reason="test over")


def test_item_nine_positive_blocks_the_plan_until_a_named_person_acknowledges(
        workflow: SessionWorkflow) -> None:
    workflow.record_measure(score("PHQ-9", [2, 2, 2, 2, 1, 2, 1, 1, 1]))
    plan = ketamine_plan(70.0, 0.5, 40.0, 1.0)
    with pytest.raises(WorkflowError, match="must acknowledge them before dosing"):
        workflow.confirm_plan(plan)
    with pytest.raises(WorkflowError, match="Type your name"):
        workflow.acknowledge_flag("suicidality", name=" ", action="")
    workflow.acknowledge_flag("suicidality", name="Dr Pia Prescriber",
                              action="passive thoughts, no plan; safety plan reviewed")
    workflow.confirm_plan(plan)
    assert workflow.service is not None
    events = timeline(workflow.service.database, workflow.service.session_id)
    kinds = [e.kind for e in events]
    assert kinds.index("measure") < kinds.index("clinical_flag_acknowledged") \
        < kinds.index("dose_plan")
    measure = next(e for e in events if e.kind == "measure")
    assert measure.payload["items"] == [2, 2, 2, 2, 1, 2, 1, 1, 1]
    assert measure.payload["version"] == PHQ9.version and measure.payload["loinc"] == "44261-6"
    assert "self-harm" in sentence("measure", measure.payload)
    ack = next(e for e in events if e.kind == "clinical_flag_acknowledged")
    assert sentence(ack.kind, ack.payload).startswith(
        "Thoughts of self-harm acknowledged by Dr Pia Prescriber")


def test_a_flag_raised_after_the_plan_blocks_the_start(workflow: SessionWorkflow) -> None:
    workflow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
    workflow.record_measure(score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 2]))
    with pytest.raises(WorkflowError, match="self-harm"):
        workflow.infusion_action("start")
    workflow.acknowledge_flag("suicidality", name="Nia Nurse", action="prescriber called")
    workflow.infusion_action("start")


def test_the_phq9_items_are_worded_as_the_published_questionnaire() -> None:
    from ketaconsole.course.measures import INSTRUMENTS

    items = INSTRUMENTS["PHQ-9"].items
    assert items[7] == ("Moving or speaking so slowly that other people could have noticed? "
                        "Or the opposite \u2014 being so fidgety or restless that you have been "
                        "moving around a lot more than usual")
    assert items[8] == "Thoughts that you would be better off dead or of hurting yourself in " \
                       "some way"


def test_every_phq9_and_gad7_item_has_a_loinc_code_with_a_valid_check_digit() -> None:
    from ketaconsole.course.measures import GAD7, MADRS, PHQ9
    from tests.core.test_catalogue import loinc_check_digit_is_right

    for scale in (PHQ9, GAD7):
        assert len(scale.item_loinc) == len(scale.items)
        assert len(set(scale.item_loinc)) == len(scale.items)
        assert all(loinc_check_digit_is_right(code) for code in scale.item_loinc)
    assert PHQ9.item_loinc[8] == "44260-8" and GAD7.item_loinc[0] == "69725-0"
    assert MADRS.item_loinc == ()  # no LOINC item codes confirmed for the MADRS
