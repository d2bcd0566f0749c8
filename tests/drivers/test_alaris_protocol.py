"""The Alaris (Asena) driver, sans I/O: the exact bytes it sends and what it makes of replies.

Replies are the frames the public sources logged from real GH pumps; time is a fake
clock passed in by the test, so keep-alive, retry and poll timing are exact.
"""

from __future__ import annotations

from itertools import pairwise

from drivers.alaris_asena import DRIVER
from drivers.alaris_asena.framing import encode_frame
from drivers.alaris_asena.protocol import AlarisAsenaProtocol
from drivers.alaris_asena.simulator import AlarisAsenaSimulator
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.sim.virtual_patient import VirtualPatient

T0 = 1_000.0
REMOTE: dict[str, object] = {"remote_control": True}
"""The technician's setting that lets the console hold remote control (off by default)."""
SERIAL_REPLY = b"!INST_SERIALNO^8002-51733|ACFF\r"
REVISION_REPLY = b"!COMMS_PROTOCOL^Asena Rev 2.1.5|661A\r"
RESPONSE_MAX_REPLY = b"!COMMS_RESPONSE_MAX^4000^ms|DFDF\r"
REMOTE_REPLY = b"!REMOTE_CTRL^ENABLED^****^PERMIT^0^ms|7BB0\r"
NO_ALARM_REPLY = b"!ALARM^AL_NOALM^ ^ |C73B\r"
VTBI_REPLY = b"!INF_VTBI^ACTIV^11.000^ml^STOP|4433\r"
REAL_ALARM_INF = (b"!INF^8002-51733^A^HLD^0.00^ml/h^^0.969^ml^530.15^mmHg^00:04:09^EVENT"
                  b"^214725|DB9D\r")


def handshake(protocol: AlarisAsenaProtocol) -> list[tuple[bytes, list[Observation]]]:
    """Run the handshake with real pump replies; return (sent, observations) per step."""
    steps = [(protocol.connect(T0), [])]
    for reply in (SERIAL_REPLY, REMOTE_REPLY, REVISION_REPLY, RESPONSE_MAX_REPLY):
        out = protocol.feed(reply, T0)
        steps.append((out.send, out.observations))
    return steps


def test_handshake_sends_each_request_byte_exact_and_enables_remote_control() -> None:
    steps = handshake(AlarisAsenaProtocol("pump", REMOTE))
    sent = [s for s, _ in steps]
    assert sent == [
        b"!INST_SERIALNO|457D\r",
        b"!REMOTE_CTRL^ENABLED^9535|FB2F\r",  # the keep-alive goes first once the serial is known
        b"!COMMS_PROTOCOL|E8DA\r",
        b"!COMMS_RESPONSE_MAX|7E29\r",
        b"!SYRINGE_STATUS|4102\r",  # then the first poll
    ]


def test_identity_carries_serial_and_protocol_revision() -> None:
    steps = handshake(AlarisAsenaProtocol("pump", REMOTE))
    identities = [o for _, obs in steps for o in obs if isinstance(o, Identity)]
    assert identities[-1].serial == "8002-51733"
    assert identities[-1].firmware == "Asena Rev 2.1.5"
    assert not [o for _, obs in steps for o in obs if isinstance(o, ProtocolError)]


def poll_replies(protocol: AlarisAsenaProtocol, inf_reply: bytes) -> list[Observation]:
    """Answer one poll cycle (syringe, alarm, VTBI, INF) and return what came of it."""
    found: list[Observation] = []
    for reply in (b"!SYRINGE_STATUS^BD PLASTIPAK^ 50^CONF|1CF8\r", NO_ALARM_REPLY,
                  VTBI_REPLY, inf_reply):
        found.extend(protocol.feed(reply, T0).observations)
    return found


def test_the_poll_cycle_is_alarm_vtbi_then_inf_byte_exact() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    sent = [protocol.feed(reply, T0).send for reply in (
        b"!SYRINGE_STATUS^BD PLASTIPAK^ 50^CONF|1CF8\r", NO_ALARM_REPLY, VTBI_REPLY)]
    assert sent == [b"!ALARM|50B2\r", b"!INF_VTBI|8456\r", b"!INF|4961\r"]


