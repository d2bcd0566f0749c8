"""NE-1000 framing: the CRC, both packet forms, and readers that take any chunking."""

from __future__ import annotations

import binascii

import pytest

from drivers.ne1000.framing import (
    CommandReader,
    Fault,
    Packet,
    ReplyReader,
    basic_command,
    basic_reply,
    crc16_xmodem,
    safe_packet,
)


def test_crc_has_the_xmodem_check_value() -> None:
    assert crc16_xmodem(b"123456789") == 0x31C3


def test_crc_agrees_with_the_standard_library_ccitt_crc() -> None:
    for data in (b"", b"0VER", b"00I52.50MH", bytes(range(256))):
        assert crc16_xmodem(data) == binascii.crc_hqx(data, 0)


def test_safe_packet_matches_the_manuals_return_to_basic_mode_example() -> None:
    # The manual: (0x2) (0x8) SAF0 (0x55) (0x43) (0x3)
    assert safe_packet("SAF0") == b"\x02\x08SAF0\x55\x43\x03"


def test_basic_command_and_reply_forms() -> None:
    assert basic_command("0RAT52.50MH") == b"0RAT52.50MH\r"
    assert basic_reply("00S") == b"\x0200S\x03"


def test_basic_replies_split_one_byte_at_a_time() -> None:
    reader = ReplyReader(safe=False)
    stream = b"\x0200I52.50MH\x03\x0200SI4.375W0.000ML\x03"
    events = [e for b in stream for e in reader.feed(bytes([b]))]
    assert events == [Packet("00I52.50MH", False), Packet("00SI4.375W0.000ML", False)]


def test_safe_replies_split_anywhere() -> None:
    stream = safe_packet("00I52.50MH") + safe_packet("00S35.00ML")
    for cut in range(1, len(stream)):
        reader = ReplyReader(safe=True)
        events = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
        assert events == [Packet("00I52.50MH", True), Packet("00S35.00ML", True)], cut


def test_safe_reply_with_a_bad_crc_is_a_checksum_fault_and_no_packet() -> None:
    good = safe_packet("00I52.50MH")
    bad = bytearray(good)
    bad[-2] ^= 0x01
    reader = ReplyReader(safe=True)
    events = reader.feed(bytes(bad) + safe_packet("00S35.00ML"))
    assert [type(e) for e in events] == [Fault, Packet]
    assert isinstance(events[0], Fault) and events[0].kind == "checksum"
    assert events[1] == Packet("00S35.00ML", True)


def test_safe_reader_resynchronises_after_junk_and_a_broken_length() -> None:
    reader = ReplyReader(safe=True)
    broken = b"\x02\xff00I52"  # impossible length byte
    events = reader.feed(b"\x00\x7f" + broken + safe_packet("00S26.59"))
    kinds = [e.kind for e in events if isinstance(e, Fault)]
    assert kinds == ["sync", "framing"]
    assert events[-1] == Packet("00S26.59", True)


def test_basic_reader_reports_junk_once_and_decodes_the_next_reply() -> None:
    reader = ReplyReader(safe=False)
    events = reader.feed(b"noise\x0200SINF\x03")
    assert isinstance(events[0], Fault) and events[0].kind == "sync"
    assert events[1] == Packet("00SINF", False)


def test_basic_reply_cut_short_by_a_new_start_is_a_framing_fault() -> None:
    reader = ReplyReader(safe=False)
    events = reader.feed(b"\x0200I52.5\x0200S35.00ML\x03")
    assert isinstance(events[0], Fault) and events[0].kind == "framing"
    assert events[1] == Packet("00S35.00ML", False)


def test_basic_reply_with_control_bytes_is_a_framing_fault() -> None:
    events = ReplyReader(safe=False).feed(b"\x0200S\x0135\x03")
    assert len(events) == 1 and isinstance(events[0], Fault) and events[0].kind == "framing"


def test_command_reader_strips_spaces_and_reads_upper_case() -> None:
    reader = CommandReader()
    assert reader.feed(b"0 rat 52.5 mh\r") == [Packet("0RAT52.5MH", False)]


def test_command_reader_takes_safe_packets_and_reports_a_bad_crc() -> None:
    reader = CommandReader()
    bad = bytearray(safe_packet("0RUN"))
    bad[3] = ord("X")
    events = reader.feed(safe_packet("0VER") + bytes(bad))
    assert events[0] == Packet("0VER", True)
    assert isinstance(events[1], Fault) and events[1].kind == "checksum"


@pytest.mark.parametrize("text", ["00S", "00I52.50MH", "00A?R", "00SNE1000V3.928"])
def test_every_safe_packet_round_trips(text: str) -> None:
    assert ReplyReader(safe=True).feed(safe_packet(text)) == [Packet(text, True)]
