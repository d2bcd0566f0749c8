"""Logs carry no patient data: a failed write is reported once, by session number, without SQL."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.session.events import Annotation
from ketaconsole.store import RecordNotWritten, SessionPlan, SessionService, open_database
from tests.core.store_support import wait_until

PATIENT = "Zelda Quux"
WEIGHT = 71.3
SPO2_VALUE = 93.7


def test_a_write_failure_logs_neither_statement_nor_patient_data(
        tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    faults: list[str] = []
    service = SessionService.begin(database, SessionPlan(PATIENT, weight_kg=WEIGHT), [],
                                   station="room-1", on_fault=faults.append,
                                   first_retry_s=0.05, max_retry_s=0.3)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = sqlite3.connect(tmp_path / "record.sqlite3", isolation_level=None, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        engine.ingest([Numeric("ox", "MDC_PULS_OXIM_SAT_O2", SPO2_VALUE, "%", 1000.0 + i)
                       for i in range(5)])
        with pytest.raises(RecordNotWritten):
            service.record(Annotation(f"{PATIENT} weighs {WEIGHT} kg"),
                                 author="nurse", timeout=0.5)
        wait_until(lambda: len(faults) > 0, what="a fault report")
    finally:
        blocker.rollback()
        blocker.close()
    assert service.close()
    database.dispose()
    logged = "\n".join(caplog.text.splitlines() + capsys.readouterr().err.splitlines())
    for value in (PATIENT, str(WEIGHT), str(SPO2_VALUE), "INSERT", "parameters"):
        assert value not in logged
    # The listener (the command's stderr, the alarm bar) had the one sentence; the log
    # did not print it a second time.
    assert faults[0].startswith("The record cannot be written (database is locked")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING
                and "cannot be written" in r.getMessage()]
