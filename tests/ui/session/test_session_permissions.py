"""Who may take a session's steps from the window: each role at the real screens.

The demo's record gets a prescriber and a technician (added by its admin, as a clinic
adds them); each person logs in at the lock panel with their PIN and presses the
session page's own buttons. A prescriber may chart (a timeline entry, a rating scale
and the acknowledgement of its flag) but may not confirm the plan, start, stop, sign off
or end a session; a technician and an admin may do
none of it; emergency access runs the session as a nurse does. Every refusal shows on
the page and is a ``denied`` entry on the audit trail, naming the permission the
workflow's table gives the step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.demo.room import demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.security import Action, AuditRecord, Role
from ketaconsole.security.users import create_user, find_user
from ketaconsole.session.phase import Phase
from ketaconsole.session.workflow import Step
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store.review import timeline
from tests.ui.conftest import (
    check_in_at_page,
    click,
    confirm_baseline_at_page,
    confirm_plan_at_page,
    fill_check_in,
    type_into,
    unlock,
    wait_step,
)
from ui.main_window import MainWindow
from ui.session.plan_page import PlanPage
from ui.session.session_pages import (
    CheckInPage,
    DischargePage,
    InfusionPage,
    RecoveryPage,
    SignOffPage,
)

NURSE = ("demo-nurse", "2468")
ADMIN = ("demo-admin", "135790")
PRESCRIBER = ("dr.lee", "609318")
TECHNICIAN = ("tom", "582047")
SHOWN = {"demo-nurse": "Demo Nurse", "demo-admin": "Demo Admin", "dr.lee": "Dr Lee",
         "tom": "Tom Technician"}
"""Who the page names in a refusal: the display name, never the log-in name."""


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """The demo's window on a throw-away record, with a prescriber and a technician."""
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    room = demo_room(SCENARIOS["normal"], speed=60.0,
                     database_url=f"sqlite:///{tmp_path / 'record.sqlite3'}",
                     registry=DriverRegistry.discover(allowed=built_ins_only))
    assert room.database is not None and room.security is not None
    admin = find_user(room.database, ADMIN[0])
    for (username, pin), name, role in ((PRESCRIBER, "Dr Lee", Role.PRESCRIBER),
                                        (TECHNICIAN, "Tom Technician", Role.TECHNICIAN)):
        create_user(room.database, room.security.audit, username=username, display_name=name,
                    role=role, pin=pin, by=admin)
    main = MainWindow(room)
    qtbot.addWidget(main)
    main.show()
    try:
        yield main
    finally:
        main.close_now()
        room.stop()


def _at_console(qtbot: QtBot, window: MainWindow, person: tuple[str, str]) -> None:
    """The console is locked and ``person`` logs in with their PIN, on the Session page."""
    window.lock_now()
    unlock(qtbot, window, *person)
    window.monitor.side.setCurrentWidget(window.monitor.session)


def _denied(window: MainWindow) -> list[AuditRecord]:
    assert window.security is not None
    return window.security.audit.entries(action=Action.DENIED)


def _refused(qtbot: QtBot, window: MainWindow, button: QPushButton, said: QLabel,
             who: str, permission: str, step: str) -> None:
    """Pressing ``button`` is refused in words on the page and audited, naming the step."""
    before = len(_denied(window))
    click(qtbot, button)
    qtbot.waitUntil(lambda: len(_denied(window)) == before + 1, timeout=10000)
    qtbot.waitUntil(lambda: "may not" in said.text(), timeout=5000)
    assert SHOWN[who] in said.text() and "ask a nurse" in said.text()
    assert f"{who} " not in said.text(), "the log-in name is for the audit trail"
    entry = _denied(window)[-1]
    assert (entry.actor, entry.detail["permission"]) == (who, permission)
    assert entry.target is not None and entry.target.endswith(f": {step}")


def _authors(window: MainWindow) -> dict[str, set[str]]:
    database, service_id = window.room.database, window.room.workflow.service_id()
    assert database is not None
    found: dict[str, set[str]] = {}
    for event in timeline(database, service_id):
        found.setdefault(event.kind, set()).add(event.author)
    return found


