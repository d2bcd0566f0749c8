"""The Devices screen: drivers, line and driver settings, a live test on a real pty, profiles."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.devices.device_profiles import list_profiles
from ketaconsole.devices.registry import BrokenDriver, DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.observations import LinkStatus
from ketaconsole.security import Action, Role
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from ketaconsole.store import Database, open_database
from tests.core.security_support import NAMES, PINS, staff
from ui.devices.devices_screen import DevicesScreen

REGISTRY = DriverRegistry.discover(allowed=built_ins_only)
TEXT_COLUMN = len("03:34:21.038 RX") + 2 + 16 * 3 - 1 + 2
"""Where the printable text starts on a raw-byte line (after time, direction and hex)."""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def security(database: Database) -> BedsideSecurity:
    """The console's lock and guard, with a technician logged in."""
    security = BedsideSecurity(database)
    staff(database, security.audit)
    security.lock.unlock(NAMES[Role.TECHNICIAN], PINS[Role.TECHNICIAN])
    return security


@pytest.fixture
def screen(qtbot: QtBot, database: Database,
           security: BedsideSecurity) -> Iterator[DevicesScreen]:
    widget = DevicesScreen(REGISTRY, database, security.console, room="Room 1")
    qtbot.addWidget(widget)
    widget.resize(900, 800)
    widget.show()
    yield widget
    widget.shutdown()


def test_driver_list_shows_every_installed_driver_and_broken_plugins_with_their_error(
        qtbot: QtBot) -> None:
    broken = BrokenDriver("acme-vent", "acme-drivers", "ImportError: no module named acme")
    registry = DriverRegistry({i.driver.info.slug: i for i in REGISTRY.installed()}, [broken])
    widget = DevicesScreen(registry, None, None)
    qtbot.addWidget(widget)
    items = [widget.drivers.item(row) for row in range(widget.drivers.count())]
    slugs = [i.data(Qt.ItemDataRole.UserRole) for i in items if i.data(Qt.ItemDataRole.UserRole)]
    assert slugs == REGISTRY.slugs and "masimo-ascii" in slugs
    [shown_broken] = [i for i in items if "acme-vent" in i.text()]
    assert "ImportError: no module named acme" in shown_broken.text()
    assert not shown_broken.flags() & Qt.ItemFlag.ItemIsSelectable
    assert not widget.profile_page.save_button.isEnabled()


def test_choosing_a_driver_prefills_its_line_and_renders_its_settings_schema(
        screen: DevicesScreen) -> None:
    assert screen.choose_driver("intellivue-mib")
    info = REGISTRY.get("intellivue-mib").info
    assert screen.line_form.baudrate.text() == "115200"
    assert screen.line_form.parity.currentData() == info.line.parity
    assert "reverse-engineered" in screen.details.text() or "published" in screen.details.text()
    fields = screen.settings_form.form.fields
    assert list(fields) == [s.key for s in info.settings]
    for setting in info.settings:
        expected = {"choice": QComboBox, "bool": QCheckBox}.get(setting.type, QLineEdit)
        assert isinstance(fields[setting.key], expected), setting.key
    baud_setting = fields["baudrate"]
    assert isinstance(baud_setting, QComboBox)
    [baud_field] = [s for s in info.settings if s.key == "baudrate"]
    other = next(c for c in baud_field.choices if c != "115200")
    baud_setting.setCurrentText(other)
    assert screen.line_form.baudrate.text() == other
    assert screen.choose_driver("alaris-asena")
    assert screen.line_form.baudrate.text() == "38400"
    assert list(screen.settings_form.form.fields) == [
        s.key for s in REGISTRY.get("alaris-asena").info.settings]


def test_bad_values_are_explained_beside_their_fields_and_the_typing_is_kept(
        screen: DevicesScreen) -> None:
    screen.choose_driver("alaris-asena")
    poll = screen.settings_form.form.fields["poll_s"]
    assert isinstance(poll, QLineEdit)
    poll.setText("often")
    screen.line_form.baudrate.setText("fast")
    screen.port.setText("")
    screen.start_test()
    assert not screen.test.running
    assert "'often'" in screen.settings_form.form.errors["poll_s"].text()
    assert not screen.settings_form.form.errors["poll_s"].isHidden()
    assert "'fast'" in screen.line_form.form.errors["baudrate"].text()
    assert "such as /dev/ttyUSB0" in screen.port_fields.errors["port"].text()
    assert poll.text() == "often" and screen.line_form.baudrate.text() == "fast"


