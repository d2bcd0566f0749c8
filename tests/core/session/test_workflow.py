"""The session workflow records each step, refuses what is incomplete, and moves on in order.

Each step first asks the workflow's door who is acting, with the permission its row in
the one table names; a refusal records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from ketaconsole.alarms import AlarmEvent, AlarmEventKind, AlarmSystem, default_profile
from ketaconsole.course.measures import score
from ketaconsole.live.engine import Engine
from ketaconsole.security import NotAllowed, Permission
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.discharge import suggest_aldrete, suggest_padss
from ketaconsole.session.model import SessionModel
from ketaconsole.session.workflow import (
    TIMELINE_ENTRIES,
    SessionWorkflow,
    Step,
    WorkflowError,
    step_permissions,
)
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.review import timeline
from tests.plan_support import ketamine_plan
from tests.room_support import acting_as

SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
GOOD = CheckIn("Ada Lovelace", 36, 70.0, "none known", "sertraline 50 mg", "none", False,
               "none", 6.0, 3.0, True, "left antecubital", True, pregnancy="no")
NURSE = "Nurse Test"


@pytest.fixture
def workflow(database: Database) -> Iterator[SessionWorkflow]:
    service = SessionService.begin(database, SessionPlan("Ada Lovelace", 70.0), [],
                                   station="workflow-test")
    clock = iter(float(1_800_000_000 + n) for n in range(10_000))
    events: list[AlarmEvent] = []
    alarms = AlarmSystem(default_profile(), on_event=events.append)
    model = SessionModel(Engine(), alarms, [])
    flow = SessionWorkflow(model, clock=lambda: next(clock), door=acting_as(NURSE),
                           service=service)
    flow.alarm_events = events  # type: ignore[attr-defined]
    yield flow
    service.close()


def _kinds(workflow: SessionWorkflow) -> list[str]:
    assert workflow.service is not None
    return [e.kind for e in timeline(workflow.service.database, workflow.service.session_id)]


def test_a_checklist_with_an_empty_required_item_cannot_be_signed(
        workflow: SessionWorkflow) -> None:
    with pytest.raises(WorkflowError) as refused:
        workflow.check_in(replace(GOOD, iv_site=" ", consent_signed=False))
    assert set(refused.value.problems) == {"iv_site", "consent_signed"}
    assert "check_in" not in _kinds(workflow)
    assert workflow.step is Step.CHECK_IN


def test_pregnancy_is_asked_at_every_check_in_and_yes_stops_the_session(
        workflow: SessionWorkflow) -> None:
    for answer, says in ((None, "Ask whether the patient could be pregnant now"),
                         ("yes", "A possible pregnancy stops the infusion")):
        with pytest.raises(WorkflowError) as refused:
            workflow.check_in(replace(GOOD, pregnancy=answer))
        assert set(refused.value.problems) == {"pregnancy"}
        assert says in refused.value.problems["pregnancy"]
    assert replace(GOOD, pregnancy="not applicable").problems() == {}
    workflow.check_in(GOOD)
    assert workflow.step is not Step.CHECK_IN


def test_a_whole_session_is_recorded_step_by_step(workflow: SessionWorkflow) -> None:
    workflow.check_in(GOOD)
    workflow.confirm_baseline({SBP: 124.0, DBP: 78.0})
    baselines = [e.values.get("metric") for e in workflow.alarm_events  # type: ignore[attr-defined]
                 if e.kind is AlarmEventKind.BASELINE_SET]
    assert sorted(baselines) == sorted([SBP, DBP])
    workflow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
    for action in ("start", "pause", "resume", "stop"):
        workflow.infusion_action(action, reason="test")
    assert workflow.step is Step.RECOVERY
    workflow.begin_discharge()
    low = {"activity": 2, "respiration": 2, "circulation": 1, "consciousness": 1, "spo2": 2}
    workflow.record_discharge("Aldrete", low)
    assert workflow.step is Step.DISCHARGE  # 8 of 10: not yet fit for discharge
    workflow.record_discharge("Aldrete", {**low, "consciousness": 2})
    workflow.sign_off("Nurse Test")
    assert workflow.step is Step.DONE
    kinds = _kinds(workflow)
    expected = ["check_in", "baseline", "dose_plan", "infusion_start", "infusion_pause",
                "infusion_resume", "infusion_stop", "discharge_assessment_started",
                "discharge_criteria", "discharge_criteria", "signature"]
    assert [k for k in kinds if k in set(expected)] == expected


def test_steps_out_of_order_are_refused(workflow: SessionWorkflow) -> None:
    with pytest.raises(WorkflowError, match="belongs to Infusion"):
        workflow.infusion_action("start")


def test_discharge_suggestions_come_from_the_devices() -> None:
    assert suggest_aldrete(97.0, 130.0, 120.0) == {"spo2": 2, "circulation": 2}
    assert suggest_aldrete(91.0, 175.0, 120.0) == {"spo2": 1, "circulation": 0}
    assert suggest_padss(150.0, 120.0) == {"vitals": 1}
    assert suggest_aldrete(None, None, None) == {}


# -- who may take each step ------------------------------------------------------------

RUN, ENTRY = Permission.RUN_SESSION, Permission.RECORD_CLINICAL_ENTRY
CLINIC_RULES: dict[str, Permission] = {
    "check_in": RUN, "check_in_skipped": RUN, "baseline": RUN, "dose_plan": RUN,
    "infusion_start": RUN,
    "infusion_pause": RUN, "infusion_resume": RUN, "infusion_stop": RUN,
    "discharge_assessment_started": RUN, "discharge_criteria": RUN, "session_end": RUN,
    "signature": Permission.SIGN_RECORD,
    "measure": ENTRY, "clinical_flag_acknowledged": ENTRY, "annotation": ENTRY,
    "scale": ENTRY, "rescue_medication": ENTRY, "adverse_event": ENTRY,
    "correction": ENTRY, "retraction": ENTRY,
    "treatment": RUN, "esketamine_plan": RUN, "nasal_device": RUN, "ready_to_leave": RUN,
    "early_transfer": RUN,
    "export": Permission.EXPORT_RECORD}
"""Who may do what, written out from the clinic's roles (nurses run the session and sign
it; a named clinician, nurse or prescriber, makes clinical entries), not read from the code."""

STEP_KINDS: dict[str, tuple[str, ...]] = {
    "check_in": ("check_in", "treatment"), "open_unchecked": ("check_in_skipped",),
    "confirm_baseline": ("baseline",),
    "record_measure": ("measure",), "acknowledge_flag": ("clinical_flag_acknowledged",),
    "confirm_plan": ("dose_plan",),
    "infusion_action": ("infusion_start", "infusion_pause", "infusion_resume",
                        "infusion_stop"),
    "begin_discharge": ("discharge_assessment_started", "early_transfer"),
    "confirm_esketamine": ("esketamine_plan",), "administer_device": ("nasal_device",),
    "ready_to_leave": ("ready_to_leave",),
    "record_discharge": ("discharge_criteria",), "sign_off": ("signature",),
    "end_session": ("session_end",), "record_entry": TIMELINE_ENTRIES,
    "correct": ("correction",), "retract": ("retraction",)}
"""Each of the workflow's steps and the table rows it asks the door with."""

