"""A clinic room from its device profiles: one room builder, one session model, a life cycle."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from ketaconsole.bedside.room import Room, RoomOptions, StationBusy, build_room, room_place
from ketaconsole.devices.device_profiles import DeviceSetup, load_profile, room_specs, save_profile
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.dose import DosePlan
from ketaconsole.observations import PumpState
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.phase import Phase
from ketaconsole.session.workflow import Step
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions, timeline
from tests.core.store_support import wait_until
from tests.course_support import approved_patient
from tests.plan_support import ketamine_plan
from tests.room_support import log_in, serve_room

SPO2 = "MDC_PULS_OXIM_SAT_O2"
SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
GRACE = CheckIn("Grace Hopper", 52, 64.0, "none known", "none", "none", False, "none", 8.0, 3.0,
                True, "right forearm", True, mrn="MRN-1001", pregnancy="no")
ALAN = dataclasses.replace(GRACE, patient_name="Alan Turing", weight_kg=70.0, mrn="MRN-1002")
PUMP_NOW = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=0.0)
"""A story whose pump infuses from the start: 0.5 mg/kg of 1 mg/mL over 40 min, 52.5 mL/h."""


def _room(url: str, name: str) -> Room:
    database = open_database(url)
    try:
        specs = room_specs(database, name)
        for form in (GRACE, ALAN):  # both have an approved course
            approved_patient(database, form.patient_name, form.mrn)
    finally:
        database.dispose()
    room = build_room(specs, registry=DriverRegistry.discover(allowed=built_ins_only),
                      database_url=url,
                      options=RoomOptions(place=f"room {name}", station=f"station-{name}"))
    log_in(room)  # the nurse at the room's lock
    return room


@pytest.fixture
def clinic_room(tmp_path: Path) -> Iterator[tuple[str, Room]]:
    """Room 1 set up from profiles: an oximeter and a pump, simulators on real ptys."""
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    with ExitStack() as stack:
        serve_room(stack, url, "Room 1", PUMP_NOW,
                   [("Oximeter", "masimo-ascii"), ("Pump", "alaris-asena")])
        room = _room(url, "Room 1")
        try:
            yield url, room
        finally:
            room.stop()


def _through_plan(room: Room, plan: DosePlan) -> None:
    flow = room.workflow
    flow.check_in(GRACE)
    flow.confirm_baseline({SBP: 124.0, DBP: 78.0})
    flow.confirm_plan(plan)


def test_devices_run_before_check_in_and_the_record_opens_at_check_in(
        clinic_room: tuple[str, Room]) -> None:
    _, room = clinic_room
    wait_until(lambda: room.engine.latest(SPO2) is not None, 10, "SpO2 from the oximeter")
    assert room.database is not None and list_sessions(room.database) == []
    assert room.record.problem is not None and "check the patient in" in room.record.problem
    room.workflow.check_in(GRACE)
    assert room.service is not None and room.record.problem is None
    assert room.model.patient is not None and room.model.patient.name == "Grace Hopper"
    assert [s.patient for s in list_sessions(room.database)] == ["Grace Hopper"]


def test_the_nurses_plan_reaches_the_pump_check_and_a_disagreeing_pump_alarms(
        clinic_room: tuple[str, Room]) -> None:
    _, room = clinic_room
    # 0.5 mg/kg over 40 min at 0.667 mg/mL is 78.8 mL/h; the pump runs at 52.5 mL/h
    plan = ketamine_plan(70.0, 0.5, 40.0, 0.667)
    _through_plan(room, plan)
    assert room.model.plan == plan
    room.workflow.infusion_action("start")
    wait_until(lambda: any(a.alarm_id.startswith("pump-mismatch")
                           for a in room.alarms.active_alarms(time.time())),
               30, "the pump-vs-plan alarm")
    assert room.service is not None
    session_id = room.service.session_id
    assert room.database is not None
    wait_until(lambda: any(e.kind == "alarm" and "pump-mismatch" in str(e.payload)
                           for e in timeline(room.database, session_id)),
               10, "the mismatch alarm on the timeline")


def test_the_header_phase_is_the_nurses_and_the_pump_state_stands_beside_it(
        clinic_room: tuple[str, Room]) -> None:
    _, room = clinic_room
    _through_plan(room, ketamine_plan(64.0, 0.5, 40.0, 1.0))
    wait_until(lambda: room.model.now().pump_state is PumpState.INFUSING
               and room.model.now().infusion_started_at is not None, 15,
               "the pump's telemetry to date the infusion")
    now = room.model.now()
    assert now.phase is Phase.PRE_INFUSION  # the pump runs; the nurse has not pressed Start
    room.workflow.infusion_action("start")
    assert room.model.now().phase is Phase.INFUSION


def test_ending_the_session_readies_the_room_for_the_next_patient(
        clinic_room: tuple[str, Room]) -> None:
    _, room = clinic_room
    room.workflow.check_in(GRACE)
    assert room.service is not None and room.database is not None
    first = room.service.session_id
    with pytest.raises(Exception, match="Say why"):
        room.workflow.end_session()
    assert room.workflow.end_session(reason="patient declined the infusion")
    assert room.service is None and room.model.patient is None
    assert room.workflow.step is Step.CHECK_IN
    room.workflow.check_in(ALAN)
    assert room.service is not None and room.service.session_id != first
    sessions = {s.id: s.patient for s in list_sessions(room.database)}
    assert sessions == {first: "Grace Hopper", room.service.session_id: "Alan Turing"}
    ends = [e for e in timeline(room.database, first) if e.kind == "session_end"]
    assert ends and ends[0].payload["reason"] == "patient declined the infusion"


def test_a_second_console_with_the_same_station_name_is_refused(
        clinic_room: tuple[str, Room]) -> None:
    url, _ = clinic_room
    with pytest.raises(StationBusy, match="already running as station 'station-Room 1'"):
        _room(url, "Room 1")


def test_a_room_without_devices_says_how_to_add_them(tmp_path: Path) -> None:
    room = _room(f"sqlite:///{tmp_path / 'record.sqlite3'}", "Room 9")
    try:
        assert room.record.problem == ("no devices set up for room Room 9: add them in "
                                       "Devices, then restart the console")
        assert room.devices == []
    finally:
        room.stop()


def test_alarms_raised_before_check_in_reach_the_timeline_once_the_record_opens(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    save_profile(database, DeviceSetup("Oximeter", "Room 2", "masimo-ascii",
                                       str(tmp_path / "no-such-port")), by="technician")
    database.dispose()
    room = _room(url, "Room 2")
    try:
        wait_until(lambda: any("disconnected" in a.alarm_id
                               for a in room.alarms.active_alarms(time.time())),
                   10, "the disconnected-oximeter alarm")
        room.workflow.check_in(GRACE)
        assert room.service is not None and room.database is not None
        session_id, db = room.service.session_id, room.database
        wait_until(lambda: any(e.kind == "alarm" and "disconnected" in str(e.payload)
                               for e in timeline(db, session_id)),
                   10, "the held alarm event on the timeline")
    finally:
        room.stop()


def test_an_unfinished_session_resumes_only_for_the_same_patient(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    room = _room(url, "Room 3")
    room.workflow.check_in(GRACE)
    assert room.service is not None
    grace = room.service.session_id
    room.stop()  # the console stops without ending the session (as a crash would)
    room = _room(url, "Room 3")
    try:
        assert f"session {grace} of Grace Hopper was left unfinished" in (
            room.record.problem or "")
        room.workflow.check_in(GRACE)
        assert room.service is not None and room.service.session_id == grace
        assert room.service.resumed
    finally:
        room.stop()
    room = _room(url, "Room 3")
    try:
        room.workflow.check_in(ALAN)
        assert room.service is not None and room.service.session_id != grace
        assert room.database is not None
        kinds = [e.kind for e in timeline(room.database, grace, seals=False)]
        assert kinds[-2:] == ["gap", "session_end"]
        patients = {s.id: s.patient for s in list_sessions(room.database)}
        assert patients[grace] == "Grace Hopper"
        assert patients[room.service.session_id] == "Alan Turing"
    finally:
        room.stop()


def test_a_rooms_monitor_and_oximeter_both_send_spo2_and_the_profile_picks_the_primary(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    with ExitStack() as stack:
        serve_room(stack, url, "Room 2", PUMP_NOW,
                   [("Monitor", "intellivue-mib"), ("Oximeter", "masimo-ascii")])
        for primary_for in ((), (SPO2,)):
            database = open_database(url)
            try:
                monitor = load_profile(database, "Room 2", "Monitor").setup
                save_profile(database, dataclasses.replace(monitor, primary_for=primary_for),
                             by="technician")
            finally:
                database.dispose()
            room = _room(url, "Room 2")
            try:
                engine = room.engine
                wait_until(lambda: set(engine.senders(SPO2)) == {"Monitor", "Oximeter"},  # noqa: B023
                           timeout=30)
                chosen = room.engine.source(SPO2)
                assert chosen is not None and not chosen.stands_in
                # the dedicated oximeter by default; the monitor once its profile says so
                assert chosen.device_id == ("Monitor" if primary_for else "Oximeter")
                assert room.engine.trends.devices(SPO2) != []
            finally:
                room.stop()


def test_a_resumed_room_is_where_the_stopped_one_was_plan_phase_clock_and_pump_alarm(
        clinic_room: tuple[str, Room]) -> None:
    url, room = clinic_room
    plan = ketamine_plan(70.0, 0.5, 40.0, 0.667)  # 78.8 mL/h against the pump's 52.5 mL/h
    _through_plan(room, plan)
    room.workflow.infusion_action("start")
    wait_until(lambda: any(a.alarm_id.startswith("pump-mismatch")
                           for a in room.alarms.active_alarms(time.time())),
               30, "the pump-vs-plan alarm")
    assert room.service is not None
    session_id = room.service.session_id
    started_at = room.model.now().infusion_started_at
    assert started_at is not None
    room.stop()  # the console stops without ending the session (as a crash would)

    room = _room(url, "Room 1")
    try:
        room.workflow.check_in(GRACE)  # the same patient: the session resumes
        assert room.service is not None and room.service.session_id == session_id
        assert room.workflow.step is Step.INFUSION
        assert room.model.plan == plan
        now = room.model.now()
        assert now.phase is Phase.INFUSION and now.infusion_started_at == started_at
        resumed = time.time()
        assert any(a.alarm_id.startswith("pump-mismatch")
                   for a in room.alarms.active_alarms(resumed))
        # the pump still disagrees: after the sustain time the alarm is still the same one
        wait_until(lambda: (room.engine.pump(room.model.pump_channel or "") is not None
                            and time.time() > resumed + 12), 30, "twelve seconds of pump data")
        assert any(a.alarm_id.startswith("pump-mismatch")
                   for a in room.alarms.active_alarms(time.time()))
        assert room.database is not None
        ended = [e for e in timeline(room.database, session_id)
                 if e.kind == "alarm" and e.payload.get("kind") == "ended"
                 and str(e.payload.get("alarm_id")).startswith("pump-mismatch")]
        assert ended == []
        room.workflow.infusion_action("stop")  # carries on from Infusion
        assert room.workflow.step is Step.RECOVERY
    finally:
        room.stop()


@pytest.mark.parametrize(("name", "place"), [("3", "room 3"), ("Room 3", "Room 3"),
                                              ("room 12", "room 12"), ("Bay 2", "room Bay 2")])
def test_a_room_named_room_is_not_called_room_twice(name: str, place: str) -> None:
    assert room_place(name) == place
