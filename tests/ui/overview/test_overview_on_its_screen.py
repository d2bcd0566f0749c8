"""The overview on the screen it opens on: all of it on a 1366x768 or 1280x800 screen, a
card readable at 2 m on a 1920x1080 wall screen with 16 rooms, an acknowledged alarm
that says so however long its message, and a silent room that shows nothing as live.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import Priority
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.overview.board import ClinicBoard
from ketaconsole.overview.status import AlarmNow, PumpNow, RoomStatus, VitalNow
from ketaconsole.security import AuditLog
from ketaconsole.store import Database, open_database
from tests.core.security_support import staff
from ui import theme
from ui.overview.overview_window import OverviewWindow
from ui.overview.room_card import Digits, RoomCardView
from ui.widgets.elided_label import ElidedLabel

ACKNOWLEDGED = "\u2713 acknowledged"
LONG = ("NIBP sys 184 mmHg, 60 mmHg above the baseline of 124 (limit: above 40); recheck "
        "the cuff, then tell the prescriber")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    staff(opened, AuditLog(opened))
    yield opened
    opened.dispose()


def _room(number: int, at: float, *alarms: AlarmNow) -> RoomStatus:
    vitals = {"MDC_PULS_OXIM_SAT_O2": VitalNow(100.0, 0.4),
              "MDC_ECG_HEART_RATE": VitalNow(118.0, 0.4),
              "MDC_PRESS_BLD_NONINV_SYS": VitalNow(184.0, 10.0),
              "MDC_PRESS_BLD_NONINV_DIA": VitalNow(101.0, 10.0),
              "MDC_RESP_RATE": VitalNow(14.0, 0.4)}
    return RoomStatus(f"Room {number}", "room", 1, at, initials="A.B.", phase="Infusion",
                      vitals=vitals, alarms=alarms,
                      pump=PumpNow(52.5, 52.5, 12.3, 35.0, "infusing"),
                      links={"monitor": "connected", "pump": "connected"},
                      bp_due="BP due in 4 min")


def _acknowledged(now: float) -> AlarmNow:
    return AlarmNow("nibp-high", Priority.MEDIUM, False, LONG, now - 30, True, False)


def _overview(qtbot: QtBot, database: Database, size: tuple[int, int], rooms: int = 16,
              silent: tuple[int, ...] = ()) -> tuple[OverviewWindow, float]:
    board = ClinicBoard()
    now = time.time()
    for number in range(1, rooms + 1):
        at = now - 20 if number in silent else now
        alarms = (_acknowledged(now),) if number == 1 else ()
        board.receive(_room(number, at, *alarms), at)
    window = OverviewWindow(board, database, BedsideSecurity(database, place="overview").lock)
    qtbot.addWidget(window)
    window.setGeometry(0, 0, *size)  # as the screen fit gives it: the whole screen
    window.show()
    qtbot.waitExposed(window)
    for _ in range(3):  # the cards are made, laid out, then sized to their place
        window.refresh(now)
        qtbot.wait(30)
    return window, now


def _outside(window: OverviewWindow) -> list[str]:
    """Every visible control or text that is not wholly inside the window."""
    inside = QRect(QPoint(0, 0), window.size())
    lost = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(
                widget, QAbstractButton | QLabel | QLineEdit | QComboBox | ElidedLabel):
            continue
        area = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not inside.contains(area):
            lost.append(f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}")
    return lost


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)])
def test_the_overview_with_16_rooms_is_wholly_on_a_small_screen(
        qtbot: QtBot, database: Database, size: tuple[int, int]) -> None:
    window, _ = _overview(qtbot, database, size)
    assert (window.width(), window.height()) == size, "the rooms never widen the window"
    hint = window.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], hint
    assert _outside(window) == []
    for needed in (window.acknowledge, window.pause, window.lock_button,
                   window.login.unlock_button):
        assert needed.isVisible()
    window.stop()


def _ink_rows(widget: QWidget) -> int:
    """How many pixel rows of ``widget`` hold its drawing (the digits' ink height)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    background = image.pixelColor(0, 0)
    rows = 0
    for y in range(image.height()):
        if any(abs(image.pixelColor(x, y).lightness() - background.lightness()) > 60
               for x in range(0, image.width(), 2)):
            rows += 1
    return rows


def test_at_1920x1080_with_16_rooms_the_digits_are_40_px_and_every_word_18_px(
        qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    window, _ = _overview(qtbot, database, (1920, 1080))
    assert len(window.cards) == 16 and window.width() == 1920
    shot = tmp_path / "overview-1920.png"
    assert window.grab().save(str(shot))
    for card in window.cards:
        for digits in card.findChildren(Digits):
            assert digits.text() != "--"
            assert digits.ink_height() >= 40, (card.station, digits.text())
            assert _ink_rows(digits) >= 40, (card.station, digits.text(), "as drawn")
            assert digits.width() >= digits.sizeHint().width(), ("cut", digits.text())
        assert min(card.fonts().values()) >= 18, card.fonts()
    small = {f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}": w.fontInfo().pixelSize()
             for w in window.findChildren(QWidget)
             if w.isVisible() and isinstance(w, QAbstractButton | QLabel | QLineEdit | QComboBox
                                             | QProgressBar | ElidedLabel)
             and w.fontInfo().pixelSize() < 18}
    assert small == {}
    window.stop()


def test_a_long_acknowledged_alarm_is_cut_in_its_message_never_in_acknowledged(
        qtbot: QtBot, database: Database) -> None:
    window, _ = _overview(qtbot, database, (1366, 768))
    card = next(c for c in window.cards if c.station == "Room 1")
    shown = card.alarm.shown_text()
    assert shown.endswith(ACKNOWLEDGED), shown
    assert "\u2026" in shown, "the message was too long for the card and was shortened"
    chip = next(c for c in window.strip if c.isVisible() and c.text().startswith("Room 1"))
    assert chip.shown_text().endswith(ACKNOWLEDGED), chip.shown_text()
    assert card.alarm.toolTip().startswith("** " + LONG[:20]), "the whole message on hover"
    window.stop()


def test_a_silent_room_shows_what_it_last_said_and_nothing_as_live(
        qtbot: QtBot, database: Database) -> None:
    window, _ = _overview(qtbot, database, (1920, 1080), rooms=2, silent=(2,))
    dead: RoomCardView = next(c for c in window.cards if c.station == "Room 2")
    live: RoomCardView = next(c for c in window.cards if c.station == "Room 1")
    assert "infusing" in live.infusion.text() and live.age.text() == "live"
    words = [dead.who.text(), dead.age.text(), dead.infusion.text(), dead.checks.text(),
             dead.links.toolTip()]
    assert not any("infusing" in w or w == "live" for w in words), words
    assert "pump not known" in dead.infusion.text()
    assert "last known: Infusion" in dead.who.text() and dead.checks.text() == ""
    assert "connected" not in dead.links.toolTip(), "a device link is a live state"
    assert dead.spo2.value.text() == "--" and dead.alarm.text().startswith("** TECH")
    assert dead.bp.value.text() == "184/101" and dead.bp.value.colour == theme.STALE, \
        "the last blood pressure stays, greyed: it is no current reading"
    assert live.bp.value.colour != theme.STALE
    window.stop()
