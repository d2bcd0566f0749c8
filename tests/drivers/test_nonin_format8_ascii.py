"""Byte-vector tests for Nonin data format #8 and the ASCII output: exact bytes in, exact
observations out (format #8 from the 9560 OEM specification, the lines from the Avant
9600 / BT4000 / 8600V manuals)."""

from __future__ import annotations

import random

import pytest

from drivers.nonin.protocol import NoninProtocol
from drivers.nonin.simulator import NoninSimulator
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    Numeric,
    Observation,
    ProtocolError,
)
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from tests.drivers.nonin_bytes import PULSE_METRIC, SPO2_METRIC, format8

NOW = 1000.0
DEVICE = "ox"


def feed(data_format: str, *chunks: bytes) -> list[Observation]:
    protocol = NoninProtocol(DEVICE, {"format": data_format, "averaging": "display"})
    found: list[Observation] = []
    for chunk in chunks:
        found.extend(protocol.feed(chunk, NOW).observations)
    return found


def numerics(found: list[Observation]) -> list[tuple[str, float | None]]:
    return [(o.metric, o.value) for o in found if isinstance(o, Numeric)]


def errors(found: list[Observation]) -> list[str]:
    return [o.error for o in found if isinstance(o, ProtocolError)]


def alarms(found: list[Observation]) -> list[tuple[str, bool]]:
    return [(o.code, o.active) for o in found if isinstance(o, DeviceAlarm)]


# -- format #8 ------------------------------------------------------------------------------

def test_literal_format8_packets_follow_the_specification() -> None:
    assert format8(72, 97) == bytes.fromhex("80 48 61 00")
    assert format8(300, 90) == bytes.fromhex("82 2C 5A 00")  # 300 = 2 << 7 | 0x2C
    assert format8(511, 127) == bytes.fromhex("83 7F 7F 00")


def test_format8_packets_yield_display_spo2_and_pulse_each() -> None:
    # Six packets: the last waits for the packet after it to pass its check too.
    assert feed("8", bytes.fromhex("80 48 61 00 82 2C 5A 00") * 3) == ([
        Numeric(DEVICE, SPO2_METRIC, 97.0, "%", NOW),
        Numeric(DEVICE, PULSE_METRIC, 72.0, "/min", NOW),
        Numeric(DEVICE, SPO2_METRIC, 90.0, "%", NOW),
        Numeric(DEVICE, PULSE_METRIC, 300.0, "/min", NOW),
    ] * 3)[:-2]


def test_format8_missing_data_codes_are_no_value() -> None:
    found = feed("8", bytes.fromhex("83 7F 7F 08") * 6)
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, None)] * 5
    assert errors(found) == []
    assert alarms(found) == [("sensor-alarm", True)]


def test_format8_one_byte_at_a_time_gives_the_same_observations() -> None:
    data = format8(72, 97) + format8(75, 96) + format8(76, 95)
    assert feed("8", *(data[i:i + 1] for i in range(len(data)))) == feed("8", data)


def test_format8_stream_is_trusted_only_after_five_packets_in_a_row() -> None:
    # No checksum in #8: a packet or two could be junk that looks like one.
    assert feed("8", format8(72, 97) * 4) == []
    assert numerics(feed("8", format8(72, 97) * 6)) == [(SPO2_METRIC, 97.0),
                                                        (PULSE_METRIC, 72.0)] * 5


