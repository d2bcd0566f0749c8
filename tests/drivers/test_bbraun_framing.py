"""B. Braun BCC framing and message grammar against the byte vectors of the public source.

The ADMIN:ALIVE frame (length 31, checksum 61, plain and stuffed) is the one
mindleaving/patient-monitor-datalogger's tests check; the station answer is the
capture kept there (see ``bbraun_capture``).
"""

from __future__ import annotations

import pytest

from drivers.bbraun_bcc.framing import (
    BccFrame,
    Fault,
    FrameReader,
    checksum,
    encode_frame,
    stuff,
)
from drivers.bbraun_bcc.messages import SlotAddress, get_slot, parse_record
from tests.drivers.bbraun_capture import ALIVE, PART1, PART2, PART3_AS_PUBLISHED


def test_the_alive_request_is_byte_exact() -> None:
    assert encode_frame("1", b"ADMIN:ALIVE") == ALIVE


def test_the_stuffed_alive_request_is_byte_exact() -> None:
    stuffed = encode_frame("1", b"ADMIN:ALIVE", stuffing=True)
    assert stuffed == ALIVE.replace(b"ADMIN", b"AEXMIN").replace(b"ALIVE", b"ALIVEE")
    assert stuffed == stuff(ALIVE)


def test_checksum_is_the_byte_sum_modulo_256() -> None:
    assert checksum(ALIVE[:-6]) == 61
    assert checksum(bytes([200, 100])) == 44


@pytest.mark.parametrize("stuffing", [False, True])
def test_the_alive_frame_reads_back_plain_and_stuffed(stuffing: bool) -> None:
    data = stuff(ALIVE) if stuffing else ALIVE
    assert FrameReader(stuffing=stuffing).feed(data) == [BccFrame("1", b"ADMIN:ALIVE", True)]


def test_requests_for_one_slot_and_for_all_are_byte_exact() -> None:
    frame = encode_frame("ComSystem", get_slot(1, 11))
    body = b"\x0100042\x02ComSystem/1/1>MEM:GETSLOT#1B\x03"
    assert len(body) + 6 == 42
    assert frame == body + b"%05d" % (sum(body) % 256) + b"\x04"
    assert encode_frame("ComSystem", b"MEM:GET", last=True)[1:6] == b"00035"


def test_the_captured_station_answer_reads_frame_by_frame() -> None:
    found = FrameReader().feed(PART1 + PART2)
    assert [type(f) for f in found] == [BccFrame, BccFrame]
    first, second = found
    assert isinstance(first, BccFrame) and isinstance(second, BccFrame)
    assert first.bed_id == "ComSystem" and not first.last  # ETB: more frames follow
    assert first.message.startswith(b"214,50100,FMNOR,1\x1e")
    assert second.message.endswith(b"215,50113,INA15,0")


def test_the_published_third_frame_is_rejected_for_its_length() -> None:
    found = FrameReader().feed(PART3_AS_PUBLISHED)
    assert len(found) == 1 and isinstance(found[0], Fault)
    assert found[0].kind == "framing" and "1067" in found[0].detail


def test_a_corrupted_byte_fails_the_checksum_and_the_next_frame_still_reads() -> None:
    corrupt = PART2.replace(b"INRT,0.30", b"INRT,9.30")
    found = FrameReader().feed(corrupt + ALIVE)
    assert isinstance(found[0], Fault) and found[0].kind == "checksum"
    assert found[1] == BccFrame("1", b"ADMIN:ALIVE", True)


def test_one_byte_at_a_time_with_junk_and_acks_gives_the_same_frames() -> None:
    stream = b"\x06junk" + PART1 + b"\x06" + PART2
    reader = FrameReader()
    split = [item for i in range(len(stream)) for item in reader.feed(stream[i:i + 1])]
    assert [type(f) for f in split] == [Fault, BccFrame, BccFrame]
    assert isinstance(split[0], Fault) and split[0].kind == "sync"
    assert split[1:] == FrameReader().feed(PART1 + PART2)


@pytest.mark.parametrize(("text", "pillar", "slot"), [
    ("50100", 0, 0), ("50111", 1, 1), ("50119", 1, 9), ("5011B", 1, 11), ("5011O", 1, 24),
    ("501112", 1, 12), ("50134", 3, 4),
])
def test_pump_addresses_parse(text: str, pillar: int, slot: int) -> None:
    assert SlotAddress.parse(text) == SlotAddress(pillar, slot)


@pytest.mark.parametrize("text", ["50200", "5014A", "5011Z", "501", "50111X"])
def test_bad_pump_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        SlotAddress.parse(text)


def test_a_record_keeps_commas_in_its_value() -> None:
    record = parse_record(b"215,50113,INSOL,Drug, 4 mg")
    assert record.seconds == 215 and record.address == SlotAddress(1, 3)
    assert record.parameter == "INSOL" and record.value == "Drug, 4 mg"
    assert parse_record(b"12,50100,V3.30").value is None


def test_stuffed_capture_one_byte_at_a_time_reads_like_the_plain_one() -> None:
    stream = b"\x06" + stuff(PART1) + stuff(PART2)
    reader = FrameReader(stuffing=True)
    split = [item for i in range(len(stream)) for item in reader.feed(stream[i:i + 1])]
    assert split == FrameReader().feed(PART1 + PART2)


def test_a_bad_stuffing_escape_is_a_framing_fault() -> None:
    found = FrameReader(stuffing=True).feed(b"\x0100031\x021/1/1>AeqMIN" + stuff(ALIVE))
    assert isinstance(found[0], Fault) and found[0].kind == "framing"
    assert found[-1] == BccFrame("1", b"ADMIN:ALIVE", True)
