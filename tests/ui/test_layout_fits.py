"""Every page fits its screen: nothing scrolls sideways, nothing is clipped, at the two
screen sizes clinics use (1366x768 and 1920x1080), and the monitor's text grows with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import SPO2
from tests.ui.clipping import clipped as cut_off
from tests.ui.conftest import open_demo_window, sized, unlock
from ui.main_window import MainWindow
from ui.monitor.numeric_tile import VALUE_PX, paint_values

SIZES = ((1366, 768), (1920, 1080))
LONG_PROBLEM = ("Enter a value in the range this field accepts; the sentence is long on "
                "purpose so that it must wrap inside the side panel")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def clipped(page: QWidget, window: MainWindow) -> list[str]:
    """What ``page`` cuts off, and what sticks out of the side panel."""
    return cut_off(page, window, window.monitor.side_stack)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_side_page_fits_without_sideways_scrolling(
        qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    sized(qtbot, window, size)
    assert window.lock_panel is not None
    assert clipped(window.lock_panel, window) == []
    unlock(qtbot, window, "demo-admin", "135790")
    side = window.monitor.side
    for index in range(side.count()):
        side.setCurrentIndex(index)
        qtbot.wait(150)
        found = clipped(side, window)
        assert found == [], (side.tabText(index), found[:6])
    side.setCurrentWidget(window.monitor.timeline)
    timeline = window.monitor.timeline
    for open_form in (timeline.rescue_button, timeline.scale_button, timeline.note_button,
                      timeline.adverse_button):
        open_form.click()
        qtbot.wait(50)
        assert clipped(timeline, window) == [], open_form.text()
        timeline.close_form()
    session = window.monitor.session
    side.setCurrentWidget(session)
    for step, page in session.pages.items():
        session.stack.setCurrentWidget(page)
        page.show_problems({key: LONG_PROBLEM for key in page.form.fields})
        page.show_failure(LONG_PROBLEM)
        qtbot.wait(100)
        assert clipped(session, window) == [], step.value
        page.clear_problems()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_window_fits_the_screen(qtbot: QtBot, window: MainWindow,
                                    size: tuple[int, int]) -> None:
    sized(qtbot, window, size)
    hint = window.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1]


def test_text_grows_with_the_screen_and_keeps_its_size_through_a_new_style(
        qtbot: QtBot, window: MainWindow) -> None:
    """The 1920x1080 sizes themselves are measured in test_text_sizes; here: a restyled
    value keeps its grown size, and back at 1366x768 every text is at its design size."""
    sized(qtbot, window, (1920, 1080))
    tile = window.monitor.tiles[SPO2.refid]
    grown = tile.value.font().pixelSize()
    assert grown > VALUE_PX
    paint_values(tile, [tile.value], "#123456", live=False)  # a new colour restyles it
    assert tile.value.font().pixelSize() == grown, "a new style keeps the scaled size"
    assert window.monitor.alarm_bar.text_scale >= 1.4
    sized(qtbot, window, (1366, 768))
    assert tile.value.font().pixelSize() == VALUE_PX
