"""What a screen cuts off: widgets outside their panel, text wider or taller than the
room it is given, scroll areas that scroll sideways, tab bars that need arrows."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

SQUEEZABLE = (QAbstractButton, QLabel, QComboBox, QLineEdit, QAbstractSpinBox)


def in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def _in_scroll_content(widget: QWidget) -> bool:
    holder = widget.parentWidget()
    while holder is not None:
        if holder.objectName() == "qt_scrollarea_viewport":
            return True
        holder = holder.parentWidget()
    return False


def _needed_height(widget: QWidget) -> int:
    """The height a widget needs: the minimum it was given on purpose (big digits need
    only their ink's height), else its own minimum size hint."""
    return widget.minimumHeight() or widget.minimumSizeHint().height()


def clipped(page: QWidget, window: QWidget, panel: QWidget | None = None) -> list[str]:
    """Every visible widget of ``page`` that sticks out of ``panel`` sideways (when given),
    or cannot show its text in the room it has."""
    side = in_window(panel, window) if panel is not None else None
    found: list[str] = []
    for widget in [page, *page.findChildren(QWidget)]:
        if not widget.isVisibleTo(window) or widget.width() <= 0:
            continue
        text = getattr(widget, "text", lambda: "")()
        name = f"{type(widget).__name__} {text if isinstance(text, str) else ''!r}"
        if isinstance(widget, QAbstractScrollArea) and \
                widget.horizontalScrollBar().maximum() > 0:
            content = getattr(widget, "widget", lambda: None)()
            found.append(f"{name} scrolls sideways by {widget.horizontalScrollBar().maximum()}"
                         f" px ({type(content).__name__} in {type(widget.parent()).__name__})")
        if isinstance(widget, QTabBar) and widget.count() and \
                widget.tabRect(widget.count() - 1).right() > widget.width():
            found.append(f"{name}: its tabs need scroll arrows")
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text() and \
                widget.height() < widget.heightForWidth(widget.width()) - 2:
            found.append(f"{name} is {widget.height()} px high for its "
                         f"{widget.heightForWidth(widget.width())} px of wrapped text")
        elif isinstance(widget, SQUEEZABLE) and not isinstance(
                widget.parentWidget(), QComboBox | QAbstractSpinBox) and \
                widget.height() < _needed_height(widget) - 2:
            found.append(f"{name} is squeezed to {widget.height()} px of "
                         f"{_needed_height(widget)} px")
        if isinstance(widget, QAbstractButton | QLabel) and not (
                isinstance(widget, QLabel) and widget.wordWrap()) and widget.text() and \
                widget.width() < widget.minimumSizeHint().width():
            found.append(f"{name} is {widget.width()} px for its "
                         f"{widget.minimumSizeHint().width()} px text")
        if side is None or _in_scroll_content(widget):
            continue  # a scroll area's content: its viewport's width is checked above
        box = in_window(widget, window)
        if box.left() < side.left() - 1 or box.right() > side.right() + 1:
            found.append(f"{name} at {box.left()}..{box.right()} outside the panel "
                         f"{side.left()}..{side.right()}")
    return found
