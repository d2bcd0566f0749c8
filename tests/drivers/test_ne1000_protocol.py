"""NE-1000 console side: exact bytes asked, replies read, alarms, errors, time-outs, control.

Each conversation is a list of (bytes the console must send, bytes the pump answers),
run by the SDK's ``expected_protocol`` (in the manner of PyMeasure's): a test fails if
the console sends anything else, or anything more once the list is used up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from drivers.ne1000 import INFO
from drivers.ne1000.commands import ControlDisabledError, ControlValueError
from drivers.ne1000.framing import basic_reply, safe_packet
from drivers.ne1000.protocol import REPLY_TIMEOUT_S, Ne1000Protocol
from ketaconsole.observations import (
    DeviceAlarm,
    DeviceCommand,
    Identity,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.sdk.testing import expected_protocol

NOW = 1000.0


def make(**given: str) -> Ne1000Protocol:
    return Ne1000Protocol("pump", INFO.resolve_settings({"mode": "basic", **given}))


def run_script(protocol: Ne1000Protocol, pairs: Sequence[tuple[bytes, bytes]],
               now: float = NOW) -> list[Observation]:
    """Connect, then answer each expected question; nothing else may be sent (the SDK's
    conversation helper, every step at ``now``)."""
    return expected_protocol(protocol, [(asked, answer, now) for asked, answer in pairs])


def cycle(replies: Mapping[str, str], *, status: str = "I", version: bool = True,
          safe: bool = False) -> list[tuple[bytes, bytes]]:
    """One poll cycle's questions and the pump's answers (data per question)."""
    names = (["VER"] if version else []) + ["RAT", "DIS", "VOL", "DIA", "DIR"]
    ask = (lambda t: safe_packet(t)) if safe else (lambda t: t.encode() + b"\r")
    answer = safe_packet if safe else basic_reply
    return [(ask(f"0{name}"), answer(f"00{status}{replies[name]}")) for name in names]


TYPICAL = {"VER": "NE1000V3.928", "RAT": "52.50MH", "DIS": "I4.375W0.000ML",
           "VOL": "35.00ML", "DIA": "26.59", "DIR": "INF"}


def only(kind: type, seen: Sequence[Observation]) -> list[Any]:
    return [o for o in seen if isinstance(o, kind)]


# -- the poll cycle, byte for byte ------------------------------------------------------

def test_first_cycle_asks_version_then_rate_volume_target_diameter_direction() -> None:
    seen = run_script(make(), cycle(TYPICAL))
    assert only(ProtocolError, seen) == []
    (identity,) = only(Identity, seen)
    assert (identity.model, identity.firmware) == ("NE-1000", "3.928")
    (status,) = only(PumpStatus, seen)
    assert status.state is PumpState.INFUSING
    assert status.rate_ml_h == pytest.approx(52.5)
    assert status.volume_infused_ml == pytest.approx(4.375)
    assert status.vtbi_ml == pytest.approx(35.0)
    assert status.syringe == "26.59 mm syringe"
    assert status.alarms == ()


def test_safe_mode_cycle_is_framed_with_length_and_crc() -> None:
    protocol = make(mode="safe")
    # length 8 = itself + "0VER" + 2 CRC bytes + ETX; CRC from binascii.crc_hqx(b"0VER", 0)
    assert protocol.connect(NOW) == b"\x02\x080VER\x48\x09\x03"
    seen = run_script(make(mode="safe"), cycle(TYPICAL, safe=True))
    assert only(ProtocolError, seen) == []
    assert only(PumpStatus, seen)[0].rate_ml_h == pytest.approx(52.5)


def test_version_is_asked_once_per_connection() -> None:
    protocol = make()
    run_script(protocol, cycle(TYPICAL))
    assert protocol.tick(NOW + 0.5).send == b""
    assert protocol.tick(NOW + 1.01).send == b"0RAT\r"


def test_the_address_setting_goes_in_front_of_every_command() -> None:
    protocol = make(address="7")
    assert protocol.connect(NOW) == b"7VER\r"
    out = protocol.feed(b"\x0207SNE1000V3.928\x03", NOW)
    assert out.send == b"7RAT\r"


@pytest.mark.parametrize(("data", "ml_h"), [
    ("52.50MH", 52.5), ("875.0UM", 52.5), ("0.875MM", 52.5), ("5250UH", 5.25),
])
def test_rate_units_are_converted_once_to_ml_per_hour(data: str, ml_h: float) -> None:
    seen = run_script(make(), cycle({**TYPICAL, "RAT": data}))
    assert only(PumpStatus, seen)[0].rate_ml_h == pytest.approx(ml_h)


@pytest.mark.parametrize(("data", "ml"), [("I4.375W0.000ML", 4.375),
                                          ("I4375W0.000UL", 4.375), ("I.500W1.0UL", 0.0005)])
def test_dispensed_volume_units_are_converted_to_ml(data: str, ml: float) -> None:
    seen = run_script(make(), cycle({**TYPICAL, "DIS": data}))
    assert only(PumpStatus, seen)[0].volume_infused_ml == pytest.approx(ml)


@pytest.mark.parametrize(("letter", "state", "rate"), [
    ("S", PumpState.STOPPED, 0.0), ("P", PumpState.PAUSED, 0.0),
    ("T", PumpState.PAUSED, 0.0), ("U", PumpState.PAUSED, 0.0),
    ("W", None, None), ("X", PumpState.INFUSING, None),
])
def test_status_letter_gives_state_and_the_flow_it_implies(
        letter: str, state: PumpState | None, rate: float | None) -> None:
    seen = run_script(make(), cycle(TYPICAL, status=letter))
    status = only(PumpStatus, seen)[0]
    assert status.state is state
    assert status.rate_ml_h == rate
    assert status.volume_infused_ml == pytest.approx(4.375)


def test_zero_volume_target_means_no_target() -> None:
    seen = run_script(make(), cycle({**TYPICAL, "VOL": "0.000ML"}))
    assert only(PumpStatus, seen)[0].vtbi_ml is None


def test_withdraw_direction_raises_a_technical_alarm_and_clears_it() -> None:
    protocol = make()
    seen = run_script(protocol, cycle({**TYPICAL, "DIR": "WDR"}))
    (alarm,) = only(DeviceAlarm, seen)
    assert (alarm.code, alarm.active) == ("withdraw-direction", True)
    assert only(PumpStatus, seen)[0].alarms == ("withdraw-direction",)
    later = []
    sent = protocol.tick(NOW + 1.5).send
    for asked, answer in cycle({**TYPICAL, "DIR": "INF"}, version=False):
        assert sent == asked
        out = protocol.feed(answer, NOW + 1.5)
        later.extend(out.observations)
        sent = out.send
    (cleared,) = only(DeviceAlarm, later)
    assert (cleared.code, cleared.active) == ("withdraw-direction", False)


# -- alarms ---------------------------------------------------------------------------

@pytest.mark.parametrize(("letter", "code"), [
    ("R", "pump-reset"), ("S", "motor-stalled"), ("T", "safe-mode-timeout"),
    ("E", "program-error"), ("O", "phase-out-of-range"),
])
def test_alarm_reply_raises_the_alarm_and_the_question_is_asked_again(
        letter: str, code: str) -> None:
    pairs = [(b"0VER\r", f"\x0200A?{letter}\x03".encode()), *cycle(TYPICAL, status="S")]
    seen = run_script(make(), pairs)
    alarms = only(DeviceAlarm, seen)
    assert [(a.code, a.active) for a in alarms] == [(code, True), (code, False)]
    assert only(ProtocolError, seen) == []
    assert only(PumpStatus, seen)[0].state is PumpState.STOPPED


def test_after_a_reset_alarm_the_pump_is_asked_who_it_is_again() -> None:
    protocol = make()
    run_script(protocol, cycle(TYPICAL))
    assert protocol.tick(NOW + 1.01).send == b"0RAT\r"
    out = protocol.feed(b"\x0200A?R\x03", NOW + 1.02)  # power came back: maybe a new pump
    assert out.send == b"0RAT\r"
    for asked, answer in cycle(TYPICAL, version=False)[:]:
        assert out.send == asked
        out = protocol.feed(answer, NOW + 1.03)
    assert protocol.tick(NOW + 2.1).send == b"0VER\r"


def test_pump_still_in_alarm_reports_alarm_state_and_no_flow() -> None:
    protocol = make()
    sent = protocol.connect(NOW)
    seen: list[Observation] = []
    for _ in range(3):  # asked three times, answered with the alarm each time
        assert sent == b"0VER\r"
        out = protocol.feed(b"\x0200A?S\x03", NOW)
        seen.extend(out.observations)
        sent = out.send
    assert sent == b"0RAT\r"  # the version is given up for this cycle
    assert [a.active for a in only(DeviceAlarm, seen)] == [True]


def test_safe_mode_automatic_alarm_packet_is_taken_with_nothing_asked() -> None:
    protocol = make(mode="safe")
    run_script(protocol, cycle(TYPICAL, safe=True))
    out = protocol.feed(safe_packet("00A?T"), NOW + 0.3)
    (alarm,) = only(DeviceAlarm, out.observations)
    assert (alarm.code, alarm.active) == ("safe-mode-timeout", True)
    assert only(ProtocolError, out.observations) == []


# -- faults never give values ------------------------------------------------------------

def test_bad_crc_gives_no_value_one_error_and_the_cycle_goes_on() -> None:
    pairs = cycle(TYPICAL, safe=True)
    asked, answer = pairs[1]  # the rate
    damaged = bytearray(answer)
    damaged[5] = ord("9")  # "52.50" -> "59.50", CRC unchanged
    pairs[1] = (asked, bytes(damaged))
    seen = run_script(make(mode="safe"), pairs)
    (error,) = only(ProtocolError, seen)
    assert error.error == "checksum"
    (status,) = only(PumpStatus, seen)
    assert status.rate_ml_h is None  # infusing, but the rate did not arrive intact
    assert status.volume_infused_ml == pytest.approx(4.375)


def test_junk_before_a_reply_is_one_sync_error_and_the_reply_is_used() -> None:
    pairs = cycle(TYPICAL)
    pairs[1] = (pairs[1][0], b"\xff\xfe" + pairs[1][1])
    seen = run_script(make(), pairs)
    assert [e.error for e in only(ProtocolError, seen)] == ["sync"]
    assert only(PumpStatus, seen)[0].rate_ml_h == pytest.approx(52.5)


def test_replies_split_into_single_bytes_decode_the_same() -> None:
    protocol = make()
    sent = protocol.connect(NOW)
    seen: list[Observation] = []
    for asked, answer in cycle(TYPICAL):
        assert sent == asked
        sent = b""
        for byte in answer:
            out = protocol.feed(bytes([byte]), NOW)
            seen.extend(out.observations)
            sent += out.send
    assert only(ProtocolError, seen) == []
    assert only(PumpStatus, seen)[0].volume_infused_ml == pytest.approx(4.375)


def test_a_reply_in_the_wrong_form_gives_no_value() -> None:
    pairs = cycle(TYPICAL)
    pairs[2] = (pairs[2][0], basic_reply("00I52.50MH"))  # a rate where DIS was asked
    seen = run_script(make(), pairs)
    (error,) = only(ProtocolError, seen)
    assert error.error == "value"
    assert only(PumpStatus, seen)[0].volume_infused_ml is None


def test_an_implausible_rate_is_no_value() -> None:
    seen = run_script(make(), cycle({**TYPICAL, "RAT": "9999MM"}))
    assert [e.error for e in only(ProtocolError, seen)] == ["value"]
    assert only(PumpStatus, seen)[0].rate_ml_h is None


def test_a_reply_from_another_address_is_not_used() -> None:
    protocol = make()
    protocol.connect(NOW)
    out = protocol.feed(b"\x0203SNE1000V3.928\x03", NOW)
    assert [e.error for e in only(ProtocolError, out.observations)] == ["address"]
    assert only(Identity, out.observations) == []


def test_unanswered_question_times_out_and_polling_backs_off() -> None:
    protocol = make()
    assert protocol.connect(NOW) == b"0VER\r"
    assert protocol.tick(NOW + REPLY_TIMEOUT_S / 2).send == b""
    out = protocol.tick(NOW + REPLY_TIMEOUT_S + 0.01)
    assert [e.error for e in only(ProtocolError, out.observations)] == ["timeout"]
    assert out.send == b""
    t = NOW + REPLY_TIMEOUT_S + 0.01
    assert protocol.tick(t + 0.9).send == b""
    assert protocol.tick(t + 1.01).send == b"0VER\r"
    out = protocol.tick(t + 1.01 + REPLY_TIMEOUT_S + 0.01)  # second time-out: wait 2 s
    t2 = t + 1.01 + REPLY_TIMEOUT_S + 0.01
    assert protocol.tick(t2 + 1.5).send == b""
    assert protocol.tick(t2 + 2.01).send == b"0VER\r"


def test_a_late_reply_after_a_time_out_is_not_used() -> None:
    protocol = make()
    protocol.connect(NOW)
    protocol.tick(NOW + REPLY_TIMEOUT_S + 0.01)
    out = protocol.feed(b"\x0200SNE1000V3.928\x03", NOW + 0.8)
    assert [e.error for e in only(ProtocolError, out.observations)] == ["unexpected"]
    assert only(Identity, out.observations) == []


def test_command_error_reply_is_reported() -> None:
    pairs = cycle(TYPICAL)
    pairs[3] = (pairs[3][0], basic_reply("00S?NA"))
    seen = run_script(make(), pairs)
    (error,) = only(ProtocolError, seen)
    assert error.error == "refused" and "not applicable" in error.detail


# -- decoding a capture (no questions known) -------------------------------------------

def test_a_capture_decodes_by_the_form_of_each_reply() -> None:
    protocol = make()
    out = protocol.feed(b"\x0200I52.50MH\x03\x0200II4.375W0.000ML\x03\x0200INE1000V3.928\x03",
                        NOW)
    statuses = only(PumpStatus, out.observations)
    assert statuses[0].rate_ml_h == pytest.approx(52.5)
    assert statuses[0].volume_infused_ml is None
    assert statuses[1].volume_infused_ml == pytest.approx(4.375)
    assert only(Identity, out.observations)[0].model == "NE-1000"
    assert only(ProtocolError, out.observations) == []


# -- control ----------------------------------------------------------------------------

def test_control_commands_are_refused_while_control_is_off() -> None:
    protocol = make()
    for command in (lambda: protocol.command_set_rate(52.5), protocol.command_run,
                    protocol.command_stop, lambda: protocol.command_set_vtbi(35),
                    lambda: protocol.command_set_diameter(26.59),
                    protocol.command_clear_infused):
        with pytest.raises(ControlDisabledError, match="control_enabled"):
            command()


def test_control_command_frames_byte_for_byte() -> None:
    protocol = make(control_enabled="true")
    assert protocol.command_set_rate(52.5) == b"0RAT52.50MH\r"
    assert protocol.command_set_rate(0.5) == b"0RAT0.500MH\r"
    assert protocol.command_set_rate(1200) == b"0RAT1200MH\r"
    assert protocol.command_set_rate(12000) == b"0RAT200.0MM\r"
    assert protocol.command_set_vtbi(35) == b"0VOLML\r0VOL35.00\r"
    assert protocol.command_set_diameter(26.59) == b"0DIA26.59\r"
    assert protocol.command_run() == b"0RUN\r"
    assert protocol.command_stop() == b"0STP\r"
    assert protocol.command_clear_infused() == b"0CLDINF\r"


def test_control_command_frames_in_safe_mode() -> None:
    protocol = make(control_enabled="true", mode="safe")
    assert protocol.command_run() == b"\x02\x080RUN\x44\x07\x03"  # crc_hqx(b"0RUN", 0)
    assert protocol.command_set_rate(52.5) == safe_packet("0RAT52.50MH")


@pytest.mark.parametrize("ml_h", [0.0, -1.0, float("nan"), 1e9])
def test_impossible_rates_are_refused_with_a_clear_sentence(ml_h: float) -> None:
    with pytest.raises(ControlValueError, match="mL/h"):
        make(control_enabled="true").command_set_rate(ml_h)


def test_bytes_sent_through_the_link_are_refused_while_control_is_off() -> None:
    protocol = make()
    out = protocol.outgoing(b"0RUN\r", NOW)
    assert out.send == b""
    (error,) = only(ProtocolError, out.observations)
    assert error.error == "control-disabled" and "control_enabled" in error.detail


def test_a_query_may_go_out_while_control_is_off_and_is_reported() -> None:
    out = make().outgoing(b"0RAT\r", NOW)
    assert out.send == b"0RAT\r"
    assert [c.command for c in only(DeviceCommand, out.observations)] == ["0RAT"]


def test_control_sent_when_enabled_is_reported_and_its_reply_expected() -> None:
    protocol = make(control_enabled="true")
    run_script(protocol, cycle(TYPICAL, status="S"))
    out = protocol.outgoing(protocol.command_set_vtbi(20), NOW + 0.2)
    assert out.send == b"0VOLML\r0VOL20.00\r"
    commands = only(DeviceCommand, out.observations)
    assert [(c.command, c.device_id, c.received_at) for c in commands] == [
        ("0VOLML", "pump", NOW + 0.2), ("0VOL20.00", "pump", NOW + 0.2)]
    assert commands[0].as_record()["kind"] == "command"
    replies = protocol.feed(b"\x0200S\x03\x0200S\x03", NOW + 0.3)
    assert only(ProtocolError, replies.observations) == []
    assert protocol.tick(NOW + 1.01).send == b"0RAT\r"  # polling carries on


def test_a_refused_control_command_is_reported() -> None:
    protocol = make(control_enabled="true")
    run_script(protocol, cycle(TYPICAL, status="I"))
    protocol.outgoing(protocol.command_set_diameter(30), NOW + 0.2)
    out = protocol.feed(b"\x0200I?NA\x03", NOW + 0.3)
    (error,) = only(ProtocolError, out.observations)
    assert error.error == "command-refused" and "0DIA30" in error.detail


def test_a_control_command_answered_with_an_alarm_is_not_repeated() -> None:
    protocol = make(control_enabled="true")
    run_script(protocol, cycle(TYPICAL, status="S"))
    protocol.outgoing(protocol.command_run(), NOW + 0.2)
    out = protocol.feed(b"\x0200A?S\x03", NOW + 0.3)
    assert only(DeviceAlarm, out.observations)[0].code == "motor-stalled"
    assert "not carried out" in only(ProtocolError, out.observations)[0].detail
    assert out.send == b""


def test_bytes_that_are_not_commands_are_not_sent() -> None:
    protocol = make(control_enabled="true")
    for junk in (b"0RUN", b"\x02\x05xx\x00\x00\x03", safe_packet("0RUN")):
        out = protocol.outgoing(junk, NOW)
        assert out.send == b""
        assert only(ProtocolError, out.observations)[0].error == "command-refused"


def test_safe_mode_is_the_default_and_basic_a_documented_technicians_choice() -> None:
    assert INFO.resolve_settings({})["mode"] == "safe"
    assert Ne1000Protocol("pump", INFO.resolve_settings({})).safe
    assert Ne1000Protocol("pump", {}).safe
    mode = next(f for f in INFO.settings if f.key == "mode")
    assert "technician" in mode.help and "basic" in mode.help
    assert not Ne1000Protocol("pump", INFO.resolve_settings({"mode": "basic"})).safe
