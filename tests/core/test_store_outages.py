"""Honest gaps: events committed before they are announced, outages and losses on the timeline."""

from __future__ import annotations

import signal
import sqlite3
import uuid
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.engine import Engine
from ketaconsole.export.summary import describe_event
from ketaconsole.observations import Numeric
from ketaconsole.sim_host import PtyDeviceHost
from ketaconsole.store import SessionPlan, SessionService, open_database
from ketaconsole.store.review import timeline, verify
from tests.core.store_support import wait_until
from tests.core.test_store_crash import Recording, oximeter

__all__ = ["oximeter"]

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
