"""The clinic's outcomes for prescribers and admins: the same figures as ``ketaconsole outcomes``.

Patients treated, infusions, response and remission at 4 and 8 weeks, adverse events and
alarms per infusion, dose against tolerability, follow-up completion, for the courses
whose first infusion falls between two days (either left empty: open). De-identified:
nothing here names a patient. Each reading is checked against the person logged in and
put on the audit trail; locking the console clears the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ketaconsole.course.outcomes import ClinicOutcomes, Window, clinic_outcomes, outcome_lines
from ketaconsole.store import Database
from ui import theme
from ui.widgets.background import BackgroundCalls
from ui.widgets.type_scale import restyle

WHO_MAY = "Log in as a prescriber or an admin to read the clinic's outcomes."


def _day(field: QLineEdit, what: str) -> date | None:
    text = field.text().strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Enter the {what} day as YYYY-MM-DD (e.g. 2026-01-31), or leave it "
                         "empty.") from None


class OutcomesScreen(QWidget):
    """The clinic's results across courses, read on demand off the GUI thread."""

    def __init__(self, database: Database, viewing: Callable[[], None]) -> None:
        super().__init__()
        self.database, self.viewing = database, viewing
        self.outcomes: ClinicOutcomes | None = None
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._failed)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        heading = QLabel("Clinic outcomes")
        heading.setFont(theme.font(16, bold=True))
        column.addWidget(heading)
        note = QLabel("Courses whose first infusion falls between the two days (UTC; empty: "
                      "open). No patient is named.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        column.addWidget(note)
        days = QHBoxLayout()
        self.start = QLineEdit()
        self.start.setPlaceholderText("from YYYY-MM-DD")
        self.end = QLineEdit()
        self.end.setPlaceholderText("to YYYY-MM-DD")
        self.show_button = QPushButton("Show outcomes")
        self.show_button.clicked.connect(self.refresh)
        for widget in (self.start, self.end):
            days.addWidget(widget, 1)
        days.addWidget(self.show_button)
        column.addLayout(days)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        column.addWidget(self.message)
        self.figures = QLabel("")
        self.figures.setWordWrap(True)
        column.addWidget(self.figures)
        column.addStretch(1)

    def refresh(self) -> None:
        """Read the outcomes for the days entered (the person logged in checked, audited)."""
        if not self.show_button.isEnabled():
            return  # a reading is on its way
        try:
            window = Window(_day(self.start, "first"), _day(self.end, "last"))
        except ValueError as exc:
            self._say(str(exc))
            return
        if window.start and window.end and window.start > window.end:
            self._say("The first day is after the last: give the earlier day first.")
            return
        try:
            self.viewing()
        except PermissionError as exc:
            self.forget()
            self._say(f"{exc}. {WHO_MAY}")
            return
        self.show_button.setEnabled(False)
        self._say("Reading the courses\u2026", muted=True)
        database = self.database
        self.calls.run(lambda: clinic_outcomes(database, window, time.time()), tag="read")

    def forget(self) -> None:
        """Clear the page: nothing stays for the next person at the console."""
        self.calls.forget()
        self.show_button.setEnabled(True)
        self.outcomes = None
        self.figures.setText("")
        self._say(WHO_MAY, muted=True)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.calls.wait_idle(timeout)

    def _say(self, text: str, *, muted: bool = False) -> None:
        restyle(self.message, f"color: {theme.MUTED if muted else theme.ALARM_MEDIUM};")
        self.message.setText(text)
        self.message.setVisible(bool(text))  # an empty line takes no height

    def _answered(self, result: Any, _tag: object) -> None:
        self.show_button.setEnabled(True)
        assert isinstance(result, ClinicOutcomes)
        self.outcomes = result
        self.figures.setText("\n".join(outcome_lines(result)))
        self._say("")

    def _failed(self, exc: Exception, _tag: object) -> None:
        self.show_button.setEnabled(True)
        self._say(f"The outcomes could not be read ({exc}); check the database and press "
                  "Show outcomes again.")
