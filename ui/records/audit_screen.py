"""The Audit page: an admin reviews who did what, checks the chain, reviews emergency access.

Only a person allowed to review the audit trail (an admin) sees it: ``AuditGate.viewing``
is asked before each read and puts the review itself on the trail. The entries are read
on a worker thread and narrowed on the GUI thread by the search box. Emergency accesses
still waiting for an admin's review are listed above, each with a note and a Review
button; the chain check says "intact" or names the first altered entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.security import AuditLog, AuditRecord, pending_break_glass_reviews
from ketaconsole.security.audit import describe_break
from ketaconsole.security.roles import Permission
from ketaconsole.security.users import author_in_words, names_of_users
from ketaconsole.session.events import title
from ketaconsole.store import Database
from ui import theme
from ui.records.session_review import local_time
from ui.widgets.background import BackgroundCalls
from ui.widgets.type_scale import restyle

COLUMNS = ("No.", "Time", "Action", "Who", "About", "Detail")


@dataclass(frozen=True, slots=True)
class AuditGate:
    """The checks in front of the audit trail; each raises ``PermissionError`` (audited)."""

    viewing: Callable[[], None]
    reviewing: Callable[[int, str], None]
    """Record an admin's review of emergency access entry ``seq`` with a note."""


@dataclass(frozen=True, slots=True)
class AuditView:
    """What one read of the audit trail found."""

    entries: list[AuditRecord]
    pending: list[AuditRecord]
    people: dict[str, str] = field(default_factory=dict)
    """Each log-in name with the display name the trail shows for it."""


DETAIL_WORDS = {"kind": "entry", "seq": "record entry", "permission": "needs the right to",
                "role": "role", "user_id": "user number", "reason": "reason"}
"""Audit detail keys in words."""


def entry_detail(entry: AuditRecord) -> str:
    """An entry's details as words ('entry: Note; record entry: 13'), never key=value."""
    parts = []
    for key, value in entry.detail.items():
        if value is None or value == "":
            continue
        if key == "permission" and isinstance(value, str) and value in Permission.__members__:
            value = Permission[value].value
        elif key == "kind" and isinstance(value, str):
            value = title(value)
        parts.append(f"{DETAIL_WORDS.get(key, key.replace('_', ' '))}: {value}")
    return "; ".join(parts)


def entry_matches(entry: AuditRecord, text: str) -> bool:
    wanted = text.strip().lower()
    return not wanted or any(wanted in part.lower() for part in (
        str(entry.seq), entry.action, entry.actor, entry.target or "", entry_detail(entry)))


def read_audit(database: Database) -> AuditView:
    audit = AuditLog(database)
    return AuditView(audit.entries(), pending_break_glass_reviews(audit),
                     names_of_users(database))


def chain_words(database: Database) -> tuple[bool, str]:
    audit = AuditLog(database)
    problem = audit.verify()
    if problem is None:
        return True, f"Audit trail intact, {len(audit.entries())} entries."
    return False, f"Audit trail altered: {describe_break(problem)}."


