"""Text a nurse reads across the room: at 1920x1080 every vital's digits are at least
64 px tall and every other text (labels, source lines, tabs, search cards, form items,
chart text) at least 18 px full glyph height, measured on what is rendered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsTextItem, QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import ETCO2, HEART_RATE, PULSE_RATE, RESP_RATE, SPO2
from ketaconsole.demo.cast import DEMO_MRN
from ketaconsole.session.scales import SCALES
from tests.ui.conftest import open_demo_window, sized, unlock
from tests.ui.glyph_heights import digits_height, drawn_font, full_glyph_height, text_fonts
from ui.course.course_view import CourseView
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage

DIGITS_PX = 64
TEXT_PX = 18
BEDSIDE = (1920, 1080)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def too_small(root: QWidget, page: str) -> list[str]:
    """Every visible text under ``root`` under 18 px full glyph height, by name."""
    return [f"{page}: {what} is {full_glyph_height(font)} px"
            for what, font in text_fonts(root) if full_glyph_height(font) < TEXT_PX]


def chart_text_too_small(root: QWidget, page: str) -> list[str]:
    """Every plot's visible text (ticks, axis titles, plot titles, legends, row names)
    under ``root`` under 18 px, in the font it is drawn in."""
    found: list[str] = []
    for view in root.findChildren(pg.GraphicsView):
        if not view.isVisible():
            continue
        for item in view.items():
            if not item.isVisible():
                continue
            if isinstance(item, pg.AxisItem):
                tick_font = item.style["tickFont"] or QFont()
                if item.style["showValues"] and full_glyph_height(tick_font) < TEXT_PX:
                    found.append(f"{page}: ticks of a {item.orientation} axis are "
                                 f"{full_glyph_height(tick_font)} px")
                continue
            text = item.toPlainText() if isinstance(item, QGraphicsTextItem) else ""
            if text.strip() and full_glyph_height(drawn_font(item)) < TEXT_PX:
                found.append(f"{page}: chart text {text[:30]!r} is "
                             f"{full_glyph_height(drawn_font(item))} px")
    return found


def test_vital_digits_are_64_px_at_1920x1080(qtbot: QtBot, window: MainWindow) -> None:
    sized(qtbot, window, BEDSIDE)
    monitor = window.monitor
    tiles = [monitor.tiles[m.refid] for m in (HEART_RATE, PULSE_RATE, SPO2, RESP_RATE, ETCO2)]
    qtbot.waitUntil(lambda: all(t.value.text().isdigit() for t in tiles)
                    and monitor.blood_pressure.value.text()[0].isdigit(), timeout=15000)
    heights = {t.vital.short: digits_height(t.value) for t in tiles}
    heights["NIBP"] = digits_height(monitor.blood_pressure.value)
    assert min(heights.values()) >= DIGITS_PX, heights


def test_every_text_is_18_px_at_1920x1080_on_every_page(
        qtbot: QtBot, window: MainWindow) -> None:
    sized(qtbot, window, BEDSIDE)
    monitor = window.monitor
    assert window.lock_panel is not None
    found = too_small(window, "locked")
    unlock(qtbot, window, "demo-admin", "135790")
    found += too_small(monitor, "monitor") + chart_text_too_small(monitor, "monitor")
    side = monitor.side
    for index in range(side.count()):
        if not side.isTabVisible(index):
            continue
        side.setCurrentIndex(index)
        qtbot.wait(150)
        found += too_small(side, side.tabText(index))
    side.setCurrentWidget(monitor.session)
    session = monitor.session
    for step, page in session.pages.items():
        session.stack.setCurrentWidget(page)
        qtbot.wait(50)
        found += too_small(session, step.value)
    side.setCurrentWidget(monitor.timeline)
    timeline = monitor.timeline
    for open_form in (timeline.rescue_button, timeline.note_button, timeline.adverse_button):
        open_form.click()
        qtbot.wait(50)
        found += too_small(timeline, open_form.text())
        timeline.close_form()
    timeline.scale_button.click()
    for scale in SCALES:
        timeline.scale.which.setCurrentText(scale)
        qtbot.wait(50)
        found += too_small(timeline, scale)
    timeline.close_form()
    assert found == [], "\n".join(found)


def test_search_cards_and_the_course_chart_are_18_px_at_1920x1080(
        qtbot: QtBot, window: MainWindow) -> None:
    sized(qtbot, window, BEDSIDE)
    unlock(qtbot, window)
    monitor = window.monitor
    monitor.side.setCurrentWidget(monitor.session)
    page = monitor.session.pages[next(iter(monitor.session.pages))]
    assert isinstance(page, CheckInPage)
    search = page.search
    qtbot.keyClicks(search.query, DEMO_MRN)
    qtbot.keyClick(search.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    found = too_small(search, "search card")
    search.rows[0].course.click()
    qtbot.waitUntil(lambda: bool(window.course_page.screens), timeout=10000)
    qtbot.wait(150)
    course = window.course_page.screens[-1]
    assert isinstance(course, CourseView)
    found += too_small(course, "course") + chart_text_too_small(course, "course")
    assert found == [], "\n".join(found)
