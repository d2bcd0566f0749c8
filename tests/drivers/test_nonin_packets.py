"""Byte-vector tests for Nonin data formats #2 and #7: exact bytes in, exact observations out.

Frames are built from the 9560 OEM specification's tables (tests/drivers/nonin_bytes.py)
and pinned by literal vectors below.
"""

from __future__ import annotations

import pytest

from drivers.nonin.protocol import NoninProtocol
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    Identity,
    Numeric,
    Observation,
    ProtocolError,
    WaveChunk,
)
from tests.drivers.nonin_bytes import (
    ARTIFACT,
    GREEN,
    HR_D_MSB,
    NEXT_PLETH,
    OUT_OF_TRACK,
    PLETH_METRIC,
    PULSE_METRIC,
    RED,
    SENSOR_ALARM,
    SENSOR_DISCONNECTED,
    SPO2_METRIC,
    confirm,
    frame,
    packet,
    packet_values,
    pleth_of,
)

NOW = 1000.0
DEVICE = "ox"


def decoder(data_format: str = "7", averaging: str = "display") -> NoninProtocol:
    return NoninProtocol(DEVICE, {"format": data_format, "averaging": averaging})


def feed(*chunks: bytes, protocol: NoninProtocol | None = None) -> list[Observation]:
    protocol = protocol or decoder()
    found: list[Observation] = []
    for chunk in chunks:
        out = protocol.feed(chunk, NOW)
        assert out.send == b""
        found.extend(out.observations)
    return found


def numerics(found: list[Observation]) -> list[tuple[str, float | None]]:
    return [(o.metric, o.value) for o in found if isinstance(o, Numeric)]


def pleth(found: list[Observation]) -> list[float | None]:
    return [s for o in found if isinstance(o, WaveChunk) for s in o.samples]


def errors(found: list[Observation]) -> list[str]:
    return [o.error for o in found if isinstance(o, ProtocolError)]


def alarms(found: list[Observation]) -> list[tuple[str, bool]]:
    return [(o.code, o.active) for o in found if isinstance(o, DeviceAlarm)]


def not_waves(found: list[Observation]) -> list[Observation]:
    return [o for o in found if not isinstance(o, WaveChunk)]


# -- the builder agrees with the specification's own arithmetic ---------------------------

def test_literal_frames_follow_the_specification() -> None:
    # #7: STATUS 81 (bit 7, SYNC), pleth 0x1234, HR MSB 0; 81+12+34+00 = C7.
    assert frame("7", 0x81, 0x1234, 0x00) == bytes.fromhex("81 12 34 00 C7")
    # #2: 01, STATUS 80, pleth 0xF0, SpO2 97 (0x61); 01+80+F0+61 = 0x1D2 -> D2.
    assert frame("2", 0x80, 0xF0, 0x61) == bytes.fromhex("01 80 F0 61 D2")


# -- whole packets -------------------------------------------------------------------------

def test_format7_packet_yields_pleth_then_display_spo2_and_pulse_then_firmware() -> None:
    assert feed(packet("7") + confirm()) == [
        WaveChunk(DEVICE, PLETH_METRIC, tuple(pleth_of()), 75.0, "1", NOW),
        Numeric(DEVICE, SPO2_METRIC, 97.0, "%", NOW),
        Numeric(DEVICE, PULSE_METRIC, 72.0, "/min", NOW),
        Identity(DEVICE, NOW, model="Nonin pulse oximeter", firmware="42",
                 details={"data_format": "#7"}),
        WaveChunk(DEVICE, PLETH_METRIC, (float(NEXT_PLETH),), 75.0, "1", NOW),
    ]


def test_a_packet_is_read_only_once_the_next_sync_frame_confirms_its_end() -> None:
    assert numerics(feed(packet("7"))) == []
    assert numerics(feed(packet("7") + packet("7", sync_on=0)[:5])) == []