def test_the_real_capture_is_a_pump_on_hold_not_in_alarm_as_its_alarm_reply_says() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    found = poll_replies(protocol, REAL_ALARM_INF)
    statuses = [o for o in found if isinstance(o, PumpStatus)]
    assert len(statuses) == 1
    status = statuses[0]
    # INF's status flag is "A", but the pump's own ALARM reply is AL_NOALM and the mode is
    # HLD: the pump is on hold, with no alarm (the flag's meaning is not published)
    assert status.state is PumpState.PAUSED
    assert status.alarms == ()
    assert not [o for o in found if isinstance(o, DeviceAlarm)]
    assert status.rate_ml_h == 0.0
    assert status.volume_infused_ml == 0.969
    assert status.vtbi_ml == 11.0
    assert status.pressure == 530.15 and status.pressure_unit == "mm[Hg]"
    assert status.syringe == "BD PLASTIPAK 50 mL"
    assert status.drug is None  # the pump sent an empty drug field
    assert not [o for o in found if isinstance(o, ProtocolError)]


def test_an_inf_reply_with_a_bad_checksum_yields_no_value_and_one_error() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    found = poll_replies(protocol, REAL_ALARM_INF.replace(b"0.969", b"9.969"))
    assert not [o for o in found if isinstance(o, PumpStatus)]
    errors = [o for o in found if isinstance(o, ProtocolError)]
    assert [e.error for e in errors] == ["checksum"]


def test_split_reads_with_junk_give_the_same_pump_status() -> None:
    whole = AlarisAsenaProtocol("pump", REMOTE)
    handshake(whole)
    expected = [o for o in poll_replies(whole, REAL_ALARM_INF) if isinstance(o, PumpStatus)]
    split = AlarisAsenaProtocol("pump", REMOTE)
    handshake(split)
    stream = (b"\x00\xfe" + b"!SYRINGE_STATUS^BD PLASTIPAK^ 50^CONF|1CF8\r" + NO_ALARM_REPLY
              + b"\n" + VTBI_REPLY + REAL_ALARM_INF)
    found: list[Observation] = []
    for i in range(len(stream)):
        found.extend(split.feed(stream[i:i + 1], T0).observations)
    assert [o for o in found if isinstance(o, PumpStatus)] == expected
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["sync"]


def test_a_pump_alarm_is_raised_once_and_cleared_once() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    occlusion = encode_frame(("ALARM", "AL_OCCLU", "OCCLUSION", ""))
    raised = [o for o in protocol.feed(occlusion, T0).observations if isinstance(o, DeviceAlarm)]
    again = [o for o in protocol.feed(occlusion, T0).observations if isinstance(o, DeviceAlarm)]
    cleared = [o for o in protocol.feed(NO_ALARM_REPLY, T0).observations
               if isinstance(o, DeviceAlarm)]
    assert [(a.code, a.active) for a in raised] == [("AL_OCCLU", True)]
    assert "OCCLUSION" in raised[0].text
    assert again == []
    assert [(a.code, a.active) for a in cleared] == [("AL_OCCLU", False)]


def test_the_pump_is_in_alarm_when_its_alarm_reply_names_one_whatever_the_inf_flag() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    protocol.feed(encode_frame(("ALARM", "AL_OCCLU", "OCCLUSION", "")), T0)
    plain = REAL_ALARM_INF.split(b"|")[0][1:].decode().split("^")
    plain[2] = "-"
    status = [o for o in protocol.feed(encode_frame(tuple(plain)), T0).observations
              if isinstance(o, PumpStatus)]
    assert [(s.state, s.alarms) for s in status] == [(PumpState.ALARM, ("AL_OCCLU",))]


def test_out_of_range_rate_is_no_value_not_a_number() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    inf = encode_frame(("INF", "8002-51733", "-", "SET", "99999.00", "ml/h", "", "1.000", "ml",
                        "10.00", "mmHg", "24+", "EVENT", "1"))
    found = protocol.feed(inf, T0).observations
    status = next(o for o in found if isinstance(o, PumpStatus))
    assert status.rate_ml_h is None and status.volume_infused_ml == 1.0
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["value"]


