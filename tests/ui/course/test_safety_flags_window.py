"""A follow-up's safety flag in the window: the course view shows it, check-in is held, and a
prescriber acknowledges it in the course view with a note."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import FollowUpEntry
from ketaconsole.course.measures import score
from ketaconsole.demo.course import DEMO_MRN, seed_demo_course
from ketaconsole.security import AuditLog, Guard
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from tests.course_support import prescriber
from tests.ui.conftest import (
    choose,
    click,
    fill_check_in,
    nurse_at_check_in,
    settle_deleted,
    type_into,
)
from ui.course.course_view import CourseView
from ui.course.follow_up_form import FollowUpForm
from ui.main_window import MainWindow


def test_a_follow_up_flag_shows_in_the_course_view_and_holds_the_check_in(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = nurse_at_check_in(qtbot, window)
    search = page.search
    click(qtbot, search.due_button)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    click(qtbot, search.rows[0].course)
    qtbot.waitUntil(lambda: search.course_view is not None
                    and search.course_view.isVisible(), timeout=10000)
    view = search.course_view
    assert isinstance(view, CourseView)
    assert not view.flag_row.isVisibleTo(view)  # item 9 at infusion 1 was seen at the bedside

    click(qtbot, view.buttons["follow_up"])
    form = view.follow_up
    assert isinstance(form, FollowUpForm)
    choose(form.interval, "24h")
    for box, value in zip(form.phq9, [1, 1, 1, 1, 0, 1, 1, 0, 2], strict=True):
        choose(box, value)
    qtbot.keyClicks(form.side_effects, "none")
    choose(form.urinary["blood_in_urine"], True)  # one answered, three not: said
    choose(form.craving, 1)
    choose(form.used, False)
    click(qtbot, form.record_button)
    assert form.message.text() == "Answer each urinary question, or leave all four not asked."
    for symptom, box in form.urinary.items():
        choose(box, symptom == "blood_in_urine")
    click(qtbot, form.record_button)
    qtbot.waitUntil(lambda: form.message.text().startswith("Recorded"), timeout=10000)
    assert "held until a prescriber acknowledges it" in form.flag.text()
    qtbot.waitUntil(lambda: "FU1-phq9-item9" in view.flags.text(), timeout=10000)
    shown = view.flags.text()
    assert "FU1-phq9-item9: thoughts of self-harm (PHQ-9 item 9), answered 2 (24-hour " \
           "follow-up" in shown and "FU1-blood-in-urine: blood in urine, reported" in shown
    assert shown.count(", open") == 2 and "2 safety flags open" in view.heading.text()
    assert view.flag_row.isVisibleTo(view) and view.flag_choice.count() == 2

    qtbot.keyClicks(view.flag_note, "seen")  # a nurse may not clear it: refused, said
    click(qtbot, view.buttons["acknowledge"])
    qtbot.waitUntil(lambda: "acknowledge a patient's safety flag" in view.message.text(),
                    timeout=10000)
    assert view.flag_choice.count() == 2
    settle_deleted(qtbot, form)
    settle_deleted(qtbot, view)

    for key in (*page.IDENTITY, "age_years"):
        type_into(qtbot, page, key, "")
    qtbot.keyClicks(search.query, DEMO_MRN)
    qtbot.keyClick(search.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    assert "has 2 open safety flags, FU1-phq9-item9" in search.rows[0].details.text()
    click(qtbot, search.rows[0].pick)
    qtbot.waitUntil(lambda: page.picked is not None, timeout=10000)
    fill_check_in(qtbot, page, weight_kg="70", age_years="52")
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "safety flag" in page.message.text(), timeout=10000)
    assert "open safety flags" in page.message.text(), page.message.text()
    assert "a prescriber must acknowledge each with a note before the next infusion" in \
        page.message.text()
    assert window.room.workflow.step is Step.CHECK_IN and window.room.service is None
    window.grab().save(str(tmp_path / "held.png"))


def test_a_prescriber_acknowledges_a_flag_in_the_course_view_with_a_note(
        qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    now = time.time()
    person = seed_demo_course(database, "Demo Patient", 70.0, clock=lambda: now)
    doctor = prescriber(database)
    desk = CourseDesk(database, Guard(AuditLog(database)), lambda: doctor)
    desk.record_follow_up(person.patient_id, FollowUpEntry(
        "24h", score("PHQ-9", [1, 1, 1, 1, 0, 1, 1, 0, 0]), "none", None, 8, None))
    view = CourseView(desk.course_of(person.patient_id), desk=desk)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert "FU1-craving: craving for ketamine above the clinic's threshold, 8 of 10, above 5" \
        in view.flags.text()
    assert "urinary symptoms: not asked" in view.events.text()
    click(qtbot, view.buttons["acknowledge"])  # no note: refused in one sentence
    qtbot.waitUntil(lambda: "what was done" in view.message.text(), timeout=10000)
    qtbot.keyClicks(view.flag_note, "discussed; craving plan agreed with the patient")
    click(qtbot, view.buttons["acknowledge"])
    qtbot.waitUntil(lambda: "acknowledged by Dr Pia Prescriber" in view.flags.text(),
                    timeout=10000)
    assert "discussed; craving plan agreed with the patient" in view.flags.text()
    assert not view.flag_row.isVisibleTo(view) and view.message.text() == "Acknowledged."
    assert "safety flag" not in view.heading.text()
    view.close()
    database.dispose()
