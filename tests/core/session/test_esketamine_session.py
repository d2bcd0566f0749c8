"""An esketamine nasal session: its own order (no pump, no mg/kg), each device on the
timeline with its time, the two-hour minimum before discharge (an earlier transfer of care
only with a reason), the three REMS blood pressures overdue as alarms, SpO2 throughout;
all of it read back by the one fold of the session's events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ketaconsole.alarms import AlarmSystem, Priority, default_profile
from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.session.checks import BpReminder
from ketaconsole.session.esketamine import (
    BP_AT_40,
    BP_AT_END,
    BP_BEFORE,
    NasalOrder,
    bp_checks,
)
from ketaconsole.session.events import sentence
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase
from ketaconsole.session.state import SessionState, fold
from ketaconsole.session.treatment import Treatment
from ketaconsole.session.workflow import SessionWorkflow, Step, WorkflowError
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.review import timeline
from tests.core.session.test_workflow import GOOD, NURSE
from tests.plan_support import ketamine_plan
from tests.room_support import acting_as

T0 = 1_800_000_000.0
MINUTE = 60.0


@dataclass
class Clock:
    now: float = T0

    def __call__(self) -> float:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@dataclass
class Bedside:
    workflow: SessionWorkflow
    clock: Clock
    engine: Engine
    alarms: AlarmSystem
    service: SessionService


@pytest.fixture
def bedside(database: Database) -> Iterator[Bedside]:
    clock = Clock()
    service = SessionService.begin(database, SessionPlan("Ada Lovelace", 70.0), [],
                                   station="esketamine-test", clock=clock)
    engine = Engine(clock=clock)
    alarms = AlarmSystem(default_profile())
    model = SessionModel(engine, alarms, [])
    flow = SessionWorkflow(model, clock=clock, door=acting_as(NURSE), service=service)
    model.open(service.session_id, GOOD.patient())
    yield Bedside(flow, clock, engine, alarms, service)
    service.close()


def _state(bedside: Bedside) -> SessionState:
    return fold(timeline(bedside.service.database, bedside.service.session_id))


def _dosed(bedside: Bedside, dose_mg: int = 56) -> None:
    flow = bedside.workflow
    flow.check_in(GOOD, treatment=Treatment.ESKETAMINE)
    flow.confirm_baseline({NIBP_SYS.refid: 124.0, NIBP_DIA.refid: 78.0})
    flow.confirm_esketamine(NasalOrder(dose_mg, "LOT-2291"))
    for _ in range(dose_mg // 28):
        flow.administer_device()
        bedside.clock.forward(5)


def test_each_device_is_on_the_timeline_with_its_time_and_the_fold_reads_them_back(
        bedside: Bedside) -> None:
    _dosed(bedside, 84)
    flow = bedside.workflow
    assert flow.step is Step.RECOVERY and flow.model.phase is Phase.MONITORING
    state = _state(bedside)
    assert state.nasal.treatment is Treatment.ESKETAMINE
    assert (state.nasal.dose_mg, state.nasal.lot) == (84, "LOT-2291")
    assert state.nasal.devices_at == (T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE)
    assert state.nasal == flow.model.nasal  # the live model folds the same events
    assert state.step is Step.RECOVERY and state.plan is None
    sentences = [sentence(e.kind, e.payload) for e in timeline(
        bedside.service.database, bedside.service.session_id)]
    assert "Device 1 administered" in sentences
    assert "Esketamine nasal spray 84 mg (3 devices), lot LOT-2291" in sentences
    with pytest.raises(WorkflowError, match="All 3 devices"):
        flow.administer_device()


def test_a_dose_the_clinic_does_not_allow_is_refused_in_one_sentence(
        bedside: Bedside) -> None:
    flow = bedside.workflow
    flow.esketamine_doses = (56,)
    flow.check_in(GOOD, treatment=Treatment.ESKETAMINE)
    flow.confirm_baseline({NIBP_SYS.refid: 124.0, NIBP_DIA.refid: 78.0})
    with pytest.raises(WorkflowError) as refused:
        flow.confirm_esketamine(NasalOrder(84))
    assert str(refused.value) == "An esketamine dose of 84 mg is not allowed here; give 56 mg."
    assert "esketamine_plan" not in [e.kind for e in timeline(
        bedside.service.database, bedside.service.session_id)]


def test_an_esketamine_session_has_no_pump_plan_and_no_infusion_steps(
        bedside: Bedside) -> None:
    flow = bedside.workflow
    flow.check_in(GOOD, treatment=Treatment.ESKETAMINE)
    flow.confirm_baseline({NIBP_SYS.refid: 124.0, NIBP_DIA.refid: 78.0})
    with pytest.raises(WorkflowError, match="not a pump plan"):
        flow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
    flow.confirm_esketamine(NasalOrder(56))
    with pytest.raises(WorkflowError, match="record each device"):
        flow.infusion_action("start")


def test_discharge_before_two_hours_is_refused_without_a_reason_and_recorded_with_one(
        bedside: Bedside) -> None:
    _dosed(bedside)  # first device at T0
    bedside.clock.now = T0 + 90 * MINUTE
    flow = bedside.workflow
    with pytest.raises(WorkflowError) as refused:
        flow.begin_discharge()
    assert "monitored 90 min" in str(refused.value) and "wait 30 min" in str(refused.value)
    assert flow.step is Step.RECOVERY
    flow.begin_discharge(early_reason="transferred to the emergency department")
    assert flow.step is Step.DISCHARGE
    state = _state(bedside)
    assert state.nasal.early_transfer == "transferred to the emergency department"
    assert state.step is Step.DISCHARGE


def test_discharge_after_two_hours_needs_no_reason(bedside: Bedside) -> None:
    _dosed(bedside)
    flow = bedside.workflow
    bedside.clock.now = T0 + 110 * MINUTE
    flow.ready_to_leave(T0 + 95 * MINUTE)
    bedside.clock.now = T0 + 120 * MINUTE
    flow.begin_discharge()
    state = _state(bedside)
    assert state.nasal.early_transfer is None
    assert state.nasal.ready_to_leave_at == T0 + 95 * MINUTE
    with pytest.raises(WorkflowError, match="between the first device and now"):
        flow.ready_to_leave(T0 + 200 * MINUTE)


def test_the_countdown_runs_from_the_first_device(bedside: Bedside) -> None:
    _dosed(bedside)
    nasal = bedside.workflow.model.nasal
    assert nasal.countdown(T0 + 48 * MINUTE) == "Two-hour minimum: 1 h 12 min left"
    assert nasal.countdown(T0 + 120 * MINUTE) == "Two-hour minimum reached"


def _bp(engine: Engine, at: float) -> None:
    engine.ingest([Numeric("monitor", NIBP_SYS.refid, 132.0, "mmHg", at),
                   Numeric("monitor", NIBP_DIA.refid, 84.0, "mmHg", at)])


def _spo2(engine: Engine, at: float) -> None:
    engine.ingest([Numeric("oximeter", SPO2.refid, 97.0, "%", at)])


def _labels(bedside: Bedside, now: float) -> dict[str, Priority | None]:
    bedside.alarms.evaluate(now)
    return {a.label: a.priority for a in bedside.alarms.active_alarms(now)}


def test_the_three_bp_checks_fall_due_and_raise_an_alarm_when_overdue(
        bedside: Bedside) -> None:
    remind = BpReminder(bedside.alarms, bedside.engine, bedside.workflow.model)
    engine, clock = bedside.engine, bedside.clock
    bedside.workflow.check_in(GOOD, treatment=Treatment.ESKETAMINE)
    _spo2(engine, clock.now)
    remind(clock.now)
    assert "Blood pressure check overdue" not in _labels(bedside, clock.now)  # due now
    clock.forward(11)
    _spo2(engine, clock.now)
    remind(clock.now)
    assert "Blood pressure check overdue" in _labels(bedside, clock.now)  # none before
    _bp(engine, clock.now)
    remind(clock.now)
    assert "Blood pressure check overdue" not in _labels(bedside, clock.now)
    bedside.workflow.confirm_baseline({NIBP_SYS.refid: 132.0, NIBP_DIA.refid: 84.0})
    bedside.workflow.confirm_esketamine(NasalOrder(56))
    clock.forward(1)
    first = clock.now
    bedside.workflow.administer_device()
    bedside.workflow.administer_device()
    for minutes, overdue in ((45, False), (51, True)):
        clock.now = first + minutes * MINUTE
        _spo2(engine, clock.now)
        remind(clock.now)
        assert ("Blood pressure check overdue" in _labels(bedside, clock.now)) is overdue
    _bp(engine, clock.now)  # the 40-minute reading, late
    remind(clock.now)
    assert "Blood pressure check overdue" not in _labels(bedside, clock.now)
    clock.now = first + 116 * MINUTE
    _spo2(engine, clock.now)
    remind(clock.now)
    before, at_40, at_end = remind.esketamine_checks()
    assert before.taken_at is not None and at_40.taken_at == first + 51 * MINUTE
    assert at_end.taken_at is None and at_end.text(clock.now) == \
        f"{BP_AT_END}: due now"
    clock.now = first + 121 * MINUTE
    _spo2(engine, clock.now)
    remind(clock.now)
    bedside.alarms.evaluate(clock.now)
    overdue = [a for a in bedside.alarms.active_alarms(clock.now)
               if a.label == "Blood pressure check overdue"]
    assert overdue and BP_AT_END in overdue[0].message


def test_spo2_is_monitored_throughout_a_technical_alarm_without_an_oximeter(
        bedside: Bedside) -> None:
    remind = BpReminder(bedside.alarms, bedside.engine, bedside.workflow.model)
    bedside.workflow.check_in(GOOD, treatment=Treatment.ESKETAMINE)
    _bp(bedside.engine, T0)
    remind(T0)
    assert _labels(bedside, T0).get("SpO2 not monitored") is Priority.MEDIUM
    _spo2(bedside.engine, T0 + 1)
    remind(T0 + 1)
    assert "SpO2 not monitored" not in _labels(bedside, T0 + 1)


def test_an_iv_session_raises_no_spo2_alarm_of_the_esketamine_rule(bedside: Bedside) -> None:
    remind = BpReminder(bedside.alarms, bedside.engine, bedside.workflow.model)
    bedside.workflow.check_in(GOOD)
    _bp(bedside.engine, T0)
    remind(T0)
    assert "SpO2 not monitored" not in _labels(bedside, T0)
    assert not bedside.workflow.model.nasal.esketamine


def test_which_bp_is_missing_is_named() -> None:
    from ketaconsole.session.esketamine import NasalRecord

    record = NasalRecord(Treatment.ESKETAMINE, 56, "", (T0,))
    readings = [T0 - 5 * MINUTE, T0 + 45 * MINUTE]
    before, at_40, at_end = bp_checks(record, readings, T0 - 20 * MINUTE)
    assert before.name == BP_BEFORE and before.taken_at == T0 - 5 * MINUTE
    assert at_40.name == BP_AT_40 and at_40.taken_at == T0 + 45 * MINUTE
    assert at_end.taken_at is None
    late = bp_checks(record, [T0 - 5 * MINUTE, T0 + 119 * MINUTE], T0 - 20 * MINUTE)
    assert late[1].taken_at is None  # a reading at the end is no 40-minute one
    assert late[2].taken_at == T0 + 119 * MINUTE


def test_no_reading_before_the_first_device_is_named_missed_not_an_alarm_for_ever() -> None:
    from ketaconsole.session.esketamine import NasalRecord

    record = NasalRecord(Treatment.ESKETAMINE, 56, "", (T0,))
    before, _, _ = bp_checks(record, [T0 + 41 * MINUTE], T0 - 20 * MINUTE)
    assert before.missed and not before.late(T0 + 60 * MINUTE)
    assert before.text(T0 + 60 * MINUTE) == f"{BP_BEFORE}: not taken"


def test_moaas_and_cadss_fall_due_at_the_clinics_times_until_scored(bedside: Bedside) -> None:
    from ketaconsole.session.esketamine import scale_check

    _dosed(bedside)  # first device at T0
    flow = bedside.workflow
    assert scale_check(flow.model.nasal, T0 + 39 * MINUTE) is None
    assert scale_check(flow.model.nasal, T0 + 41 * MINUTE) == "MOAA/S and CADSS due now"
    bedside.clock.now = T0 + 41 * MINUTE
    flow.record_entry("scale", {"scale": "MOAA/S", "score": 5,
                                "meaning": "responds readily to name spoken in normal tone"})
    assert scale_check(flow.model.nasal, T0 + 42 * MINUTE) is None
    assert scale_check(flow.model.nasal, T0 + 101 * MINUTE) == "MOAA/S and CADSS due now"
    assert _state(bedside).nasal.scored_at == (T0 + 41 * MINUTE,)
