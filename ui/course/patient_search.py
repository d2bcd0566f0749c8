"""Check-in's patient search: find the record by name, MRN or birth date, or register a new one.

Each match shows the course's state and whether a session may be checked in under it
(an approved, unexpired assessment) with what the assessment flagged. Picking a match
hands it to the check-in form; registering a patient new to the clinic is a button of
its own, never a side effect of a check-in. **Follow-ups due** lists the clinic's
follow-ups due now the same way, and each match opens its patient's course view
(**Course…**), where a follow-up is recorded. Everything goes through the course's
guarded door (role checked, audited) off the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.lookup import PatientMatch
from ketaconsole.course.summary import CourseSummary
from ui import theme
from ui.course.course_page import present
from ui.widgets.background import BackgroundCalls
from ui.widgets.type_scale import take_window_scale


def match_html(match: PatientMatch, note: str = "") -> str:
    """What a match shows: who it is, then the course and its clearance (and a note)."""
    colour = theme.MUTED if match.cleared else theme.ALARM_MEDIUM
    due = f"<br><b>{escape(note)}</b>" if note else ""
    return (f"<b>{escape(match.patient.label())}</b><br>{escape(match.course)}<br>"
            f"<span style='color:{colour}'>{escape(match.clearance)}</span>{due}")


class MatchRow(QFrame):
    """One record found: who, the course, the clearance; pick it, or open its course."""

    def __init__(self, match: PatientMatch, pick: Callable[[PatientMatch], None],
                 show_course: Callable[[PatientMatch], None], note: str = "") -> None:
        super().__init__()
        self.match = match
        self.setObjectName("panel")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        self.details = QLabel(match_html(match, note))
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.details)
        self.pick = QPushButton("Pick this patient")
        self.pick.setAccessibleName(f"Check in {match.patient.name}")
        self.pick.clicked.connect(lambda: pick(match))
        self.course = QPushButton("Course\u2026")
        self.course.setAccessibleName(f"Show the course of {match.patient.name}")
        self.course.clicked.connect(lambda: show_course(match))
        row = QHBoxLayout()
        row.addWidget(self.pick, 2)
        row.addWidget(self.course, 1)
        column.addLayout(row)


def chosen_html(match: PatientMatch) -> str:
    """What the check-in runs under: the person, the course, the clearance, the flags."""
    colour = theme.TEXT if match.cleared else theme.ALARM_MEDIUM
    flagged = ("<br>Assessment flagged: <b>" + escape(", ".join(match.flagged)) + "</b>"
               if match.flagged else "<br>Assessment flagged nothing.")
    if not match.cleared and not match.flagged:
        flagged = ""
    return (f"<b>{escape(match.patient.label())}</b><br>Course: {escape(match.course)}<br>"
            f"<span style='color:{colour}'>{escape(match.clearance)}</span>{flagged}")


class PatientSearch(QGroupBox):
    """One search box, the matches with their course, and an explicit "new patient"."""

    picked = Signal(object)
    """The :class:`PatientMatch` the nurse picked (or just registered)."""

    def __init__(self, desk: CourseDesk | None,
                 new_identity: Callable[[], tuple[str, str, str]]) -> None:
        super().__init__("Find the patient")
        self._desk = desk
        self._new_identity = new_identity
        """(name, MRN, date of birth) typed in the form, for a new patient's record."""
        self.found: list[PatientMatch] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._failed)
        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("name, MRN or birth date")
        self.query.setToolTip("Part of the name, the MRN, or the date of birth as YYYY-MM-DD")
        self.query.setAccessibleName("Find the patient by name, MRN or date of birth")
        self.query.returnPressed.connect(self.search)
        self.find_button = QPushButton("Find")
        self.find_button.clicked.connect(self.search)
        row.addWidget(self.query, 1)
        row.addWidget(self.find_button)
        column.addLayout(row)
        self.due_button = QPushButton("Follow-ups due")
        self.due_button.setToolTip("The clinic's follow-ups due now (24 h, 1 week, monthly)")
        self.due_button.clicked.connect(self.list_due)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        self.message.hide()
        column.addWidget(self.message)
        self.matches = QWidget()
        self.matches.setAccessibleName("Patients found")
        self._rows = QVBoxLayout(self.matches)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self.rows: list[MatchRow] = []
        self.matches.hide()
        column.addWidget(self.matches)
        self.chosen = QLabel("")
        self.chosen.setWordWrap(True)
        self.chosen.setTextFormat(Qt.TextFormat.RichText)
        self.chosen.hide()
        column.addWidget(self.chosen)
        self.register_button = QPushButton("New patient")
        self.register_button.setToolTip("Only for a patient new to the clinic: makes a record "
                                        "from the name, MRN and date of birth below.")
        self.register_button.clicked.connect(self.register)
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button, 2)
        buttons.addWidget(self.due_button, 1)
        column.addLayout(buttons)
        self.course_view: QWidget | None = None
        if desk is None:
            for widget in (self.query, self.find_button, self.register_button,
                           self.due_button):
                widget.setEnabled(False)
            self.say("No record database is open, so no patient can be found.")

    # -- the nurse's actions -----------------------------------------------------------

    def search(self) -> None:
        desk, text = self._desk, self.query.text()
        if desk is None:
            return
        self.say("searching\u2026")
        self.calls.run(lambda: desk.find_patients(text), "search")

    def register(self) -> None:
        desk = self._desk
        if desk is None:
            return
        name, mrn, born = self._new_identity()
        self.say("registering\u2026")
        self.calls.run(lambda: desk.register_patient(name, mrn=mrn or None,
                                                     date_of_birth=born or None), "register")

    def list_due(self) -> None:
        desk = self._desk
        if desk is None:
            return
        self.say("reading the follow-ups due\u2026")
        self.calls.run(lambda: (desk.follow_ups_due(), time.time()), "due")

    def show_course(self, match: PatientMatch) -> None:
        """The patient's course view (read through the guarded door, audited)."""
        desk, patient_id = self._desk, match.patient.patient_id
        if desk is None:
            return
        self.say("opening the course\u2026")
        self.calls.run(lambda: desk.course_of(patient_id), "course")

    def _open_course(self, summary: CourseSummary) -> None:
        from ui.course.course_view import CourseView

        self.say("")
        self.course_view = CourseView(summary, desk=self._desk)
        present(self.course_view, self)

    def _answered(self, result: object, tag: object) -> None:
        if tag == "course" and isinstance(result, CourseSummary):
            self._open_course(result)
            return
        if tag == "due" and isinstance(result, tuple):
            due, now = result
            self.show_matches([m for _, m in due], [d.sentence(now) for d, _ in due])
            self.say("No follow-up is due." if not due else
                     f"{len(due)} follow-up{'s' if len(due) > 1 else ''} due: open the "
                     "course to record one.")
            return
        if tag == "register" and isinstance(result, PatientMatch):
            self.say(f"Registered {result.patient.name} as a new patient.")
            self.show_matches([])
            self.choose(result)
            return
        assert isinstance(result, list)
        self.show_matches(result)
        self.say(
            "No patient matches; check the spelling, or register a patient new to the "
            "clinic." if not result else
            f"{len(result)} found: pick the patient." if len(result) > 1 else
            "1 found: pick the patient to check them in.")

    def say(self, text: str) -> None:
        """The search's one line (hidden while there is nothing to say)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _failed(self, error: object, _tag: object) -> None:
        self.say(str(error))

    def show_matches(self, found: list[PatientMatch], notes: list[str] | None = None) -> None:
        self.found = list(found)
        for row in self.rows:
            self._rows.removeWidget(row)
            row.deleteLater()
        notes = notes or [""] * len(found)
        self.rows = [MatchRow(match, self.choose, self.show_course, note)
                     for match, note in zip(found, notes, strict=True)]
        for row in self.rows:
            self._rows.addWidget(row)
            take_window_scale(row)
        self.matches.setVisible(bool(found))

    def choose(self, match: PatientMatch) -> None:
        """Show what the check-in will run under, and hand the record to the form."""
        self.chosen.setText(chosen_html(match))
        self.chosen.show()
        self.matches.hide()
        self.picked.emit(match)

    def unchoose(self) -> None:
        """The nurse changed the identity by hand: no record is picked any more."""
        self.chosen.clear()
        self.chosen.hide()

    def forget(self) -> None:
        """Out of sight (locked, another page): other patients' names leave the screen."""
        self.calls.forget()
        if self.found or self.message.text().endswith("\u2026"):
            self.say("")
        self.show_matches([])
