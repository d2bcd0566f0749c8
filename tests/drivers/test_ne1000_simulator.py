"""The simulated NE-1000 answers as the manual says and follows the virtual patient's plan."""

from __future__ import annotations

import pytest

from drivers.ne1000 import INFO
from drivers.ne1000.framing import ReplyReader, basic_reply, safe_packet
from drivers.ne1000.simulator import Ne1000Simulator
from drivers.ne1000.values import parse_dispensed
from ketaconsole.sim.virtual_patient import VirtualPatient

START = 0.0  # the session starts at time 0; the plan's infusion at 60 s, 52.5 mL/h


def pump(**given: str) -> Ne1000Simulator:
    simulator = Ne1000Simulator(VirtualPatient(start=START),
                                INFO.resolve_settings({"mode": "basic", **given}))
    assert simulator.feed(b"0\r", START) == basic_reply("00A?R")  # power-on reset, acked
    return simulator


def ask(simulator: Ne1000Simulator, command: str, now: float = START) -> bytes:
    return simulator.feed(command.encode() + b"\r", now)


def infused(simulator: Ne1000Simulator, now: float) -> float:
    reply = ask(simulator, "0DIS", now)
    found = parse_dispensed(reply[4:-1].decode())
    assert found is not None, reply
    return found.infused_ml


def test_the_pump_powers_up_with_a_reset_alarm_answered_once() -> None:
    simulator = Ne1000Simulator(VirtualPatient(start=START),
                                INFO.resolve_settings({"mode": "basic"}))
    assert ask(simulator, "0VER") == b"\x0200A?R\x03"
    assert ask(simulator, "0VER") == b"\x0200SNE1000V3.928\x03"


@pytest.mark.parametrize(("command", "reply"), [
    ("0", "00S"),
    ("0VER", "00SNE1000V3.928"),
    ("0RAT", "00S52.50MH"),
    ("0VOL", "00S35.00ML"),
    ("0DIA", "00S26.59"),
    ("0DIR", "00SINF"),
    ("0DIS", "00SI0.000W0.000ML"),
    ("0SAF", "00S0"),
    ("0XYZ", "00S?"),
    ("0RAT-5", "00S?OOR"),
    ("0DIA95", "00S?OOR"),
    ("0CLD", "00S?OOR"),
    ("0RAT30MH", "00S"),
    ("0VOLUL", "00S"),
    ("0DIA14.5", "00S"),
    ("0DIRWDR", "00S"),
    ("0CLDINF", "00S"),
])
def test_each_command_gets_the_manuals_reply(command: str, reply: str) -> None:
    assert ask(pump(), command) == basic_reply(reply)


def test_a_command_for_another_address_gets_no_reply() -> None:
    assert ask(pump(), "3VER") == b""


def test_settings_are_read_back() -> None:
    simulator = pump()
    ask(simulator, "0RAT1.5MM")
    ask(simulator, "0DIA14.5")
    assert ask(simulator, "0RAT") == basic_reply("00S1.500MM")
    assert ask(simulator, "0DIA") == basic_reply("00S14.50")


def test_the_counter_follows_the_patients_infusion_plan() -> None:
    simulator = pump()
    patient = simulator.patient
    assert infused(simulator, 59.0) == 0.0
    assert ask(simulator, "0", 120.0) == basic_reply("00I")
    for t in (120.0, 600.0, 1800.0):
        expected = patient.infusion(t).volume_infused_ml
        assert infused(simulator, t) == pytest.approx(expected, abs=0.005)
    assert infused(simulator, 3600.0) == pytest.approx(35.0, abs=0.01)
    assert ask(simulator, "0", 3600.0) == basic_reply("00S")  # the plan ended


def test_clearing_the_counter_restarts_it_from_zero() -> None:
    simulator = pump()
    before = infused(simulator, 600.0)
    assert before > 4
    ask(simulator, "0CLDINF", 600.0)
    assert infused(simulator, 600.0) == 0.0
    assert infused(simulator, 660.0) == pytest.approx(52.5 / 60, abs=0.01)


