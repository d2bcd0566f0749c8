"""Device profiles: saved per room, read back, replaced by name, deleted; bad input named."""

from __future__ import annotations

import pytest

from ketaconsole.devices.device_profiles import (
    DeviceSetup,
    ProfileProblems,
    UnknownProfileError,
    delete_profile,
    list_profiles,
    load_profile,
    read_line_settings,
    read_primary_for,
    room_specs,
    save_profile,
)
from ketaconsole.devices.port_discovery import SerialPort
from ketaconsole.sdk import LineSettings
from ketaconsole.store import Database

MONITOR = DeviceSetup("Monitor", "Room 1", "intellivue-mib", "/dev/ttyUSB0",
                      LineSettings(115200, 8, "N", 1), {"baudrate": "115200", "pleth": True})


def test_saved_profile_reads_back_with_its_settings(database: Database) -> None:
    saved = save_profile(database, MONITOR, by="tech.ana", clock=lambda: 1000.0)
    [listed] = list_profiles(database)
    assert listed.id == saved.id
    assert listed.setup == MONITOR
    assert listed.created_at == 1000.0
    assert load_profile(database, "Room 1", "Monitor").setup.line.baudrate == 115200


def test_saving_the_same_name_in_a_room_replaces_it_and_keeps_other_rooms(
        database: Database) -> None:
    save_profile(database, MONITOR, by="tech.ana")
    other_room = DeviceSetup("Monitor", "Room 2", "masimo-ascii", "/dev/ttyUSB3")
    save_profile(database, other_room, by="tech.ana")
    moved = DeviceSetup("Monitor", "Room 1", "intellivue-mib", "socket://moxa:4001",
                        LineSettings(19200, 8, "E", 1, rtscts=True), {"pleth": False})
    save_profile(database, moved, by="tech.ben")
    profiles = list_profiles(database)
    assert [(p.setup.room, p.setup.port) for p in profiles] == [
        ("Room 1", "socket://moxa:4001"), ("Room 2", "/dev/ttyUSB3")]
    assert profiles[0].setup.line == moved.line
    assert [p.setup.room for p in list_profiles(database, "Room 2")] == ["Room 2"]


def test_deleted_profile_is_gone_and_deleting_it_again_says_so(database: Database) -> None:
    save_profile(database, MONITOR, by="tech.ana")
    delete_profile(database, "Room 1", "Monitor", by="tech.ana")
    assert list_profiles(database) == []
    with pytest.raises(UnknownProfileError, match="has no device profile 'Monitor'"):
        delete_profile(database, "Room 1", "Monitor", by="tech.ana")


def test_incomplete_profile_is_refused_field_by_field_and_nothing_is_stored(
        database: Database) -> None:
    with pytest.raises(ProfileProblems) as refused:
        save_profile(database, DeviceSetup(" ", "", "masimo-ascii", ""), by="tech.ana")
    assert set(refused.value.problems) == {"name", "room", "port"}
    assert "such as /dev/ttyUSB0" in refused.value.problems["port"]
    assert list_profiles(database) == []


def test_hostile_profile_and_room_names_are_refused_by_the_text_rule(
        database: Database) -> None:
    with pytest.raises(ProfileProblems) as refused:
        save_profile(database, DeviceSetup("Mon\x1b[2Jitor", "Room\u202e1", "masimo-ascii",
                                           "/dev/ttyUSB0"), by="tech.ana")
    assert refused.value.problems == {
        "name": "the profile name contains a line break, tab, control or text-direction "
                "character; type it again as one line of plain text",
        "room": "the room name contains a line break, tab, control or text-direction "
                "character; type it again as one line of plain text"}
    with pytest.raises(ProfileProblems, match="has 101 characters; the record keeps at most 100"):
        save_profile(database, DeviceSetup("M" * 101, "Room 1", "masimo-ascii",
                                           "/dev/ttyUSB0"), by="tech.ana")
    assert list_profiles(database) == []


def test_typed_line_settings_become_line_settings() -> None:
    line = read_line_settings({"baudrate": " 19200", "bytesize": "7", "parity": "E",
                               "stopbits": "2", "flow": "rtscts"})
    assert line == LineSettings(19200, 7, "E", 2, xonxoff=False, rtscts=True)


def test_bad_line_settings_name_each_field() -> None:
    with pytest.raises(ProfileProblems) as refused:
        read_line_settings({"baudrate": "fast", "bytesize": "9", "parity": "Q",
                            "stopbits": "3", "flow": "smoke"})
    problems = refused.value.problems
    assert set(problems) == {"baudrate", "bytesize", "parity", "stopbits", "flow"}
    assert "'fast'" in problems["baudrate"]


def test_usb_port_is_described_with_its_vendor_and_product_ids() -> None:
    port = SerialPort("/dev/ttyUSB0", "FT232R USB UART", 0x0403, 0x6001)
    assert port.usb_id == "0403:6001"
    assert port.describe() == "/dev/ttyUSB0 \u2014 FT232R USB UART \u2014 USB 0403:6001"
    assert SerialPort("/dev/ttyS0", "n/a").describe() == "/dev/ttyS0"


def test_a_rooms_specs_carry_the_metrics_each_device_is_primary_for(
        database: Database) -> None:
    save_profile(database, DeviceSetup("Monitor", "Room 1", "intellivue-mib", "/dev/ttyUSB1",
                                       primary_for=read_primary_for("NIBP, SpO2")), by="tech")
    save_profile(database, DeviceSetup("Oximeter", "Room 1", "masimo-ascii", "/dev/ttyUSB2"),
                 by="tech")
    specs = {spec.device_id: spec for spec in room_specs(database, "Room 1")}
    assert specs["Monitor"].primary_for == {
        "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA", "MDC_PRESS_BLD_NONINV_MEAN",
        "MDC_PULS_OXIM_SAT_O2"}
    assert specs["Oximeter"].primary_for == frozenset()


def test_a_metric_typed_wrong_is_named_with_the_names_to_use() -> None:
    with pytest.raises(ProfileProblems) as refused:
        read_primary_for("SpO2, oxygen")
    assert "'oxygen' is not a metric the console knows" in str(refused.value)
    assert "SpO\u2082" in str(refused.value) and "NIBP" in str(refused.value)
