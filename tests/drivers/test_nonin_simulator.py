"""The simulated Nonin oximeter, device side: its answers to commands and what it streams."""

from __future__ import annotations

from drivers.nonin.simulator import NoninSimulator
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient

START = 5000.0


def oximeter(data_format: str = "7", story: str = "normal",
             into_scenario: float = 0.0) -> NoninSimulator:
    patient = VirtualPatient(SCENARIOS[story], start=START - into_scenario)
    return NoninSimulator(patient, {"format": data_format, "averaging": "display"})


def stream(simulator: NoninSimulator, seconds: float, step: float = 0.02) -> bytes:
    out = b""
    for n in range(1, round(seconds / step) + 1):
        out += simulator.tick(START + n * step)
    return out


def test_a_supported_format_is_acknowledged_and_streamed_from_then_on() -> None:
    device = oximeter("7")
    assert device.feed(bytes.fromhex("02 70 02 02 08 03"), START) == b"\x06"
    assert device.data_format == "8"
    sent = stream(device, 3.0)
    assert len(sent) == 3 * 4, "format #8 is one 4-byte packet a second"
    assert [b & 0x80 for b in sent[::4]] == [0x80] * 3


def test_an_unsupported_format_or_command_is_refused_with_nak() -> None:
    device = oximeter("7")
    assert device.feed(bytes.fromhex("02 70 02 02 0D 03"), START) == b"\x15"
    assert device.feed(bytes.fromhex("02 72 00 03"), START) == b"\x15"
    assert device.data_format == "7"


def test_a_command_split_over_reads_is_answered_once_complete() -> None:
    device = oximeter("8")
    assert device.feed(bytes.fromhex("02 70 02"), START) == b""
    assert device.feed(bytes.fromhex("02 07 03"), START) == b"\x06"
    assert device.data_format == "7"


def test_format7_streams_75_checked_frames_a_second_with_one_sync_per_25() -> None:
    sent = stream(oximeter("7"), 2.0)
    frames = [sent[i:i + 5] for i in range(0, len(sent), 5)]
    assert 148 <= len(frames) <= 151
    assert all(f[4] == sum(f[:4]) % 256 for f in frames)
    assert [i for i, f in enumerate(frames) if f[0] & 0x01] == list(range(0, len(frames), 25))


def test_sensor_off_sends_the_missing_codes_and_the_sensor_alarm_bit() -> None:
    off_at = SCENARIOS["sensor-off"].sensor_off[0][0]
    sent = stream(oximeter("7", "sensor-off", off_at + 5.0), 1.0)
    frames = [sent[i:i + 5] for i in range(0, len(sent), 5)]
    assert all(f[0] & 0x08 for f in frames), "SNSA on every frame"
    assert not any(f[0] & 0x06 for f in frames), "no pulses reported"
    first = frames[0:25]
    assert (first[0][3] << 7 | first[1][3]) == 511 and first[2][3] == 127


def test_the_ascii_output_prints_a_line_a_second_and_ignores_commands() -> None:
    device = oximeter("ascii")
    assert device.feed(bytes.fromhex("02 70 02 02 07 03"), START) == b""
    lines = stream(device, 3.0).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(b"SPO2=0") and b" HR=0" in line for line in lines)
