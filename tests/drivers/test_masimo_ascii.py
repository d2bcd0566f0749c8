"""Byte-vector tests for the Masimo ASCII 1 decoder: exact bytes in, exact observations out.

The lines are the ones quoted by the Rad-8 manual's serial and trend sections and by the
capture script in remkolems/masimo-datacapture (Rad-8, Rad-7 with ``PI=00.55`` and no
per cent sign, Radical-7 with dashes everywhere).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from drivers.masimo_ascii import DRIVER as MASIMO
from drivers.masimo_ascii.protocol import MAX_LINE, MasimoAsciiProtocol
from drivers.masimo_ascii.simulator import Rainbow, format_line
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    Identity,
    Numeric,
    Observation,
    ProtocolError,
)
from ketaconsole.sim.virtual_patient import scenario

RAD8 = (b"05/12/13 14:51:32 SN=0000071453 SPO2=098% BPM=064 PI=03.60% SPCO=--.-% "
        b"SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n")
RAD7 = (b"03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 SPCO=--% "
        b"SPMET=--.-% SPHB=--.- SPOC=-- RESVD=--- DESAT=-- PIDELTA=+-- PVI=--- "
        b"ALARM=000000 EXC=0000C00 EXC1=00000000\r\n")
RADICAL7 = (b"05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% "
            b"SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000\r\n")

SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
PI = "MDC_PULS_OXIM_PERF_REL"
SPCO = "MDC_CONC_HB_CO_GEN"
SPMET = "MDC_CONC_HB_MET_GEN"
SPHB = "MDC_CONC_HB_ART"
PVI = "MASIMO_PVI"
DESAT = "MASIMO_DESAT"
PIDELTA = "MASIMO_PIDELTA"
UNITS = {SPCO: "%", SPMET: "%", SPHB: "g/dL", PVI: "%", DESAT: "1", PIDELTA: "%"}
NOW = 1000.0
DEVICE = "ox1"


def feed(*chunks: bytes, protocol: MasimoAsciiProtocol | None = None) -> list[Observation]:
    protocol = protocol or MasimoAsciiProtocol(DEVICE, {})
    found: list[Observation] = []
    for chunk in chunks:
        out = protocol.feed(chunk, NOW)
        assert out.send == b"", "the oximeter protocol never sends"
        found.extend(out.observations)
    return found


def records(observations: list[Observation]) -> list[dict[str, Any]]:
    return [o.as_record() for o in observations]


def line(stamp: str = "05/12/13 14:51:32", *, serial: str = "0000071453",
         spo2: str = "098%", bpm: str = "064", pi: str = "03.60%", alarm: str = "0000",
         exc: str = "000000") -> bytes:
    return (f"{stamp} SN={serial} SPO2={spo2} BPM={bpm} PI={pi} DESAT=-- PIDELTA=+-- "
            f"ALARM={alarm} EXC={exc}\r\n").encode("ascii")


def numerics(observations: list[Observation]) -> dict[str, float | None]:
    return {o.metric: o.value for o in observations if isinstance(o, Numeric)}


def core(observations: list[Observation]) -> dict[str, float | None]:
    """SpO2, pulse rate and PI only: the values every model prints."""
    return {k: v for k, v in numerics(observations).items() if k in (SPO2, PULSE, PI)}


def no_values(when: datetime, *refids: str) -> list[Observation]:
    """The dashed rainbow and Masimo-index fields of a line, as no value."""
    return [Numeric(DEVICE, refid, None, UNITS[refid], NOW, when) for refid in refids]


def alarms(observations: list[Observation]) -> list[tuple[str, bool]]:
    return [(o.code, o.active) for o in observations if isinstance(o, DeviceAlarm)]


def errors(observations: list[Observation]) -> list[str]:
    return [o.error for o in observations if isinstance(o, ProtocolError)]


# -- whole lines as the manuals and captures print them ----------------------------------

def test_rad8_line_yields_identity_then_spo2_pulse_and_pi() -> None:
    when = datetime(2013, 5, 12, 14, 51, 32)
    assert feed(RAD8) == [
        Identity(DEVICE, NOW, model="Masimo (ASCII 1)", serial="0000071453"),
        Numeric(DEVICE, SPO2, 98.0, "%", NOW, when),
        Numeric(DEVICE, PULSE, 64.0, "/min", NOW, when),
        Numeric(DEVICE, PI, 3.6, "%", NOW, when),
        *no_values(when, SPCO, SPMET, DESAT, PIDELTA),
    ]


def test_rad7_line_with_pi_without_percent_and_low_signal_iq() -> None:
    when = datetime(2016, 3, 17, 19, 19, 36)
    assert feed(RAD7) == [
        # SN=---------- is no serial number: no identity.
        Numeric(DEVICE, SPO2, 98.0, "%", NOW, when),
        Numeric(DEVICE, PULSE, 123.0, "/min", NOW, when),
        Numeric(DEVICE, PI, 0.55, "%", NOW, when),
        # SPCO=--% (two dashes, as this capture prints it) is no value like the others.
        *no_values(when, SPCO, SPMET, SPHB, PVI, DESAT, PIDELTA),
        # EXC=0000C00: low signal IQ (0x400) plus SET mode (0x800), which is no fault.
        DeviceAlarm(DEVICE, "low-signal-iq", "Low signal IQ", AlarmSource.TECHNICAL, True,
                    NOW, when),
    ]


def test_radical7_dashes_are_no_value_never_zero() -> None:
    when = datetime(2007, 5, 15, 8, 12, 21)
    assert feed(RADICAL7) == [
        Identity(DEVICE, NOW, model="Masimo (ASCII 1)", serial="0000070986"),
        Numeric(DEVICE, SPO2, None, "%", NOW, when),
        Numeric(DEVICE, PULSE, None, "/min", NOW, when),
        Numeric(DEVICE, PI, None, "%", NOW, when),
        *no_values(when, SPCO, SPMET, PVI, DESAT, PIDELTA),
    ]


RAINBOW = (b"11/27/26 09:15:02 SN=0000070986 SPO2=097% BPM=072 PI=02.40% SPCO=01.5% "
           b"SPMET=00.8% SPHB=13.4 SPOC=-- RESVD=--- DESAT=03 PIDELTA=-12 PVI=014 "
           b"ALARM=000000 EXC=000800 EXC1=00000000\r\n")


def test_rainbow_values_decode_with_their_terms_and_units() -> None:
    when = datetime(2026, 11, 27, 9, 15, 2)
    found = [o for o in feed(RAINBOW) if isinstance(o, Numeric)]
    assert found[3:] == [
        Numeric(DEVICE, SPCO, 1.5, "%", NOW, when),
        Numeric(DEVICE, SPMET, 0.8, "%", NOW, when),
        Numeric(DEVICE, SPHB, 13.4, "g/dL", NOW, when),
        Numeric(DEVICE, PVI, 14.0, "%", NOW, when),
        Numeric(DEVICE, DESAT, 3.0, "1", NOW, when),
        Numeric(DEVICE, PIDELTA, -12.0, "%", NOW, when),
    ]
    assert core(found) == {SPO2: 97.0, PULSE: 72.0, PI: 2.4}


@pytest.mark.parametrize(("text", "value"), [(b"+05", 5.0), (b"-12", -12.0), (b"+--", None)])
def test_a_negative_pi_delta_is_a_value_and_only_dashes_are_no_value(
        text: bytes, value: float | None) -> None:
    found = feed(RAINBOW.replace(b"PIDELTA=-12", b"PIDELTA=" + text))
    assert errors(found) == []
    assert numerics(found)[PIDELTA] == value


@pytest.mark.parametrize("broken", [b"SPCO=1.5%", b"SPMET=008%", b"SPHB=134", b"PVI=14",
                                    b"DESAT=3", b"PIDELTA=12", b"PIDELTA=+1"])
def test_a_rainbow_field_of_the_wrong_width_is_a_framing_error_with_no_values(
        broken: bytes) -> None:
    name = broken.split(b"=")[0] + b"="
    start = RAINBOW.index(b" " + name) + 1
    end = RAINBOW.index(b" ", start)
    found = feed(RAINBOW[:start] + broken + RAINBOW[end:])
    assert errors(found) == ["framing"]
    assert numerics(found) == {}


def test_rainbow_values_under_no_usable_sensor_are_no_value() -> None:
    found = feed(RAINBOW.replace(b"EXC=000800", b"EXC=000020"))
    assert all(value is None for value in numerics(found).values())
    assert alarms(found) == [("sensor-off", True)]


@pytest.mark.parametrize("dashes", ["---", "---%", "--.-", "--.-%", "--.--", "--.--%"])
@pytest.mark.parametrize("field", ["spo2", "bpm", "pi"])
def test_each_dash_form_is_no_value_without_error(field: str, dashes: str) -> None:
    found = feed(line(**{field: dashes}))
    refid = {"spo2": SPO2, "bpm": PULSE, "pi": PI}[field]
    assert numerics(found)[refid] is None
    assert errors(found) == []
    others = {SPO2: 98.0, PULSE: 64.0, PI: 3.6}
    del others[refid]
    assert {k: v for k, v in core(found).items() if k != refid} == others


def test_lines_the_simulator_prints_decode_to_its_values() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    rainbow = Rainbow(spco=2.04, spmet=1.06, sphb=12.96, pvi=17.4)
    printed = {"rad8": {}, "rad7": {SPCO: 2.0, SPMET: 1.1, SPHB: 13.0, PVI: 17.0},
               "radical7": {SPCO: 2.0, SPMET: 1.1, PVI: 17.0}}
    for model, extra in printed.items():
        found = feed(format_line(when, 95.4, 71.6, 2.345, model=model, exc=0x800,
                                 rainbow=rainbow))
        assert core(found) == {SPO2: 95.0, PULSE: 72.0, PI: 2.35}, model
        values = {k: v for k, v in numerics(found).items() if v is not None}
        assert values == {SPO2: 95.0, PULSE: 72.0, PI: 2.35, **extra}, model
        assert errors(found) == [], model
        assert all(o.device_time == when for o in found if isinstance(o, Numeric))


# -- chunking, junk, corruption ------------------------------------------------------------

CAPTURE = (RAD8 + line("05/12/13 14:51:33", exc="000820", spo2="---%", bpm="---",
                       pi="--.--%")
           + b"05/12/13 14:51:34 SN=0000071453 SPO2=09\xff% BPM=064\r\n"
           + line("05/12/13 14:51:35", alarm="0012", spo2="086%") + RADICAL7 + RAD7)


def test_one_byte_at_a_time_gives_the_same_observations_as_whole_lines() -> None:
    whole = feed(CAPTURE)
    assert len(whole) > 12
    single = feed(*(CAPTURE[i:i + 1] for i in range(len(CAPTURE))))
    assert single == whole


@pytest.mark.parametrize("size", [2, 3, 7, 64, 100, 4096])
def test_any_chunk_size_gives_the_same_observations(size: int) -> None:
    chunks = [CAPTURE[i:i + size] for i in range(0, len(CAPTURE), size)]
    assert feed(*chunks) == feed(CAPTURE)


def test_a_line_is_decoded_only_once_its_line_end_arrives() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    assert feed(RAD8[:-2], protocol=protocol) == []
    assert feed(b"\r", protocol=protocol) == []
    assert core(feed(b"\n", protocol=protocol)) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


def test_noise_before_the_first_line_is_one_sync_error_and_the_line_decodes() -> None:
    found = feed(b"\x00\xff\x13\x80~~" + RAD8)
    assert errors(found) == ["sync"]
    assert core(found) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


def test_joining_mid_line_is_one_framing_error_then_the_next_line_decodes() -> None:
    found = feed(RAD8[40:] + RAD8)
    assert errors(found) == ["framing"]
    assert isinstance(found[0], ProtocolError)
    assert found[0].received_at == NOW
    assert core(found) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


@pytest.mark.parametrize("corrupt", [
    line(bpm="04"),                   # a dropped byte: must not become a pulse of 4
    line(spo2="0988%"),               # a doubled byte
    line(pi="3.60%"),
    line().replace(b"SPO2=098", b"SPO2=0\xb88"),  # a byte with the high bit set
    line(spo2="9-8%"),
    line(spo2=""),
    line(exc="0x0020"),               # not plain hexadecimal
    line(alarm="-001"),
    line(exc="000000000"),            # longer than any real mask
    RAD8.replace(b"14:51:32", b"14:5132"),
    RAD8.replace(b" SPO2", b"SPO2"),
    RAD8.replace(b"BPM=064 ", b"BPM=064\x00"),
])
def test_a_corrupt_line_yields_no_value_one_framing_error_and_the_next_line_decodes(
        corrupt: bytes) -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    found = feed(corrupt, protocol=protocol)
    assert errors(found) == ["framing"]
    assert len(found) == 1
    after = feed(RAD8, protocol=protocol)
    assert errors(after) == []
    assert core(after) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


def test_two_lines_run_together_yield_only_the_complete_second_one() -> None:
    first = line("05/12/13 14:51:32", spo2="091%").rstrip(b"\r\n")
    second = line("05/12/13 14:51:33", spo2="097%")
    found = feed(first + second)
    assert errors(found) == ["sync"]
    assert numerics(found)[SPO2] == 97.0
    assert [o.device_time for o in found if isinstance(o, Numeric)] == [
        datetime(2013, 5, 12, 14, 51, 33)] * 5


def test_an_over_long_line_is_one_framing_error_and_the_decoder_resyncs() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    flood = b"A" * (MAX_LINE * 3)
    found = feed(*(flood[i:i + 100] for i in range(0, len(flood), 100)), protocol=protocol)
    assert errors(found) == ["framing"]
    found = feed(b"tail of the flood\r\n" + RAD8, protocol=protocol)
    assert errors(found) == []
    assert core(found) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


def test_an_over_long_line_in_one_chunk_is_one_framing_error() -> None:
    found = feed(b"B" * (MAX_LINE + 1) + b"\r\n" + RAD8)
    assert errors(found) == ["framing"]
    assert core(found) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}


def test_blank_lines_and_bare_line_ends_are_ignored() -> None:
    assert feed(b"\r\n\r\n  \r\n\n") == []


def test_an_impossible_calendar_date_keeps_values_without_device_time() -> None:
    found = feed(line("13/45/13 25:61:61"))
    assert core(found) == {SPO2: 98.0, PULSE: 64.0, PI: 3.6}
    assert all(o.device_time is None for o in found if isinstance(o, Numeric))


@pytest.mark.parametrize(("field", "text", "refid"), [
    ("spo2", "101%", SPO2), ("bpm", "400", PULSE), ("pi", "25.00%", PI)])
def test_an_implausible_value_is_no_value_and_a_value_error(field: str, text: str,
                                                             refid: str) -> None:
    found = feed(line(**{field: text}))
    assert numerics(found)[refid] is None
    assert errors(found) == ["value"]


# -- EXC, ALARM and the serial number --------------------------------------------------------

@pytest.mark.parametrize(("bit", "code"), [
    (0x001, "no-sensor"), (0x002, "defective-sensor"), (0x004, "low-perfusion"),
    (0x008, "pulse-search"), (0x010, "interference"), (0x020, "sensor-off"),
    (0x040, "ambient-light"), (0x080, "unrecognized-sensor"), (0x400, "low-signal-iq")])
def test_each_exception_bit_is_a_technical_alarm_raised_and_cleared_on_change(
        bit: int, code: str) -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    assert alarms(feed(line(exc="000800"), protocol=protocol)) == []
    raised = feed(line(exc=f"{0x800 | bit:06X}"), protocol=protocol)
    assert alarms(raised) == [(code, True)]
    assert all(o.source is AlarmSource.TECHNICAL for o in raised if isinstance(o, DeviceAlarm))
    assert alarms(feed(line(exc=f"{0x800 | bit:06X}"), protocol=protocol)) == []
    assert alarms(feed(line(exc="000800"), protocol=protocol)) == [(code, False)]


def test_exception_changes_follow_the_manuals_trend_sample() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    seen = [alarms(feed(line(exc=mask), protocol=protocol))
            for mask in ("820", "828", "800", "C00", "800", "820")]
    assert seen == [[("sensor-off", True)], [("pulse-search", True)],
                    [("pulse-search", False), ("sensor-off", False)],
                    [("low-signal-iq", True)], [("low-signal-iq", False)],
                    [("sensor-off", True)]]


@pytest.mark.parametrize("mask", ["000001", "000002", "000020", "000080", "000820"])
def test_readings_printed_while_there_is_no_usable_sensor_are_no_value(mask: str) -> None:
    # The manual's trend sample prints SpO2=000 PR=000 PI=00.00 with EXC=820 (sensor off).
    found = feed(line(spo2="000%", bpm="000", pi="00.00%", exc=mask))
    assert core(found) == {SPO2: None, PULSE: None, PI: None}
    assert all(value is None for value in numerics(found).values())


@pytest.mark.parametrize(("bit", "code"), [
    (0x01, "spo2-high"), (0x02, "spo2-low"), (0x04, "pulse-high"), (0x08, "pulse-low")])
def test_each_alarm_bit_is_a_physiological_alarm_raised_and_cleared(bit: int,
                                                                    code: str) -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    raised = feed(line(alarm=f"{0x10 | bit:04X}"), protocol=protocol)
    assert alarms(raised) == [(code, True)]
    assert all(o.source is AlarmSource.PHYSIOLOGICAL
               for o in raised if isinstance(o, DeviceAlarm))
    assert alarms(feed(line(alarm="0000"), protocol=protocol)) == [(code, False)]


def test_an_alarm_sounding_without_a_known_cause_is_raised_and_cleared() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    steps = ["0012", "0010", "0030", "0000", "0020"]
    seen = [alarms(feed(line(alarm=mask), protocol=protocol)) for mask in steps]
    assert seen == [[("spo2-low", True)],
                    [("spo2-low", False), ("device-alarm", True)],
                    [],                               # silenced (0x20): still sounding cause
                    [("device-alarm", False)],
                    []]                               # silence key alone is no alarm


def test_the_serial_number_is_reported_once_and_again_only_when_it_changes() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    found = feed(*(line(f"05/12/13 14:51:{s:02d}") for s in range(10)), protocol=protocol)
    assert [o.serial for o in found if isinstance(o, Identity)] == ["0000071453"]
    found = feed(line(serial="----------"), line(serial="0000099999"), protocol=protocol)
    assert [o.serial for o in found if isinstance(o, Identity)] == ["0000099999"]


# -- the simulator's scenarios, decoded ----------------------------------------------------

def test_the_sensor_off_scenario_decodes_as_a_raised_and_cleared_sensor_off_alarm() -> None:
    story = scenario("sensor-off")
    (off_from, off_until), = story.sensor_off
    talk = converse(MASIMO, off_until + 60, story=story, step=0.25)
    assert errors(talk.observations) == []
    start = talk.observations[0].received_at - 1  # the first line comes a second in
    changes = [(o.code, o.active, o.received_at - start)
               for o in talk.observations if isinstance(o, DeviceAlarm)
               and o.code == "sensor-off"]
    assert [(code, active) for code, active, _ in changes] == [
        ("sensor-off", True), ("sensor-off", False)]
    assert off_from <= changes[0][2] <= off_from + 1.5
    assert off_until <= changes[1][2] <= off_until + 1.5
    during = [o.value for o in talk.observations if isinstance(o, Numeric)
              and off_from + 2 < o.received_at - start < off_until - 1]
    assert during and all(v is None for v in during)


# -- the other output setting -------------------------------------------------------------

ASCII2_LINES = (b"09/21/08 09:56:08 SpO2=000 PR=000 PI=00.00 EXC=820:OffPat,SET\r\n"
                b"09/21/08 09:56:10 SpO2=097 PR=069 PI=04.69 EXC=800:SET\r\n")
"""Lines of the Rad-8 manual's ASCII 2 (printer and trend) sample."""


