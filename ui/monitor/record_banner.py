"""A banner that says, in one sentence, when the session is not being recorded."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ketaconsole.bedside.room import RecordState
from ui import theme
from ui.widgets.type_scale import restyle


class RecordBanner(QLabel):
    """Hidden while the record is written; a red line with the reason when it is not."""

    def __init__(self, record: RecordState | None) -> None:
        super().__init__()
        self.record = record
        self.setFont(theme.font(16, bold=True))
        self.setWordWrap(True)
        self._waiting: bool | None = None
        self.hide()

    def _style(self, waiting: bool) -> None:
        """A fault is a red line; waiting for the check-in is a plain, outlined one."""
        if waiting == self._waiting:
            return
        self._waiting = waiting
        restyle(self,
            f"background: transparent; color: {theme.ALARM_MEDIUM}; padding: 6px 12px; "
            f"border: 1px solid {theme.ALARM_MEDIUM}; border-radius: 6px;" if waiting else
            f"background: {theme.ALARM_HIGH}; color: white; padding: 6px 12px; "
            "border-radius: 6px;")

    def refresh(self, now: float) -> None:
        problem = self.record.problem if self.record is not None else None
        if problem is None:
            if self.isVisible():
                self.hide()
            return
        text = problem if problem.lower().startswith(("not recording", "no session")) \
            else f"Record problem: {problem}"
        self._style(self.record is not None and self.record.waiting)
        if self.text() != text:
            self.setText(text)
        if not self.isVisible():
            self.show()
