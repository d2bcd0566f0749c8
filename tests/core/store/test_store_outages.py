"""Honest gaps: events committed before they are announced, outages and losses on the timeline."""

from __future__ import annotations

import signal
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import IO

import pytest

from ketaconsole.cli import main
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.export.summary import describe_event
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.settings import HOME_ENV
from ketaconsole.store import SessionPlan, SessionService, open_database
from ketaconsole.store.anchors import LOSS_RESERVE, AnchorLog, session_chain
from ketaconsole.store.review import timeline, verify
from ketaconsole.store.timeline import format_time
from tests.core.store.test_store_crash import Recording, numeric_keys, oximeter
from tests.core.store.test_store_faults import small_disk
from tests.core.store_support import wait_until

__all__ = ["oximeter", "small_disk"]

SPO2 = "MDC_PULS_OXIM_SAT_O2"
FAST_RETRY = {"first_retry_s": 0.05, "max_retry_s": 0.2, "flush_interval_s": 0.05}


def test_the_session_number_is_printed_only_after_its_start_is_committed(
        record_url: str, oximeter: PtyDeviceHost, tmp_path: Path) -> None:
    database = open_database(record_url)
    try:
        for _ in range(3):
            recording = Recording(oximeter.path, record_url, tmp_path,
                                  f"kill-{uuid.uuid4().hex[:8]}")
            recording.process.send_signal(signal.SIGKILL)  # as soon as it is announced
            recording.kill()
            kinds = [e.kind for e in timeline(database, recording.session_id, seals=False)]
            assert kinds[:1] == ["session_start"]
            assert verify(database, recording.session_id)[1] is None
    finally:
        database.dispose()


def _locked(path: Path) -> sqlite3.Connection:
    blocker = sqlite3.connect(path, isolation_level=None, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


def test_an_outage_that_ends_is_on_the_timeline_with_its_extent_and_cost(
        tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite3"
    database = open_database(f"sqlite:///{path}")
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r",
                                   **FAST_RETRY)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = _locked(path)
    try:
        engine.ingest([Numeric("ox", SPO2, 97.0, "%", 1000.0 + i) for i in range(30)])
        wait_until(lambda: not service.recorder.status.writing, what="the fault")
    finally:
        blocker.rollback()
        blocker.close()
    wait_until(lambda: any(e.kind == "store_outage"
                           for e in timeline(database, service.session_id)),
               what="the outage on the timeline")
    (outage,) = [e for e in timeline(database, service.session_id, seals=False)
                 if e.kind == "store_outage"]
    payload = outage.payload
    assert payload["cause"] == "database is locked by another program"
    assert payload["from"] < payload["to"] and payload["held"] >= 30
    assert payload["written"] >= 30 and payload["lost"] == 0
    assert service.close()
    assert verify(database, service.session_id)[1] is None
    database.dispose()


def test_stopping_while_the_store_is_down_leaves_the_session_open_and_records_the_loss(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "record.sqlite3"
    database = open_database(f"sqlite:///{path}")
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r",
                                   **FAST_RETRY)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = _locked(path)
    try:
        engine.ingest([Numeric("ox", SPO2, 97.0, "%", 2000.0 + i) for i in range(10)])
        wait_until(lambda: not service.recorder.status.writing, what="the fault")
        assert not service.close(timeout=0.5)  # it says so: not closed
    finally:
        blocker.rollback()
        blocker.close()
    again = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r",
                                 **FAST_RETRY)
    assert again.resumed and again.session_id == service.session_id
    assert again.close()
    losses = [e for e in timeline(database, service.session_id, seals=False)
              if e.kind == "record_loss"]
    assert len(losses) == 1
    loss = losses[0].payload
    assert loss["by_kind"]["numeric"] == 10 and loss["by_kind"]["event:session_end"] == 1
    assert loss["from"] == 2000.0 and loss["to"] >= 2009.0
    assert loss["reason"].startswith("the console stopped while the record could not be "
                                     "written (database is locked")
    assert verify(database, service.session_id)[1] is None
    database.dispose()
    # verify tells the holes and their causes, as the timeline explains them
    assert main(["verify", str(service.session_id), "--db", f"sqlite:///{path}"]) == 0
    out = capsys.readouterr().out
    assert "chain intact; 2 holes explained on the timeline: Lost from the record from " in out
    assert "11 items; the console stopped while the record could not be written" in out
    assert "; Gap in the record from " in out


def test_the_gap_line_gives_the_gap_its_extent() -> None:
    line = describe_event("gap", {"from": 1_790_000_000.0, "to": 1_790_000_209.0,
                                  "reason": "the console stopped without closing the session"})
    assert line == ("Gap in the record from 2026-09-21T14:13:20.000Z to "
                    "2026-09-21T14:16:49.000Z (3 min 29 s): the console stopped without "
                    "closing the session")


class _Said:
    """What a running process writes to a pipe, collected as it comes."""

    def __init__(self, pipe: IO[bytes] | None) -> None:
        assert pipe is not None
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[bytes]) -> None:
        for line in pipe:
            self.text += line.decode(errors="replace")

    def finished(self) -> str:
        self._thread.join(10)
        return self.text


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 4096):
                pass
        except OSError:
            pass  # full
    return filler


