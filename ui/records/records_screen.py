"""The Records screen: past sessions, found by patient name or date, opened read-only.

The database is opened (when given by URL) and read on worker threads; the list is
narrowed on the GUI thread from what was read, so typing in the search box costs no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.store import Database, open_database
from ketaconsole.store.review import SessionSummary, list_sessions
from ui import theme
from ui.records.session_review import Exporter, SessionReview, local_time
from ui.widgets.background import BackgroundCalls

COLUMNS = ("No.", "Patient", "Start", "End", "Events", "Phase")


@dataclass(frozen=True, slots=True)
class RecordsGate:
    """The role checks in front of the records; each raises ``PermissionError`` (audited).

    ``listing`` is asked before the list of patients is read, ``opening`` before one
    session is opened (and puts the opening on the audit trail).
    """

    listing: Callable[[], None]
    opening: Callable[[int], None]


def session_matches(summary: SessionSummary, text: str, day: date | None) -> bool:
    """Whether a session fits the search: name (or number) contains ``text``, started on ``day``."""
    wanted = text.strip().lower()
    if wanted and wanted not in summary.patient.lower() and wanted != str(summary.id):
        return False
    return day is None or datetime.fromtimestamp(summary.started_at).date() == day


class RecordsScreen(QWidget):
    """The list of recorded sessions with search, and the opened one below it."""

    def __init__(self, database: Database | str, *, export_folder: Path,
                 author: Callable[[], str], gate: RecordsGate | None = None,
                 exporter: Exporter | None = None) -> None:
        super().__init__()
        self.gate = gate
        self.database: Database | None = database if isinstance(database, Database) else None
        self._url = database if isinstance(database, str) else database.url
        self._owns_database = self.database is None
        self.sessions: list[SessionSummary] = []
        self.shown: list[SessionSummary] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._failed)
        self.calls.forgotten.connect(self._keep_database)
        self.review = SessionReview(lambda: self.database, export_folder=export_folder,
                                    author=author, exporter=exporter)
        self._build()
        self.refresh()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        # the list and an opened session each take the whole page: on a bedside screen
        # both at once leave a row or two of each
        self.pages = QStackedWidget()
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Records")
        heading.setFont(theme.font(16, bold=True))
        column.addWidget(heading)
        search = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by patient name or session number")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        search.addWidget(self.search, 2)
        self.use_day = QCheckBox("Started on")
        self.use_day.toggled.connect(self.apply_filter)
        search.addWidget(self.use_day)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda _d: self._day_changed())
        search.addWidget(self.day)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        search.addWidget(self.refresh_button)
        column.addLayout(search)
        self.status = QLabel("Reading the record\u2026")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        column.addWidget(self.table, 1)
        open_row = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        open_row.addWidget(self.open_button)
        open_row.addWidget(QLabel("Opens read-only: nothing here changes the record."))
        open_row.addStretch(1)
        column.addLayout(open_row)
        reviewing = QWidget()
        review_column = QVBoxLayout(reviewing)
        review_column.setContentsMargins(0, 0, 0, 0)
        self.back_button = QPushButton("\u2039 All records")
        self.back_button.clicked.connect(self.show_list)
        back_row = QHBoxLayout()
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        review_column.addLayout(back_row)
        review_column.addWidget(self.review, 1)
        self.pages.addWidget(top)
        self.pages.addWidget(reviewing)
        outer.addWidget(self.pages)

    def show_list(self) -> None:
        """Back from an opened session to the list of sessions."""
        self.pages.setCurrentIndex(0)

    # -- reading -----------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.refresh_button.isEnabled():
            return  # a read is on its way
        if self.gate is not None:
            try:
                self.gate.listing()
            except PermissionError as exc:
                self.sessions = []
                self.apply_filter()
                self.status.setText(f"{exc}.")
                return
        self.refresh_button.setEnabled(False)
        database, url = self.database, self._url

        def read() -> tuple[Database, list[SessionSummary]]:
            db = database or open_database(url)
            return db, list_sessions(db)

        self.calls.run(read, tag="list")

    def _answered(self, result: Any, tag: object) -> None:
        if tag == "list":
            self.database, self.sessions = result
            self.refresh_button.setEnabled(True)
            self.apply_filter()

    def _keep_database(self, result: Any, tag: object) -> None:
        """A list read before the console locked: not shown, but its database is kept."""
        if tag == "list":
            self.database = result[0]

    def _failed(self, exc: Exception, _tag: object) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(f"The record could not be read ({exc}); check the database "
                            "and press Refresh.")

    # -- the list ----------------------------------------------------------------------

    def _day_changed(self) -> None:
        if not self.use_day.isChecked():
            self.use_day.setChecked(True)
        else:
            self.apply_filter()

    def filter_day(self) -> date | None:
        if not self.use_day.isChecked():
            return None
        picked = self.day.date()
        return date(picked.year(), picked.month(), picked.day())

    def apply_filter(self) -> None:
        day = self.filter_day()
        self.shown = [s for s in reversed(self.sessions)
                      if session_matches(s, self.search.text(), day)]
        self.table.setRowCount(len(self.shown))
        for row, s in enumerate(self.shown):
            ended = local_time(s.ended_at) if s.ended_at is not None else "in progress"
            for col, text in enumerate((str(s.id), s.patient, local_time(s.started_at), ended,
                                        str(s.events), s.phase)):
                item = QTableWidgetItem(text)
                if col in (0, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        total = len(self.sessions)
        if not total:
            self.status.setText("No sessions are recorded yet.")
        elif len(self.shown) == total:
            counted = "1 session" if total == 1 else f"{total} sessions, newest first"
            self.status.setText(f"{counted}. Double-click one to open it.")
        else:
            self.status.setText(f"{len(self.shown)} of {total} sessions match.")

    def shown_numbers(self) -> list[int]:
        return [s.id for s in self.shown]

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.shown):
            self._open(self.shown[row])

    def open_session(self, session_id: int) -> bool:
        for row, s in enumerate(self.shown):
            if s.id == session_id:
                self.table.selectRow(row)
                return self._open(s)
        return False

    def forget(self) -> None:
        """Clear the list and the opened session: nothing stays for the next person."""
        self.calls.forget()
        self.refresh_button.setEnabled(True)
        self.sessions = []
        self.apply_filter()
        self.search.clear()
        self.review.close_record()
        self.show_list()
        self.status.setText("Log in to see the records.")

    def _open(self, summary: SessionSummary) -> bool:
        if self.gate is not None:
            try:
                self.gate.opening(summary.id)
            except PermissionError as exc:
                self.status.setText(f"{exc}.")
                return False
        self.review.open(summary)
        self.pages.setCurrentIndex(1)
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        """Wait for reads and exports, and close the database if this screen opened it."""
        self.calls.wait_idle(timeout)
        self.review.shutdown(timeout)
        if self._owns_database and self.database is not None:
            self.database.dispose()
