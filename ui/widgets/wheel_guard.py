"""One input policy for every form: the mouse wheel never changes a value by accident.

A nurse scrolls a page with the wheel; a choice list or number box passing under the
pointer must not take the wheel and change a PHQ-9 item or a scale. So a choice list,
number box or slider takes the wheel only while it has keyboard focus from a click or
Tab (``Qt.StrongFocus``, never ``WheelFocus``); otherwise the wheel goes on to the page
beneath, which scrolls. Installed once on the application (:func:`guard_wheel`), it
holds for every form, present and future.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

VALUE_WIDGETS = (QComboBox, QAbstractSpinBox, QAbstractSlider)
"""Widgets whose value the wheel would change."""


class WheelGuard(QObject):
    """Passes the wheel over an unfocused value widget to the page beneath."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, VALUE_WIDGETS) or isinstance(watched, QScrollBar):
            return False  # a scroll bar is how a page scrolls: the wheel is its own
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, QWidget):
            # Qt gives WheelFocus to these by default: the wheel would focus, then change
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif kind == QEvent.Type.Wheel and isinstance(watched, QWidget) \
                and not watched.hasFocus():
            # not ours: the page beneath scrolls with it
            page = _scrolling_page(watched)
            if page is not None:
                QApplication.sendEvent(page.viewport(), event)
            return True
        return False


def _scrolling_page(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area holding ``widget``, if any."""
    holder = widget.parentWidget()
    while holder is not None and not isinstance(holder, QAbstractScrollArea):
        holder = holder.parentWidget()
    return holder


def guard_wheel(app: QApplication) -> WheelGuard:
    """Install the policy on ``app`` (once); the guard lives as long as the application."""
    existing = app.findChild(WheelGuard)
    if isinstance(existing, WheelGuard):
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