class AuditScreen(QWidget):
    """The audit trail for an admin: search, chain check, emergency accesses to review."""

    def __init__(self, database: Database, gate: AuditGate) -> None:
        super().__init__()
        self.database = database
        self.gate = gate
        self.entries: list[AuditRecord] = []
        self.people: dict[str, str] = {}
        self.pending: list[AuditRecord] = []
        self.shown: list[AuditRecord] = []
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._failed)
        self._build()
        self.refresh()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        heading = QLabel("Audit trail")
        heading.setFont(theme.font(16, bold=True))
        column.addWidget(heading)
        self.status = QLabel("Reading the audit trail\u2026")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.pending_heading = QLabel("")
        self.pending_heading.setWordWrap(True)
        column.addWidget(self.pending_heading)
        self.pending_table = self._table(("No.", "Time", "Who", "Where", "Reason"), rows=3)
        column.addWidget(self.pending_table)
        self.review_row = QWidget()
        review = QHBoxLayout(self.review_row)
        review.setContentsMargins(0, 0, 0, 0)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Review note (what was checked, who was asked)")
        review.addWidget(self.note, 1)
        self.review_button = QPushButton("Mark reviewed")
        self.review_button.clicked.connect(self.review_selected)
        review.addWidget(self.review_button)
        column.addWidget(self.review_row)
        tools = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: person, action, session, detail")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        tools.addWidget(self.search, 1)
        self.check_button = QPushButton("Check chain")
        self.check_button.clicked.connect(self.check_chain)
        tools.addWidget(self.check_button)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        tools.addWidget(self.refresh_button)
        column.addLayout(tools)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        column.addWidget(self.verdict)
        self.table = self._table(COLUMNS)
        column.addWidget(self.table, 1)

    @staticmethod
    def _table(columns: tuple[str, ...], rows: int | None = None) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(columns)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        if rows is not None:
            table.setMaximumHeight(table.horizontalHeader().sizeHint().height()
                                   + rows * table.verticalHeader().defaultSectionSize() + 4)
        return table

    # -- reading -----------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.refresh_button.isEnabled():
            return  # a read is on its way: one review, one entry on the trail
        try:
            self.gate.viewing()
        except PermissionError as exc:
            self.forget()
            self.status.setText(f"{exc}.")
            return
        self.refresh_button.setEnabled(False)
        database = self.database
        self.calls.run(lambda: read_audit(database), tag="read")

    def check_chain(self) -> None:
        database = self.database
        self.verdict.setText("Checking\u2026")
        restyle(self.verdict, "")
        self.calls.run(lambda: chain_words(database), tag="chain")

    def forget(self) -> None:
        """Clear everything shown: nothing stays for the next person at the console."""
        self.calls.forget()
        self.refresh_button.setEnabled(True)
        self.entries, self.pending = [], []
        self.search.clear()
        self.apply_filter()
        self._show_pending()
        self.verdict.setText("")
        self.status.setText("Log in as an admin to review the audit trail.")

    def _answered(self, result: Any, tag: object) -> None:
        if tag == "read":
            self.refresh_button.setEnabled(True)
            self.entries, self.pending = result.entries, result.pending
            self.people = result.people
            self.apply_filter()
            self._show_pending()
        elif tag == "chain":
            intact, words = result
            self.verdict.setText(words)
            restyle(self.verdict,
                f"color: {theme.LINK_COLOURS['connected'] if intact else theme.ALARM_HIGH};"
                + ("" if intact else " font-weight: bold;"))

    def _failed(self, exc: Exception, tag: object) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(f"The audit trail could not be read ({exc}); check the database "
                            "and press Refresh.")

    # -- showing -----------------------------------------------------------------------

    def apply_filter(self) -> None:
        self.shown = [e for e in reversed(self.entries) if entry_matches(e, self.search.text())]
        self.table.setRowCount(len(self.shown))
        for row, entry in enumerate(self.shown):
            texts = (str(entry.seq), local_time(entry.at, seconds=True),
                     entry.action.replace("_", " "), self.who(entry.actor),
                     self.who(entry.target or ""), entry_detail(entry))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col == 5:
                    item.setToolTip(text)
                if entry.action in ("break_glass", "denied"):
                    item.setForeground(Qt.GlobalColor.yellow)
                self.table.setItem(row, col, item)
        total = len(self.entries)
        if total:
            shown = "" if len(self.shown) == total else f"{len(self.shown)} of "
            self.status.setText(f"{shown}{total} entries, newest first.")

    def who(self, actor: str) -> str:
        """The person as the trail shows them: the display name, never the log-in name."""
        return author_in_words(actor, self.people)

    def _show_pending(self) -> None:
        self.pending_table.setRowCount(len(self.pending))
        for row, entry in enumerate(self.pending):
            texts = (str(entry.seq), local_time(entry.at, seconds=True),
                     self.who(entry.actor), self.who(entry.target or ""),
                     str(entry.detail.get("reason", "")))
            for col, text in enumerate(texts):
                self.pending_table.setItem(row, col, QTableWidgetItem(text))
        if self.pending:
            self.pending_table.selectRow(0)
        self.review_button.setEnabled(bool(self.pending))
        # the review's table and note only while an emergency access waits for one
        self.pending_heading.setText(
            f"Emergency accesses waiting for an admin's review: {len(self.pending)}"
            if self.pending else "No emergency access is waiting for review.")
        self.pending_table.setVisible(bool(self.pending))
        self.review_row.setVisible(bool(self.pending))

    def review_selected(self) -> None:
        row = self.pending_table.currentRow()
        if not 0 <= row < len(self.pending):
            return
        seq = self.pending[row].seq
        try:
            self.gate.reviewing(seq, self.note.text())
        except (PermissionError, ValueError) as exc:
            self.verdict.setText(f"{exc}.")
            restyle(self.verdict, f"color: {theme.ALARM_MEDIUM};")
            return
        self.note.clear()
        self.verdict.setText(f"Emergency access {seq} marked reviewed.")
        restyle(self.verdict, f"color: {theme.LINK_COLOURS['connected']};")
        self.refresh()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.calls.wait_idle(timeout)
