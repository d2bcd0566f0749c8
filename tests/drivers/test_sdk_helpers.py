"""The SDK's shared helpers, as a third-party driver uses them."""

from __future__ import annotations

from ketaconsole.sdk import (
    DelimitedFrames,
    ErrorKind,
    Fault,
    Observation,
    ProtocolError,
    metric,
    plausible_or_none,
)

SPO2 = metric("MDC_PULS_OXIM_SAT_O2")


def test_a_plausible_value_passes_and_no_value_stays_no_value_without_error() -> None:
    errors: list[Observation] = []
    assert plausible_or_none(97.0, SPO2, "ox", 1.0, errors) == 97.0
    assert plausible_or_none(None, SPO2, "ox", 1.0, errors) is None
    assert errors == []


def test_an_implausible_value_is_no_value_and_one_value_error_saying_why() -> None:
    errors: list[Observation] = []
    assert plausible_or_none(110.0, SPO2, "ox", 1.0, errors) is None
    assert errors == [ProtocolError(
        "ox", ErrorKind.VALUE, "MDC_PULS_OXIM_SAT_O2 110 % is outside the plausible 0 to 100; "
        "reported as no value", 1.0)]


def test_a_fault_reports_as_a_protocol_error_whose_kind_is_its_string() -> None:
    fault = Fault(ErrorKind.CHECKSUM, "CRC 1234 where the frame gives 4321")
    reported = fault.report("pump", 2.0)
    assert reported == ProtocolError("pump", "checksum", fault.detail, 2.0)
    assert reported.as_record()["error"] == "checksum"


def frames_of(chunks: list[bytes]) -> list[bytes | Fault]:
    reader = DelimitedFrames(0x02, 0x03, max_frame=16, abort=0x18, abort_name="CAN")
    return [item for chunk in chunks for item in reader.feed(chunk)]


def test_delimited_frames_come_whole_in_any_chunking_with_junk_reported_once() -> None:
    stream = b"xx\x02one\x03\n\x02two\x03junk\x02three\x03"
    whole = frames_of([stream])
    assert whole == [Fault(ErrorKind.SYNC, "2 bytes before a frame start"), b"one", b"two",
                     Fault(ErrorKind.SYNC, "4 bytes before a frame start"), b"three"]
    assert frames_of([stream[i:i + 1] for i in range(len(stream))]) == whole


def test_a_cut_aborted_or_endless_frame_is_a_framing_fault_and_the_next_one_reads() -> None:
    found = frames_of([b"\x02cut\x02ok\x03\x02stop\x18\x02" + b"z" * 20 + b"\x02fine\x03"])
    assert found == [Fault(ErrorKind.FRAMING, "frame restarted before its end"), b"ok",
                     Fault(ErrorKind.FRAMING, "frame aborted by CAN"),
                     Fault(ErrorKind.FRAMING, "no frame end within 16 bytes"), b"fine"]


def test_line_frames_time_each_line_and_refuse_one_spanning_two_periods() -> None:
    from ketaconsole.sdk import Line, LineFrames

    lines = LineFrames(max_line=64, period=1.0)
    assert lines.feed(b"A=1\r\nB=", 0.0) == [Line(b"A=1", 0.0, 0.0)]
    assert lines.feed(b"2\r\n", 0.1) == [Line(b"B=2", 0.0, 0.1)]
    assert lines.feed(b"C=", 1.0) == []
    stitched = lines.feed(b"3\r\nD=4\n", 2.0)
    assert isinstance(stitched[0], Fault) and stitched[0].kind is ErrorKind.FRAMING
    assert stitched[1:] == [Line(b"D=4", 2.0, 2.0)]


def test_line_frames_report_an_over_long_line_once_and_read_the_next() -> None:
    from ketaconsole.sdk import Line, LineFrames

    lines = LineFrames(max_line=8)
    found = lines.feed(b"X" * 20, 0.0) + lines.feed(b"X" * 20 + b"\nOK\n", 0.1)
    assert [type(f) for f in found] == [Fault, Line]
    assert isinstance(found[1], Line) and found[1].text == b"OK"


def test_oximeter_reading_makes_zeros_no_reading_with_one_technical_alarm() -> None:
    from ketaconsole.sdk import AlarmSource, DeviceAlarm, OximeterReading

    reading = OximeterReading()
    found: list[Observation] = []
    assert reading.check(0.0, 0.0, "ox", 1.0, found) == (None, None)
    assert reading.check(0.0, 60.0, "ox", 2.0, found) == (None, 60.0)
    assert reading.check(97.0, 0.0, "ox", 3.0, found) == (97.0, 0.0)
    assert [(a.code, a.source, a.active) for a in found if isinstance(a, DeviceAlarm)] == [
        ("no-reading", AlarmSource.TECHNICAL, True), ("no-reading", AlarmSource.TECHNICAL, False)]


