"""A window opens on its screen: maximised, or where it was last left if that still fits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.screen_fit import keep_place, show_fitted


def _screen() -> QRect:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen.availableGeometry()


def test_a_window_larger_than_its_screen_opens_within_it(qtbot: QtBot, tmp_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    area = _screen()
    window.resize(area.width() + 500, area.height() + 300)
    show_fitted(window, "bedside")
    qtbot.waitExposed(window)
    shown = window.geometry()
    assert shown.width() <= area.width() and shown.height() <= area.height(), (shown, area)


def test_the_last_place_is_kept_where_it_fits_and_dropped_where_it_does_not(
        qtbot: QtBot, tmp_path: Path) -> None:
    area = _screen()
    first = QWidget()
    qtbot.addWidget(first)
    first.setGeometry(area.x() + 20, area.y() + 20, area.width() // 2, area.height() // 2)
    first.show()
    qtbot.waitExposed(first)
    keep_place(first, "bedside")
    again = QWidget()
    qtbot.addWidget(again)
    show_fitted(again, "bedside")
    qtbot.waitExposed(again)
    assert again.size() == first.size() and not again.isMaximized()

    gone = QWidget()  # last left on a screen that is not there now
    qtbot.addWidget(gone)
    gone.setGeometry(area.right() + 400, area.y(), area.width() // 2, area.height() // 2)
    keep_place(gone, "bedside")
    third = QWidget()
    qtbot.addWidget(third)
    show_fitted(third, "bedside")
    qtbot.waitExposed(third)
    assert third.width() > area.width() // 2, "maximised on the screen that is there"