def test_format8_junk_is_skipped_and_reported_once() -> None:
    found = feed("8", bytes([0x90, 0x91, 0x92, 0x93, 0x94]) + format8(72, 97) * 6)
    assert errors(found) == ["sync"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 5


def test_a_broken_format8_packet_yields_no_value_one_error_and_the_next_decodes() -> None:
    broken = bytes.fromhex("80 C8 61 00")  # bit 7 set on byte 2: not a #8 packet
    found = feed("8", format8(72, 97) * 5 + broken + format8(80, 99) * 6)
    assert errors(found) == ["framing"]
    # The packet before the broken one is dropped too: it may be bytes out of place.
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 4 + [
        (SPO2_METRIC, 99.0), (PULSE_METRIC, 80.0)] * 5


def test_bytes_lost_inside_format8_packets_give_no_value_from_the_shifted_packet() -> None:
    # Three bytes lost: "80 48 | 61 00 80 | 4A 60 00" reads "80 48 4A 60", a packet that
    # passes its check with the next pulse rate's byte (74) in the SpO2 place.
    stream = format8(72, 97) * 6 + format8(74, 96) + format8(74, 96) * 6
    cut = 6 * 4 + 2
    found = feed("8", stream[:cut] + stream[cut + 3:])
    assert (SPO2_METRIC, 74.0) not in numerics(found)
    assert "framing" in errors(found)


@pytest.mark.parametrize(("status", "status2", "code"), [
    (0x40, 0, "sensor-disconnected"),
    (0x20, 0, "out-of-track"),
    (0x10, 0, "low-perfusion"),
    (0x08, 0, "marginal-perfusion"),
    (0x04, 0, "artifact"),
    (0, 0x08, "sensor-alarm"),
    (0, 0x01, "low-battery"),
])
def test_each_format8_status_bit_is_a_technical_alarm_on_change(status: int, status2: int,
                                                                code: str) -> None:
    flagged = format8(72, 97, status=status, status2=status2)
    found = feed("8", flagged * 5 + format8(72, 97) * 2)
    assert alarms(found) == [(code, True), (code, False)]
    assert all(o.source.value == "technical" for o in found if isinstance(o, DeviceAlarm))


def streamed(data_format: str, seconds: float) -> bytes:
    patient = VirtualPatient(SCENARIOS["normal"], start=NOW)
    device = NoninSimulator(patient, {"format": data_format, "averaging": "display"})
    return b"".join(device.tick(NOW + n * 0.02) for n in range(1, round(seconds / 0.02)))


@pytest.mark.parametrize("other", ["2", "7", "ascii"])
def test_another_format_read_as_format8_gives_no_value_and_names_the_format_sent(
        other: str) -> None:
    # The 9560 keeps its format across power-off and takes the format command only in
    # its first seconds: a console set to #8 may well be listening to #2 or #7.
    protocol = NoninProtocol(DEVICE, {"format": "8", "averaging": "display"})
    protocol.connect(NOW)
    found = protocol.feed(streamed(other, 30.0), NOW).observations
    assert numerics(found) == []
    assert protocol.decoder.frames == 0
    details = [o.detail for o in found if isinstance(o, ProtocolError)]
    assert details
    shown = "ASCII lines" if other == "ascii" else f"data format #{other}"
    assert all(f"most likely sends {shown}" in d for d in details)
    later = [o for o in protocol.tick(NOW + 6).observations if isinstance(o, ProtocolError)]
    assert [o.error for o in later][-1] == "no-reply"
    assert all(f"most likely sends {shown}" in o.detail for o in later[:-1])


def test_random_junk_read_as_format8_gives_no_value_and_counts_as_no_reply() -> None:
    rng = random.Random(8)
    runs_with_values = 0
    for _ in range(200):
        protocol = NoninProtocol(DEVICE, {"format": "8", "averaging": "display"})
        protocol.connect(NOW)
        found = protocol.feed(rng.randbytes(1000), NOW).observations
        found += protocol.tick(NOW + 6).observations
        runs_with_values += bool(numerics(found))
        assert protocol.decoder.frames == 0
        assert "no-reply" in errors(found)
    assert runs_with_values == 0


# -- ASCII output ---------------------------------------------------------------------------

def test_ascii_lines_yield_spo2_then_pulse_rate() -> None:
    assert feed("ascii", b"SPO2=097 HR=072\r\n", b"SPO2=096 HR=101\r\n") == [
        Numeric(DEVICE, SPO2_METRIC, 97.0, "%", NOW),
        Numeric(DEVICE, PULSE_METRIC, 72.0, "/min", NOW),
        Numeric(DEVICE, SPO2_METRIC, 96.0, "%", NOW),
        Numeric(DEVICE, PULSE_METRIC, 101.0, "/min", NOW),
    ]


@pytest.mark.parametrize("line", [b"SPO2=097 HR=072 F\r\n", b"SPO2=097 HR=072*\r\n",
                                  b"14:02:33 SPO2=097 HR=072\r\n",
                                  b"14:02:33 SPO2=097 HR=072 B\r\n"])
def test_ascii_line_forms_of_the_manuals_decode(line: bytes) -> None:
    assert numerics(feed("ascii", b"SPO2=098 HR=070\r\n", line)) == [
        (SPO2_METRIC, 98.0), (PULSE_METRIC, 70.0), (SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


@pytest.mark.parametrize("line", [b"SPO2=0 HR=072", b"SPO2=97 HR=072", b"SPO2=097 HR=07",
                                  b"SPO2=097 HR=7", b"SPO2=-- HR=072", b"SPO2=097 HR=-",
                                  b"SPO2=0097 HR=072"])
def test_an_ascii_field_not_three_characters_wide_is_no_value(line: bytes) -> None:
    found = feed("ascii", b"SPO2=098 HR=070\r\n", line + b"\r\n")
    assert numerics(found) == [(SPO2_METRIC, 98.0), (PULSE_METRIC, 70.0)]
    assert errors(found) == ["framing"]


def test_ascii_dashes_are_no_value_never_zero() -> None:
    found = feed("ascii", b"SPO2=--- HR=---\r\n")
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, None)]
    assert errors(found) == []


def test_ascii_one_byte_at_a_time_gives_the_same_observations() -> None:
    data = b"SPO2=097 HR=072\r\nSPO2=--- HR=---\r\nSPO2=095 HR=080 F\r\n"
    assert feed("ascii", *(data[i:i + 1] for i in range(len(data)))) == feed("ascii", data)


def test_ascii_tail_of_a_line_sent_before_listening_is_skipped_silently() -> None:
    found = feed("ascii", b"=072\r\nSPO2=097 HR=072\r\n")
    assert errors(found) == []
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


def test_a_corrupt_ascii_line_yields_no_value_and_one_framing_error() -> None:
    found = feed("ascii", b"SPO2=097 HR=072\r\nSPO2=0\x9f7 HR=072\r\nSPO2=096 HR=071\r\n")
    assert errors(found) == ["framing"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0),
                               (SPO2_METRIC, 96.0), (PULSE_METRIC, 71.0)]