@pytest.mark.parametrize("data_format", ["2", "7"])
def test_twenty_lost_frames_give_no_pulse_rate_the_oximeter_did_not_show(
        data_format: str) -> None:
    # 100 bytes cut out of the line from inside frame 11: one frame fails its check,
    # the frames after it lie on the old frame grid, so the hunter takes them as one
    # lost frame, not 21. The count then runs 20 frames behind the packet, its frames
    # 20-21 (HR-D) are really the extended-averaging HR frames 14-15 of the next
    # packet, and the SYNC frame that would show it was cut out. Only the missing SYNC
    # where the count closes the packet says so, and no value of it is reported.
    values = packet_values(hr=72, spo2=97, hr_ext=97, spo2_ext=90)
    stream = b"".join(packet(data_format, values, base=b) for b in (0, 300, 600, 900))
    start = 10 * 5 + 2
    found = feed(stream[:start] + stream[start + 100:], protocol=decoder(data_format))
    assert set(numerics(found)) <= {(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)}
    assert (PULSE_METRIC, 72.0) in numerics(found)
    assert errors(found).count("sync") >= 1


def test_format2_packet_carries_an_8_bit_pleth_after_the_01_start_byte() -> None:
    found = feed(packet("2", base=0) + confirm("2"), protocol=decoder("2"))
    assert pleth(found)[:25] == [float(10 * n) for n in range(1, 26)]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]
    assert errors(found) == []


@pytest.mark.parametrize(("averaging", "expected"), [
    ("display", [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]),   # frames 9, 20-21
    ("standard", [(SPO2_METRIC, 96.0), (PULSE_METRIC, 71.0)]),  # frames 3, 1-2
    ("extended", [(SPO2_METRIC, 95.0), (PULSE_METRIC, 73.0)]),  # frames 16, 14-15
])
def test_the_averaging_setting_reads_the_documented_frames(
        averaging: str, expected: list[tuple[str, float]]) -> None:
    values = packet_values(hr=72, spo2=97, hr_std=71, spo2_std=96, hr_ext=73, spo2_ext=95)
    found = feed(packet("7", values) + confirm(), protocol=decoder("7", averaging))
    assert numerics(found) == expected


def test_a_pulse_rate_above_255_uses_the_two_high_bits_of_the_msb_frame() -> None:
    found = feed(packet("7", packet_values(hr=300, spo2=88)) + confirm())
    assert numerics(found) == [(SPO2_METRIC, 88.0), (PULSE_METRIC, 300.0)]


def test_the_missing_data_codes_are_no_value_never_a_number() -> None:
    found = feed(packet("7", packet_values(hr=511, spo2=127)) + confirm())
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, None)]
    assert errors(found) == []


def test_an_spo2_above_100_is_no_value_and_a_value_error() -> None:
    found = feed(packet("7", packet_values(spo2=110)) + confirm())
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, 72.0)]
    assert errors(found) == ["value"]


def test_three_packets_give_three_readings_and_75_pleth_samples() -> None:
    found = feed(packet("7") * 3 + confirm())
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 3
    assert len(pleth(found)) == 76 and None not in pleth(found)


# -- any chunking --------------------------------------------------------------------------

def test_one_byte_at_a_time_gives_the_same_readings_and_pleth() -> None:
    data = packet("7") * 2
    whole = feed(data)
    single = feed(*(data[i:i + 1] for i in range(len(data))))
    assert not_waves(single) == not_waves(whole)
    assert pleth(single) == pleth(whole) == pleth_of() * 2


@pytest.mark.parametrize("size", [2, 3, 4, 6, 7, 13, 124, 126])
def test_any_chunk_size_gives_the_same_readings_and_pleth(size: int) -> None:
    data = packet("7") * 3
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    whole = feed(data)
    assert not_waves(feed(*chunks)) == not_waves(whole)
    assert pleth(feed(*chunks)) == pleth(whole)


# -- junk, lost sync and bad checksums -----------------------------------------------------

def test_a_partial_frame_before_the_first_frame_is_skipped_silently() -> None:
    found = feed(packet("7")[-3:] + packet("7") + confirm())
    assert errors(found) == []
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


def test_junk_before_the_first_sync_is_one_sync_error_then_the_packet_decodes() -> None:
    junk = bytes(range(0x00, 0x30, 3))  # 16 bytes, none with bit 7 set
    found = feed(junk + packet("7") + confirm())
    assert [o for o in found if isinstance(o, ProtocolError)] == [
        ProtocolError(DEVICE, "sync", "skipped 16 bytes that were not a data format #7 frame",
                      NOW)]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]
    assert pleth(found) == [*pleth_of(), NEXT_PLETH]


