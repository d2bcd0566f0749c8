"""The lock panel the main window shows in place of its side panel while the console is locked.

It never covers the monitor and is never a modal dialog: the vitals and alarms stay live
and can be acknowledged beside it. A nurse picks their name, types the PIN and unlocks;
in an emergency anyone can open the console without a PIN, giving a reason, which is
recorded for an admin's review.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ketaconsole.security import ConsoleLock, ConsoleUser, LoginRefused, Role
from ui import theme
from ui.widgets.type_scale import restyle

LOCKED_TEXT = "Locked - the monitor and alarms stay live"
NOBODY_CHOSEN = "\u2014 choose your name \u2014"
"""Shown first and chosen by default, so a log-in names the person on purpose (emergency
access never names anyone: it acts as "emergency")."""


class LockOverlay(QFrame):
    """PIN unlock and emergency access for a :class:`ConsoleLock`."""

    unlocked = Signal(object)
    """The :class:`ConsoleUser` who unlocked the console."""
    break_glass = Signal(object, str)
    """Who acts under emergency access ("emergency", never a named user) and the reason."""

    def __init__(self, lock: ConsoleLock, users: list[ConsoleUser]) -> None:
        super().__init__()
        self.lock = lock
        self.setObjectName("lockOverlay")
        restyle(self, f"#lockOverlay {{ background: {theme.PANEL}; "
                           f"border: 1px solid {theme.PANEL_EDGE}; border-radius: 8px; }}")
        layout = QVBoxLayout(self)
        self.title = QLabel(LOCKED_TEXT)
        self.title.setFont(theme.font(18, bold=True))
        self.title.setWordWrap(True)
        self.user_choice = QComboBox()
        self.user_choice.setAccessibleName("User")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.setAccessibleName("PIN")
        self.unlock_button = QPushButton("Unlock")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason for emergency access")
        self.reason.setAccessibleName("Emergency reason")
        self.emergency_button = QPushButton("Emergency access (break-glass)")
        restyle(self.emergency_button, f"background: {theme.ALARM_HIGH}; color: white;")
        emergency_note = QLabel("Opens the console without a PIN; recorded and reviewed "
                                "by an admin.")
        emergency_note.setWordWrap(True)
        restyle(emergency_note, f"color: {theme.MUTED};")
        for widget in (self.title, QLabel("User"), self.user_choice, self.pin,
                       self.unlock_button, self.message):
            layout.addWidget(widget)
        layout.addStretch(1)
        for widget in (self.reason, self.emergency_button, emergency_note):
            layout.addWidget(widget)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.pin.returnPressed.connect(self.try_unlock)
        self.emergency_button.clicked.connect(self.open_in_emergency)
        self.set_users(users)

    def set_users(self, users: list[ConsoleUser]) -> None:
        """The people offered in the chooser (active ones only)."""
        self.user_choice.clear()
        self.user_choice.addItem(NOBODY_CHOSEN, None)
        bedside_first = {Role.NURSE: 0, Role.TECHNICIAN: 1, Role.ADMIN: 2}
        for user in sorted(users, key=lambda u: (bedside_first.get(u.role, 3), u.display_name)):
            if user.active:
                self.user_choice.addItem(user.shown,
                                         user.username)

    def chosen_username(self) -> str | None:
        data = self.user_choice.currentData()
        return data if isinstance(data, str) else None

    def reset(self) -> None:
        """Clear what was typed (the main window calls this each time it shows the panel)."""
        self.pin.clear()
        self.reason.clear()
        self.message.clear()
        self.user_choice.setCurrentIndex(0)

    def try_unlock(self) -> None:
        username = self.chosen_username()
        if username is None:
            self.message.setText("Choose your name, then type your PIN.")
            return
        pin = self.pin.text()
        self.pin.clear()
        try:
            user = self.lock.unlock(username, pin)
        except LoginRefused as exc:
            text = str(exc)
            self.message.setText(text[:1].upper() + text[1:] + ".")
            return
        self.message.clear()
        self.unlocked.emit(user)

    def open_in_emergency(self) -> None:
        reason = self.reason.text().strip()
        acting = self.lock.emergency_access(reason)  # never as the name chosen: no PIN
        self.pin.clear()
        self.reason.clear()
        self.message.clear()
        self.break_glass.emit(acting, reason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
            return
        super().keyPressEvent(event)