READERS = {"infusion_allowed", "service_id", "acting", "restore"}
"""Not steps: what the room and the screens ask, and the resume from the fold."""


def test_every_step_and_timeline_entry_has_its_row_in_the_one_table() -> None:
    steps = {name for cls in SessionWorkflow.__mro__ for name, member in vars(cls).items()
             if callable(member) and not name.startswith("_")} - READERS
    assert steps == set(STEP_KINDS), "a workflow step without its row in the table"
    rows = {kind for kinds in STEP_KINDS.values() for kind in kinds} | {"export"}
    assert set(step_permissions()) == rows
    assert dict(step_permissions()) == CLINIC_RULES
    assert set(TIMELINE_ENTRIES) == {"annotation", "scale", "rescue_medication",
                                     "adverse_event"}


class NotingDoor:
    """A door that lets ``name`` act and notes each question, or refuses one permission."""

    def __init__(self, name: str, refuse: Permission | None = None) -> None:
        self.name, self.refuse = name, refuse
        self.asked: list[tuple[Permission, str]] = []

    def __call__(self, permission: Permission, target: str) -> str:
        self.asked.append((permission, target))
        if permission is self.refuse:
            raise NotAllowed(f"{self.name} may not {permission.value}", permission)
        return self.name


@pytest.fixture
def door_flow(database: Database) -> Iterator[tuple[SessionWorkflow, NotingDoor]]:
    service = SessionService.begin(database, SessionPlan("Ada Lovelace", 70.0), [],
                                   station="door-test")
    door = NotingDoor("nia")
    model = SessionModel(Engine(), AlarmSystem(default_profile()), [])
    flow = SessionWorkflow(model, clock=lambda: 1_800_000_000.0, door=door, service=service,
                           closer=lambda author, reason: service.close(author=author,
                                                                       reason=reason))
    yield flow, door
    if flow.service is not None:
        service.close()


