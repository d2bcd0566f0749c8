"""The session's state is one pure fold of its typed events: each fact read from the record."""

from __future__ import annotations

from typing import Any

import pytest

from ketaconsole.dose import DosePlan
from ketaconsole.session.phase import Phase
from ketaconsole.session.state import Step, fold
from ketaconsole.store.timeline import GENESIS_HASH, StoredEvent

T0 = 1_790_000_000.0
PLAN = DosePlan(70.0, 0.5, 40.0, 1.0)
CHECK_IN = {"patient_name": "Grace Hopper", "age_years": 52, "weight_kg": 70.0,
            "allergies": "none", "current_medication": "none", "substance_use": "none",
            "psychosis_or_mania": False, "bp_history": "none", "fasting_hours": 6.0,
            "consent_signed": True, "iv_site": "left forearm", "escort_present": True,
            "mrn": "MRN-1", "date_of_birth": "", "patient_id": 1}


class Timeline:
    """Events as the recorder stores them, one sequence number after the other."""

    def __init__(self) -> None:
        self.events: list[StoredEvent] = []

    def add(self, kind: str, payload: dict[str, Any] | None = None, *, at: float = 0.0,
            corrects: int | None = None) -> int:
        seq = len(self.events) + 1
        self.events.append(StoredEvent(1, seq, T0 + at, kind, "nurse", payload or {},
                                       corrects, GENESIS_HASH, GENESIS_HASH))
        return seq


def _session(devices: list[dict[str, Any]] | None = None) -> Timeline:
    line = Timeline()
    line.add("session_start", {"patient": "Grace Hopper", "weight_kg": 70.0,
                               "phase": "Pre-infusion", "station": "bay-1",
                               "devices": devices or []})
    return line


def test_an_empty_session_is_at_check_in_before_dosing() -> None:
    state = fold(_session().events)
    assert state.step is Step.CHECK_IN and state.phase is Phase.PRE_INFUSION
    assert state.plan is None and not state.infused and state.unchecked
    assert state.patient == "Grace Hopper" and state.station == "bay-1"


def test_the_nurses_steps_move_the_step_the_phase_and_the_clock() -> None:
    line = _session()
    line.add("check_in", CHECK_IN, at=10)
    line.add("baseline", {"values": {"MDC_PRESS_BLD_NONINV_SYS": 124.0}}, at=20)
    line.add("dose_plan", PLAN.order_record(), at=30)
    line.add("infusion_start", {"action": "start"}, at=40)
    line.add("phase", {"phase": "Infusion"}, at=40)
    assert fold(line.events).step is Step.INFUSION
    line.add("infusion_pause", {"action": "pause", "reason": "nausea"}, at=100)
    line.add("phase", {"phase": "Infusion paused"}, at=100)
    paused = fold(line.events)
    assert paused.phase is Phase.PAUSED and paused.infusion.paused
    line.add("infusion_resume", {"action": "resume"}, at=160)
    line.add("infusion_stop", {"action": "stop"}, at=2500)
    line.add("phase", {"phase": "Recovery"}, at=2500)
    line.add("discharge_assessment_started", at=4000)
    line.add("discharge_criteria", {"scale": "Aldrete", "items": {"activity": 2},
                                    "total": 10, "criteria_met": True}, at=4100)
    line.add("signature", {"signer": "Kim Nurse", "role": "nurse",
                           "meaning": "discharge sign-off"}, at=4200)
    line.add("session_end", {}, at=4300)
    state = fold(line.events)
    assert state.step is Step.DONE and state.signed_by == "Kim Nurse"
    assert not state.unchecked and state.plan == PLAN and state.baseline == {
        "MDC_PRESS_BLD_NONINV_SYS": 124.0}
    assert state.phase is Phase.RECOVERY  # the last phase the nurse recorded
    assert state.infusion.started_at == T0 + 40 and state.infusion.stopped_at == T0 + 2500
    assert state.infusion.running_seconds(T0 + 5000) == pytest.approx(2400.0)
    assert state.ended and state.ended_at == T0 + 4300 and not state.interrupted


