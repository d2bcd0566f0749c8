"""The wheel over a choice list the nurse has not clicked scrolls the page beneath it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from ketaconsole.session.workflow import Step
from tests.ui.conftest import unlock
from ui.main_window import MainWindow


def _wheel_down(widget: QComboBox) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(widget.rect().center())),
                        QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_choice_scrolls_the_page_and_changes_nothing(
        qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1366, 768)
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.CHECK_IN]
    qtbot.waitUntil(page.isVisible, timeout=2000)
    choice = page.form.fields["psychosis_or_mania"]
    assert isinstance(choice, QComboBox) and not choice.hasFocus()
    before = choice.currentIndex()
    scroll = panel.scroller.verticalScrollBar()
    assert scroll.maximum() > 0 and scroll.value() == 0
    for _ in range(3):
        _wheel_down(choice)
    assert choice.currentIndex() == before
    assert scroll.value() > 0, "the page scrolled under the wheel"
