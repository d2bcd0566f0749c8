"""The Nonin format-select command and its ACK / NAK answer, byte for byte."""

from __future__ import annotations

import pytest

from drivers.nonin.protocol import NoninProtocol
from ketaconsole.observations import Identity, Numeric, Observation, ProtocolError
from tests.drivers.nonin_bytes import PULSE_METRIC, SPO2_METRIC, confirm, format8, packet

NOW = 1000.0
DEVICE = "ox"
ACK = b"\x06"
NAK = b"\x15"


def connected(data_format: str = "7") -> NoninProtocol:
    protocol = NoninProtocol(DEVICE, {"format": data_format, "averaging": "display"})
    protocol.connect(NOW)
    return protocol


def feed(protocol: NoninProtocol, *chunks: bytes, at: float = NOW) -> list[Observation]:
    found: list[Observation] = []
    for chunk in chunks:
        found.extend(protocol.feed(chunk, at).observations)
    return found


def numerics(found: list[Observation]) -> list[tuple[str, float | None]]:
    return [(o.metric, o.value) for o in found if isinstance(o, Numeric)]


def errors(found: list[Observation]) -> list[ProtocolError]:
    return [o for o in found if isinstance(o, ProtocolError)]


ACKNOWLEDGED = Identity(DEVICE, NOW, model="Nonin pulse oximeter",
                        details={"data_format": "#7", "format_select": "acknowledged"})


@pytest.mark.parametrize(("data_format", "command"), [
    ("2", "02 70 02 02 02 03"), ("7", "02 70 02 02 07 03"), ("8", "02 70 02 02 08 03")])
def test_connect_sends_the_documented_format_select_command(data_format: str,
                                                            command: str) -> None:
    protocol = NoninProtocol(DEVICE, {"format": data_format, "averaging": "display"})
    assert protocol.connect(NOW) == bytes.fromhex(command)


def test_the_ascii_output_is_listen_only() -> None:
    protocol = NoninProtocol(DEVICE, {"format": "ascii", "averaging": "display"})
    assert protocol.connect(NOW) == b""
    assert protocol.tick(NOW + 10).observations == []


def test_ack_then_frames_is_acknowledged_and_the_packet_decodes() -> None:
    protocol = connected()
    found = feed(protocol, ACK + packet("7") + confirm())
    assert found[0] == ACKNOWLEDGED
    assert protocol.reply == 0x06
    assert errors(found) == []
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


REFUSED = ProtocolError(
    DEVICE, "refused", "the oximeter refused data format #7 (NAK); choose a format this "
                       "model supports (2, 7 or 8) in the device settings", NOW + 5.1)


def test_a_nak_between_frames_is_one_error_saying_the_oximeter_refused_the_format() -> None:
    protocol = connected()
    found = feed(protocol, packet("7") + NAK + packet("7"))
    assert errors(found) == [ProtocolError(DEVICE, "refused", REFUSED.detail, NOW)]
    assert protocol.reply == 0x15
    assert errors(protocol.tick(NOW + 6).observations) == []


def test_a_nak_before_the_stream_locks_is_reported_when_no_ack_follows() -> None:
    # It could be the checksum ending a frame the console joined halfway, so the
    # refusal waits for the end of the oximeter's five-second answer window.
    protocol = connected()
    found = feed(protocol, NAK + packet("7") + confirm())
    assert errors(found) == []
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]
    assert protocol.tick(NOW + 4.9).observations == []
    assert errors(protocol.tick(NOW + 5.1).observations) == [REFUSED]
    assert protocol.reply == 0x15


def test_a_nak_valued_checksum_of_a_half_frame_is_overruled_by_the_ack_after_it() -> None:
    # 80 00 95 00 15: a frame whose checksum is 0x15; the console joined after its
    # status byte. The oximeter's real answer, an ACK, comes between later frames.
    half_frame = bytes.fromhex("00 95 00 15")
    protocol = connected()
    found = feed(protocol, half_frame + packet("7") + ACK + packet("7"))
    assert ACKNOWLEDGED in found
    assert protocol.reply == 0x06
    assert errors(found) == []
    assert errors(protocol.tick(NOW + 6).observations) == []


def test_an_ack_with_nothing_after_it_is_taken_once_the_line_settles() -> None:
    protocol = connected("8")
    assert feed(protocol, ACK) == []
    assert protocol.tick(NOW + 0.1).observations == []
    assert protocol.tick(NOW + 0.5).observations == [
        Identity(DEVICE, NOW + 0.5, model="Nonin pulse oximeter",
                 details={"data_format": "#8", "format_select": "acknowledged"})]


def test_a_nak_byte_by_itself_is_taken_once_the_line_settles() -> None:
    protocol = connected()
    assert feed(protocol, NAK) == []
    assert [e.error for e in errors(protocol.tick(NOW + 0.5).observations)] == ["refused"]


def test_an_ack_between_frames_of_a_running_stream_is_recognised() -> None:
    protocol = connected()
    data = packet("7") + ACK + packet("7") + confirm()
    found = feed(protocol, *(data[i:i + 7] for i in range(0, len(data), 7)))
    assert ACKNOWLEDGED in found
    assert errors(found) == []
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)] * 2


def test_a_nak_valued_byte_inside_junk_is_not_taken_for_a_refusal() -> None:
    protocol = connected()
    junk = bytes([0x15, 0x00, 0x01])  # the tail of a frame, with a pleth byte of 0x15
    found = feed(protocol, junk + packet("7") + confirm())
    assert errors(found) == []
    assert protocol.reply is None
    assert numerics(found) == [(SPO2_METRIC, 97.0), (PULSE_METRIC, 72.0)]


def test_no_answer_and_no_data_for_five_seconds_is_one_no_reply_error() -> None:
    protocol = connected()
    assert protocol.tick(NOW + 4.9).observations == []
    found = protocol.tick(NOW + 5.1).observations
    assert [e.error for e in errors(found)] == ["no-reply"]
    assert "did not answer" in errors(found)[0].detail
    assert protocol.tick(NOW + 9).observations == []


def test_no_answer_is_not_an_error_while_frames_arrive() -> None:
    protocol = connected("8")
    feed(protocol, format8() * 5)
    assert errors(protocol.tick(NOW + 6).observations) == []


def test_an_ack_byte_in_a_capture_decoded_without_connecting_is_not_a_reply() -> None:
    protocol = NoninProtocol(DEVICE, {"format": "7", "averaging": "display"})
    found = feed(protocol, packet("7") + ACK + packet("7"))
    assert not any(isinstance(o, Identity) and "format_select" in o.details for o in found)
    assert protocol.reply is None