def test_frames_before_the_first_sync_give_pleth_but_values_wait_for_the_sync() -> None:
    tail = packet("7")[9 * 5:]  # frames 10-25: no SYNC, their place in the packet unknown
    found = feed(tail + packet("7", packet_values(hr=80, spo2=99)) + confirm())
    assert numerics(found) == [(SPO2_METRIC, 99.0), (PULSE_METRIC, 80.0)]
    assert pleth(found) == [*pleth_of()[9:], *pleth_of(), NEXT_PLETH]
    assert errors(found) == []


def corrupt_checksum(data: bytes, number: int) -> bytes:
    """Flip the checksum of 1-based frame ``number``."""
    at = (number - 1) * 5 + 4
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def test_a_bad_checksum_yields_no_value_one_error_and_the_next_frame_resyncs() -> None:
    first = corrupt_checksum(packet("7"), HR_D_MSB)
    found = feed(first + packet("7", packet_values(hr=64, spo2=95)) + confirm())
    assert errors(found) == ["checksum"]
    detail = next(o.detail for o in found if isinstance(o, ProtocolError))
    assert "expected" in detail
    # The first packet lost its HR-D MSB frame: SpO2-D (frame 9) stands, no pulse rate.
    # The next packet is whole.
    assert numerics(found) == [(SPO2_METRIC, 97.0), (SPO2_METRIC, 95.0), (PULSE_METRIC, 64.0)]
    # The lost frame is a gap in the pleth; the frame after it is read at once.
    expected = pleth_of()
    expected[HR_D_MSB - 1] = None
    assert pleth(found) == [*expected, *pleth_of(), NEXT_PLETH]


def test_a_bad_checksum_one_byte_at_a_time_is_also_exactly_one_error() -> None:
    data = corrupt_checksum(packet("7"), 5) + packet("7") + confirm()
    found = feed(*(data[i:i + 1] for i in range(len(data))))
    assert errors(found) == ["checksum"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 2


def test_a_dropped_byte_loses_the_packets_later_values_until_the_next_sync() -> None:
    data = packet("7")
    broken = data[:12] + data[13:]  # one byte of frame 3 lost on the line
    found = feed(broken + packet("7", packet_values(hr=66, spo2=94)) + confirm())
    assert errors(found) == ["checksum"]
    assert numerics(found) == [(SPO2_METRIC, 94.0), (PULSE_METRIC, 66.0)]
    samples = pleth(found)
    assert samples[:2] == pleth_of()[:2] and None in samples
    assert samples[-26:] == [*pleth_of(), NEXT_PLETH]


def test_a_sync_bit_on_the_wrong_frame_drops_that_packets_values() -> None:
    wrong = packet("7", sync_on=1)[:5] + packet("7", sync_on=8)[5:]
    found = feed(wrong + packet("7", packet_values(hr=61, spo2=93)) + confirm())
    assert errors(found) == ["sync"]
    assert numerics(found)[-2:] == [(SPO2_METRIC, 93.0), (PULSE_METRIC, 61.0)]
    assert (SPO2_METRIC, 97.0) not in numerics(found)


def test_frame_one_without_its_sync_bit_is_a_sync_error_and_values_wait() -> None:
    # Neither the packet before it (its end is not confirmed) nor the one it starts
    # gives values; the next whole packet does.
    found = feed(packet("7") + packet("7", sync_on=0) + packet("7", packet_values(hr=90))
                 + confirm())
    assert errors(found) == ["sync"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 90.0)]


# -- status bits ----------------------------------------------------------------------------

def test_the_sensor_alarm_bit_is_one_technical_alarm_raised_and_cleared() -> None:
    off = packet("7", packet_values(hr=511, spo2=127),
                 status=dict.fromkeys(range(1, 26), SENSOR_ALARM))
    found = feed(packet("7") + off + off + packet("7"))
    assert [o for o in found if isinstance(o, DeviceAlarm)] == [
        DeviceAlarm(DEVICE, "sensor-alarm",
                    "Oximeter sensor alarm: no usable signal (finger out of the sensor?)",
                    AlarmSource.TECHNICAL, True, NOW),
        DeviceAlarm(DEVICE, "sensor-alarm",
                    "Oximeter sensor alarm: no usable signal (finger out of the sensor?)",
                    AlarmSource.TECHNICAL, False, NOW),
    ]
    assert numerics(found)[2:6] == [(SPO2_METRIC, None), (PULSE_METRIC, None)] * 2


