"""A whole demo session driven through the real widgets, from check-in to sign-off.

The simulated devices run over real ptys at accelerated speed; every entry is made by
typing and clicking; at the end the record holds each step and its chain verifies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_SYS
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline, verify
from tests.ui.conftest import fill_check_in, unlock, wait_step
from ui.main_window import MainWindow
from ui.session.session_pages import StepPage


def _click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _type(qtbot: QtBot, page: StepPage, key: str, text: str) -> None:
    field = page.form.fields[key]
    assert isinstance(field, QLineEdit)
    field.clear()
    qtbot.keyClicks(field, text)


def test_a_nurse_runs_a_whole_session_through_the_screens(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    side, panel = window.monitor.side, window.monitor.session
    unlock(qtbot, window)
    side.setCurrentWidget(panel)

    check_in = panel.pages[Step.CHECK_IN]
    _click(qtbot, check_in.sign)  # empty required items: refused, nothing recorded
    qtbot.waitUntil(lambda: check_in.form.errors["iv_site"].text() != "", timeout=10000)
    assert window.room.workflow.step is Step.CHECK_IN
    fill_check_in(qtbot, check_in)
    _click(qtbot, check_in.sign)
    wait_step(qtbot, window, Step.BASELINE)

    baseline = panel.pages[Step.BASELINE]
    qtbot.waitUntil(lambda: window.room.engine.latest(NIBP_SYS.refid) is not None,
                    timeout=15000)
    baseline.fill_from_devices()  # what the "Fill from devices" button does
    _click(qtbot, baseline.confirm)
    wait_step(qtbot, window, Step.PLAN)

    plan = panel.pages[Step.PLAN]
    qtbot.waitUntil(lambda: "52.5 mL/h" in plan.computed.text(), timeout=5000)
    shown = plan.course.text()  # type: ignore[attr-defined]
    assert "Proposed: 0.5 mg/kg" in shown and shown.count("<tr>") == 6  # header + 5 past
    _click(qtbot, plan.show_course)  # type: ignore[attr-defined]
    course = plan.course_view  # type: ignore[attr-defined]
    assert course is not None and course.isVisible()
    # on the console's Course page, beside the tiles and the alarm bar: not a window
    assert not course.isWindow() and window.course_page.screens == [course]
    assert window.monitor.side.currentWidget() is window.course_page
    assert course.series["PHQ-9"][1] == [20.0, 17.0, 14.0, 12.0, 10.0]
    _click(qtbot, window.course_page.close_button)
    assert window.monitor.side.currentWidget() is window.monitor.session
    assert not window.monitor.side.isTabVisible(window.monitor.side.indexOf(window.course_page))
    _click(qtbot, plan.confirm)
    wait_step(qtbot, window, Step.INFUSION)

    infusion = panel.pages[Step.INFUSION]
    _click(qtbot, infusion.buttons["start"])
    qtbot.waitUntil(lambda: infusion.buttons["stop"].isEnabled(), timeout=10000)
    _click(qtbot, infusion.buttons["stop"])
    wait_step(qtbot, window, Step.RECOVERY)

    _click(qtbot, panel.pages[Step.RECOVERY].begin)
    wait_step(qtbot, window, Step.DISCHARGE)

    discharge = panel.pages[Step.DISCHARGE]
    for box in discharge.boxes.values():
        box.setCurrentIndex(box.findData(2))
    _click(qtbot, discharge.record_button)
    wait_step(qtbot, window, Step.SIGN_OFF)

    sign_off = panel.pages[Step.SIGN_OFF]
    _type(qtbot, sign_off, "name", "Nurse Ratched")
    _click(qtbot, sign_off.sign)
    wait_step(qtbot, window, Step.DONE)

    done = panel.pages[Step.DONE]
    _click(qtbot, done.export_buttons["pdf"])
    qtbot.waitUntil(lambda: "Exported" in done.exported.text(), timeout=30000)
    assert (tmp_path / "exports").is_dir()
    assert any(p.suffix == ".pdf" for p in (tmp_path / "exports").iterdir())

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        session_id = window.room.service.session_id if window.room.service else 0
        kinds = [e.kind for e in timeline(database, session_id)]
        for kind in ("check_in", "course_clearance", "dose_proposal", "baseline", "dose_plan",
                     "infusion_start", "infusion_stop",
                     "discharge_criteria", "signature", "export"):
            assert kind in kinds, f"{kind} missing from the record"
        authors = {e.author for e in timeline(database, session_id) if e.kind == "check_in"}
        assert authors == {"demo-nurse"}
        audit = subprocess.run(
            [sys.executable, "-m", "ketaconsole", "audit", "--json", "--db",
             f"sqlite:///{tmp_path / 'record.sqlite3'}"], capture_output=True, text=True,
            timeout=60, env={**os.environ, "KETACONSOLE_HOME": str(tmp_path)})
        assert audit.returncode == 0, audit.stderr
        entries = [json.loads(line) for line in audit.stdout.splitlines() if line.strip()]
        done_by = {(e["action"], e["actor"]) for e in entries}
        for action in ("console_unlocked", "clinical_entry", "record_signed", "export"):
            assert (action, "demo-nurse") in done_by, action
        count, broken = verify(database, session_id)
        assert broken is None and count >= len(kinds)  # the recorder may still be appending
    finally:
        database.dispose()
