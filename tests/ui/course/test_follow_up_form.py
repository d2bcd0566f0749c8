"""Between infusions: the due list, the course view, a follow-up recorded, the course exported."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.course.follow_ups import follow_ups_of
from ketaconsole.security import Action, AuditLog
from ketaconsole.store import open_database
from tests.ui.conftest import choose, nurse_at_check_in, settle_deleted
from ui.course.course_view import CourseView
from ui.course.follow_up_form import FollowUpForm
from ui.main_window import MainWindow


def _click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_due_follow_up_is_recorded_from_the_course_view_and_the_course_exported(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = nurse_at_check_in(qtbot, window)
    search = page.search

    _click(qtbot, search.due_button)  # the demo's last infusion was 4 days ago
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    assert "Demo Patient: 24-hour follow-up overdue by" in search.rows[0].details.text()
    _click(qtbot, search.rows[0].course)
    qtbot.waitUntil(lambda: search.course_view is not None
                    and search.course_view.isVisible(), timeout=10000)
    view = search.course_view
    assert isinstance(view, CourseView)
    assert view.series["PHQ-9"][1] == [20.0, 17.0, 14.0, 12.0, 10.0]

    _click(qtbot, view.buttons["follow_up"])
    form = view.follow_up
    assert isinstance(form, FollowUpForm) and form.isVisible()
    _click(qtbot, form.record_button)  # nothing answered: said, nothing recorded
    assert "Choose which follow-up" in form.message.text()
    choose(form.interval, "24h")
    _click(qtbot, form.record_button)
    assert "PHQ-9 item 1" in form.message.text()
    for box, value in zip(form.phq9, [1, 1, 1, 1, 0, 1, 1, 0, 0], strict=True):
        choose(box, value)
    qtbot.keyClicks(form.side_effects, "nausea the first evening")
    for symptom, box in form.urinary.items():
        choose(box, symptom == "urgency")
    for box, value in zip(form.bladder, [1, 1, 0, 0], strict=True):
        choose(box, value)
    choose(form.craving, 2)
    choose(form.used, False)
    form.grab().save(str(tmp_path / "follow-up.png"))
    _click(qtbot, form.record_button)
    qtbot.waitUntil(lambda: form.message.text().startswith("Recorded"), timeout=10000)
    assert form.message.text() == "Recorded: 24-hour follow-up, PHQ-9 6 (mild)."
    qtbot.waitUntil(lambda: len(view.series["PHQ-9"][1]) == 6, timeout=10000)
    assert view.series["PHQ-9"][1][-1] == 6.0
    assert "24-hour follow-up" in view.events.text()
    assert "urinary symptoms: urgency; bladder score (ICSI): 2 of 20; craving 2; use outside " \
           "the clinic: no; tolerance: not asked; early or extra request: not asked" \
        in view.events.text()

    _click(qtbot, view.buttons["pdf"])
    qtbot.waitUntil(lambda: view.message.text().startswith("Exported"), timeout=30000)
    _click(qtbot, view.buttons["fhir"])
    qtbot.waitUntil(lambda: ".fhir.json" in view.message.text(), timeout=30000)
    written = sorted(p.name.split(".", 1)[1] for p in (tmp_path / "exports").iterdir())
    assert written == ["fhir.json", "pdf"]
    bundle = json.loads(next((tmp_path / "exports").glob("*.fhir.json")).read_text())
    assert bundle["resourceType"] == "Bundle"
    view.grab().save(str(tmp_path / "course.png"))

    _click(qtbot, search.due_button)  # the 24-hour follow-up is done now
    qtbot.waitUntil(lambda: search.message.text() == "No follow-up is due.", timeout=10000)

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        (stored,) = follow_ups_of(database, view.summary.patient.patient_id)
        entries = [(e.action, e.actor, e.detail) for e in AuditLog(database).entries()]
    finally:
        database.dispose()
    assert stored.author == "demo-nurse" and stored.interval == "24h"
    assert stored.answers["urinary"]["urgency"] and stored.answers["craving_0_to_10"] == 2
    assert any(a == Action.CLINICAL_ENTRY and who == "demo-nurse"
               and d.get("kind") == "follow_up" for a, who, d in entries)
    exports = [d for a, who, d in entries if a == Action.EXPORT and who == "demo-nurse"]
    assert [d["formats"] for d in exports] == [["pdf"], ["fhir"]]
    assert all(d["course"] for d in exports)
    assert any(a == Action.RECORD_OPENED and d.get("via") == "course view"
               for a, _, d in entries)
    settle_deleted(qtbot, form)
    settle_deleted(qtbot, view)