@pytest.mark.parametrize(("bit", "code"), [(OUT_OF_TRACK, "out-of-track"),
                                           (SENSOR_DISCONNECTED, "sensor-disconnected")])
def test_sustained_status_bits_are_alarms_on_change(bit: int, code: str) -> None:
    flagged = packet("7", status=dict.fromkeys(range(1, 26), bit))
    assert alarms(feed(flagged + flagged + packet("7"))) == [(code, True), (code, False)]


def pulse(bits: int, first: int = 5, frames: int = 12) -> dict[int, int]:
    """Perfusion bits on ``frames`` frames from frame ``first``, as the oximeter marks a pulse."""
    return dict.fromkeys(range(first, first + frames), bits)


@pytest.mark.parametrize(("bits", "code"), [(RED, "low-perfusion"),
                                            (RED | GREEN, "marginal-perfusion")])
def test_a_poor_pulse_raises_its_perfusion_alarm_until_a_green_pulse(bits: int,
                                                                     code: str) -> None:
    found = feed(packet("7", status=pulse(bits)) + packet("7", status=pulse(bits)) +
                 packet("7", status=pulse(GREEN)))
    assert alarms(found) == [(code, True), (code, False)]


def test_perfusion_bits_between_pulses_do_not_chatter() -> None:
    # Green pulses: the bits set and clear twice a packet, but nothing is raised.
    status = {**pulse(GREEN, 2, 8), **pulse(GREEN, 15, 8)}
    assert alarms(feed(packet("7", status=status) * 4)) == []


def test_artifact_on_a_pulse_is_raised_and_cleared_by_a_clean_pulse() -> None:
    artifact = {n: GREEN | ARTIFACT for n in range(5, 17)}
    found = feed(packet("7", status=artifact) + packet("7", status=pulse(GREEN)))
    assert alarms(found) == [("artifact", True), ("artifact", False)]


def test_low_battery_in_stat2_is_raised_and_cleared() -> None:
    low = packet("7", packet_values(status2=0x01))
    assert alarms(feed(low + low + packet("7") + confirm())) == [("low-battery", True),
                                                     ("low-battery", False)]


def test_the_firmware_revision_is_reported_once_and_again_when_it_changes() -> None:
    found = feed(packet("7") * 3 + packet("7", packet_values(revision=0x2B)) + confirm())
    assert [o.firmware for o in found if isinstance(o, Identity)] == ["42", "43"]


@pytest.mark.parametrize("bit", [SENSOR_ALARM, SENSOR_DISCONNECTED])
def test_the_last_reading_repeated_after_the_finger_comes_out_is_no_value(bit: int) -> None:
    # For 10 s after the finger comes out the display values repeat the last reading
    # with SNSA set ("unusable data"): that is not a measurement.
    held = packet("7", packet_values(hr=72, spo2=97), status={12: bit})
    found = feed(packet("7") + held + packet("7", packet_values(hr=75, spo2=96)) + confirm())
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0),
                               (SPO2_METRIC, None), (PULSE_METRIC, None),
                               (SPO2_METRIC, 96.0), (PULSE_METRIC, 75.0)]


# -- format #2 the same way -----------------------------------------------------------------

def test_format2_junk_before_the_first_frame_is_one_sync_error_then_values() -> None:
    junk = bytes([0x02, 0x03, 0x04]) * 4  # 12 bytes; no 01 followed by a status byte
    found = feed(junk + packet("2", base=0) + confirm("2"), protocol=decoder("2"))
    assert errors(found) == ["sync"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


def test_format2_bad_checksum_is_one_error_and_no_pulse_rate_from_that_packet() -> None:
    data = corrupt_checksum(packet("2", base=0), HR_D_MSB) + packet("2", base=0) + confirm("2")
    found = feed(*(data[i:i + 1] for i in range(len(data))), protocol=decoder("2"))
    assert errors(found) == ["checksum"]
    assert numerics(found) == [(SPO2_METRIC, 97.0), (SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]
    assert pleth(found).count(None) == 1 and len(pleth(found)) == 51


def test_format2_missing_data_codes_are_no_value() -> None:
    found = feed(packet("2", packet_values(hr=511, spo2=127), base=0) + confirm("2"),
                 protocol=decoder("2"))
    assert numerics(found) == [(SPO2_METRIC, None), (PULSE_METRIC, None)]