def test_a_prescriber_charts_but_cannot_start_stop_sign_or_end_and_a_nurse_can(
        qtbot: QtBot, window: MainWindow) -> None:
    panel, room = window.monitor.session, window.room
    prescriber = PRESCRIBER[0]
    _at_console(qtbot, window, NURSE)
    check_in_at_page(qtbot, window)
    confirm_baseline_at_page(qtbot, window)

    _at_console(qtbot, window, PRESCRIBER)  # a PHQ-9 and its flag: a clinician's entries
    plan = panel.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    box = plan.measures
    for answer, value in zip(box.answers, [1, 1, 1, 1, 1, 1, 1, 1, 1], strict=True):
        answer.setCurrentIndex(answer.findData(value))
    click(qtbot, box.record_button)
    qtbot.waitUntil(lambda: "self-harm" in box.flag.text(), timeout=10000)
    box.ack_name.setText("Dr Lee")
    box.ack_action.setText("passive thoughts, no plan; safety plan reviewed")
    with qtbot.waitSignal(panel.worker.recorded, timeout=10000):
        click(qtbot, box.acknowledge)
    assert not room.workflow.open_flags
    _refused(qtbot, window, plan.confirm, plan.message, prescriber, "RUN_SESSION",
             "dose_plan")
    assert room.workflow.step is Step.PLAN and room.model.plan is None

    _at_console(qtbot, window, NURSE)
    confirm_plan_at_page(qtbot, window)
    infusion = panel.pages[Step.INFUSION]
    assert isinstance(infusion, InfusionPage)

    _at_console(qtbot, window, PRESCRIBER)
    timeline_panel = window.monitor.timeline
    click(qtbot, timeline_panel.quick["Anxiety"])  # a clinical entry: theirs to make
    qtbot.waitUntil(lambda: "\u2014 recorded" in timeline_panel.entries.item(0).text(),
                    timeout=10000)
    _refused(qtbot, window, infusion.buttons["start"], infusion.message, prescriber,
             "RUN_SESSION", "infusion_start")
    assert room.model.phase is Phase.PRE_INFUSION and room.workflow.step is Step.INFUSION
    ending = panel.ending
    ending.reason.setText("patient declined")
    _refused(qtbot, window, ending.button, ending.message, prescriber, "RUN_SESSION",
             "session_end")
    assert room.workflow.session_open

    _at_console(qtbot, window, NURSE)
    with qtbot.waitSignal(panel.worker.recorded, timeout=10000):  # the page has its answer
        click(qtbot, infusion.buttons["start"])
    assert room.model.phase is Phase.INFUSION

    _at_console(qtbot, window, PRESCRIBER)
    qtbot.waitUntil(lambda: infusion.buttons["stop"].isEnabled(), timeout=5000)
    _refused(qtbot, window, infusion.buttons["stop"], infusion.message, prescriber,
             "RUN_SESSION", "infusion_stop")
    assert room.model.phase is Phase.INFUSION

    _at_console(qtbot, window, NURSE)
    click(qtbot, infusion.buttons["stop"])
    wait_step(qtbot, window, Step.RECOVERY)
    recovery = panel.pages[Step.RECOVERY]
    assert isinstance(recovery, RecoveryPage)
    click(qtbot, recovery.begin)
    wait_step(qtbot, window, Step.DISCHARGE)
    discharge = panel.pages[Step.DISCHARGE]
    assert isinstance(discharge, DischargePage)
    for box in discharge.boxes.values():
        box.setCurrentIndex(box.findData(2))
    click(qtbot, discharge.record_button)
    wait_step(qtbot, window, Step.SIGN_OFF)

    _at_console(qtbot, window, PRESCRIBER)
    sign_off = panel.pages[Step.SIGN_OFF]
    assert isinstance(sign_off, SignOffPage)
    type_into(qtbot, sign_off, "name", "Dr Lee")
    _refused(qtbot, window, sign_off.sign, sign_off.message, prescriber, "SIGN_RECORD",
             "signature")
    assert room.workflow.step is Step.SIGN_OFF

    _at_console(qtbot, window, NURSE)
    type_into(qtbot, sign_off, "name", "Demo Nurse")
    click(qtbot, sign_off.sign)
    wait_step(qtbot, window, Step.DONE)
    authors = _authors(window)
    session_id = room.workflow.service_id()
    click(qtbot, ending.button)
    qtbot.waitUntil(lambda: not room.workflow.session_open, timeout=10000)
    assert room.workflow.step is Step.CHECK_IN

    nurse = NURSE[0]
    for kind in ("check_in", "baseline", "dose_plan", "infusion_start", "infusion_stop",
                 "discharge_assessment_started", "discharge_criteria", "signature"):
        assert authors[kind] == {nurse}, kind
    for kind in ("annotation", "measure", "clinical_flag_acknowledged"):
        assert authors[kind] == {prescriber}, kind
    assert room.database is not None
    ends = [e for e in timeline(room.database, session_id) if e.kind == "session_end"]
    assert [e.author for e in ends] == [nurse]
    refusals = [(e.actor, e.detail["permission"], e.target) for e in _denied(window)]
    assert refusals == [
        (prescriber, "RUN_SESSION", f"session {session_id}: dose_plan"),
        (prescriber, "RUN_SESSION", f"session {session_id}: infusion_start"),
        (prescriber, "RUN_SESSION", f"session {session_id}: session_end"),
        (prescriber, "RUN_SESSION", f"session {session_id}: infusion_stop"),
        (prescriber, "SIGN_RECORD", f"session {session_id}: signature")]
    assert window.security is not None
    charted = window.security.audit.entries(action=Action.CLINICAL_ENTRY)
    assert {(e.actor, e.detail["kind"]) for e in charted} >= {
        (prescriber, "annotation"), (nurse, "infusion_start"), (nurse, "check_in")}


