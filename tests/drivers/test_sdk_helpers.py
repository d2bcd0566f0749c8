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
