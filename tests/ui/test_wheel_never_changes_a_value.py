"""The mouse wheel over a form scrolls the page; it never changes an answer it passes over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollArea,
    QScrollBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketaconsole.session.workflow import Step
from tests.ui.conftest import (
    check_in_at_page,
    confirm_baseline_at_page,
    open_demo_window,
    unlock,
    wait_step,
)
from ui.main_window import MainWindow
from ui.widgets.wheel_guard import VALUE_WIDGETS


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def _value(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    assert isinstance(widget, QAbstractSlider)
    return widget.value()


def _wheel(widget: QWidget, notches: int) -> None:
    """Turn the wheel over the middle of ``widget`` (120 per notch, as a mouse sends)."""
    centre = widget.rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(widget.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _turned_values(window: MainWindow) -> list[str]:
    """Every visible value widget the wheel changed (up two notches, down three)."""
    changed = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, VALUE_WIDGETS) or isinstance(widget, QScrollBar) \
                or not widget.isVisible() or not widget.isEnabled():
            continue  # a scroll bar scrolls the page: that is what the wheel is for
        before = _value(widget)
        _wheel(widget, 2)
        _wheel(widget, -3)
        if _value(widget) != before:
            changed.append(f"{type(widget).__name__} {widget.objectName() or widget.toolTip()!r}"
                           f": {before!r} -> {_value(widget)!r}")
    return changed


def test_the_wheel_over_every_form_of_a_session_changes_no_value(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    seen = 0
    for step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
        wait_step(qtbot, window, step)
        seen += sum(1 for w in window.findChildren(QWidget)
                    if isinstance(w, VALUE_WIDGETS) and w.isVisible())
        assert _turned_values(window) == [], step
        if step is Step.CHECK_IN:
            check_in_at_page(qtbot, window)
        elif step is Step.BASELINE:
            confirm_baseline_at_page(qtbot, window)
    assert seen >= 12, "the check-in screen and the PHQ-9 items were among them"


def test_a_value_widget_takes_the_wheel_once_clicked_and_passes_it_on_before(
        qtbot: QtBot) -> None:
    page = QWidget()
    column = QVBoxLayout(page)
    boxes = [QSpinBox() for _ in range(30)]
    for box in boxes:
        column.addWidget(box)
    scroller = QScrollArea()
    scroller.setWidgetResizable(True)
    scroller.setWidget(page)
    scroller.resize(200, 150)
    qtbot.addWidget(scroller)
    with qtbot.waitActive(scroller):
        scroller.show()
        scroller.activateWindow()
    box = boxes[0]
    box.clearFocus()  # the window gave its first field focus as it opened
    _wheel(box, -1)
    assert box.value() == 0 and not box.hasFocus()
    assert box.focusPolicy() is Qt.FocusPolicy.StrongFocus, "the wheel gives it no focus"
    box.setFocus(Qt.FocusReason.MouseFocusReason)  # as a click or Tab gives it
    assert box.hasFocus()
    _wheel(box, 1)
    assert box.value() == 1, "a focused box is the nurse's to turn"