def test_test_connection_shows_raw_bytes_decoded_values_and_the_link_state_then_stops(
        qtbot: QtBot, screen: DevicesScreen) -> None:
    driver = REGISTRY.get("masimo-ascii")
    assert driver.create_simulator is not None
    patient = VirtualPatient(SCENARIOS["normal"], start=time.time(), speed=1.0)
    simulator = driver.create_simulator(patient, driver.info.resolve_settings({}))
    with PtyDeviceHost(simulator) as host:
        screen.choose_driver("masimo-ascii")
        screen.port.setText(host.path)
        screen.start_test()
        assert screen.tabs.currentIndex() == 1
        test = screen.test
        qtbot.waitUntil(lambda: test.link_status is LinkStatus.CONNECTED, timeout=10000)
        qtbot.waitUntil(lambda: any(r[1].endswith("(MDC_PULS_OXIM_SAT_O2)")
                                    for r in test.rows()), timeout=10000)
        assert "connected" in test.state.text()
        raw = test.raw.toPlainText()
        assert " RX  " in raw
        printable = "".join(line[TEXT_COLUMN:] for line in raw.splitlines())
        assert "SPO2=" in printable and "BPM=" in printable
        [spo2] = [r for r in test.rows() if r[1].endswith("(MDC_PULS_OXIM_SAT_O2)")]
        assert spo2[0] == "numeric" and spo2[3] == "%"
        assert spo2[2] == "invalid" or 50 <= float(spo2[2]) <= 100
        assert test.bytes_received > 0
        with qtbot.waitSignal(test.stopped, timeout=10000):
            test.stop_button.click()
        assert not test.running and "Stopped" in test.state.text()
        assert screen.test_button.isEnabled()


def test_saved_profile_is_stored_listed_loaded_and_deleted(
        qtbot: QtBot, screen: DevicesScreen, database: Database) -> None:
    profiles = screen.profile_page
    screen.choose_driver("bbraun-bcc")
    screen.port.setText("socket://station-1:4001")
    screen.line_form.baudrate.setText("19200")
    screen.line_form.flow.setCurrentIndex(screen.line_form.flow.findData("rtscts"))
    poll = screen.settings_form.form.fields["poll_s"]
    assert isinstance(poll, QLineEdit)
    poll.setText("2.5")
    profiles.profile_name.setText("Pump station")
    screen.save_current()
    qtbot.waitUntil(lambda: profiles.profile_list.count() == 1, timeout=5000)
    [saved] = list_profiles(database)
    assert (saved.setup.room, saved.setup.name, saved.setup.slug) == (
        "Room 1", "Pump station", "bbraun-bcc")
    assert saved.setup.port == "socket://station-1:4001"
    assert saved.setup.line.baudrate == 19200 and saved.setup.line.rtscts
    assert saved.setup.settings["poll_s"] == 2.5
    assert "Pump station" in profiles.profile_list.item(0).text()

    screen.choose_driver("masimo-ascii")
    screen.port.setText("/dev/ttyS9")
    profiles.profile_list.setCurrentRow(0)
    screen.load_chosen()
    assert screen.driver_info is not None and screen.driver_info.slug == "bbraun-bcc"
    assert screen.port.text() == "socket://station-1:4001"
    assert screen.line_form.baudrate.text() == "19200"
    loaded_poll = screen.settings_form.form.fields["poll_s"]
    assert isinstance(loaded_poll, QLineEdit) and loaded_poll.text() == "2.5"

    profiles.profile_list.setCurrentRow(0)
    profiles.delete_chosen()
    qtbot.waitUntil(lambda: profiles.profile_list.count() == 0, timeout=5000)
    assert list_profiles(database) == []


def test_profile_without_a_name_is_not_saved_and_says_why(
        qtbot: QtBot, screen: DevicesScreen, database: Database) -> None:
    screen.choose_driver("masimo-ascii")
    screen.port.setText("/dev/ttyUSB0")
    screen.profile_page.profile_name.setText("")
    screen.save_current()
    assert "give the profile a name" in screen.profile_page.profile_fields.errors["name"].text()
    screen.calls.wait_idle()
    assert list_profiles(database) == []


def test_narrow_panel_puts_the_drivers_above_the_set_up(
        qtbot: QtBot, screen: DevicesScreen) -> None:
    screen.resize(420, 780)
    qtbot.waitUntil(lambda: screen.split.orientation() == Qt.Orientation.Vertical)
    screen.resize(900, 780)
    qtbot.waitUntil(lambda: screen.split.orientation() == Qt.Orientation.Horizontal)