def test_each_step_asks_the_door_with_its_rows_permission_and_records_its_answer(
        door_flow: tuple[SessionWorkflow, NotingDoor]) -> None:
    flow, door = door_flow
    assert flow.service is not None
    service = flow.service
    flow.check_in(GOOD)
    flow.confirm_baseline({SBP: 124.0, DBP: 78.0})
    flow.record_measure(score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 1]))
    flow.acknowledge_flag("suicidality", name="Dr Pia", action="risk assessed")
    flow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
    for action in ("start", "pause", "resume", "stop"):
        flow.infusion_action(action)
    note = flow.record_entry("annotation", {"text": "calm"})
    for kind, payload in (("scale", {"scale": "RASS", "score": 0}),
                          ("rescue_medication", {"drug": "Ondansetron", "dose": 4.0,
                                                 "unit": "mg", "route": "IV"}),
                          ("adverse_event", {"event": "Nausea / vomiting",
                                             "intervention": "none", "outcome": "resolved"})):
        flow.record_entry(kind, payload)
    flow.correct(note.seq, {"text": "calm, talking"}, reason="more precise")
    flow.retract(note.seq, reason="wrong patient")
    flow.begin_discharge()
    flow.record_discharge("Aldrete", {"activity": 2, "respiration": 2, "circulation": 2,
                                      "consciousness": 2, "spo2": 2})
    flow.sign_off("Nia Nurse")
    assert flow.end_session()
    asked = [target.split(": ")[1] for _, target in door.asked]
    assert asked == ["check_in", "baseline", "measure", "clinical_flag_acknowledged",
                     "dose_plan", "infusion_start", "infusion_pause", "infusion_resume",
                     "infusion_stop", "annotation", "scale", "rescue_medication",
                     "adverse_event", "correction", "retraction",
                     "discharge_assessment_started", "discharge_criteria", "signature",
                     "session_end"]
    assert [p for p, _ in door.asked] == [CLINIC_RULES[kind] for kind in asked]
    assert {t.split(": ")[0] for _, t in door.asked} == {f"session {service.session_id}"}
    events = timeline(service.database, service.session_id)
    by_person = {e.kind for e in events if e.author == "nia"}
    assert set(asked) <= by_person


def test_a_step_the_door_refuses_records_nothing_and_stays_where_it_was(
        door_flow: tuple[SessionWorkflow, NotingDoor]) -> None:
    flow, door = door_flow
    assert flow.service is not None
    door.refuse = Permission.RUN_SESSION
    with pytest.raises(NotAllowed):
        flow.check_in(GOOD)
    assert flow.step is Step.CHECK_IN and "check_in" not in _kinds(flow)
    door.refuse = None
    flow.check_in(GOOD)
    flow.confirm_baseline({SBP: 124.0})
    flow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
    door.refuse = Permission.RUN_SESSION
    for refused in (lambda: flow.infusion_action("start"),
                    lambda: flow.end_session(reason="test")):
        with pytest.raises(NotAllowed):
            refused()
    assert flow.step is Step.INFUSION and flow.session_open
    assert not {"infusion_start", "session_end"} & set(_kinds(flow))
    flow.record_entry("annotation", {"text": "a prescriber's note"})  # another permission
    with pytest.raises(WorkflowError, match="not made from the timeline"):
        flow.record_entry("infusion_start", {"action": "start"})
    assert "infusion_start" not in _kinds(flow)


@pytest.mark.parametrize("text", ["x\x1b[31mred", "ab\u202ecba", "a\r\nb", "a\tb", "x" * 4000])
def test_hostile_text_in_a_check_in_answer_a_note_or_a_reason_records_nothing(
        workflow: SessionWorkflow, text: str) -> None:
    with pytest.raises(WorkflowError) as refused:
        workflow.check_in(replace(GOOD, allergies=text))
    assert set(refused.value.problems) == {"allergies"}
    assert "check_in" not in _kinds(workflow)
    workflow.check_in(GOOD)
    before = _kinds(workflow)
    with pytest.raises(WorkflowError) as refused:
        workflow.record_entry("annotation", {"text": text, "free_text": True})
    assert set(refused.value.problems) == {"text"}
    with pytest.raises(WorkflowError) as refused:
        workflow.end_session(reason=text)
    assert set(refused.value.problems) == {"reason"}
    assert _kinds(workflow) == before