def test_the_connection_table_refuses_impossible_moves_and_allows_the_possible_ones() -> None:
    import pytest

    from ketaconsole.sdk import Connection, ConnectionState
    from ketaconsole.sdk.connection import IllegalMove

    listening, greeting, polling, recovering = (
        ConnectionState.LISTENING, ConnectionState.GREETING, ConnectionState.POLLING,
        ConnectionState.RECOVERING)
    refused = [(listening, polling), (listening, recovering), (polling, polling),
               (polling, listening), (greeting, listening), (recovering, listening)]
    for start, to in refused:
        connection = Connection()
        connection.state = start
        with pytest.raises(IllegalMove, match=f"from {start.value} to {to.value}"):
            connection.move(to)
    connection = Connection()
    for to in (greeting, greeting, recovering, polling, recovering, recovering, polling,
               greeting):
        connection.move(to)
    assert connection.state is greeting


def _packet(value: int) -> bytes:
    """A length-prefixed test packet: AA 55, length of the payload, payload, sum byte."""
    payload = bytes((value, value + 1))
    head = b"\xaa\x55" + bytes((len(payload),)) + payload
    return head + bytes((sum(head) % 256,))


def _length_prefixed() -> object:
    from ketaconsole.sdk import BinaryFrames

    return BinaryFrames(sync=b"\xaa\x55", length_at=2, length_adds=4, max_frame=64,
                        check=lambda f: sum(f[:-1]) % 256 == f[-1])


def test_length_prefixed_frames_come_whole_in_any_chunking() -> None:
    from ketaconsole.sdk import BinaryFrames

    stream = b"".join(_packet(v) for v in (1, 2, 3))
    whole = _length_prefixed()
    assert isinstance(whole, BinaryFrames)
    assert whole.feed(stream) == [_packet(1), _packet(2), _packet(3)]
    split = _length_prefixed()
    assert isinstance(split, BinaryFrames)
    found = [item for i in range(len(stream)) for item in split.feed(stream[i:i + 1])]
    assert found == [_packet(1), _packet(2), _packet(3)]


def test_binary_frames_resync_after_a_damaged_frame_with_one_fault_each_way() -> None:
    from ketaconsole.sdk import BinaryFrames

    frames = _length_prefixed()
    assert isinstance(frames, BinaryFrames)
    damaged = bytearray(_packet(1))
    damaged[3] ^= 0x10
    found = frames.feed(b"junk" + bytes(damaged) + _packet(2) + b"\xaa\x55\xff" + _packet(3))
    assert [f for f in found if isinstance(f, bytes)] == [_packet(2), _packet(3)]
    faults = [f.kind for f in found if isinstance(f, Fault)]
    assert faults == [ErrorKind.SYNC, ErrorKind.CHECKSUM, ErrorKind.FRAMING]


def test_fixed_length_frames_without_sync_resync_byte_by_byte_on_their_check() -> None:
    from ketaconsole.sdk import BinaryFrames

    def frame(value: int) -> bytes:
        return bytes((0x80 | value, value, (0x80 + 2 * value) % 256))

    frames = BinaryFrames(size=3, check=lambda f: f[0] & 0x80 != 0 and (f[0] + f[1]) % 256
                          == f[2])
    found = frames.feed(b"\x01" + frame(5) + frame(6))
    assert [f for f in found if isinstance(f, bytes)] == [frame(5), frame(6)]


def test_a_binary_framer_needs_a_size_or_a_length_field() -> None:
    import pytest

    from ketaconsole.sdk import BinaryFrames

    with pytest.raises(ValueError, match="fixed size or a length field"):
        BinaryFrames(sync=b"\xaa")


def test_byte_stuffing_round_trips_and_refuses_a_bad_escape() -> None:
    from ketaconsole.sdk import ByteStuffing

    ppp = ByteStuffing({b"\xc0": b"\x7d\xe0", b"\xc1": b"\x7d\xe1", b"\x7d": b"\x7d\x5d"})
    plain = bytes(range(0xBE, 0xC3)) + b"\x7d"
    assert ppp.stuff(plain) == b"\xbe\xbf\x7d\xe0\x7d\xe1\xc2\x7d\x5d"
    assert ppp.unstuff(ppp.stuff(plain)) == plain
    assert isinstance(ppp.unstuff(b"\x7d\x01"), Fault)
    assert isinstance(ppp.unstuff(b"ab\x7d"), Fault)


def test_delimited_frames_unstuff_each_body_with_the_stuffing_given() -> None:
    from ketaconsole.sdk import ByteStuffing

    bcc = ByteStuffing({b"d": b"ex", b"e": b"ee"})
    frames = DelimitedFrames(0x01, 0x04, max_frame=100, stuffing=bcc)
    found = frames.feed(b"\x01" + bcc.stuff(b"dose") + b"\x04\x01ez\x04")
    assert found[0] == b"dose"
    assert isinstance(found[1], Fault) and found[1].kind is ErrorKind.FRAMING