def test_a_port_that_does_not_exist_is_reported_in_words_and_the_test_stops(
        qtbot: QtBot, screen: DevicesScreen, tmp_path: Path) -> None:
    screen.choose_driver("masimo-ascii")
    screen.port.setText(str(tmp_path / "ttyUSB-missing"))
    screen.start_test()
    test = screen.test
    qtbot.waitUntil(lambda: test.link_status is LinkStatus.DISCONNECTED, timeout=10000)
    assert "does not exist; check the cable and the port name" in test.state.text()
    assert test.rows() == [] and test.bytes_received == 0
    with qtbot.waitSignal(test.stopped, timeout=10000):
        test.stop()
    assert "last state: disconnected" in test.state.text()


def test_profile_changes_go_through_the_guarded_door_and_are_audited(
        qtbot: QtBot, screen: DevicesScreen, database: Database,
        security: BedsideSecurity) -> None:
    profiles = screen.profile_page
    screen.choose_driver("masimo-ascii")
    screen.port.setText("/dev/ttyUSB3")
    profiles.profile_name.setText("Oximeter")
    screen.save_current()
    qtbot.waitUntil(lambda: profiles.profile_list.count() == 1, timeout=5000)
    [saved] = security.audit.entries(action=Action.DEVICE_PROFILE_SAVED)
    assert saved.actor == NAMES[Role.TECHNICIAN] and saved.target == "Room 1/Oximeter"
    profiles.profile_list.setCurrentRow(0)
    profiles.delete_chosen()
    qtbot.waitUntil(lambda: profiles.profile_list.count() == 0, timeout=5000)
    [deleted] = security.audit.entries(action=Action.DEVICE_PROFILE_DELETED)
    assert deleted.actor == NAMES[Role.TECHNICIAN] and deleted.detail["slug"] == "masimo-ascii"


def test_a_nurse_sees_the_profiles_read_only_and_cannot_save_one(
        qtbot: QtBot, screen: DevicesScreen, database: Database,
        security: BedsideSecurity) -> None:
    profiles = screen.profile_page
    security.lock.lock("shift change")
    security.lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    profiles.show_rights()
    assert not profiles.save_button.isEnabled() and not profiles.delete_button.isEnabled()
    assert "Read only" in profiles.read_only.text()
    screen.choose_driver("alaris-asena")
    screen.port.setText("/dev/ttyUSB4")
    profiles.profile_name.setText("Pump")
    denied_before = len(security.audit.entries(action=Action.DENIED))
    screen.save_current()  # as if the button were pressed anyway
    qtbot.waitUntil(lambda: "may not" in profiles.profile_message.text(), timeout=5000)
    assert list_profiles(database) == []
    assert len(security.audit.entries(action=Action.DENIED)) == denied_before + 1
    assert security.audit.entries(action=Action.DEVICE_PROFILE_SAVED) == []


def test_a_profile_names_the_metrics_its_device_is_primary_for(
        qtbot: QtBot, screen: DevicesScreen, database: Database) -> None:
    profiles = screen.profile_page
    screen.choose_driver("intellivue-mib")
    screen.port.setText("/dev/ttyUSB1")
    profiles.profile_name.setText("Monitor")
    profiles.primary_for.setText("SpO3, PR")
    screen.save_current()
    assert "'SpO3' is not a metric the console knows" in \
        profiles.profile_fields.errors["primary_for"].text()
    screen.calls.wait_idle()
    assert list_profiles(database) == []

    profiles.primary_for.setText("spo2, PR")
    screen.save_current()
    qtbot.waitUntil(lambda: profiles.profile_list.count() == 1, timeout=5000)
    [saved] = list_profiles(database)
    assert saved.setup.primary_for == ("MDC_PULS_OXIM_SAT_O2", "MDC_PULS_OXIM_PULS_RATE")
    profiles.primary_for.setText("")
    profiles.profile_list.setCurrentRow(0)
    screen.load_chosen()
    assert profiles.primary_for.text() == "SpO\u2082, PR"

    screen.choose_driver("masimo-ascii")
    screen.port.setText("/dev/ttyUSB2")
    profiles.profile_name.setText("Oximeter")
    profiles.primary_for.setText("SpO2")
    screen.save_current()
    qtbot.waitUntil(lambda: "already comes first from 'Monitor'" in
                    profiles.profile_message.text(), timeout=5000)
    assert [p.setup.name for p in list_profiles(database)] == ["Monitor"]
