"""A banner that says, in one sentence, when the session is not being recorded."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ketaconsole.room import RecordState
from ui import theme


class RecordBanner(QLabel):
    """Hidden while the record is written; a red line with the reason when it is not."""

    def __init__(self, record: RecordState | None) -> None:
        super().__init__()
        self.record = record
        self.setFont(theme.font(16, bold=True))
        self.setStyleSheet(f"background: {theme.ALARM_HIGH}; color: white; padding: 6px 12px;"
                           "border-radius: 6px;")
        self.setWordWrap(True)
        self.hide()

    def refresh(self, now: float) -> None:
        problem = self.record.problem if self.record is not None else None
        if problem is None:
            if self.isVisible():
                self.hide()
            return
        text = problem if problem.lower().startswith(("not recording", "no session")) \
            else f"Record problem: {problem}"
        if self.text() != text:
            self.setText(text)
        if not self.isVisible():
            self.show()
