"""The small things a nurse meets in a session: focus, errors, names, forms, rights, exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, SPO2
from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.demo.room import demo_plan
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.security.break_glass import EMERGENCY_USERNAME
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.workflow import Step, WorkflowError
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from tests.core.export_support import record_session
from tests.ui.conftest import open_demo_window, unlock
from ui.main_window import MainWindow
from ui.session.timeline_panel import RescueForm

NURSE = "Demo Nurse"
DEMO = CheckIn("Demo Patient", 42, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0,
               True, "left forearm", True, mrn=DEMO_MRN, pregnancy="no")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def _through_plan(window: MainWindow) -> None:
    flow = window.room.workflow
    flow.check_in(DEMO)
    flow.confirm_baseline({NIBP_SYS.refid: 124.0, NIBP_DIA.refid: 78.0})
    flow.confirm_plan(demo_plan(SCENARIOS["normal"]))
    window.monitor.session.show_step()
    window.monitor.session.pages[Step.INFUSION].update_buttons()  # type: ignore[attr-defined]


def test_a_baseline_out_of_range_says_the_range(qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    window.room.workflow.check_in(DEMO)
    with pytest.raises(WorkflowError) as refused:
        window.room.workflow.confirm_baseline({SPO2.refid: 150.0})
    assert refused.value.problems[SPO2.refid] == \
        "Enter oxygen saturation (%) between 0 and 100."


def test_after_stop_focus_stays_on_the_next_step(qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    _through_plan(window)
    infusion = panel.pages[Step.INFUSION]
    buttons: dict[str, QPushButton] = infusion.buttons  # type: ignore[attr-defined]
    buttons["start"].click()
    qtbot.waitUntil(lambda: buttons["pause"].isEnabled(), timeout=5000)
    assert QApplication.focusWidget() is buttons["pause"]
    buttons["stop"].click()
    qtbot.waitUntil(lambda: window.room.workflow.step is Step.RECOVERY, timeout=5000)
    qtbot.wait(50)
    focused = QApplication.focusWidget()
    assert focused is panel.pages[Step.RECOVERY].begin  # type: ignore[attr-defined]


def test_a_field_error_goes_once_the_field_is_corrected_and_nothing_below_moves(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    page = window.monitor.session.pages[Step.CHECK_IN]
    page.show_problems({"weight_kg": "Enter the weight in kg."})
    error = page.form.errors["weight_kg"]
    qtbot.waitUntil(error.isVisible, timeout=2000)
    below = page.form.fields["height_cm"]
    where = below.mapTo(page, below.rect().topLeft())
    field = page.form.fields["weight_kg"]
    assert isinstance(field, QLineEdit)
    field.setText("71")
    qtbot.wait(50)
    assert error.text() == ""
    assert below.mapTo(page, below.rect().topLeft()) == where, "the next field stayed put"
    page.show_problems({})
    assert error.isHidden()


def test_the_signature_is_pre_filled_with_the_person_logged_in(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.SIGN_OFF]
    panel.stack.setCurrentWidget(page)
    qtbot.waitUntil(page.isVisible, timeout=2000)
    assert page.form.text("name") == NURSE


def test_the_lock_clears_the_name_in_the_header(qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    assert NURSE in window.who.text()
    window.lock_now()
    qtbot.waitUntil(lambda: window.who.text() == "", timeout=2000)


def test_a_nurse_does_not_see_the_audit_tab_an_admin_does(qtbot: QtBot,
                                                          window: MainWindow) -> None:
    side, audit = window.monitor.side, window.audit_page
    unlock(qtbot, window)
    assert not side.isTabVisible(side.indexOf(audit))
    window.lock_now()
    unlock(qtbot, window, "demo-admin", "135790")
    assert side.isTabVisible(side.indexOf(audit))


def test_emergency_access_without_a_chosen_name_is_unidentified(
        qtbot: QtBot, window: MainWindow) -> None:
    panel = window.lock_panel
    assert panel is not None and window.security is not None
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    assert panel.chosen_username() is None, "nobody is pre-selected"
    panel.reason.setText("patient desaturating")
    panel.emergency_button.click()
    user = window.security.lock.current_user()
    assert user is not None and user.username == EMERGENCY_USERNAME


def test_the_timeline_has_dizziness_a_route_and_a_note_cancel(
        qtbot: QtBot, window: MainWindow) -> None:
    timeline = window.monitor.timeline
    assert "Dizziness" in timeline.quick
    given: list[dict[str, Any]] = []
    form = RescueForm(given.append, lambda: None)
    qtbot.addWidget(form)
    form.drug.setCurrentText("Ondansetron")
    form.dose.setText("4")
    form.route.setCurrentText("PO")
    form.record()
    assert given and given[0]["route"] == "PO"
    timeline.note_button.click()
    assert not timeline.form_scroller.isHidden()
    cancel = next(b for b in timeline.forms.currentWidget().findChildren(QPushButton)
                  if b.text() == "Cancel")
    cancel.click()
    assert timeline.form_scroller.isHidden()


def test_f2_visibly_acknowledges_a_technical_alarm(qtbot: QtBot, window: MainWindow) -> None:
    alarms = window.room.alarms
    assert alarms is not None
    now = window.room.engine.clock()
    alarms.report_store_fault("the disk is full", now)
    alarms.evaluate(now)
    window.monitor.refresh(now)
    chip = window.monitor.alarm_bar.chips[0]
    before = chip.text()
    window.monitor.alarm_bar.acknowledge_all()
    window.monitor.refresh(window.room.engine.clock())
    assert chip.text() != before and "acknowledged" in chip.text()


def test_an_export_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    recorded = record_session(database)
    first = export_session(database, recorded.session_id, ExportFormat.HL7, tmp_path)
    kept = first.files[0].read_bytes()
    second = export_session(database, recorded.session_id, ExportFormat.HL7, tmp_path)
    assert second.files[0] != first.files[0]
    assert second.files[0].name.endswith("-v2.hl7")
    assert first.files[0].read_bytes() == kept
    database.dispose()