def test_an_unanswered_request_is_retried_with_back_off_then_reported() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    first = protocol.connect(T0)
    assert protocol.tick(T0 + 0.4).send == b""
    assert protocol.tick(T0 + 0.5).send == first  # after 0.5 s
    assert protocol.tick(T0 + 1.4).send == b""
    assert protocol.tick(T0 + 1.5).send == first  # after 1.0 s more
    out = protocol.tick(T0 + 3.5)  # after 2.0 s more: given up
    assert [o.error for o in out.observations if isinstance(o, ProtocolError)] == ["timeout"]
    assert out.send == b"!COMMS_PROTOCOL|E8DA\r"


def test_three_unanswered_requests_start_the_handshake_over() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    sent = [protocol.connect(T0)]
    now = T0
    for _ in range(80):
        now += 0.25
        data = protocol.tick(now).send
        if data:
            sent.append(data)
    serial, revision = b"!INST_SERIALNO|457D\r", b"!COMMS_PROTOCOL|E8DA\r"
    response_max = b"!COMMS_RESPONSE_MAX|7E29\r"
    assert sent[:10] == [serial] * 3 + [revision] * 3 + [response_max] * 3 + [serial]


def test_closing_disables_remote_control() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    assert protocol.disconnect(T0) == b"!REMOTE_CTRL^DISABLED|EF95\r"


def test_remote_control_is_off_unless_the_technician_enables_it() -> None:
    defaults = DRIVER.info.resolve_settings({})
    assert defaults["remote_control"] is False
    protocol = AlarisAsenaProtocol("pump", defaults)
    sent = [protocol.connect(T0)]
    for reply in (SERIAL_REPLY, REVISION_REPLY, RESPONSE_MAX_REPLY):
        sent.append(protocol.feed(reply, T0).send)
    assert sent == [b"!INST_SERIALNO|457D\r", b"!COMMS_PROTOCOL|E8DA\r",
                    b"!COMMS_RESPONSE_MAX|7E29\r", b"!SYRINGE_STATUS|4102\r"]
    assert protocol.disconnect(T0) == b""


def test_read_only_setting_never_enables_remote_control() -> None:
    protocol = AlarisAsenaProtocol("pump", {"remote_control": False})
    sent = [s for s, _ in handshake(protocol)]
    assert not any(b"REMOTE_CTRL" in s for s in sent)
    assert protocol.disconnect(T0) == b""


class Bench:
    """Console and simulated pump wired together in memory, on a fake clock."""

    def __init__(self, settings: dict[str, object] | None = None, speed: float = 1.0) -> None:
        self.now = T0
        self.patient = VirtualPatient(start=T0, speed=speed)
        self.pump = AlarisAsenaSimulator(self.patient, {})
        self.console = AlarisAsenaProtocol("pump", {**REMOTE, **(settings or {})})
        self.observations: list[Observation] = []
        self.sent: list[tuple[float, bytes]] = []
        self._to_pump(self.console.connect(self.now))

    def _to_pump(self, data: bytes) -> None:
        while data:
            self.sent.append((self.now, data))
            reply = self.pump.feed(data, self.now)
            out = self.console.feed(reply, self.now)
            self.observations.extend(out.observations)
            data = out.send

    def run(self, seconds: float, step: float = 0.1, *, console_alive: bool = True) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now += step
            self.pump.tick(self.now)
            if console_alive:
                out = self.console.tick(self.now)
                self.observations.extend(out.observations)
                self._to_pump(out.send)


def test_keep_alive_is_sent_again_before_it_expires() -> None:
    bench = Bench()
    bench.run(60.0)
    keepalives = [t for t, data in bench.sent if data.startswith(b"!REMOTE_CTRL^ENABLED^")]
    assert len(keepalives) >= 25
    gaps = [b - a for a, b in pairwise(keepalives)]
    assert max(gaps) < 4.0  # the pump's COMMS_RESPONSE_MAX
    assert max(gaps) <= bench.console.keepalive_interval_s + 0.11
    assert bench.pump.communication_timeouts == 0
    assert bench.pump.remote_enabled


def test_the_simulated_pump_does_time_out_when_the_keep_alive_stops() -> None:
    bench = Bench()
    bench.run(3.0)
    bench.run(5.0, console_alive=False)
    assert bench.pump.communication_timeouts == 1
    assert not bench.pump.remote_enabled


