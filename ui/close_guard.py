"""Closing the console while a session is open asks first, in the window (never a dialog)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from ui import theme
from ui.widgets.type_scale import restyle


class CloseGuard(QFrame):
    """A bar across the top: the session is still open; leave it open, or carry on."""

    def __init__(self, close_anyway: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("panel")
        restyle(self, f"QFrame#panel {{ border: 2px solid {theme.ALARM_MEDIUM}; }}")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setFont(theme.font(15, bold=True))
        self.leave = QPushButton("Close and leave the session open")
        self.leave.clicked.connect(close_anyway)
        self.stay = QPushButton("Keep the console open")
        self.stay.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        row.addWidget(self.message, 1)
        row.addWidget(self.stay)
        row.addWidget(self.leave)
        self.setAccessibleName("Close the console?")
        self.hide()

    def ask(self, session_id: int, patient: str) -> None:
        self.message.setText(
            f"Session {session_id} of {patient} is still open. End it on the Session page "
            f"first, or close the console and leave it open: this station carries on "
            f"with it when {patient} is checked in again.")
        self.show()
        self.stay.setFocus()
