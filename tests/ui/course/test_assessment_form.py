"""The prescriber's assessment at the console: a nurse is refused, a prescriber signs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.course.eligibility import latest_assessment
from ketaconsole.security import Action, AuditLog
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from tests.course_support import prescriber
from tests.ui.conftest import settle_deleted, type_into, unlock
from ui.course.assessment_form import AssessmentForm
from ui.course.course_view import CourseView
from ui.course.patient_search import PatientSearch
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage


def _click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _open_assessment(qtbot: QtBot, search: PatientSearch) -> tuple[CourseView, AssessmentForm]:
    """Find MRN-1912, open the course on the Course page, then its assessment form."""
    before = search.course_view
    search.query.clear()
    qtbot.keyClicks(search.query, "MRN-1912")
    _click(qtbot, search.find_button)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    _click(qtbot, search.rows[0].course)
    qtbot.waitUntil(lambda: search.course_view is not before, timeout=10000)
    view = search.course_view
    assert isinstance(view, CourseView) and view.isVisible()
    _click(qtbot, view.buttons["assess"])
    form = view.assessment
    assert isinstance(form, AssessmentForm)
    qtbot.waitUntil(lambda: "160/100" in form.support.text(), timeout=10000)
    return view, form


def _fill(qtbot: QtBot, form: AssessmentForm) -> None:
    (first_sys, first_dia), (second_sys, second_dia) = form.readings
    qtbot.keyClicks(first_sys, "172")
    qtbot.keyClicks(first_dia, "96")
    qtbot.keyClicks(second_sys, "168")
    qtbot.keyClicks(second_dia, "98")
    assert "Absolute contraindication: uncontrolled hypertension" in form.support.text()
    for line, value in ((first_sys, "150"), (first_dia, "86"), (second_sys, "140"),
                        (second_dia, "84")):
        line.clear()
        qtbot.keyClicks(line, value)
    # mean 145/85: above 140/90 advises, it does not refuse
    assert ("Relative contraindication: screening blood pressure above 140/90 mmHg"
            in form.support.text())
    for line, value in ((first_sys, "128"), (second_sys, "124")):
        line.clear()
        qtbot.keyClicks(line, value)
    assert "No contraindication ticked" in form.support.text()
    form.contraindications["substance_use_disorder_in_remission"].setChecked(True)
    assert ("Relative contraindication: substance use disorder in sustained remission"
            in form.support.text())
    form.prior[0][0].setCurrentIndex(form.prior[0][0].findData("antidepressant"))
    qtbot.keyClicks(form.prior[0][1], "sertraline 200 mg, 12 weeks")
    form.prior[1][0].setCurrentIndex(form.prior[1][0].findData("TMS"))
    qtbot.keyClicks(form.consent_version, "2026-03")
    form.dose_min.clear()
    qtbot.keyClicks(form.dose_min, "0.4")


def test_a_prescriber_signs_the_assessment_at_the_console_and_a_nurse_cannot(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.CHECK_IN]
    assert isinstance(page, CheckInPage)
    search = page.search
    type_into(qtbot, page, "patient_name", "Alan Turing")
    type_into(qtbot, page, "mrn", "MRN-1912")
    type_into(qtbot, page, "date_of_birth", "1982-06-23")
    _click(qtbot, search.register_button)
    qtbot.waitUntil(lambda: page.picked is not None, timeout=10000)
    view, form = _open_assessment(qtbot, search)
    assert "not assessed" in view.heading.text()
    # on the console's Course page, beside the alarms: the form over the view, then back
    assert window.course_page.screens == [view, form] and not form.isWindow()
    _fill(qtbot, form)
    _click(qtbot, form.sign)  # no reasoning for the relative contraindication
    qtbot.waitUntil(lambda: "may not approve a course" in form.message.text(),
                    timeout=10000)  # the nurse is refused before anything is checked

    database = open_database(url)
    try:
        prescriber(database)  # Dr Pia Prescriber joins the clinic
    finally:
        database.dispose()
    window.lock_now()  # locking takes the patient's course off the screen
    assert window.course_page.screens == []
    unlock(qtbot, window, "pia", "609318")
    window.monitor.side.setCurrentWidget(panel)
    view, form = _open_assessment(qtbot, search)
    _fill(qtbot, form)
    qtbot.keyClicks(form.reasoning, "alcohol, in remission for 3 years")
    # the approved order: the clinic's usual limits pre-filled, its hard limits enforced
    assert (form.infusion_min.text(), form.infusion_max.text(), form.max_total.text()) == (
        "40", "100", "75")
    form.infusion_max.clear()
    qtbot.keyClicks(form.infusion_max, "300")
    assert form.support.text() == ("Approve an infusion-time range within the clinic's hard "
                                   "limits, 20 to 240 min, shortest first.")
    form.infusion_max.clear()
    qtbot.keyClicks(form.infusion_max, "60")
    form.max_total.clear()
    qtbot.keyClicks(form.max_total, "60")
    assert "substance use disorder" in form.support.text()
    form.grab().save(str(tmp_path / "assessment.png"))
    _click(qtbot, form.sign)
    qtbot.waitUntil(lambda: form.message.text().startswith("Signed by"), timeout=10000)
    assert "Approved for 0.4-0.75 mg/kg over 40-60 min, at most 60 mg" in form.message.text()
    assert "substance use disorder in sustained remission (relative)" in form.message.text()
    assert not form.sign.isEnabled()
    qtbot.waitUntil(lambda: "not started" in view.heading.text(), timeout=10000)
    assert "approved by Dr Pia Prescriber" in view.events.text()
    _click(qtbot, window.course_page.back)
    assert window.course_page.screens == [view]

    database = open_database(url)
    try:
        assessment = latest_assessment(database, view.summary.patient.patient_id)
        entries = [(e.action, e.actor, e.detail) for e in AuditLog(database).entries()]
    finally:
        database.dispose()
    assert assessment is not None and assessment.approved
    assert (assessment.infusion_minutes, assessment.max_total_mg) == ((40.0, 60.0), 60.0)
    assert assessment.record["consent_version"] == "2026-03"
    assert [t["kind"] for t in assessment.record["prior_treatments"]] == ["antidepressant",
                                                                         "TMS"]
    assert any(a == Action.DENIED and who == "demo-nurse" for a, who, _ in entries)
    assert any(a == Action.COURSE_ASSESSED and who == "pia" and d["approved"]
               for a, who, d in entries)
    settle_deleted(qtbot, form)
    settle_deleted(qtbot, view)