def test_a_session_opened_without_the_checklist_folds_as_unchecked_and_says_why() -> None:
    line = _session()
    line.add("check_in_skipped", {"reason": "recorded without a checklist"})
    line.add("dose_plan", PLAN.order_record())
    state = fold(line.events)
    assert state.unchecked and state.check_in_skipped == "recorded without a checklist"
    assert state.plan == PLAN and state.step is Step.INFUSION
    line.add("check_in", CHECK_IN)  # an earlier record's single fasting answer reads too
    checked = fold(line.events)
    assert not checked.unchecked and checked.check_in is not None
    assert checked.check_in["fasting_hours"] == 6.0


def test_the_last_confirmed_plan_is_the_plan_and_an_invalid_one_says_why() -> None:
    line = _session()
    line.add("dose_plan", PLAN.order_record())
    second = DosePlan(70.0, 0.6, 40.0, 1.0)
    line.add("dose_plan", second.order_record())
    state = fold(line.events)
    assert state.plan == second and state.plans_confirmed == 2
    line.add("dose_plan", {**PLAN.order_record(), "weight_kg": 0})
    broken = fold(line.events)
    assert broken.plan is None
    assert broken.plan_problem is not None and "Weight" in broken.plan_problem


def test_a_correction_replaces_the_entry_and_a_retraction_withdraws_it() -> None:
    line = _session()
    planned = line.add("dose_plan", PLAN.order_record())
    line.add("correction", {"reason": "typed 0.5 for 0.4",
                            "corrected": DosePlan(70.0, 0.4, 40.0, 1.0).order_record()},
             corrects=planned)
    assert fold(line.events).plan == DosePlan(70.0, 0.4, 40.0, 1.0)
    line.add("retraction", {"reason": "entered for the wrong patient"}, corrects=planned)
    state = fold(line.events)
    assert state.plan is None and state.plans_confirmed == 0


def test_the_pumps_telemetry_is_the_infusion_where_the_room_has_a_pump() -> None:
    line = _session([{"device_id": "monitor", "kind": "monitor"},
                     {"device_id": "pump", "kind": "pump"}])
    line.add("dose_plan", PLAN.order_record(), at=5)
    line.add("pump_state", {"device": "pump", "state": "infusing"}, at=12)
    line.add("infusion_start", {"action": "start"}, at=20)  # the nurse presses Start later
    line.add("pump_state", {"device": "pump", "state": "stopped"}, at=2412)
    state = fold(line.events)
    assert state.pump == "pump" and state.pump_channel == "pump"
    assert state.infusion.started_at == T0 + 12 and state.infusion.stopped_at == T0 + 2412
    assert state.infused


def test_a_stations_infusing_slot_is_the_channel() -> None:
    line = _session([{"device_id": "station", "kind": "pump"}])
    line.add("pump_state", {"device": "station/1", "state": "standby"}, at=1)
    line.add("pump_state", {"device": "station/2", "state": "infusing"}, at=2)
    state = fold(line.events)
    assert state.pump == "station" and state.pump_channel == "station/2"
    assert state.infusion.started_at == T0 + 2


def test_open_flags_follow_measures_and_acknowledgements() -> None:
    line = _session()
    line.add("measure", {"instrument": "PHQ-9", "total": 14, "items": [2] * 7,
                         "flags": ["suicidality"]}, at=1)
    assert fold(line.events).open_flags == {"suicidality"}
    line.add("clinical_flag_acknowledged", {"flag": "suicidality",
                                            "acknowledged_by": "Dr Pia",
                                            "action": "safe to proceed"}, at=2)
    state = fold(line.events)
    assert state.open_flags == frozenset() and len(state.measures) == 1
    assert state.measures[0]["at"] == T0 + 1


def test_events_in_any_order_fold_the_same() -> None:
    line = _session()
    line.add("check_in", CHECK_IN)
    line.add("dose_plan", PLAN.order_record())
    line.add("infusion_start", {"action": "start"}, at=3)
    assert fold(reversed(line.events)) == fold(line.events)


def test_an_interrupted_session_says_so() -> None:
    line = _session()
    line.add("session_end", {"reason": "the next patient was checked in", "interrupted": True})
    state = fold(line.events)
    assert state.ended and state.interrupted
