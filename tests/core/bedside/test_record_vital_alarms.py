"""A simulated monitor's hypotension and respiratory depression, recorded headless.

``ketaconsole simulate intellivue-mib --scenario ... --speed ...`` serves the monitor on a
pty as its own process; ``ketaconsole record`` reads it through the real driver for a
patient registered and approved as a clinic does, and the console's own alarms (not the
monitor's) must reach the session's timeline. The story runs fast, but ``record`` judges
in wall seconds, as at a bedside: a scenario's breach holds long enough for the
alarm's sustain time.
"""

from __future__ import annotations

import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from ketaconsole.cli import main
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.core.store.test_store_crash import Recording
from tests.core.store_support import wait_until
from tests.course_support import cleared_mrn
from tests.drivers.simulate_process import simulated_device

SYS, MEAN = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_MEAN"
RR, ETCO2 = "MDC_RESP_RATE", "MDC_AWAY_CO2_ET"


def _alarms_started(url: str, session_id: int) -> list[dict[str, Any]]:
    """The alarm starts and escalations on the session's timeline, as recorded."""
    database = open_database(url)
    try:
        return [e.payload for e in timeline(database, session_id, seals=False)
                if e.kind == "alarm" and e.payload.get("kind") in ("started", "escalated")]
    finally:
        database.dispose()


def _record_story(tmp_path: Path, story: str, speed: str, alarm_ids: set[str],
                  within_s: float) -> list[dict[str, Any]]:
    """Record the simulated monitor telling ``story`` until every one of ``alarm_ids`` is
    on the timeline (or ``within_s`` passes); stop the recording as a person does; the
    session's recorded alarm starts and escalations."""
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    cleared_mrn(url, "Ann Example")  # registered and approved before the story starts
    with simulated_device("intellivue-mib", "--scenario", story, "--speed", speed) as port:
        recording = Recording(port, url, tmp_path, f"bay-{uuid.uuid4().hex[:6]}",
                              device="intellivue-mib")
        try:
            wait_until(lambda: alarm_ids <= {a["alarm_id"] for a in
                                             _alarms_started(url, recording.session_id)},
                       within_s, f"{', '.join(sorted(alarm_ids))} on the timeline")
        finally:
            assert recording.stop(signal.SIGINT) == 0
    assert main(["verify", str(recording.session_id), "--db", url]) == 0
    return _alarms_started(url, recording.session_id)


def test_simulated_hypotension_recorded_headless_raises_the_low_blood_pressure_alarm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 60x: the fall starts 11 s after the simulator does, holds 15 s, and the monitor
    # measures NIBP every 10 s of wall time while the infusion runs
    started = _record_story(tmp_path, "hypotension", "60", {"bp-low"}, within_s=60)
    low = [a for a in started if a["alarm_id"] == "bp-low"]
    assert low[0]["values"]["metric"] in (SYS, MEAN)
    assert low[0]["values"]["value"] < low[0]["values"]["threshold"]
    assert low[-1]["priority"] == "high"  # about 66/42, mean about 50: below 80 and 55
    assert "Blood pressure low" in {a["label"] for a in low}
    assert not [a for a in started if a["alarm_id"] == "bp-high"]
    capsys.readouterr()


def test_simulated_respiratory_depression_recorded_headless_raises_low_rr_and_high_etco2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 60x: breathing slows 6 s after the simulator starts and stays slow for 45 s of
    # wall time; record sustains 30 s of wall time before either alarm sounds
    started = _record_story(tmp_path, "respiratory-depression", "60",
                            {"rr-low", "etco2-high"}, within_s=75)
    (slow,) = [a for a in started if a["alarm_id"] == "rr-low"]
    (retained,) = [a for a in started if a["alarm_id"] == "etco2-high"]
    assert (slow["priority"], slow["values"]["metric"]) == ("medium", RR)
    assert slow["values"]["value"] < 8 and slow["values"]["sustain_s"] == 30
    assert (retained["priority"], retained["values"]["metric"]) == ("medium", ETCO2)
    assert retained["values"]["value"] > 50  # about 58 mmHg: below the high limit of 60
    assert not [a for a in started if a["alarm_id"] == "apnea"]  # slow, never stopped
    capsys.readouterr()
