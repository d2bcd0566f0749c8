"""The session workflow records each step, refuses what is incomplete, and moves on in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from ketaconsole.alarms import AlarmEvent, AlarmEventKind, AlarmSystem, default_profile
from ketaconsole.checkin import CheckIn
from ketaconsole.discharge import suggest_aldrete, suggest_padss
from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.session_model import SessionModel
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.review import timeline
from ketaconsole.workflow import SessionWorkflow, Step, WorkflowError

SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
GOOD = CheckIn("Ada Lovelace", 36, 70.0, "none known", "sertraline 50 mg", "none", False,
               "none", 6.0, True, "left antecubital", True)
NURSE = "Nurse Test"


@pytest.fixture
def workflow(database: Database) -> Iterator[SessionWorkflow]:
    service = SessionService.begin(database, SessionPlan("Ada Lovelace", 70.0), [],
                                   station="workflow-test")
    clock = iter(float(1_800_000_000 + n) for n in range(10_000))
    events: list[AlarmEvent] = []
    alarms = AlarmSystem(default_profile(), on_event=events.append)
    model = SessionModel(Engine(), alarms, [])
    flow = SessionWorkflow(model, clock=lambda: next(clock), service=service)
    flow.alarm_events = events  # type: ignore[attr-defined]
    yield flow
    service.close()


def _kinds(workflow: SessionWorkflow) -> list[str]:
    assert workflow.service is not None
    return [e.kind for e in timeline(workflow.service.database, workflow.service.session_id)]


def test_a_checklist_with_an_empty_required_item_cannot_be_signed(
        workflow: SessionWorkflow) -> None:
    with pytest.raises(WorkflowError) as refused:
        workflow.check_in(replace(GOOD, iv_site=" ", consent_signed=False), author=NURSE)
    assert set(refused.value.problems) == {"iv_site", "consent_signed"}
    assert "check_in" not in _kinds(workflow)
    assert workflow.step is Step.CHECK_IN


def test_a_whole_session_is_recorded_step_by_step(workflow: SessionWorkflow) -> None:
    workflow.check_in(GOOD, author=NURSE)
    workflow.confirm_baseline({SBP: 124.0, DBP: 78.0}, author=NURSE)
    baselines = [e.values.get("metric") for e in workflow.alarm_events  # type: ignore[attr-defined]
                 if e.kind is AlarmEventKind.BASELINE_SET]
    assert sorted(baselines) == sorted([SBP, DBP])
    workflow.confirm_plan(DosePlan(70.0, 0.5, 40.0, 1.0), author=NURSE)
    for action in ("start", "pause", "resume", "stop"):
        workflow.infusion_action(action, author=NURSE, reason="test")
    assert workflow.step is Step.RECOVERY
    workflow.begin_discharge(author=NURSE)
    low = {"activity": 2, "respiration": 2, "circulation": 1, "consciousness": 1, "spo2": 2}
    workflow.record_discharge("Aldrete", low, author=NURSE)
    assert workflow.step is Step.DISCHARGE  # 8 of 10: not yet fit for discharge
    workflow.record_discharge("Aldrete", {**low, "consciousness": 2}, author=NURSE)
    workflow.sign_off("Nurse Test", author=NURSE)
    assert workflow.step is Step.DONE
    kinds = _kinds(workflow)
    expected = ["check_in", "baseline", "dose_plan", "infusion_start", "infusion_pause",
                "infusion_resume", "infusion_stop", "discharge_assessment_started",
                "discharge_criteria", "discharge_criteria", "signature"]
    assert [k for k in kinds if k in set(expected)] == expected


def test_steps_out_of_order_are_refused(workflow: SessionWorkflow) -> None:
    with pytest.raises(WorkflowError, match="belongs to Infusion"):
        workflow.infusion_action("start", author=NURSE)


def test_discharge_suggestions_come_from_the_devices() -> None:
    assert suggest_aldrete(97.0, 130.0, 120.0) == {"spo2": 2, "circulation": 2}
    assert suggest_aldrete(91.0, 175.0, 120.0) == {"spo2": 1, "circulation": 0}
    assert suggest_padss(150.0, 120.0) == {"vitals": 1}
    assert suggest_aldrete(None, None, None) == {}
