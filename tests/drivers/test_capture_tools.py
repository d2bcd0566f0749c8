"""What the tools make of captures: ``decode`` on the line's clock with the driver ticked,
``decode | head`` without a traceback, and protocol errors at a readable rate."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import Observation, ProtocolError, PumpStatus
from ketaconsole.sdk import (
    DeviceProtocol,
    ErrorKind,
    ProtocolOutput,
    decode_capture,
    error_total,
)
from ketaconsole.sdk.errors import ERRORS_PER_WINDOW

REGISTRY = DriverRegistry.discover(allowed=built_ins_only)
SLUGS = sorted(REGISTRY.slugs)
POLLED = ["alaris-asena", "bbraun-bcc", "ne1000"]


def kinds(found: list[Observation]) -> Counter[str]:
    return Counter(type(o).__name__ for o in found)


@pytest.mark.parametrize("slug", SLUGS)
def test_decoding_a_capture_with_ticks_gives_what_the_device_said_and_no_error(
        slug: str) -> None:
    driver = REGISTRY.get(slug)
    talk = converse(driver, 60.0)
    settings = driver.info.resolve_settings({})
    found = list(decode_capture(driver.create_protocol("cap", settings), talk.received,
                                driver.info.line.bytes_per_second()))
    assert [o for o in found if isinstance(o, ProtocolError)] == []
    live = kinds([o for o in talk.observations if type(o).__name__ != "LinkState"])
    assert set(kinds(found)) == set(live)


class TickedPump(DeviceProtocol):
    """A pump whose status comes out on the tick after its reply, as polled drivers do."""

    def __init__(self) -> None:
        super().__init__("pump", {})
        self.heard = b""

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        self.heard += data
        return ProtocolOutput()

    def tick(self, now: float) -> ProtocolOutput:
        if not self.heard:
            return ProtocolOutput()
        rate, self.heard = float(self.heard.decode()), b""
        return ProtocolOutput([PumpStatus("pump", now, rate_ml_h=rate)])


def test_decode_capture_ticks_so_values_made_on_the_tick_come_out() -> None:
    found = list(decode_capture(TickedPump(), b"12.5", 960.0))
    assert found == [PumpStatus("pump", 4 / 960.0, rate_ml_h=12.5)]


@pytest.mark.parametrize("slug", POLLED)
def test_the_decode_command_prints_a_polled_pumps_statuses(
        slug: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    driver = REGISTRY.get(slug)
    capture = tmp_path / "pump.bin"
    capture.write_bytes(converse(driver, 30.0).received)
    assert main(["decode", slug, str(capture)]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(r["kind"] == "pump" and r["rate"] is not None for r in printed)
    assert not [r for r in printed if r["kind"] == "error"]


def test_decode_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    driver = REGISTRY.get("nonin")
    capture = tmp_path / "oximeter.bin"
    capture.write_bytes(converse(driver, 120.0).received)
    reader = subprocess.Popen(
        [sys.executable, "-m", "ketaconsole", "decode", "nonin", str(capture)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline()
    reader.stdout.close()  # as `| head -1` does
    code = reader.wait(60)
    errors = reader.stderr.read().decode()
    assert "Traceback" not in errors and "BrokenPipeError" not in errors
    assert code == 0


@pytest.mark.parametrize("slug", SLUGS)
def test_a_megabyte_of_junk_gives_a_few_errors_a_second_with_the_count(slug: str) -> None:
    driver = REGISTRY.get(slug)
    protocol = driver.create_protocol("junk", driver.info.resolve_settings({}))
    junk = random.Random(1).randbytes(1_000_000)
    rate = driver.info.line.bytes_per_second()
    found = [o for o in decode_capture(protocol, junk, rate) if isinstance(o, ProtocolError)]
    assert {type(o.error) for o in found} <= {ErrorKind}, "every kind is a typed ErrorKind"
    per_second = Counter(int(o.received_at) for o in found)
    assert max(per_second.values(), default=0) <= ERRORS_PER_WINDOW + 1
    held = [o for o in found if "not shown one by one" in o.detail]
    if error_total(protocol) > len(found):
        assert held
        shown_count = sum(int(o.detail.split(" more ")[0]) for o in held)
        assert len(found) - len(held) + shown_count == error_total(protocol)