def test_stopping_on_a_full_disk_notes_the_loss_and_the_next_recording_records_it(
        small_disk: Path, oximeter: PtyDeviceHost, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The record and the data folder on one real 2 MB volume, filled while recording."""
    home = small_disk / "home"
    monkeypatch.setenv(HOME_ENV, str(home))
    url = f"sqlite:///{small_disk / 'record.sqlite3'}"
    database = open_database(url)
    first = Recording(oximeter.path, url, home, "full-disk")
    sid = first.session_id
    said = _Said(first.process.stderr)
    try:
        wait_until(lambda: len(numeric_keys(database, sid)) >= 6, timeout=30,
                   what="two oximeter lines recorded")
        filler = _fill(small_disk)
        wait_until(lambda: "The record cannot be written (disk full" in said.text,
                   timeout=30, what="the disk-full report")
        assert first.stop(signal.SIGINT) == 1
    finally:
        first.kill()
    err = said.finished()
    assert f"session {sid} is still open: its record cannot be written" in err
    assert "were not written" in err and "could not be noted" not in err
    anchors = database.anchors
    assert anchors is not None
    (note,) = anchors.losses(session_chain(sid))
    assert note["by_kind"]["event:session_end"] == 1 and note["by_kind"]["numeric"] >= 1
    assert note["from"] <= note["to"] and note["count"] == sum(note["by_kind"].values())
    assert note["reason"].startswith("the console stopped while the record could not be "
                                     "written (disk full")

    # Space comes back: verify tells the hole, from the note, before anyone records again.
    filler.unlink()
    assert main(["verify", str(sid), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "chain intact" in out
    assert "1 hole noted beside the anchor log, not yet on the timeline" in out
    assert f"Lost from the record from {format_time(note['from'])} " in out
    assert f": {note['count']} items; the console stopped while the record could not " in out

    # The same patient records again at that station: the loss goes on the timeline, once.
    second = Recording(oximeter.path, url, home, "full-disk")
    try:
        assert second.session_id == sid
        wait_until(lambda: any(e.kind == "record_loss" for e in timeline(database, sid)),
                   timeout=30, what="the loss on the timeline")
        assert second.stop(signal.SIGTERM) == 0
    finally:
        second.kill()
    (loss,) = [e for e in timeline(database, sid) if e.kind == "record_loss"]
    assert loss.payload == note
    assert verify(database, sid)[1] is None
    database.dispose()
    assert main(["verify", str(sid), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "holes explained on the timeline: Lost from the record from" in out
    assert "noted beside the anchor log" not in out


def test_a_loss_note_goes_into_the_room_set_aside_and_a_cut_line_spoils_no_other(
        tmp_path: Path) -> None:
    anchors = AnchorLog(tmp_path, "record")
    anchors.reserve_loss_notes()
    size = anchors.loss_notes.stat().st_size
    assert size == LOSS_RESERVE and anchors.loss_notes.read_bytes() == bytes(size)
    first = anchors.note_loss("session-1", {"count": 3, "from": 1.0, "to": 2.0})
    assert anchors.loss_notes.stat().st_size == size  # written over the room, not appended
    # A power cut in the middle of a note leaves part of a line; the next note is whole.
    with open(anchors.loss_notes, "r+b") as notes:
        end = notes.read().index(b"\0")
        notes.seek(end)
        notes.write(b'{"chain": "session-2", "cou')
    second = anchors.note_loss("session-2", {"count": 5, "from": 3.0, "to": 4.0})
    assert [n["noted"] for n in anchors.losses("session-1")] == [first]
    assert [(n["noted"], n["count"]) for n in anchors.losses("session-2")] == [(second, 5)]
    anchors.reserve_loss_notes()  # still room enough: nothing added
    assert anchors.loss_notes.stat().st_size == size


@pytest.mark.parametrize("max_held", [200_000, 20])
def test_an_outages_counts_add_up_held_is_written_plus_lost(tmp_path: Path,
                                                            max_held: int) -> None:
    """Measurements keep coming after the fault is reported: every one held is counted,
    written when the record returns or lost beyond ``max_held``."""
    path = tmp_path / "record.sqlite3"
    database = open_database(f"sqlite:///{path}")
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r",
                                   max_held=max_held, **FAST_RETRY)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = _locked(path)
    try:
        engine.ingest([Numeric("ox", SPO2, 97.0, "%", 1000.0 + i) for i in range(30)])
        wait_until(lambda: not service.recorder.status.writing, what="the fault")
        engine.ingest([Numeric("ox", SPO2, 96.0, "%", 2000.0 + i) for i in range(25)])
    finally:
        blocker.rollback()
        blocker.close()
    wait_until(lambda: any(e.kind == "store_outage"
                           for e in timeline(database, service.session_id)),
               what="the outage on the timeline")
    (outage,) = [e for e in timeline(database, service.session_id, seals=False)
                 if e.kind == "store_outage"]
    payload = outage.payload
    assert payload["held"] == payload["written"] + payload["lost"]
    assert payload["held"] >= 55 and payload["most_held"] >= payload["written"]
    if max_held == 20:
        assert payload["lost"] >= 35
    else:
        assert payload["lost"] == 0 and payload["written"] >= 55
    assert service.close()
    database.dispose()
