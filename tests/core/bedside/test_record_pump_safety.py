"""Headless ``record`` stops a dose the order did not mean: a pump infusing with no plan,
a tenfold rate, a syringe of another strength before the start."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from ketaconsole.store.review import session_state, timeline
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators

INFUSING_FROM_THE_START = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=0.0)
"""The pump infuses 52.5 mL/h (0.5 mg/kg for 70 kg at 1 mg/mL) from the start."""
NOT_STARTED_YET = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=3600.0)
"""The syringe is loaded (1 mg/mL) but the pump does not start within the recording."""


@pytest.fixture
def alaris() -> Iterator[str]:
    with ExitStack() as stack:
        (port,) = serve_simulators(stack, INFUSING_FROM_THE_START, ["alaris-asena"])
        yield port


@pytest.fixture
def station() -> Iterator[str]:
    with ExitStack() as stack:
        (port,) = serve_simulators(stack, NOT_STARTED_YET, ["bbraun-bcc"])
        yield port


def _record(tmp_path: Path, device: str, *plan: str, minutes: str = "0.4") -> int:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "record", "--device", device,
         "--mrn", cleared_mrn(url, "Ann Example"), "--weight", "70", "--height", "175", *plan,
         "--minutes", minutes, "--db", url], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return int(done.stdout.decode().splitlines()[0])


def _alarms(tmp_path: Path, session_id: int) -> list[dict[str, Any]]:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        return [e.payload for e in timeline(database, session_id) if e.kind == "alarm"]
    finally:
        database.dispose()


def _raised(alarms: list[dict[str, Any]], prefix: str) -> set[str]:
    """The priorities at which an alarm whose id starts with ``prefix`` started or rose."""
    return {a["priority"] for a in alarms if str(a.get("alarm_id")).startswith(prefix)
            and a.get("kind") in ("started", "escalated")}


def test_a_pump_infusing_with_no_confirmed_plan_is_an_alarm(alaris: str,
                                                            tmp_path: Path) -> None:
    session_id = _record(tmp_path, f"alaris-asena={alaris}")
    assert "medium" in _raised(_alarms(tmp_path, session_id), "pump-unplanned:")


def test_a_pump_at_ten_times_the_planned_rate_is_a_high_priority_alarm(
        alaris: str, tmp_path: Path) -> None:
    # 0.5 mg/kg over 40 min at 10 mg/mL is 5.25 mL/h; the pump runs 52.5 mL/h
    session_id = _record(tmp_path, f"alaris-asena={alaris}", "--dose", "0.5", "--over", "40",
                         "--concentration", "10")
    alarms = _alarms(tmp_path, session_id)
    assert "high" in _raised(alarms, "pump-mismatch:"), alarms
    # The pump was infusing before the session opened (an alarm of its own, the moment
    # before its plan came with the check-in); it ends there, never rising to high.
    unplanned = [a["kind"] for a in alarms if str(a.get("alarm_id")).startswith(
        "pump-unplanned:")]
    assert unplanned in ([], ["started", "ended"]), unplanned
    assert "high" not in _raised(alarms, "pump-unplanned:")


def test_a_syringe_of_another_strength_is_a_high_priority_alarm_before_the_start(
        station: str, tmp_path: Path) -> None:
    session_id = _record(tmp_path, f"bbraun-bcc={station}", "--dose", "0.5", "--over", "40",
                         "--concentration", "10", minutes="0.25")
    alarms = _alarms(tmp_path, session_id)
    (raised,) = [a for a in alarms if str(a.get("alarm_id")).startswith("pump-programme:")
                 and a.get("kind") == "started"]
    assert raised["priority"] == "high"
    assert "1 mg/mL where the plan is 10 mg/mL" in raised["message"]
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        state = session_state(database, session_id)
    finally:
        database.dispose()
    assert state.plan is not None and not state.infused, "the alarm came before any infusion"