def test_ascii2_lines_give_no_value_and_tell_the_technician_to_choose_ascii_1() -> None:
    before = feed(line())
    found = feed(line(), ASCII2_LINES)
    assert found[:len(before)] == before
    assert [o for o in found[len(before):] if isinstance(o, Numeric)] == []
    faults = [o for o in found if isinstance(o, ProtocolError)]
    assert [o.error for o in faults] == ["framing", "framing"]
    assert all("set the oximeter's serial output to ASCII 1" in o.detail for o in faults)


@pytest.mark.parametrize("tail", [b"00\r\n", b" DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n",
                                  b"PIDELTA=+-- ALARM=0000 EXC=000000\r\n"])
def test_a_line_cut_on_a_field_boundary_and_completed_by_another_gives_no_value(
        tail: bytes) -> None:
    cut = b"05/12/13 14:51:33 SN=0000071453 SPO2=098% BPM=0"
    found = feed(line(), cut + tail)
    after_first = found[found.index(next(o for o in found if isinstance(o, ProtocolError))):]
    assert [o for o in after_first if isinstance(o, Numeric)] == []
    assert [o.error for o in after_first] == ["framing"]


def test_a_line_with_a_field_twice_or_out_of_order_gives_no_value() -> None:
    twice = line().replace(b"DESAT=--", b"SPO2=097% DESAT=--")
    swapped = line().replace(b"SPO2=098% BPM=064", b"BPM=064 SPO2=098%")
    for bad in (twice, swapped):
        found = feed(bad)
        assert not any(isinstance(o, Numeric) for o in found)
        assert [o.error for o in found if isinstance(o, ProtocolError)] == ["framing"]