def test_keep_alive_follows_a_shorter_remote_time_out_setting() -> None:
    bench = Bench({"remote_timeout_s": 1.0})
    bench.run(10.0, step=0.05)
    keepalives = [t for t, data in bench.sent if data.startswith(b"!REMOTE_CTRL^ENABLED^")]
    gaps = [b - a for a, b in pairwise(keepalives)]
    assert max(gaps) < 1.0


def test_pump_counter_reset_never_takes_the_ledger_total_backwards() -> None:
    bench = Bench(speed=60.0)  # one scenario minute per second
    engine = Engine(clock=lambda: bench.now)
    bench.run(20.0)  # 19 minutes into the infusion
    engine.ingest(bench.observations)
    bench.observations.clear()
    ledger = engine.pump("pump")
    assert ledger is not None
    before = ledger.delivered_ml
    assert 15.0 < before < 18.0
    bench.pump.clear_volume(bench.now)  # new syringe: the pump counts from zero again
    totals = [before]
    for _ in range(10):
        bench.run(1.0)
        engine.ingest(bench.observations)
        bench.observations.clear()
        totals.append(ledger.delivered_ml)
    assert all(b >= a for a, b in pairwise(totals))
    assert ledger.counter_restarts == 1
    assert totals[-1] > before + 7.0  # the infusion went on after the reset
    # what the patient received, less at most one poll's worth (52.5 mL/h for one scenario
    # minute) delivered between the last reading before the reset and the reset itself
    assert abs(totals[-1] - bench.patient.infusion(bench.now).volume_infused_ml) < 1.0


def test_driver_decodes_its_simulator_with_no_errors_through_a_whole_infusion() -> None:
    bench = Bench(speed=60.0)
    bench.run(60.0)
    errors = [o for o in bench.observations if isinstance(o, ProtocolError)]
    assert errors == []
    statuses = [o for o in bench.observations if isinstance(o, PumpStatus)]
    assert {s.state for s in statuses} >= {PumpState.INFUSING, PumpState.ALARM}
    running = [s for s in statuses if s.state is PumpState.INFUSING]
    assert all(s.rate_ml_h == 52.5 and s.drug == "Ketamine" and s.vtbi_ml == 35.0
               for s in running)
    alarms = [o for o in bench.observations if isinstance(o, DeviceAlarm)]
    assert [(a.code, a.active) for a in alarms] == [("AL_EOIST", True)]  # end of infusion


def test_a_different_pump_on_the_line_restarts_the_handshake() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)
    other = encode_frame(("INF", "8002-51740", "-", "SET", "5.00", "ml/h", "", "1.000", "ml",
                          "10.00", "mmHg", "24+", "EVENT", "1"))
    out = protocol.feed(other, T0)
    assert not [o for o in out.observations if isinstance(o, PumpStatus)]
    assert [o.error for o in out.observations if isinstance(o, ProtocolError)] == ["identity"]
    assert out.send == b"!INST_SERIALNO|457D\r"
    out = protocol.feed(b"!INST_SERIALNO^8002-51740|050B\r", T0)
    assert out.send == b"!REMOTE_CTRL^ENABLED^3CC1|B1F1\r"  # the new pump's security code
    assert [o.serial for o in out.observations if isinstance(o, Identity)] == ["8002-51740"]


def test_a_due_keep_alive_overtakes_an_unanswered_request() -> None:
    protocol = AlarisAsenaProtocol("pump", REMOTE)
    handshake(protocol)  # keep-alive sent at T0, due again at T0 + 2 s
    for reply in (b"!SYRINGE_STATUS^BD PLASTIPAK^ 50^CONF|1CF8\r", NO_ALARM_REPLY):
        protocol.feed(reply, T0)
    assert protocol.feed(VTBI_REPLY, T0).send == b"!INF|4961\r"  # the pump never answers it
    assert protocol.tick(T0 + 0.5).send == b"!INF|4961\r"
    assert protocol.tick(T0 + 1.5).send == b"!INF|4961\r"
    assert protocol.tick(T0 + 2.0).send == b"!REMOTE_CTRL^ENABLED^9535|FB2F\r"
    assert protocol.feed(REMOTE_REPLY, T0 + 2.0).send == b"!INF|4961\r"  # then asked again
