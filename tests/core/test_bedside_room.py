"""A real room: its saved device profiles run at once; the record opens at check-in."""

from __future__ import annotations

import time
from pathlib import Path

from ketaconsole.bedside import BedsideSession
from ketaconsole.checkin import CheckIn
from ketaconsole.device_profiles import DeviceSetup, save_profile
from ketaconsole.registry import DriverRegistry, built_ins_only
from ketaconsole.sim_host import PtyDeviceHost
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions, timeline
from ketaconsole.virtual_patient import VirtualPatient
from tests.core.store_support import wait_until

SPO2 = "MDC_PULS_OXIM_SAT_O2"
GOOD = CheckIn("Grace Hopper", 52, 64.0, "none known", "none", "none", False, "none", 5.0,
               True, 15, "right forearm", True)


def test_room_devices_run_before_check_in_and_are_recorded_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")
    assert driver.create_simulator is not None
    with PtyDeviceHost(driver.create_simulator(VirtualPatient(start=time.time()), {})) as host:
        database = open_database(url)
        save_profile(database, DeviceSetup("Oximeter", "Room 1", "masimo-ascii", host.path),
                     by="technician")
        bedside = BedsideSession.for_room("Room 1", database_url=url)
        try:
            wait_until(lambda: bedside.engine.latest(SPO2) is not None, 10,
                       "SpO2 from the room's oximeter")
            assert list_sessions(database) == []
            assert bedside.record.problem is not None
            assert "check the patient in" in bedside.record.problem
            bedside.workflow.check_in(GOOD, author="Nurse")
            assert bedside.service is not None and bedside.record.problem is None
            session_id = bedside.service.session_id
            bedside.service.recorder.flush()
            wait_until(lambda: bedside.service is not None and any(
                e.kind == "check_in" for e in timeline(database, session_id)), 10, "check-in")
            sessions = list_sessions(database)
            assert [s.patient for s in sessions] == ["Grace Hopper"]
        finally:
            bedside.stop()
            database.dispose()


def test_a_room_without_devices_says_how_to_add_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    bedside = BedsideSession.for_room("Room 9", database_url=url)
    try:
        assert bedside.record.problem == ("no devices set up for room Room 9: add them in "
                                          "Devices, then restart the console")
        assert bedside.links == []
    finally:
        bedside.stop()


def test_alarms_raised_before_check_in_reach_the_timeline_once_the_record_opens(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    save_profile(database, DeviceSetup("Oximeter", "Room 2", "masimo-ascii",
                                       str(tmp_path / "no-such-port")), by="technician")
    bedside = BedsideSession.for_room("Room 2", database_url=url)
    try:
        assert bedside.alarms is not None
        wait_until(lambda: bedside.alarms is not None and any(
            "disconnected" in a.alarm_id for a in bedside.alarms.active_alarms(time.time())),
            10, "the disconnected-oximeter alarm")
        bedside.workflow.check_in(GOOD, author="Nurse")
        assert bedside.service is not None
        session_id = bedside.service.session_id
        wait_until(lambda: any(e.kind == "alarm" and "disconnected" in str(e.payload)
                               for e in timeline(database, session_id)),
                   10, "the held alarm event on the timeline")
    finally:
        bedside.stop()
        database.dispose()
