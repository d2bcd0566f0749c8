"""Alaris (Asena) framing against the byte vectors the public sources log from real pumps.

Request frames are the constants in OpenICE's Asena.java; reply frames are the pump
replies OpenICE's Alaris simulators copied from real GH pumps (serials 8002-51740 and
8002-51733), including one INF reply captured during an alarm.
"""

from __future__ import annotations

import pytest

from drivers.alaris_asena.framing import (
    Fault,
    Frame,
    FrameReader,
    crc16_ccitt_false,
    encode_frame,
    security_code,
)

REAL_ALARM_INF = (b"!INF^8002-51733^A^HLD^0.00^ml/h^^0.969^ml^530.15^mmHg^00:04:09^EVENT"
                  b"^214725|DB9D\r")


def test_crc_has_the_ccitt_false_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


@pytest.mark.parametrize(("fields", "expected"), [
    (("INST_SERIALNO",), b"!INST_SERIALNO|457D\r"),
    (("COMMS_PROTOCOL",), b"!COMMS_PROTOCOL|E8DA\r"),
    (("COMMS_RESPONSE_MAX",), b"!COMMS_RESPONSE_MAX|7E29\r"),
    (("INF",), b"!INF|4961\r"),
    (("INF_VTBI",), b"!INF_VTBI|8456\r"),
    (("ALARM",), b"!ALARM|50B2\r"),
    (("SYRINGE_STATUS",), b"!SYRINGE_STATUS|4102\r"),
    (("REMOTE_CTRL", "ENABLED", "3CC1"), b"!REMOTE_CTRL^ENABLED^3CC1|B1F1\r"),
    (("REMOTE_CTRL", "ENABLED", "9535"), b"!REMOTE_CTRL^ENABLED^9535|FB2F\r"),
    (("REMOTE_CTRL", "DISABLED"), b"!REMOTE_CTRL^DISABLED|EF95\r"),
])
def test_every_request_frame_is_byte_exact(fields: tuple[str, ...], expected: bytes) -> None:
    assert encode_frame(fields) == expected


@pytest.mark.parametrize(("serial", "code"), [("8002-51740", "3CC1"), ("8002-51733", "9535")])
def test_security_code_is_the_crc_of_the_serial_number(serial: str, code: str) -> None:
    assert security_code(serial) == code


@pytest.mark.parametrize(("raw", "fields"), [
    (b"!INST_SERIALNO^8002-51740|050B\r", ("INST_SERIALNO", "8002-51740")),
    (b"!COMMS_PROTOCOL^Asena Rev 2.1.5|661A\r", ("COMMS_PROTOCOL", "Asena Rev 2.1.5")),
    (b"!COMMS_RESPONSE_MAX^4000^ms|DFDF\r", ("COMMS_RESPONSE_MAX", "4000", "ms")),
    (b"!REMOTE_CTRL^ENABLED^****^PERMIT^0^ms|7BB0\r",
     ("REMOTE_CTRL", "ENABLED", "****", "PERMIT", "0", "ms")),
    (b"!SYRINGE_STATUS^BD PLASTIPAK^ 50^CONF|1CF8\r",
     ("SYRINGE_STATUS", "BD PLASTIPAK", " 50", "CONF")),
    (b"!ALARM^AL_NOALM^ ^ |C73B\r", ("ALARM", "AL_NOALM", " ", " ")),
    (b"!INF_VTBI^ACTIV^11.000^ml^STOP|4433\r", ("INF_VTBI", "ACTIV", "11.000", "ml", "STOP")),
    (REAL_ALARM_INF, ("INF", "8002-51733", "A", "HLD", "0.00", "ml/h", "", "0.969", "ml",
                      "530.15", "mmHg", "00:04:09", "EVENT", "214725")),
])
def test_every_reply_from_the_sources_is_read(raw: bytes, fields: tuple[str, ...]) -> None:
    assert FrameReader().feed(raw) == [Frame(fields)]


def test_a_frame_with_wrong_check_digits_is_rejected_and_the_next_one_read() -> None:
    corrupt = REAL_ALARM_INF.replace(b"0.969", b"9.969")
    found = FrameReader().feed(corrupt + b"!INST_SERIALNO^8002-51740|050B\r")
    assert isinstance(found[0], Fault) and found[0].kind == "checksum"
    assert found[1] == Frame(("INST_SERIALNO", "8002-51740"))
    assert len(found) == 2


def test_one_byte_at_a_time_gives_the_same_frames_as_whole_frames() -> None:
    stream = REAL_ALARM_INF + b"!COMMS_PROTOCOL^Asena Rev 2.1.5|661A\r"
    reader = FrameReader()
    split = [item for i in range(len(stream)) for item in reader.feed(stream[i:i + 1])]
    assert split == FrameReader().feed(stream)
    assert len(split) == 2 and all(isinstance(f, Frame) for f in split)


def test_junk_before_a_frame_is_one_sync_fault_then_the_frame() -> None:
    found = FrameReader().feed(b"\xff\x13garbage" + b"!INST_SERIALNO^8002-51740|050B\r")
    assert [type(f) for f in found] == [Fault, Frame]
    assert isinstance(found[0], Fault) and found[0].kind == "sync"


def test_escape_aborts_a_frame_and_no_value_comes_of_it() -> None:
    found = FrameReader().feed(b"!INF^8002-51733^-^SET^5.00\x1b" + b"!ALARM^AL_NOALM^ ^ |C73B\r")
    assert isinstance(found[0], Fault) and found[0].kind == "framing"
    assert found[1] == Frame(("ALARM", "AL_NOALM", " ", " "))


def test_a_frame_without_check_digits_is_a_framing_fault() -> None:
    found = FrameReader().feed(b"!INF^8002-51733^-^SET^5.00\r")
    assert len(found) == 1 and isinstance(found[0], Fault)
    assert found[0].kind == "framing"


def test_an_endless_frame_is_dropped_and_reading_resumes() -> None:
    found = FrameReader().feed(b"!" + b"A" * 2000 + b"!ALARM^AL_NOALM^ ^ |C73B\r")
    assert isinstance(found[0], Fault) and found[0].kind == "framing"
    assert found[-1] == Frame(("ALARM", "AL_NOALM", " ", " "))


def test_crc_matches_a_bitwise_reference_on_many_inputs() -> None:
    import random

    def bitwise(data: bytes) -> int:
        register = 0xFFFF
        for byte in data:
            register ^= byte << 8
            for _ in range(8):
                register = ((register << 1) ^ 0x1021) if register & 0x8000 else register << 1
                register &= 0xFFFF
        return register

    rng = random.Random(11)
    for size in range(64):
        data = bytes(rng.getrandbits(8) for _ in range(size))
        assert crc16_ccitt_false(data) == bitwise(data)
