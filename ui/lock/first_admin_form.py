"""First start: the lock panel asks for the console's first admin (name, user name, PIN)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QPushButton

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.security import UserError
from ui import theme
from ui.widgets.type_scale import restyle


class FirstAdminForm(QFrame):
    """Creates the first admin (audited); shown only while the console has none."""

    def __init__(self, security: BedsideSecurity, created: Callable[[], None]) -> None:
        super().__init__()
        self.security = security
        self._created = created
        self.display_name = QLineEdit()
        self.username = QLineEdit()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_again = QLineEdit()
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.create_button = QPushButton("Create the first admin")
        self.create_button.clicked.connect(self.create_admin)
        form = QFormLayout(self)
        heading = QLabel("First start: create the console's first admin")
        heading.setFont(theme.font(15, bold=True))
        heading.setWordWrap(True)
        form.addRow(heading)
        form.addRow("Full name", self.display_name)
        form.addRow("User name", self.username)
        form.addRow("PIN", self.pin)
        form.addRow("PIN again", self.pin_again)
        form.addRow(self.message)
        form.addRow(self.create_button)

    def create_admin(self) -> None:
        name, username = self.display_name.text().strip(), self.username.text().strip()
        if not name:
            self.message.setText("Type the admin's full name.")
            return
        if self.pin.text() != self.pin_again.text():
            self.message.setText("The two PINs differ; type the same PIN twice.")
            self.pin_again.clear()
            return
        try:
            self.security.create_first_admin(username=username, display_name=name,
                                             pin=self.pin.text())
        except UserError as exc:
            text = str(exc)
            self.message.setText(text[:1].upper() + text[1:] + ".")
            return
        self.pin.clear()
        self.pin_again.clear()
        self.message.setText("")
        self.hide()
        self._created()
