"""Hypothesis fuzzing of the NE-1000 decoder and simulated pump: no exception, no wild value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.ne1000 import INFO
from drivers.ne1000.commands import parse_command
from drivers.ne1000.framing import CommandReader, Packet, ReplyReader, basic_reply, safe_packet
from drivers.ne1000.protocol import Ne1000Protocol
from drivers.ne1000.replies import parse_reply
from drivers.ne1000.simulator import Ne1000Simulator
from ketaconsole.catalogue import CATALOGUE
from ketaconsole.observations import PumpStatus
from ketaconsole.sim.virtual_patient import VirtualPatient

REPLY_TEXT = st.text(alphabet="0123456789.ASIWPTUXREOMHLNV?DFK", max_size=20)


def check(status: PumpStatus) -> None:
    for refid, value in (("MDC_FLOW_FLUID_PUMP", status.rate_ml_h),
                         ("MDC_VOL_FLUID_DELIV_TOTAL", status.volume_infused_ml),
                         ("MDC_VOL_FLUID_TBI", status.vtbi_ml)):
        assert value is None or CATALOGUE[refid].is_plausible(value), (refid, value)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=80), max_size=12), st.booleans(), st.booleans())
def test_any_bytes_in_any_chunks_never_raise(chunks: list[bytes], safe: bool,
                                             polling: bool) -> None:
    protocol = Ne1000Protocol("pump", INFO.resolve_settings({"mode": "safe" if safe
                                                             else "basic"}))
    now = 0.0
    if polling:
        protocol.connect(now)
    for chunk in chunks:
        now += 0.1
        for observation in [*protocol.feed(chunk, now).observations,
                            *protocol.tick(now).observations]:
            if isinstance(observation, PumpStatus):
                check(observation)


@settings(max_examples=300)
@given(st.lists(REPLY_TEXT, max_size=12), st.booleans(), st.booleans())
def test_well_framed_replies_of_any_text_give_only_plausible_values(
        texts: list[str], safe: bool, polling: bool) -> None:
    protocol = Ne1000Protocol("pump", INFO.resolve_settings({"mode": "safe" if safe
                                                             else "basic"}))
    frame = safe_packet if safe else basic_reply
    if polling:
        protocol.connect(0.0)
    for text in texts:
        for observation in protocol.feed(frame(f"00{text}"), 1.0).observations:
            if isinstance(observation, PumpStatus):
                check(observation)


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=40), max_size=10))
def test_the_simulated_pump_survives_any_bytes(chunks: list[bytes]) -> None:
    simulator = Ne1000Simulator(VirtualPatient(start=0.0), INFO.resolve_settings({"mode": "basic"}))
    now = 0.0
    for chunk in chunks:
        now += 1.0
        assert isinstance(simulator.feed(chunk, now), bytes)
        assert isinstance(simulator.tick(now), bytes)


COMMAND_TEXT = st.text(alphabet="0123456789.ERATVOLDISCPUNFWXYKMHQ- ", max_size=14)


@settings(max_examples=300)
@given(st.lists(COMMAND_TEXT, max_size=15), st.booleans())
def test_the_simulated_pump_answers_any_command_text_with_one_reply(
        texts: list[str], safe: bool) -> None:
    simulator = Ne1000Simulator(VirtualPatient(start=0.0),
                                INFO.resolve_settings({"mode": "safe" if safe else "basic"}))
    for step, text in enumerate(texts):
        was_safe = simulator.safe
        packet = safe_packet(f"0{text}") if was_safe else f"0{text}\r".encode()
        reply = simulator.feed(packet, float(step))
        spoken = CommandReader().feed(packet)
        typed = spoken[0].text if spoken and isinstance(spoken[0], Packet) else ""
        parsed = parse_command(typed)
        if parsed is not None and parsed[0] not in (None, 0):
            assert reply == b""  # addressed to another pump
            continue
        (answer,) = ReplyReader(safe=simulator.safe).feed(reply)  # one whole reply
        assert isinstance(answer, Packet)
        assert parse_reply(answer.text).address == 0
