"""The Outcomes page: prescribers and admins read the clinic's results; nobody else sees it.

Driven through a real main window's lock panel on a SQLite record holding a course given
through the session workflow: the reading is audited, a day typed wrongly is said in one
sentence, a nurse has no Outcomes tab, and locking clears the page.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.course.identity import register_patient
from ketaconsole.course.outcomes import Window, clinic_outcomes, outcome_lines
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.security import Action, Role
from tests.core.security_support import NAMES, PINS
from tests.course_support import approve
from tests.plan_support import ketamine_plan
from tests.ui.conftest import unlock
from tests.ui.staffed_console import actions, show_page
from ui.main_window import MainWindow
from ui.records.outcomes_screen import OutcomesScreen

DAY = 86400.0


def _one_course(window: MainWindow) -> None:
    database = window.room.database
    assert database is not None
    grace = register_patient(database, "Grace Hopper", mrn="MRN-2001")
    first = time.time() - 10 * DAY
    approve(database, grace, assessed_at=first - DAY)
    give_infusions(database.url, grace,
                   [StoryInfusion(first, ketamine_plan(70.0, 0.5, 40.0, 1.0),
                                  [2, 2, 2, 2, 2, 2, 1, 1, 0])],
                   nurse=NAMES[Role.NURSE], station="bay-9", signer="Nia Nurse",
                   age_years=52)


def test_a_prescriber_reads_the_outcomes_and_the_reading_is_audited(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    _one_course(staffed_window)
    unlock(qtbot, staffed_window, NAMES[Role.PRESCRIBER], PINS[Role.PRESCRIBER])
    side = staffed_window.monitor.side
    assert side.isTabVisible(side.indexOf(staffed_window.outcomes_page))
    screen = show_page(qtbot, staffed_window, staffed_window.outcomes_page)
    assert isinstance(screen, OutcomesScreen)
    qtbot.waitUntil(lambda: screen.outcomes is not None, timeout=15000)
    database = staffed_window.room.database
    assert database is not None
    # the one reader `ketaconsole outcomes` prints: the staff's earlier session and this course
    assert screen.figures.text() == "\n".join(outcome_lines(
        clinic_outcomes(database, Window(), time.time())))
    assert screen.figures.text().startswith("patients treated: 2; infusions: 2")
    assert "Grace" not in screen.figures.text() and "MRN-2001" not in screen.figures.text()
    assert (Action.RECORDS_LISTED, NAMES[Role.PRESCRIBER], "clinic outcomes") \
        in actions(staffed_window)

    qtbot.keyClicks(screen.start, "31/01/2026")
    qtbot.mouseClick(screen.show_button, Qt.MouseButton.LeftButton)
    assert screen.message.text() == ("Enter the first day as YYYY-MM-DD (e.g. 2026-01-31), "
                                     "or leave it empty.")
    screen.start.clear()
    qtbot.keyClicks(screen.start, time.strftime("%Y-%m-%d", time.gmtime(time.time() + DAY)))
    qtbot.mouseClick(screen.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.show_button.isEnabled(), timeout=15000)
    assert screen.figures.text().startswith("patients treated: 0; infusions: 0")

    staffed_window.security.lock.lock("test")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: screen.figures.text() == "", timeout=5000)


def test_a_nurse_has_no_outcomes_tab(qtbot: QtBot, staffed_window: MainWindow) -> None:
    unlock(qtbot, staffed_window, NAMES[Role.NURSE], PINS[Role.NURSE])
    side = staffed_window.monitor.side
    assert not side.isTabVisible(side.indexOf(staffed_window.outcomes_page))
