"""The exports chart each metric from the device the room showed and alarmed on.

``ketaconsole record`` runs a session from a monitor and an oximeter, simulated on real
ptys and following one patient: both send SpO2, and ``--primary`` (or its default, the
dedicated oximeter) says which of them the room showed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from ketaconsole.export.record import load_record
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators

SPO2 = "MDC_PULS_OXIM_SAT_O2"
MONITOR, OXIMETER = "intellivue-mib", "masimo-ascii"


def _exported(tmp_path: Path, primary: tuple[str, ...]) -> tuple[str, list[float], set[str]]:
    """The SpO2 series the exports chart: its device and times; the devices that sent SpO2."""
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": "bay-3"}
    mrn = cleared_mrn(url, "Alex Example")
    with ExitStack() as stack:
        monitor, oximeter = serve_simulators(stack, SCENARIOS["normal"], [MONITOR, OXIMETER])
        done = subprocess.run(
            [sys.executable, "-m", "ketaconsole", "record", "--device", f"{MONITOR}={monitor}",
             "--device", f"{OXIMETER}={oximeter}", *primary, "--mrn", mrn, "--minutes", "0.2",
             "--db", url], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    session_id = int(done.stdout.decode().split()[0])
    database = open_database(url)
    try:
        record = load_record(database, session_id)
    finally:
        database.dispose()
    series = record.series[SPO2]
    sent = [(at, device) for at, device, metric, _, _ in record.stored if metric == SPO2]
    assert series.times.tolist() == sorted(at for at, device in sent
                                           if device == series.device_id)
    return series.device_id, series.times.tolist(), {device for _, device in sent}


@pytest.mark.parametrize(("primary", "expected"), [
    ((), OXIMETER),  # the dedicated device, as the tile showed it
    (("--primary", f"SpO2={MONITOR}"), MONITOR),  # the monitor, when the room was told so
])
def test_the_exported_spo2_series_is_the_primary_devices(
        tmp_path: Path, primary: tuple[str, ...], expected: str) -> None:
    device, times, senders = _exported(tmp_path, primary)
    assert senders == {MONITOR, OXIMETER}  # both measured it
    assert device == expected and times
