"""IntelliVue MIB/RS232 framing, byte for byte: FCS, transparency, split reads, resync.

The FCS is CRC-16/X-25 (PPP FCS-16) whose catalogued check value for ``b"123456789"``
is 0x906E; the frame layout and the transparency rule are the guide's ("Transport
Protocols for the MIB/RS232 Interface": Framing, Header Information, Frame Check
Sequence Field, Transparency, Frame Abort).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.intellivue_mib.framing import Fault, FrameReader, encode_frame, escape, fcs16
from drivers.intellivue_mib.protocol import IntelliVueProtocol
from ketaconsole.observations import Numeric, ProtocolError
from tests.drivers.intellivue_vectors import (
    MDS_CREATE_RESULT_VSCAPTURE,
    numerics_result,
    polling_protocol,
)


def test_fcs_has_the_crc16_x25_check_value() -> None:
    assert fcs16(b"123456789") == 0x906E


def test_fcs_of_nothing_is_zero_after_the_final_complement() -> None:
    assert fcs16(b"") == 0x0000


def test_each_special_byte_is_escaped_as_7d_and_the_byte_xor_20() -> None:
    assert escape(bytes([0x01, 0xC0, 0x02, 0xC1, 0x7D, 0x03])) == bytes(
        [0x01, 0x7D, 0xE0, 0x02, 0x7D, 0xE1, 0x7D, 0x5D, 0x03])


def test_a_frame_is_bof_header_data_fcs_low_byte_first_eof() -> None:
    data = bytes.fromhex("e100000200")
    body = bytes.fromhex("11010005") + data
    crc = fcs16(body)
    assert encode_frame(data) == (b"\xc0" + body + bytes([crc & 0xFF, crc >> 8]) + b"\xc1")


def test_the_mds_create_result_frame_is_exact() -> None:
    # 28 bytes of user data (VSCaptureMP's mds_create_resp_msg) under header 11 01 00 1C;
    # its FCS, computed independently here bit by bit, is escaped where needed.
    body = bytes.fromhex("1101001c") + MDS_CREATE_RESULT_VSCAPTURE
    crc = 0xFFFF
    for byte in body:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    expected = b"\xc0" + escape(body + crc.to_bytes(2, "little")) + b"\xc1"
    assert encode_frame(MDS_CREATE_RESULT_VSCAPTURE) == expected


def test_data_and_fcs_bytes_that_collide_with_flags_are_escaped_on_the_line() -> None:
    data = bytes([0xC0, 0xC1, 0x7D])
    frame = encode_frame(data)
    inner = frame[1:-1]
    assert 0xC0 not in inner and 0xC1 not in inner
    assert inner[4:10] == bytes([0x7D, 0xE0, 0x7D, 0xE1, 0x7D, 0x5D])
    assert FrameReader().feed(frame) == [data]


def test_a_frame_read_one_byte_at_a_time_gives_its_user_data_once() -> None:
    reader = FrameReader()
    frame = encode_frame(MDS_CREATE_RESULT_VSCAPTURE)
    got: list[bytes | Fault] = []
    for index in range(len(frame)):
        got.extend(reader.feed(frame[index:index + 1]))
    assert got == [MDS_CREATE_RESULT_VSCAPTURE]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_any_chunking_of_several_frames_gives_the_same_user_data(size: int) -> None:
    payloads = [bytes([n, 0xC0, n, 0x7D]) * (n + 1) for n in range(5)]
    line = b"".join(encode_frame(p) for p in payloads)
    reader = FrameReader()
    got: list[bytes | Fault] = []
    for start in range(0, len(line), size):
        got.extend(reader.feed(line[start:start + size]))
    assert got == payloads


def test_junk_before_the_first_frame_is_one_sync_error_then_the_frame() -> None:
    got = FrameReader().feed(b"\x00\x7d\x11\xc1garbage" + encode_frame(b"\xe1\x00"))
    assert got == [Fault("sync", "11 bytes before a frame start"), b"\xe1\x00"]


def test_a_corrupted_byte_is_one_checksum_error_and_the_next_frame_decodes() -> None:
    good = encode_frame(b"\xe1\x00\x00\x02")
    bad = bytearray(good)
    bad[6] ^= 0x01
    got = FrameReader().feed(bytes(bad) + good)
    assert [type(g) for g in got] == [Fault, bytes]
    assert isinstance(got[0], Fault) and got[0].kind == "checksum"
    assert got[1] == b"\xe1\x00\x00\x02"


def test_an_escape_before_eof_aborts_the_frame_without_data() -> None:
    aborted = encode_frame(b"\x01\x02\x03")[:-1] + b"\x7d\xc1"
    got = FrameReader().feed(aborted + encode_frame(b"\x04"))
    assert got == [Fault("framing", "frame ends inside an escape (0x7D)"), b"\x04"]


def test_a_length_that_disagrees_with_the_frame_is_a_framing_error() -> None:
    body = bytes.fromhex("11010009") + b"\x01\x02"
    frame = b"\xc0" + escape(body + fcs16(body).to_bytes(2, "little")) + b"\xc1"
    got = FrameReader().feed(frame)
    assert got == [Fault("framing", "header says 9 bytes of user data, frame has 2")]


def test_a_new_bof_inside_a_frame_drops_the_cut_frame_and_reads_the_next() -> None:
    cut = encode_frame(b"\x01\x02\x03\x04")[:5]
    got = FrameReader().feed(cut + encode_frame(b"\x05"))
    assert got == [Fault("framing", "frame restarted before its end"), b"\x05"]


def test_a_bad_fcs_on_a_poll_result_yields_no_value_one_error_then_resyncs() -> None:
    protocol = polling_protocol()
    good = encode_frame(numerics_result(hr=72))
    bad = bytearray(encode_frame(numerics_result(hr=250)))
    bad[-2] ^= 0xFF  # the FCS's high byte
    out = protocol.feed(bytes(bad) + good, 2.0)
    errors = [o for o in out.observations if isinstance(o, ProtocolError)]
    values = [o.value for o in out.observations
              if isinstance(o, Numeric) and o.metric == "MDC_ECG_HEART_RATE"]
    assert [e.error for e in errors] == ["checksum"]
    assert values == [72.0], "only the good frame's value; nothing from the broken one"


def test_a_driver_never_raises_on_a_frame_with_a_valid_fcs_but_nonsense_inside() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    out = protocol.feed(encode_frame(b"\xe1\x00\x00\x02\x00\x02\xff\xff\x01"), 0.5)
    assert [o.error for o in out.observations if isinstance(o, ProtocolError)] == ["format"]


def bitwise_fcs(data: bytes) -> int:
    """CRC-16/X-25 the slow way, one bit at a time, as the guide describes it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


@given(st.binary(max_size=600))
def test_the_fast_fcs_equals_the_bitwise_definition(data: bytes) -> None:
    assert fcs16(data) == bitwise_fcs(data)


@given(st.lists(st.binary(max_size=80), min_size=1, max_size=6), st.integers(1, 50))
def test_any_user_data_survives_framing_in_any_chunking(payloads: list[bytes],
                                                        size: int) -> None:
    line = b"".join(encode_frame(p) for p in payloads)
    reader = FrameReader()
    got: list[bytes | Fault] = []
    for start in range(0, len(line), size):
        got.extend(reader.feed(line[start:start + size]))
    assert got == payloads


def test_the_driver_reads_a_poll_result_split_byte_by_byte_behind_junk() -> None:
    protocol = polling_protocol()
    line = b"\x00\xff\x7d\xc1" + encode_frame(numerics_result(hr=81, spo2=96))
    found = []
    for index in range(len(line)):
        found.extend(protocol.feed(line[index:index + 1], 2.0).observations)
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["sync"]
    assert {o.metric: o.value for o in found if isinstance(o, Numeric)} == {
        "MDC_ECG_HEART_RATE": 81.0, "MDC_PULS_OXIM_SAT_O2": 96.0}
