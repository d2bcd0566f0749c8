"""``ketaconsole rooms``: every station's last status and its age, as text or JSON."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.overview.reader import read_statuses
from ketaconsole.overview.status import RoomStatus
from ketaconsole.store import open_database
from tests.core.store_support import wait_until
from tests.room_support import bare_room


def test_rooms_lists_each_publishing_station_with_its_age(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    rooms = [bare_room(url, station=name, place=f"room {name}") for name in ("bay-1", "bay-2")]
    try:
        database = open_database(url)
        wait_until(lambda: main(["rooms", "--json", "--db", url]) == 0 and
                   len(capsys.readouterr().out.splitlines()) == 2, 10, "two statuses")
        database.dispose()
        assert main(["rooms", "--json", "--db", url]) == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["station"] for line in lines] == ["bay-1", "bay-2"]
        assert all(0 <= line["age_s"] < 3 for line in lines)
        assert RoomStatus.from_record(lines[0]["status"]).place == "room bay-1"
        assert main(["rooms", "--db", url]) == 0
        text = capsys.readouterr().out.splitlines()
        assert [row.split()[0] for row in text] == ["bay-1", "bay-2"]
        assert all(row.endswith("ago)") for row in text)
    finally:
        for room in rooms:
            room.stop()
    time.sleep(0.1)
    assert main(["rooms", "--db", url]) == 0
    assert all(" closed " in row for row in capsys.readouterr().out.splitlines())


def test_rooms_on_a_record_nobody_publishes_to_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rooms", "--db", f"sqlite:///{tmp_path / 'empty.sqlite3'}"]) == 0
    assert capsys.readouterr().out.startswith("no room has published a status yet")


def test_rooms_on_an_unreachable_database_fails_with_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rooms", "--db", "postgresql+psycopg://nobody:x@127.0.0.1:1/none"])
    error = capsys.readouterr().err
    assert code != 0 and error.startswith("ketaconsole: ") and error.count("\n") == 1


def test_rooms_watch_follows_until_interrupted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    room = bare_room(url, station="bay-1")
    try:
        database = open_database(url)
        wait_until(lambda: read_statuses(database) != [], 10, "a status")
        database.dispose()
        watch = subprocess.Popen([sys.executable, "-m", "ketaconsole", "rooms", "--watch",
                                  "--json", "--db", url], stdout=subprocess.PIPE, text=True)
        assert watch.stdout is not None
        looks = [json.loads(watch.stdout.readline()) for _ in range(3)]
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=10) == 0
    finally:
        room.stop()
    assert [look["station"] for look in looks] == ["bay-1"] * 3
    assert looks[2]["status"]["seq"] > looks[0]["status"]["seq"]
