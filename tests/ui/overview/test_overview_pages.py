"""The overview's pages and its command: 16 cards a page, no alarm hidden by paging, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import Priority
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.overview.board import ClinicBoard
from ketaconsole.overview.status import AlarmNow, RoomStatus, VitalNow
from ketaconsole.security import AuditLog
from ketaconsole.store import Database, open_database
from tests.core.security_support import staff
from ui.overview.overview_window import PER_PAGE, OverviewWindow, grid_shape


@pytest.fixture
def staffed_record(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    yield url, database
    database.dispose()


def _status(index: int, now: float, *alarms: AlarmNow) -> RoomStatus:
    return RoomStatus(f"Room {index:02d}", "record", 1, now, initials="A.B.",
                      phase="Infusion", vitals={"MDC_PULS_OXIM_SAT_O2": VitalNow(97.0, 0.4)},
                      alarms=alarms)


def test_the_grid_fits_up_to_16_cards_four_by_four() -> None:
    assert grid_shape(1) == (1, 1)
    assert grid_shape(2) == (2, 1)
    assert grid_shape(5) == (3, 2)
    assert grid_shape(16) == (4, 4)
    assert grid_shape(20) == (4, 4)


def test_twenty_rooms_take_two_pages_and_the_strip_shows_an_alarm_from_the_second(
        qtbot: QtBot, staffed_record: tuple[str, Database]) -> None:
    _, database = staffed_record
    board = ClinicBoard()
    now = time.time()
    high = AlarmNow("spo2-low", Priority.HIGH, False, "SpO2 84 % below 85 %", now, False, True)
    for index in range(1, 21):
        board.receive(_status(index, now, *((high,) if index == 19 else ())), now)
    window = OverviewWindow(board, database, BedsideSecurity(database, place="overview").lock)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    window.refresh(now)
    assert len(window.cards) == PER_PAGE
    assert window.page_label.text() == "Page 1 of 2"
    assert all(c.station != "Room 19" for c in window.cards)
    assert window.strip[0].isVisible() and window.strip[0].text().startswith("Room 19: ***")
    assert min(c.spo2.value.font().pixelSize() for c in window.cards) >= 40  # legible
    window.show_page(1)
    assert [c.station for c in window.cards] == [f"Room {n}" for n in range(17, 21)]
    window.stop()


def test_overview_command_writes_a_screenshot(staffed_record: tuple[str, Database],
                                              tmp_path: Path) -> None:
    url, _ = staffed_record
    shot = tmp_path / "overview.png"
    done = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "overview", "--db", url, "--screenshot",
         str(shot), "--quit-after", "1.5"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_overview_on_a_record_without_users_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "overview", "--db",
         f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--quit-after", "1"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("ketaconsole: this record has no users")
