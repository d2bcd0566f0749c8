"""The Nonin driver against its simulator over real ptys, and through the command line.

PtyDeviceHost serves the simulated oximeter on a pseudo-terminal from os.openpty;
DeviceLink runs the driver on it exactly as for a USB serial adapter and feeds a real
Engine. The command-line tests run ``ketaconsole`` as separate processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drivers.nonin import DRIVER
from drivers.nonin.simulator import NoninSimulator
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    Numeric,
    Observation,
    ProtocolError,
)
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient

SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
PLETH = "MDC_PULS_OXIM_PLETH"
DEVICE = "ox"
CLI = [sys.executable, "-m", "ketaconsole"]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def oximeter_on_a_pty(console_format: str, patient: VirtualPatient, *,
                      device_format: str | None = None,
                      ) -> Iterator[tuple[Engine, list[Observation], NoninSimulator]]:
    """The simulated oximeter (in ``device_format``) on a pty, the driver reading it."""
    settings = DRIVER.info.resolve_settings({"format": console_format})
    simulator = NoninSimulator(patient, {**settings, "format": device_format or console_format})
    engine = Engine()
    seen: list[Observation] = []
    engine.subscribe(seen.append)
    with PtyDeviceHost(simulator) as host:
        link = DeviceLink(DRIVER, DEVICE, host.path, settings, engine.ingest,
                          timings=LinkTimings(no_data_after_s=8.0))
        link.start()
        try:
            yield engine, seen, simulator
        finally:
            link.stop()


def has_values(engine: Engine) -> bool:
    spo2, pulse = engine.latest(SPO2), engine.latest(PULSE)
    return (spo2 is not None and spo2.value is not None
            and pulse is not None and pulse.value is not None)


def assert_values_follow_the_patient(engine: Engine, patient: VirtualPatient) -> None:
    for refid, vital in ((SPO2, "spo2"), (PULSE, "hr")):
        latest = engine.latest(refid)
        assert latest is not None and latest.value is not None
        truth = getattr(patient.vitals(latest.received_at), vital)
        assert abs(latest.value - round(truth)) <= 1, (refid, latest.value, truth)
        assert latest.device_id == DEVICE


def slow_patient() -> VirtualPatient:
    """Vitals that barely move while a test runs, so a reading can be matched exactly."""
    return VirtualPatient(start=time.time(), speed=0.02)


def test_format7_over_a_pty_follows_the_patient_and_fills_the_pleth_buffer() -> None:
    patient = slow_patient()
    with oximeter_on_a_pty("7", patient) as (engine, seen, simulator):
        def pleth_filled() -> bool:
            wave = engine.wave(PLETH)
            return wave is not None and wave.buffer.written >= 150 and has_values(engine)

        assert wait_for(pleth_filled), [o.as_record() for o in seen[:20]]
        assert_values_follow_the_patient(engine, patient)
        wave = engine.wave(PLETH)
    assert simulator.commands == [bytes.fromhex("02 70 02 02 07 03")]
    assert any(isinstance(o, Identity) and o.details.get("format_select") == "acknowledged"
               for o in seen)
    assert [o.as_record() for o in seen if isinstance(o, ProtocolError)] == []
    assert wave is not None and wave.sample_rate_hz == 75.0
    samples = wave.buffer.latest(150)
    assert np.isfinite(samples).all()
    assert samples.max() - samples.min() > 10_000, "16-bit pulses, not a flat line"


def test_the_format_select_command_switches_a_device_streaming_another_format() -> None:
    patient = slow_patient()
    with oximeter_on_a_pty("7", patient, device_format="2") as (engine, _seen, simulator):
        def sixteen_bit_pleth() -> bool:
            wave = engine.wave(PLETH)
            return (wave is not None and wave.buffer.written >= 75
                    and float(np.nanmax(wave.buffer.latest(75))) > 255)

        assert wait_for(sixteen_bit_pleth)
        assert wait_for(lambda: has_values(engine))
        assert simulator.data_format == "7"
        assert_values_follow_the_patient(engine, patient)


@pytest.mark.parametrize("data_format", ["8", "ascii"])
def test_once_a_second_formats_over_a_pty_follow_the_patient(data_format: str) -> None:
    patient = slow_patient()
    with oximeter_on_a_pty(data_format, patient) as (engine, seen, simulator):
        assert wait_for(lambda: has_values(engine)), [o.as_record() for o in seen]
        assert_values_follow_the_patient(engine, patient)
    assert [o.as_record() for o in seen if isinstance(o, ProtocolError)] == []
    assert engine.wave(PLETH) is None, "these formats carry no waveform"
    expected = [] if data_format == "ascii" else [bytes.fromhex("02 70 02 02 08 03")]
    assert simulator.commands == expected


def test_sensor_off_sends_missing_codes_and_raises_the_sensor_alarm_over_a_pty() -> None:
    story = SCENARIOS["sensor-off"]
    off_at = story.sensor_off[0][0]
    patient = VirtualPatient(story, start=time.time() - off_at - 10.0)
    with oximeter_on_a_pty("7", patient) as (engine, seen, _simulator):
        def alarmed() -> bool:
            return any(isinstance(o, DeviceAlarm) and o.code == "sensor-alarm" and o.active
                       for o in list(seen))

        assert wait_for(alarmed)
        assert wait_for(lambda: engine.latest(SPO2) is not None
                        and engine.latest(PULSE) is not None)
    readings = [o for o in seen if isinstance(o, Numeric)]
    assert readings and all(o.value is None for o in readings), "no number without a finger"
    alarm = next(o for o in seen if isinstance(o, DeviceAlarm))
    assert alarm.source.value == "technical"


# -- the command line --------------------------------------------------------------------

def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_decode_prints_a_format7_capture_as_json_lines(tmp_path: Path) -> None:
    patient = VirtualPatient(start=2_000_000.0, speed=0.001)
    simulator = NoninSimulator(patient, {"format": "7"})
    capture = b"".join(simulator.tick(2_000_000.0 + step / 50) for step in range(1, 151))
    path = tmp_path / "nonin-format7.bin"
    path.write_bytes(capture)

    result = run_cli("decode", "nonin", str(path), "--set", "format=7")

    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r for r in records if r["kind"] == "error"] == []
    truth = patient.vitals(2_000_000.0)
    spo2 = [r["value"] for r in records if r["kind"] == "numeric" and r["metric"] == SPO2]
    pulse = [r["value"] for r in records if r["kind"] == "numeric" and r["metric"] == PULSE]
    assert len(spo2) == len(pulse) == len(capture) // (5 * 25)
    assert all(abs(v - round(truth.spo2)) <= 1 for v in spo2)
    assert all(abs(v - round(truth.hr)) <= 1 for v in pulse)
    waves = [r for r in records if r["kind"] == "wave"]
    assert {w["sample_rate_hz"] for w in waves} == {75.0}
    assert sum(len(w["value"]) for w in waves) == len(capture) // 5


def test_decode_with_an_unknown_format_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "capture.bin"
    path.write_bytes(b"\x00")
    result = run_cli("decode", "nonin", str(path), "--set", "format=9")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "setting format must be one of 2, 7, 8, ascii" in result.stderr


@pytest.fixture
def simulated_oximeter() -> Iterator[str]:
    """``ketaconsole simulate nonin --set format=7`` as its own process; yields the pty."""
    process = subprocess.Popen([*CLI, "simulate", "nonin", "--set", "format=7"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        assert path.startswith("/dev/"), process.stderr.read() if process.stderr else ""
        yield path
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_probe_decodes_the_simulate_command_over_its_pty(simulated_oximeter: str) -> None:
    result = run_cli("probe", "nonin", simulated_oximeter, "--set", "format=7",
                     "--seconds", "3")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    # joining a stream already running may land mid-frame: that partial frame is skipped
    # once, as a sync error, before the first value; after it, nothing is an error
    first = next(i for i, r in enumerate(records) if r["kind"] in ("numeric", "wave"))
    joining = [r["error"] for r in records[:first] if r["kind"] == "error"]
    assert joining in ([], ["sync"])
    assert [r for r in records[first:] if r["kind"] == "error"] == []
    assert any(r["kind"] == "identity" and r["details"].get("format_select") == "acknowledged"
               for r in records)
    values = {r["metric"]: r["value"] for r in records if r["kind"] == "numeric"}
    assert 80 <= values[SPO2] <= 100 and 40 <= values[PULSE] <= 130
    assert sum(len(r["value"]) for r in records if r["kind"] == "wave") >= 75