def test_run_pumps_at_the_commanded_rate_until_the_volume_is_reached() -> None:
    simulator = pump()
    for command in ("0RAT120MH", "0VOLML", "0VOL2.000", "0RUN"):
        assert ask(simulator, command, 10.0)[3:4] in (b"S", b"I")
    assert ask(simulator, "0", 10.0) == basic_reply("00I")
    assert infused(simulator, 40.0) == pytest.approx(1.0, abs=0.002)  # 120 mL/h for 30 s
    assert infused(simulator, 100.0) == pytest.approx(2.0, abs=0.002)
    assert ask(simulator, "0", 100.0) == basic_reply("00S")


def test_stop_pauses_then_stops_and_no_fluid_moves_meanwhile() -> None:
    simulator = pump()
    ask(simulator, "0RUN", 10.0)
    assert ask(simulator, "0STP", 20.0) == basic_reply("00P")
    held = infused(simulator, 20.0)
    assert infused(simulator, 200.0) == held
    assert ask(simulator, "0STP", 200.0) == basic_reply("00S")


def test_the_console_takes_over_from_the_plan_with_a_rate_change() -> None:
    simulator = pump()
    ask(simulator, "0", 120.0)
    assert ask(simulator, "0RAT30.00", 120.0) == basic_reply("00I")
    start = infused(simulator, 120.0)
    assert infused(simulator, 240.0) - start == pytest.approx(1.0, abs=0.002)


def test_rate_units_cannot_change_while_pumping() -> None:
    simulator = pump()
    ask(simulator, "0RUN", 10.0)
    assert ask(simulator, "0RAT1.000MM", 10.0) == basic_reply("00I?NA")
    assert ask(simulator, "0DIA20", 10.0) == basic_reply("00I?NA")


def test_a_stall_stops_the_pump_and_the_next_reply_reports_it_once() -> None:
    simulator = pump()
    ask(simulator, "0RUN", 10.0)
    simulator.raise_alarm("S")
    assert ask(simulator, "0RUN", 11.0) == basic_reply("00A?S")  # not carried out
    assert ask(simulator, "0", 11.0) == basic_reply("00S")
    held = infused(simulator, 11.0)
    assert infused(simulator, 100.0) == held


# -- safe mode ------------------------------------------------------------------------------

def safe_pump() -> Ne1000Simulator:
    simulator = Ne1000Simulator(VirtualPatient(start=START),
                                INFO.resolve_settings({"mode": "safe"}))
    assert simulator.feed(safe_packet("0"), START) == safe_packet("00A?R")
    return simulator


def test_safe_mode_answers_safe_packets_in_kind() -> None:
    simulator = safe_pump()
    assert simulator.feed(safe_packet("0RAT"), START) == safe_packet("00S52.50MH")


def test_safe_mode_ignores_basic_commands() -> None:
    assert ask(safe_pump(), "0RAT") == b""


def test_safe_mode_answers_a_damaged_packet_with_a_communication_error() -> None:
    damaged = bytearray(safe_packet("0RUN"))
    damaged[-2] ^= 0xFF
    reply = safe_pump().feed(bytes(damaged), START)
    assert reply == safe_packet("00S?COM")


def test_saf0_returns_the_pump_to_basic_mode() -> None:
    simulator = safe_pump()
    assert simulator.feed(b"\x02\x08SAF0\x55\x43\x03", START) == basic_reply("00S")
    assert ask(simulator, "0VER") == basic_reply("00SNE1000V3.928")


def test_safe_mode_time_out_stops_the_pump_and_sends_an_alarm_unasked() -> None:
    simulator = safe_pump()
    assert simulator.feed(safe_packet("0SAF5"), 100.0) == safe_packet("00I")  # infusing
    assert simulator.tick(104.0) == b""
    alarm = simulator.tick(105.5)
    assert ReplyReader(safe=True).feed(alarm)[0].text == "00A?T"  # type: ignore[union-attr]
    assert simulator.tick(110.0) == b""  # sent once
    assert simulator.feed(safe_packet("0"), 110.0) == safe_packet("00A?T")
    assert simulator.feed(safe_packet("0"), 110.0) == safe_packet("00S")
