"""The course view plots the demo patient's course: PHQ-9 with its lines, dose, vitals, CADSS."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from ketaconsole.course.summary import course_summary
from ketaconsole.demo.course import seed_demo_course
from ketaconsole.store import open_database
from ui.course.course_view import CourseView


def test_the_course_view_shows_response_remission_dose_and_tolerability(
        qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        now = time.time()
        person = seed_demo_course(database, "Demo Patient", 70.0, clock=lambda: now)
        summary = course_summary(database, person.patient_id)
    finally:
        database.dispose()
    view = CourseView(summary)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    assert view.series["PHQ-9"] == ([1, 2, 3, 4, 5], [20.0, 17.0, 14.0, 12.0, 10.0])
    assert view.lines["response"] == 10.0 and view.lines["remission"] == 5.0
    assert view.series["mg/kg"][1] == [0.5, 0.5, 0.6, 0.5, 0.5]
    assert view.lines["approved max"] == 0.75
    assert view.series["peak SBP"][1] == [138.0, 138.0, 168.0, 138.0, 138.0]
    assert view.series["lowest SpO2"][1] == [95.0] * 5
    assert view.series["BP alarm"][0] == [3.0]
    assert view.series["CADSS-6"][1] == [6.0, 5.0, 8.0, 5.0, 4.0]
    heading = view.heading.text()
    assert "MRN DEMO-0001" in heading and "induction, 5 infusions, response" in heading
    assert "next infusion due" in heading and "Dr Demo Prescriber" in view.events.text()
    shot = tmp_path / "course.png"
    assert view.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
