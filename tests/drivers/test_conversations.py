"""Each built-in driver's conversation with its device, byte for byte and in time, run by
the SDK's ``expected_protocol`` (the NE-1000 tests use it for all their scripts)."""

from __future__ import annotations

import pytest

from drivers.alaris_asena.protocol import AlarisAsenaProtocol
from drivers.bbraun_bcc.framing import encode_frame
from drivers.bbraun_bcc.protocol import BBraunBccProtocol
from drivers.masimo_ascii.protocol import MasimoAsciiProtocol
from drivers.ne1000 import INFO as NE1000
from drivers.ne1000.protocol import Ne1000Protocol
from drivers.nonin.protocol import NoninProtocol
from ketaconsole.observations import Numeric, PumpStatus
from ketaconsole.sdk import Connection, ConnectionState
from ketaconsole.sdk.connection import IllegalMove
from ketaconsole.sdk.testing import ConversationError, expected_protocol
from tests.drivers.bbraun_capture import ALIVE, PART1, PART2, PART3_AS_PUBLISHED
from tests.drivers.nonin_bytes import confirm, packet

T0 = 1_000.0
ALARIS_REMOTE = {"remote_control": True}


def test_alaris_handshake_keep_alive_first_poll_and_a_retry_in_time() -> None:
    seen = expected_protocol(AlarisAsenaProtocol("pump", ALARIS_REMOTE), [
        (b"!INST_SERIALNO|457D\r", b"!INST_SERIALNO^8002-51733|ACFF\r", T0),
        (b"!REMOTE_CTRL^ENABLED^9535|FB2F\r", b"!REMOTE_CTRL^ENABLED^****^PERMIT^0^ms|7BB0\r"),
        (b"!COMMS_PROTOCOL|E8DA\r", b"!COMMS_PROTOCOL^Asena Rev 2.1.5|661A\r"),
        (b"!COMMS_RESPONSE_MAX|7E29\r", b"!COMMS_RESPONSE_MAX^4000^ms|DFDF\r"),
        (b"!SYRINGE_STATUS|4102\r", b""),
        (b"", b"", T0 + 0.4),  # no answer yet, and not yet time to ask again
        (b"!SYRINGE_STATUS|4102\r", b"", T0 + 0.6),  # 0.5 s without a reply: asked again
    ])
    assert seen and not [o for o in seen if isinstance(o, PumpStatus)]


def test_bbraun_greeting_version_poll_and_acknowledged_answer() -> None:
    answer = PART1 + encode_frame("ComSystem", PART2[21:-7], last=True)
    seen = expected_protocol(BBraunBccProtocol("station", {}), [
        (ALIVE, encode_frame("ComSystem", b"0,50100,GNACK,0"), T0),
        (b"\x06" + encode_frame("ComSystem", b"ADMIN:VERSION"), b""),
        (encode_frame("ComSystem", b"MEM:GET"), answer, T0 + 0.1),
        (b"\x06\x06", b""),  # each frame of the answer acknowledged
        (b"", b"", T0 + 5.0),  # the next poll is due once the poll time has passed
        (encode_frame("ComSystem", b"MEM:GET"), b"", T0 + 5.1),
    ])
    assert {o.device_id for o in seen if isinstance(o, PumpStatus)} == {
        "station/1-1", "station/1-3"}


def test_bbraun_answer_with_a_broken_last_frame_gives_its_pumps_at_once_and_polls_on() -> None:
    seen = expected_protocol(BBraunBccProtocol("station", {}), [
        (ALIVE, encode_frame("ComSystem", b"0,50100,GNACK,0"), T0),
        (b"\x06" + encode_frame("ComSystem", b"ADMIN:VERSION"), b""),
        (encode_frame("ComSystem", b"MEM:GET"), PART1 + PART2 + PART3_AS_PUBLISHED, T0 + 0.1),
        (b"\x06\x06", b""),  # the two whole frames acknowledged, the broken one not
        (encode_frame("ComSystem", b"MEM:GET"), b"", T0 + 5.1),  # no "no answer": polled on
    ])
    pumps = [o for o in seen if isinstance(o, PumpStatus)]
    assert {o.device_id for o in pumps} == {"station/1-1", "station/1-3"}
    assert all(o.received_at == T0 + 0.1 for o in pumps)  # at once, not at the next poll
    assert [o.error for o in seen if hasattr(o, "error")] == ["framing"]