@pytest.mark.parametrize("person", [TECHNICIAN, ADMIN], ids=["technician", "admin"])
def test_a_technician_or_an_admin_can_neither_check_in_nor_chart(
        qtbot: QtBot, window: MainWindow, person: tuple[str, str]) -> None:
    who = person[0]
    _at_console(qtbot, window, person)
    check_in = window.monitor.session.pages[Step.CHECK_IN]
    assert isinstance(check_in, CheckInPage)
    fill_check_in(qtbot, check_in)
    _refused(qtbot, window, check_in.sign, check_in.message, who, "RUN_SESSION", "check_in")
    assert window.room.service is None and window.room.workflow.step is Step.CHECK_IN

    _at_console(qtbot, window, NURSE)
    check_in_at_page(qtbot, window)
    _at_console(qtbot, window, person)
    entries = window.monitor.timeline.entries
    before = len(_denied(window))
    click(qtbot, window.monitor.timeline.quick["Nausea"])
    qtbot.waitUntil(lambda: "may not" in entries.item(0).text(), timeout=10000)
    assert "NOT YET RECORDED" in entries.item(0).text()
    denied = _denied(window)
    assert len(denied) == before + 1
    assert (denied[-1].actor, denied[-1].detail["permission"]) == (
        who, "RECORD_CLINICAL_ENTRY")
    assert "annotation" not in _authors(window)


def test_emergency_access_runs_the_session_as_a_nurse_and_every_step_names_it(
        qtbot: QtBot, window: MainWindow) -> None:
    panel, room = window.monitor.session, window.room
    lock_panel = window.lock_panel
    assert lock_panel is not None
    qtbot.waitUntil(lock_panel.isVisible, timeout=5000)
    qtbot.keyClicks(lock_panel.reason, "nurse's PIN locked out, patient on the pump")
    click(qtbot, lock_panel.emergency_button)
    qtbot.waitUntil(lambda: not lock_panel.isVisible(), timeout=10000)
    window.monitor.side.setCurrentWidget(panel)

    check_in_at_page(qtbot, window)
    confirm_baseline_at_page(qtbot, window)
    confirm_plan_at_page(qtbot, window)
    infusion = panel.pages[Step.INFUSION]
    assert isinstance(infusion, InfusionPage)
    click(qtbot, infusion.buttons["start"])
    qtbot.waitUntil(lambda: infusion.buttons["stop"].isEnabled(), timeout=10000)
    click(qtbot, infusion.buttons["stop"])
    wait_step(qtbot, window, Step.RECOVERY)
    authors = _authors(window)
    panel.ending.reason.setText("handed over to the nurse on duty")
    click(qtbot, panel.ending.button)
    qtbot.waitUntil(lambda: not room.workflow.session_open, timeout=10000)

    for kind in ("check_in", "baseline", "dose_plan", "infusion_start", "infusion_stop"):
        assert authors[kind] == {"emergency"}, kind
    assert _denied(window) == []
    assert window.security is not None
    glass = window.security.audit.entries(action=Action.BREAK_GLASS)[-1]
    charted = window.security.audit.entries(action=Action.CLINICAL_ENTRY)
    assert charted and all(e.actor == "emergency" and e.detail["emergency_access"] == glass.seq
                           for e in charted)
