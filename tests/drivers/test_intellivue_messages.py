"""IntelliVue messages byte for byte, and poll results decoded into the catalogue's values.

Sent messages are compared with the bytes VSCaptureMP sends to real monitors; received
poll results are assembled field by field from the guide's layout (see
``intellivue_vectors``); FLOAT examples are the guide's.
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta

import pytest

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.framing import FrameReader, encode_frame
from drivers.intellivue_mib.messages import (
    MDS,
    PollProfile,
    PollResult,
    association_request,
    association_result,
    event_report_result,
    extended_poll_request,
    parse,
)
from drivers.intellivue_mib.protocol import IntelliVueProtocol, Phase
from drivers.intellivue_mib.wire import decode_absolute_time, decode_float, encode_float, u16
from ketaconsole.observations import Identity, Numeric, Observation, ProtocolError, WaveChunk
from tests.drivers.intellivue_vectors import (
    AARQ_VSCAPTURE,
    FLOAT_EXAMPLES,
    MDS_CREATE_RESULT_VSCAPTURE,
    POLL_NUMERICS_VSCAPTURE,
    POLL_WAVES_VSCAPTURE,
    RELEASE_REQUEST_VSCAPTURE,
    WHEN,
    WHEN_BCD,
    associated_protocol,
    ava,
    mds_create_event,
    nu_obs,
    numerics_result,
    observation,
    poll_result,
    polling_protocol,
)

HR = "MDC_ECG_HEART_RATE"
NOW = 2.0


def sent_user_data(data: bytes) -> list[bytes]:
    frames = FrameReader().feed(data)
    assert all(isinstance(f, bytes) for f in frames), frames
    return [f for f in frames if isinstance(f, bytes)]


def decode(user_data: bytes, protocol: IntelliVueProtocol | None = None) -> list[Observation]:
    protocol = protocol or polling_protocol()
    return protocol.feed(encode_frame(user_data), NOW).observations


def numerics(observations: list[Observation]) -> dict[str, float | None]:
    return {o.metric: o.value for o in observations if isinstance(o, Numeric)}


def errors(observations: list[Observation]) -> list[str]:
    return [o.error for o in observations if isinstance(o, ProtocolError)]


# -- what the console sends -----------------------------------------------------------------

def test_association_request_with_vscaptures_profile_is_its_exact_bytes() -> None:
    profile = PollProfile(min_poll_period=1000, max_mtu_rx=2500, max_mtu_tx=1000,
                          extended_options=0x8C000000)
    assert association_request(profile) == AARQ_VSCAPTURE


def test_connect_sends_one_frame_with_our_rs232_poll_profile() -> None:
    # Ours differs from VSCaptureMP's only in the poll profile: a 1 s minimum poll period
    # (8000 x 1/8 ms), the RS232 MTU of 1000 both ways, numerics each second and waves.
    expected = (AARQ_VSCAPTURE
                .replace(bytes.fromhex("000003e8000009c4000003e8"),
                         bytes.fromhex("00001f40000003e8000003e8"))
                .replace(bytes.fromhex("f00100088c000000"), bytes.fromhex("f001000888000000")))
    assert sent_user_data(IntelliVueProtocol("mon", {}).connect(0.0)) == [expected]


def test_mds_create_result_is_vscaptures_exact_bytes() -> None:
    assert event_report_result(1, MDS, 0x000ABD00) == MDS_CREATE_RESULT_VSCAPTURE


def test_extended_poll_requests_are_vscaptures_exact_bytes() -> None:
    assert extended_poll_request(1, 1, 6, 30 * 8000) == POLL_NUMERICS_VSCAPTURE
    assert extended_poll_request(4, 3, 9, 600 * 8000) == POLL_WAVES_VSCAPTURE


def test_the_mds_create_event_is_confirmed_then_numerics_pleth_and_alarms_are_polled() -> None:
    protocol = associated_protocol()
    out = protocol.feed(encode_frame(mds_create_event(invoke_id=1, event_time=0xABD00)), 0.4)

    def poll(number: int, object_code: int) -> bytes:
        # The numerics poll with another invoke id, poll number and object class.
        return (POLL_NUMERICS_VSCAPTURE[:8] + u16(number) + b"\x00\x07"
                + POLL_NUMERICS_VSCAPTURE[12:28] + u16(number) + b"\x00\x01" + u16(object_code)
                + POLL_NUMERICS_VSCAPTURE[34:])

    assert sent_user_data(out.send) == [MDS_CREATE_RESULT_VSCAPTURE, POLL_NUMERICS_VSCAPTURE,
                                        poll(2, 0x0009), poll(3, 0x0036)]


def test_without_the_pleth_and_alarms_settings_only_numerics_are_polled() -> None:
    protocol = associated_protocol({"pleth": False, "alarms": False})
    out = protocol.feed(encode_frame(mds_create_event()), 0.4)
    polls = [parse(u) for u in sent_user_data(out.send)[1:]]
    assert [getattr(p, "object_code", None) for p in polls] == [codes.NOM_MOC_VMO_METRIC_NU]


def test_disconnect_while_associated_sends_vscaptures_release_request() -> None:
    assert sent_user_data(polling_protocol().disconnect(9.0)) == [RELEASE_REQUEST_VSCAPTURE]


def test_disconnect_before_any_association_sends_nothing() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    assert protocol.disconnect(1.0) == b""


# -- FLOAT-Type and AbsoluteTime ------------------------------------------------------------

@pytest.mark.parametrize(("raw", "value"), sorted(FLOAT_EXAMPLES.items()))
def test_the_guides_float_examples_decode(raw: int, value: float) -> None:
    assert decode_float(raw) == pytest.approx(value)


@pytest.mark.parametrize("mantissa", [0x7FFFFF, 0x800000, 0x7FFFFE, 0x800002, 0x800001],
                         ids=["NaN", "NRes", "+INF", "-INF", "reserved"])
@pytest.mark.parametrize("exponent", [0x00, 0xFF, 0x02])
def test_float_special_values_are_no_value(mantissa: int, exponent: int) -> None:
    assert decode_float(exponent << 24 | mantissa) is None


def test_negative_mantissa_and_exponent_decode() -> None:
    assert decode_float(0xFFFFFFF6) == pytest.approx(-1.0)  # -10 x 10^-1
    assert decode_float(0xFE0000FA) == pytest.approx(2.5)  # 250 x 10^-2


@pytest.mark.parametrize("value", [0.0, 36.8, -12.5, 98.0, 3.62, 1234567.0])
def test_encoded_floats_decode_to_the_same_value(value: float) -> None:
    assert decode_float(encode_float(value, 2)) == pytest.approx(value)


def test_absolute_time_is_bcd_with_hundredths() -> None:
    assert decode_absolute_time(WHEN_BCD) == WHEN


@pytest.mark.parametrize("raw", ["ffffffffffffffff", "20261327031542ff", "2026112703154a00"],
                         ids=["unset", "month 13", "not BCD"])
def test_an_unset_or_impossible_absolute_time_is_no_time(raw: str) -> None:
    assert decode_absolute_time(bytes.fromhex(raw)) is None


# -- numerics ---------------------------------------------------------------------------------

def test_a_numerics_poll_result_gives_hr_and_spo2_with_the_device_time() -> None:
    found = decode(numerics_result(hr=72, spo2=97))
    assert found == [Numeric("mon", HR, 72.0, "/min", NOW, WHEN),
                     Numeric("mon", "MDC_PULS_OXIM_SAT_O2", 97.0, "%", NOW, WHEN)]


def test_a_linked_poll_result_decodes_like_a_single_one() -> None:
    objects = [observation(1, ava(0x0950, nu_obs(0x4182, 0, 0x0AA0, 61)))]
    for state in (codes.RORLS_FIRST, codes.RORLS_NOT_FIRST_NOT_LAST, codes.RORLS_LAST):
        assert numerics(decode(poll_result(objects, linked=state))) == {HR: 61.0}


@pytest.mark.parametrize("state", sorted(codes.NO_VALUE_STATES),
                         ids=sorted(codes.NO_VALUE_STATES.values()))
def test_a_value_the_monitor_flags_is_no_value_and_not_an_error(state: int) -> None:
    found = decode(numerics_result(hr=72, hr_state=state))
    assert numerics(found)[HR] is None
    assert errors(found) == []


def test_alarm_and_validated_bits_keep_the_value() -> None:
    found = decode(numerics_result(hr=72, hr_state=0x0080 | 0x0002))
    assert numerics(found)[HR] == 72.0


def test_a_float_nan_heart_rate_is_no_value() -> None:
    result = poll_result([observation(1, ava(0x0950, nu_obs(0x4182, 0, 0x0AA0, 0x007FFFFF)))])
    assert numerics(decode(result)) == {HR: None}


@pytest.mark.parametrize(("physio", "unit", "raw", "refid", "expected"), [
    (0x50B0, 0x0F03, 0xFF000035, "MDC_AWAY_CO2_ET", 5.3 * 7.500615758),  # 5.3 kPa
    (0x50B0, 0x0F20, 0x00000027, "MDC_AWAY_CO2_ET", 39.0),  # 39 mmHg
    (0x4A05, 0x0F03, 0xFF0000A0, "MDC_PRESS_BLD_NONINV_SYS", 16.0 * 7.500615758),
    (0x4B48, 0x1140, 0xFF0003D9, "MDC_TEMP_BODY", (98.5 - 32) * 5 / 9),  # 98.5 degF
    (0x4B48, 0x17A0, 0xFF000170, "MDC_TEMP_BODY", 36.8),
    (0x500A, 0x0AE0, 0x0000000E, "MDC_RESP_RATE", 14.0),
    (0x4822, 0x0AA0, 0x00000048, "MDC_PULS_OXIM_PULS_RATE", 72.0),
    (0x4BB0, 0x0200, 0xFE00016A, "MDC_PULS_OXIM_PERF_REL", 3.62),
], ids=["etco2-kpa", "etco2-mmhg", "nibp-kpa", "temp-fahrenheit", "temp-celsius", "rr",
        "pulse", "perfusion"])
def test_values_arrive_in_the_catalogues_unit(physio: int, unit: int, raw: int, refid: str,
                                              expected: float) -> None:
    found = decode(poll_result([observation(9, ava(0x0950, nu_obs(physio, 0, unit, raw)))]))
    assert errors(found) == []
    assert numerics(found) == {refid: pytest.approx(expected)}


def test_a_unit_that_cannot_convert_is_no_value_and_a_unit_error() -> None:
    found = decode(poll_result([observation(1, ava(0x0950, nu_obs(0x4182, 0, 0x0F20, 72)))]))
    assert numerics(found) == {HR: None}
    assert errors(found) == ["unit"]


def test_an_implausible_value_is_no_value_and_a_value_error() -> None:
    found = decode(numerics_result(spo2=140))
    assert numerics(found)["MDC_PULS_OXIM_SAT_O2"] is None
    assert errors(found) == ["value"]


def test_a_numeric_the_console_does_not_use_is_ignored() -> None:
    found = decode(poll_result([observation(3, ava(0x0950, nu_obs(0x4A10, 0, 0x0F20, 120)))]))
    assert found == []


def nibp(stamp: bytes, sys_: int, dia: int, mean: int) -> bytes:
    parts = b"".join(nu_obs(p, 0, 0x0F20, v) for p, v in
                     ((0x4A05, sys_), (0x4A06, dia), (0x4A07, mean)))
    return observation(5, ava(0x094B, struct.pack(">HH", 3, len(parts)) + parts),
                       ava(0x0990, stamp))


def test_nibp_is_reported_once_per_measurement_with_its_own_time() -> None:
    protocol = polling_protocol()
    taken = bytes.fromhex("2026112703000000")
    first = decode(poll_result([nibp(taken, 131, 84, 100)]), protocol)
    again = decode(poll_result([nibp(taken, 131, 84, 100)]), protocol)
    later = decode(poll_result([nibp(bytes.fromhex("2026112703100000"), 128, 80, 96)]),
                   protocol)
    at = datetime(2026, 11, 27, 3, 0, 0)
    assert first == [
        Numeric("mon", "MDC_PRESS_BLD_NONINV_SYS", 131.0, "mm[Hg]", NOW, at),
        Numeric("mon", "MDC_PRESS_BLD_NONINV_DIA", 84.0, "mm[Hg]", NOW, at),
        Numeric("mon", "MDC_PRESS_BLD_NONINV_MEAN", 100.0, "mm[Hg]", NOW, at)]
    assert again == []
    assert numerics(later) == {"MDC_PRESS_BLD_NONINV_SYS": 128.0,
                               "MDC_PRESS_BLD_NONINV_DIA": 80.0,
                               "MDC_PRESS_BLD_NONINV_MEAN": 96.0}


def test_without_absolute_time_the_device_time_comes_from_the_mds_clock() -> None:
    protocol = associated_protocol()
    clock = (ava(0x0987, bytes.fromhex("2026112703000000")),
             ava(0x098F, struct.pack(">I", 80_000)))
    protocol.feed(encode_frame(mds_create_event(attributes=clock)), 0.4)
    result = poll_result([observation(1, ava(0x0950, nu_obs(0x4182, 0, 0x0AA0, 70)))],
                         abs_time=b"\xff" * 8, rel_time=80_000 + 12 * 8000)
    found = protocol.feed(encode_frame(result), 1.0).observations
    assert [o.device_time for o in found if isinstance(o, Numeric)] == [
        datetime(2026, 11, 27, 3, 0, 0) + timedelta(seconds=12)]


def test_the_mds_create_event_names_the_monitor() -> None:
    protocol = associated_protocol()
    model = struct.pack(">H", 8) + b"Philips\x00" + struct.pack(">H", 4) + b"MX40"
    system_id = struct.pack(">H", 6) + bytes.fromhex("0009fb112233")
    out = protocol.feed(encode_frame(mds_create_event(
        attributes=(ava(0x0928, model), ava(0x0984, system_id)))), 0.4)
    identities = [o for o in out.observations if isinstance(o, Identity)]
    assert [(i.model, i.serial) for i in identities] == [("Philips MX40", "00:09:fb:11:22:33")]


# -- the pleth wave ---------------------------------------------------------------------------

def pleth(samples: list[int], *, state: int = 0, specs: bool = True) -> bytes:
    array = b"".join(struct.pack(">H", s) for s in samples)
    avas = []
    if specs:
        avas = [ava(0x096D, struct.pack(">HBBH", len(samples), 16, 12, 0)),  # SaSpec
                ava(0x098D, struct.pack(">I", 64)),  # 8 ms sample period
                ava(0x096F, struct.pack(">IIHH", 0x00000000, 0xFF00000F, 0, 4095))]  # 0..1.5
    avas.append(ava(0x096E, struct.pack(">HHH", 0x4BB4, state, len(array)) + array))
    return poll_result([observation(20, *avas)], object_code=9)


def test_pleth_samples_are_scaled_by_the_scale_range_at_125_hz() -> None:
    found = decode(pleth([0, 4095, 2730, 0xF000 | 1365]))
    assert len(found) == 1 and isinstance(found[0], WaveChunk)
    chunk = found[0]
    assert (chunk.metric, chunk.sample_rate_hz, chunk.unit, chunk.device_time) == (
        "MDC_PULS_OXIM_PLETH", 125.0, "1", WHEN)
    assert chunk.samples == pytest.approx((0.0, 1.5, 1.0, 0.5), abs=1e-3), (
        "bits above the 12 significant ones are flags, not signal")


def test_pleth_keeps_an_objects_specification_across_polls() -> None:
    protocol = polling_protocol()
    decode(pleth([100]), protocol)
    found = decode(pleth([4095], specs=False), protocol)
    assert isinstance(found[0], WaveChunk) and found[0].samples == pytest.approx((1.5,))


def test_invalid_pleth_is_a_chunk_of_gaps() -> None:
    found = decode(pleth([1000, 2000, 3000], state=codes.INVALID))
    assert isinstance(found[0], WaveChunk)
    assert found[0].samples == (None, None, None)


def test_a_poll_result_whose_lengths_disagree_is_one_format_error() -> None:
    result = bytearray(numerics_result())
    result[7] += 4  # the ROSE length now claims more than the message holds
    found = decode(bytes(result))
    assert errors(found) == ["format"] and numerics(found) == {}


def test_parse_reads_back_what_the_vectors_assemble() -> None:
    message = parse(numerics_result(hr=66))
    assert isinstance(message, PollResult)
    assert (message.invoke_id, message.object_code, message.abs_time, len(message.objects)) == (
        1, 6, WHEN, 2)


def test_a_cut_association_message_is_a_format_error_not_an_association() -> None:
    protocol = IntelliVueProtocol("mon", {})
    protocol.connect(0.0)
    cut = association_result()[:40]
    out = protocol.feed(encode_frame(cut), 0.5)
    assert errors(out.observations) == ["format"]
    assert protocol.phase is Phase.ASSOCIATING