def test_an_ascii_header_line_is_reported_as_the_devices_identity() -> None:
    found = feed("ascii", b"SPO2=097 HR=072\r\nNONIN AVANT 9600 V1.2 01/02/26 08:00\r\n")
    assert found[-1] == Identity(DEVICE, NOW, model="Nonin pulse oximeter",
                                 details={"header": "NONIN AVANT 9600 V1.2 01/02/26 08:00"})


def test_an_implausible_ascii_value_is_no_value_and_a_value_error() -> None:
    found = feed("ascii", b"SPO2=101 HR=072\r\nSPO2=199 HR=072\r\n")
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, 72.0)] * 2
    assert errors(found) == ["value", "value"]


def test_an_endless_ascii_line_is_one_framing_error_then_lines_decode_again() -> None:
    found = feed("ascii", b"SPO2=097 HR=072\r\n", b"X" * 300, b"X" * 300,
                 b"\r\nSPO2=095 HR=070\r\n")
    assert errors(found) == ["framing"]
    assert numerics(found)[-2:] == [(SPO2_METRIC, 95.0), (PULSE_METRIC, 70.0)]


@pytest.mark.parametrize(("status", "status2"), [(0, 0x08), (0x40, 0)])
def test_format8_reading_repeated_with_the_sensor_alarm_is_no_value(status: int,
                                                                    status2: int) -> None:
    held = format8(72, 97, status=status, status2=status2)
    found = feed("8", format8(72, 97) * 5 + held + format8(74, 96) * 2)
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 5 + [
        (SPO2_METRIC, None), (PULSE_METRIC, None), (SPO2_METRIC, 96.0), (PULSE_METRIC, 74.0)]


def test_an_ascii_line_whose_bytes_span_two_output_periods_gives_no_value() -> None:
    # Line 1 sent 85; the rest of line 1 and line 2 (90) were lost; line 3's tail ends it.
    protocol = NoninProtocol(DEVICE, {"format": "ascii", "averaging": "display"})
    found = protocol.feed(b"SPO2=098 HR=070\r\nSPO2=08", 10.0).observations
    found += protocol.feed(b"0 HR=072\r\n", 12.0).observations
    found += protocol.feed(b"SPO2=090 HR=072\r\n", 13.0).observations
    assert numerics(found) == [(SPO2_METRIC, 98.0), (PULSE_METRIC, 70.0),
                               (SPO2_METRIC, 90.0), (PULSE_METRIC, 72.0)]
    assert errors(found) == ["framing"]


def test_an_ascii_line_read_in_pieces_within_its_own_period_decodes() -> None:
    protocol = NoninProtocol(DEVICE, {"format": "ascii", "averaging": "display"})
    found = protocol.feed(b"SPO2=0", 10.0).observations
    found += protocol.feed(b"97 HR=072\r\n", 10.02).observations
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


@pytest.mark.parametrize("data_format", ["ascii"])
def test_spo2_zero_and_pulse_zero_without_spo2_are_no_reading(data_format: str) -> None:
    found = feed(data_format, b"SPO2=000 HR=000\r\n", b"SPO2=--- HR=000\r\n",
                 b"SPO2=097 HR=000\r\n")
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, None),
                               (SPO2_METRIC, None), (PULSE_METRIC, None),
                               (SPO2_METRIC, 97.0), (PULSE_METRIC, 0.0)]


def test_decoding_a_long_ascii_capture_keeps_the_lines_read_across_chunks() -> None:
    from ketaconsole.sdk import decode_capture

    capture = b"".join(b"SPO2=%03d HR=072\r\n" % (90 + i % 10) for i in range(400))
    protocol = NoninProtocol(DEVICE, {"format": "ascii", "averaging": "display"})
    found = list(decode_capture(protocol, capture, 960.0))
    assert len(numerics(found)) == 800
    assert errors(found) == []
