"""The Course page: a patient's course, its follow-up and assessment forms, inside the console.

A course screen opened from check-in or the plan page takes the side panel's wide
place (where the waves are), like Records: beside the tiles and the alarm bar, never
over them. It is never a window of its own, which on a bedside screen would sit on top
of the alarms. Screens stack: a form opened from the course view comes back to the
view with "Back"; "Close" empties the page and hides its tab. Locking the console
empties it too, so no patient's course stays on a locked screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.labels import label
from ui.widgets.type_scale import take_window_scale


class CoursePage(QWidget):
    """The side panel's Course tab: the course screens opened, the newest on top."""

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Course")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.title = label("", 15, bold=True)
        bar.addWidget(self.title, 1)
        self.back = QPushButton("Back")
        self.back.clicked.connect(self.go_back)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.clear)
        bar.addWidget(self.back)
        bar.addWidget(self.close_button)
        column.addLayout(bar)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        self.listeners: list[Callable[[], None]] = []
        """Told whenever a screen opens or closes (the window shows or hides the tab)."""
        self._show_bar()

    @property
    def screens(self) -> list[QWidget]:
        """The screens open, oldest first (the one shown last)."""
        return [screen for i in range(self.stack.count())
                if isinstance(scroll := self.stack.widget(i), QScrollArea)
                and (screen := scroll.widget()) is not None]

    def show_screen(self, screen: QWidget) -> None:
        """Put ``screen`` on top, scrolling when the page is shorter than it (a screen
        already open comes back to the top)."""
        for index in range(self.stack.count()):
            scroll = self.stack.widget(index)
            if isinstance(scroll, QScrollArea) and scroll.widget() is screen:
                self.stack.removeWidget(scroll)
                self.stack.addWidget(scroll)
                self.stack.setCurrentWidget(scroll)
                self._show_bar()
                return
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(screen)
        self.stack.addWidget(scroll)
        take_window_scale(scroll)
        self.stack.setCurrentWidget(scroll)
        self._show_bar()

    def go_back(self) -> None:
        """Leave the screen on top for the one under it (the page empties with the last)."""
        top = self.stack.currentWidget()
        if top is None:
            return
        self.stack.removeWidget(top)
        top.deleteLater()
        if self.stack.count():
            self.stack.setCurrentIndex(self.stack.count() - 1)
        self._show_bar()

    def clear(self) -> None:
        """Close every course screen (on Close, and when the console locks)."""
        while self.stack.count():
            self.go_back()

    def _show_bar(self) -> None:
        screens = self.screens
        self.title.setText(screens[-1].windowTitle() if screens else "")
        self.back.setVisible(self.stack.count() > 1)
        self.close_button.setEnabled(self.stack.count() > 0)
        for listener in self.listeners:
            listener()


def present(screen: QWidget, origin: QWidget) -> None:
    """Show a course ``screen`` opened from ``origin`` in its console's Course page.

    A widget used on its own (outside a console window, as in its own tests) has no
    Course page; it is then shown by itself.
    """
    page = origin.window().findChild(CoursePage)
    if page is None:
        screen.show()
        return
    page.show_screen(screen)
