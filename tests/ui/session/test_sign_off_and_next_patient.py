"""The record exported at sign-off is the final one; End session leaves nothing of the last
patient on any view, and the finished session is in that patient's course when opened again.

Both walk the clinic's path in the demo's window: the pages' own buttons for the check-in,
the baseline, the plan, the export and End session; the workflow for the steps between.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.session.discharge import SCALES
from ketaconsole.session.workflow import Step
from tests.ui.conftest import click, through_plan, unlock, wait_step
from ui.course.course_view import CourseView
from ui.main_window import MainWindow
from ui.session.plan_page import PlanPage
from ui.session.session_pages import CheckInPage, DonePage

NURSE = "Demo Nurse"


def _to_sign_off(qtbot: QtBot, window: MainWindow) -> None:
    """Check in, baseline and plan at the pages, then infuse, stop, assess and sign."""
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    through_plan(qtbot, window)
    flow = window.room.workflow
    flow.infusion_action("start")
    window.monitor.timeline.annotate("Dizziness")
    qtbot.waitUntil(lambda: window.monitor.timeline.entries.count() == 1, timeout=5000)
    qtbot.wait(1500)
    flow.infusion_action("stop", reason="dose given")
    flow.begin_discharge()
    flow.record_discharge("Aldrete", {item.key: 2 for item in SCALES["Aldrete"]})
    flow.sign_off(NURSE)
    window.monitor.session.show_step()
    wait_step(qtbot, window, Step.DONE)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_pdf_exported_at_sign_off_is_the_final_record(qtbot: QtBot,
                                                          window: MainWindow) -> None:
    _to_sign_off(qtbot, window)
    done = window.monitor.session.pages[Step.DONE]
    assert isinstance(done, DonePage)
    assert window.room.workflow.session_open, "signed, and not yet ended"
    click(qtbot, done.export_buttons["pdf"])
    qtbot.waitUntil(lambda: done.exported.text().startswith("Exported"), timeout=20000)
    (pdf,) = done._folder().glob("session-*.pdf")
    assert "interim" not in pdf.name
    printed = _pdf_text(pdf)
    assert "final record" in printed
    assert "INTERIM" not in printed and "UNSIGNED" not in printed
    assert "Demo Nurse" in printed and "discharge sign-off" in printed
    assert "signed off; the session is still open" in printed and "in progress" not in printed


def test_end_session_leaves_no_view_of_the_last_patient_and_her_course_shows_the_session(
        qtbot: QtBot, window: MainWindow) -> None:
    _to_sign_off(qtbot, window)
    # the course view the nurse opened from the plan page ("Show the course")
    plan = window.monitor.session.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    plan.open_course()
    qtbot.waitUntil(lambda: len(window.course_page.screens) == 1, timeout=5000)
    opened = window.course_page.screens[0]
    assert isinstance(opened, CourseView)
    infusions_before = len(opened.series["PHQ-9"][0])
    assert window.monitor.timeline.entries.count() >= 1
    (pump,) = window.monitor.pumps
    assert "mg delivered" in pump.delivered.text() and "--" not in pump.delivered.text()

    ending = window.monitor.session.ending
    qtbot.mouseClick(ending.button, Qt.MouseButton.LeftButton)
    wait_step(qtbot, window, Step.CHECK_IN)
    qtbot.waitUntil(lambda: window.course_page.screens == [], timeout=5000)
    assert window.monitor.timeline.entries.count() == 0, "the timeline starts empty"
    qtbot.waitUntil(lambda: pump.delivered.text() == "-- mg delivered", timeout=5000)
    assert "planned" not in pump.against_plan.text() and pump.progress.value() == 0
    assert not window.room.workflow.session_open

    # opened again for the same patient, the course holds the session just finished
    check_in = window.monitor.session.pages[Step.CHECK_IN]
    assert isinstance(check_in, CheckInPage)
    search = check_in.search
    search.query.setText("Demo Patient")
    search.search()
    qtbot.waitUntil(lambda: len(search.rows) >= 1, timeout=10000)
    click(qtbot, search.rows[0].course)
    qtbot.waitUntil(lambda: len(window.course_page.screens) == 1, timeout=10000)
    reopened = window.course_page.screens[0]
    assert isinstance(reopened, CourseView)
    assert reopened is not opened
    assert "6 infusions" in reopened.heading.text()
    assert len(reopened.series["PHQ-9"][0]) >= infusions_before
