"""``ketaconsole probe ne1000`` against ``ketaconsole simulate ne1000``, as real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.drivers.simulate_process import simulated_device

KETACONSOLE = shutil.which("ketaconsole", path=str(Path(sys.executable).parent))


def command(*args: str) -> list[str]:
    if KETACONSOLE is not None:
        return [KETACONSOLE, *args]
    return [sys.executable, "-m", "ketaconsole", *args]


@pytest.fixture
def simulated_pump() -> Iterator[str]:
    """A simulated NE-1000 at 120x speed on a new pty; its path."""
    with simulated_device("ne1000", "--speed", "120") as path:
        assert path.startswith("/dev/"), f"simulate printed {path!r}"
        yield path


def test_probe_prints_identity_and_live_rate_and_volume(simulated_pump: str) -> None:
    time.sleep(0.5)  # half a second at 120x: the plan's infusion (at 60 s) has begun
    done = subprocess.run(command("probe", "ne1000", simulated_pump, "--seconds", "3"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records: list[dict[str, Any]] = [json.loads(line) for line in done.stdout.splitlines()]
    identities = [r for r in records if r["kind"] == "identity"]
    assert identities and identities[0]["model"] == "NE-1000"
    assert identities[0]["firmware"] == "3.928"
    pumps = [r for r in records if r["kind"] == "pump"]
    assert len(pumps) >= 2
    assert pumps[-1]["state"] == "infusing"
    assert pumps[-1]["rate"] == pytest.approx(52.5)
    volumes = [p["volume_infused"] for p in pumps]
    assert volumes[-1] > volumes[0] >= 0  # live: the counter grew while we listened
    assert [r for r in records if r["kind"] == "error"] == []


def test_drivers_lists_the_pump_as_not_for_clinical_use() -> None:
    done = subprocess.run(command("drivers"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("ne1000"))
    assert "not for clinical use on humans" in line


def test_probe_takes_the_line_speed_a_pump_is_set_to(simulated_pump: str) -> None:
    done = subprocess.run(command("probe", "ne1000", simulated_pump, "--baud", "9600",
                                  "--seconds", "2"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kinds = {json.loads(line)["kind"] for line in done.stdout.splitlines()}
    assert {"identity", "pump"} <= kinds


def test_probe_refuses_an_impossible_line_speed_in_one_sentence(simulated_pump: str) -> None:
    done = subprocess.run(command("probe", "ne1000", simulated_pump, "--baud", "0"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ketaconsole probe: argument --baud: must be a whole number from 50 to 4,000,000 "
        "baud, not '0'; run 'ketaconsole probe --help' for usage"]