def test_nonin_format_select_then_a_streamed_packet() -> None:
    seen = expected_protocol(NoninProtocol("ox", {"format": "7", "averaging": "display"}), [
        (bytes.fromhex("02 70 02 02 07 03"), b"\x06" + packet("7") + confirm(), T0),
    ])
    assert [(o.metric, o.value) for o in seen if isinstance(o, Numeric)] == [
        ("MDC_PULS_OXIM_SAT_O2", 97.0), ("MDC_PULS_OXIM_PULS_RATE", 72.0)]


def test_masimo_is_listen_only() -> None:
    line = (b"05/12/13 14:51:32 SN=0000071453 SPO2=098% BPM=064 PI=03.60% DESAT=-- "
            b"PIDELTA=+-- ALARM=0000 EXC=000000\r\n")
    seen = expected_protocol(MasimoAsciiProtocol("ox", {}), [(b"", line, T0),
                                                            (b"", line, T0 + 1.0)])
    assert sum(isinstance(o, Numeric) for o in seen) == 10


def test_a_byte_the_conversation_does_not_expect_fails_it() -> None:
    with pytest.raises(ConversationError, match="expects"):
        expected_protocol(AlarisAsenaProtocol("pump", {}), [(b"!COMMS_PROTOCOL|E8DA\r", b"")])


def test_bytes_left_unconsumed_after_the_last_step_fail_it() -> None:
    with pytest.raises(ConversationError, match="after the last step"):
        expected_protocol(AlarisAsenaProtocol("pump", {}), [
            (b"!INST_SERIALNO|457D\r", b"!INST_SERIALNO^8002-51733|ACFF\r", T0)])


# -- the connection state of each polled driver -------------------------------------------

def test_the_alaris_connection_greets_polls_and_recovers_when_the_pump_goes_quiet() -> None:
    protocol = AlarisAsenaProtocol("pump", {})
    assert protocol.connection.state is ConnectionState.LISTENING
    protocol.connect(T0)
    assert protocol.connection.state is ConnectionState.GREETING
    for reply in (b"!INST_SERIALNO^8002-51733|ACFF\r", b"!COMMS_PROTOCOL^Asena Rev 2.1.5|661A\r",
                  b"!COMMS_RESPONSE_MAX^4000^ms|DFDF\r"):
        protocol.feed(reply, T0)
    assert protocol.connection.state is ConnectionState.POLLING
    for step in range(1, 9):
        protocol.tick(T0 + step)
    assert protocol.connection.state in (ConnectionState.RECOVERING, ConnectionState.GREETING)


def test_the_bbraun_connection_greets_polls_and_recovers_after_a_missed_poll() -> None:
    protocol = BBraunBccProtocol("station", {})
    assert protocol.connection.state is ConnectionState.LISTENING
    protocol.connect(T0)
    assert protocol.connection.state is ConnectionState.GREETING
    protocol.feed(encode_frame("ComSystem", b"0,50100,GNACK,0"), T0)
    assert protocol.connection.state is ConnectionState.POLLING
    protocol.tick(T0)  # MEM:GET
    protocol.tick(T0 + 5.0)  # no answer within the poll time
    assert protocol.connection.state is ConnectionState.RECOVERING
    protocol.feed(PART1 + encode_frame("ComSystem", PART2[21:-7], last=True), T0 + 5.5)
    assert protocol.connection.state is ConnectionState.POLLING


def test_the_ne1000_connection_greets_polls_and_recovers_after_a_timeout() -> None:
    protocol = Ne1000Protocol("pump", NE1000.resolve_settings({"mode": "basic"}))
    assert protocol.connection.state is ConnectionState.LISTENING
    assert protocol.tick(T0).send == b""  # a capture being decoded asks nothing
    assert protocol.connect(T0) == b"0VER\r"
    assert protocol.connection.state is ConnectionState.GREETING
    protocol.feed(b"\x0200INE1000V3.928\x03", T0)
    assert protocol.connection.state is ConnectionState.POLLING
    protocol.tick(T0 + 5.0)
    assert protocol.connection.state is ConnectionState.RECOVERING


def test_a_move_the_table_does_not_allow_is_a_driver_bug() -> None:
    connection = Connection()
    with pytest.raises(IllegalMove):
        connection.move(ConnectionState.POLLING)  # a capture being decoded never polls