def test_a_rad7_needs_its_rainbow_fields_on_every_line() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {"model": "rad7"})
    assert core(feed(RAD7, protocol=protocol))[PULSE] == 123.0
    found = feed(line(), protocol=protocol)  # a Rad-8 layout lacks SPCO, SPHB, PVI ...
    assert not any(isinstance(o, Numeric) for o in found)


def test_spo2_zero_is_no_reading_a_technical_alarm_not_a_value() -> None:
    found = feed(line(spo2="000%", bpm="000"), line(spo2="097%"))
    assert [core([o for o in found if isinstance(o, Numeric)][:3])] == [
        {SPO2: None, PULSE: None, PI: 3.6}]
    alarms = [(o.code, o.source, o.active) for o in found if isinstance(o, DeviceAlarm)]
    assert alarms == [("no-reading", AlarmSource.TECHNICAL, True),
                      ("no-reading", AlarmSource.TECHNICAL, False)]
    assert core(found[-5:]) == {SPO2: 97.0, PULSE: 64.0, PI: 3.6}


def test_pulse_zero_without_a_valid_spo2_is_no_reading_but_beside_one_a_value() -> None:
    assert core(feed(line(spo2="---%", bpm="000")))[PULSE] is None
    assert core(feed(line(spo2="097%", bpm="000")))[PULSE] == 0.0


def test_a_line_whose_bytes_came_over_two_seconds_is_two_lines_joined_and_no_value() -> None:
    protocol = MasimoAsciiProtocol(DEVICE, {})
    head = line()[:60]  # ... SPO2=098% BPM=0 ... cut; the rest of the line is lost
    found = protocol.feed(line() + head, 10.0).observations
    found += protocol.feed(line("05/12/13 14:51:34")[60:], 12.0).observations
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["framing"]
    assert len([o for o in found if isinstance(o, Numeric)]) == 5  # the first line only
