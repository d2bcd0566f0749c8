"""The IntelliVue monitor's own alarms and INOPs: exact bytes in, alarms raised and cleared.

The alarm lists are written here byte by byte from the DevAlarmList / DevAlarmEntry /
StrAlMonInfo layouts (programming guide; Koshsky/Intellivue-api for the same layouts),
not with the simulator's encoder, and framed as the Alert Monitor's poll result.
"""

from __future__ import annotations

import struct
from datetime import datetime

import pytest

from drivers.intellivue_mib import DRIVER as INTELLIVUE
from drivers.intellivue_mib.alerts import read_alarm_list
from drivers.intellivue_mib.framing import encode_frame
from drivers.intellivue_mib.protocol import IntelliVueProtocol
from drivers.intellivue_mib.wire import MessageError
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import AlarmSource, DeviceAlarm, Observation, ProtocolError
from ketaconsole.sim.virtual_patient import scenario
from tests.drivers.intellivue_vectors import WHEN, ava, observation, poll_result

P_LIST, T_LIST = 0x0902, 0x0904
SPO2, SPO2_LOW, SENSOR_DISCONN = 0x4BB8, 0x003E, 0x0134
NOW = 50.0


def text_info(text: str, *, priority: int = 2, flags: int = 0x4000) -> bytes:
    """StrAlMonInfo: instance, text id, priority, flags, then String (bytes, UTF-16BE, 0)."""
    raw = text.encode("utf-16-be") + b"\x00\x00"
    return struct.pack(">HIHHH", 1, 0, priority, flags, len(raw)) + raw


def entry(source: int, code: int, alert_type: int, info: bytes, *, state: int = 0x0008,
          info_id: int = 516) -> bytes:
    """DevAlarmEntry: source, code, type, state, object (class, context, handle), info."""
    return struct.pack(">HHHHHHHHH", source, code, alert_type, state, 0x0036, 0, 1, info_id,
                       len(info)) + info


def alarm_list(*entries: bytes) -> bytes:
    body = b"".join(entries)
    return struct.pack(">HH", len(entries), len(body)) + body


def alerts_result(p_list: bytes | None, t_list: bytes | None = alarm_list()) -> bytes:
    avas = [ava(attribute, value) for attribute, value in ((P_LIST, p_list), (T_LIST, t_list))
            if value is not None]
    return poll_result([observation(30, *avas)], object_code=0x36)


def feed(protocol: IntelliVueProtocol, message: bytes) -> list[Observation]:
    return protocol.feed(encode_frame(message), NOW).observations


def alarms(observations: list[Observation]) -> list[DeviceAlarm]:
    return [o for o in observations if isinstance(o, DeviceAlarm)]


SPO2_LOW_ENTRY = entry(SPO2, SPO2_LOW, 0x0200, text_info("**SpO2 88 < 90"))


def test_a_patient_alarm_with_the_monitors_text_and_priority_is_raised() -> None:
    found = feed(IntelliVueProtocol("mon", {}), alerts_result(alarm_list(SPO2_LOW_ENTRY)))
    assert found == [DeviceAlarm("mon", "p-4BB8-003E", "SpO2 88 < 90 (medium priority)",
                                 AlarmSource.PHYSIOLOGICAL, True, NOW, WHEN,
                                 priority="medium")]


def test_an_alarm_gone_from_the_next_list_is_cleared_and_an_unchanged_one_is_not_repeated(
        ) -> None:
    protocol = IntelliVueProtocol("mon", {})
    feed(protocol, alerts_result(alarm_list(SPO2_LOW_ENTRY)))
    again = entry(SPO2, SPO2_LOW, 0x0200, text_info("**SpO2 87 < 90"))
    assert alarms(feed(protocol, alerts_result(alarm_list(again)))) == []
    (cleared,) = alarms(feed(protocol, alerts_result(alarm_list())))
    assert (cleared.code, cleared.active, cleared.text) == (
        "p-4BB8-003E", False, "SpO2 88 < 90 (medium priority)")


def test_an_inop_is_a_technical_alarm_and_a_list_left_out_changes_nothing() -> None:
    protocol = IntelliVueProtocol("mon", {})
    inop = entry(SPO2, SENSOR_DISCONN, 0x0002, text_info("SpO2 SENSOR OFF"))
    (raised,) = alarms(feed(protocol, alerts_result(alarm_list(), alarm_list(inop))))
    assert (raised.code, raised.source, raised.active, raised.text) == (
        "t-4BB8-0134", AlarmSource.TECHNICAL, True, "SpO2 SENSOR OFF (medium-priority INOP)")
    assert alarms(feed(protocol, alerts_result(alarm_list(), None))) == []
    (cleared,) = alarms(feed(protocol, alerts_result(alarm_list(), alarm_list())))
    assert (cleared.code, cleared.active) == ("t-4BB8-0134", False)


def test_an_alarm_without_text_is_named_by_its_source_and_event() -> None:
    general = entry(SPO2, SPO2_LOW, 0x0400, struct.pack(">HIHH", 1, 0, 3, 0), info_id=513)
    (raised,) = alarms(feed(IntelliVueProtocol("mon", {}), alerts_result(alarm_list(general))))
    assert raised.text == "SpO\u2082 low (high priority)"


@pytest.mark.parametrize(("state", "note"), [(0x8000, "alarms off on the monitor"),
                                             (0x4000, "paused on the monitor")])
def test_an_alarm_switched_off_or_paused_on_the_monitor_says_so(state: int, note: str) -> None:
    paused = entry(SPO2, SPO2_LOW, 0x0200, text_info("**SpO2 88 < 90"), state=state)
    (raised,) = alarms(feed(IntelliVueProtocol("mon", {}), alerts_result(alarm_list(paused))))
    assert raised.text == f"SpO2 88 < 90 (medium priority, {note})"


def test_private_characters_become_plain_text_and_priority_marks_become_words() -> None:
    starred = entry(SPO2, SPO2_LOW, 0x0400, text_info("\ue40d\ue40d\ue40dDesat 79, O2 2 \ue400"))
    (raised,) = alarms(feed(IntelliVueProtocol("mon", {}), alerts_result(alarm_list(starred))))
    assert raised.text == "Desat 79, O2 2 l/min (high priority)"


@pytest.mark.parametrize("broken", [
    alarm_list(SPO2_LOW_ENTRY)[:-3],  # the list ends inside its entry
    struct.pack(">HH", 2, len(SPO2_LOW_ENTRY)) + SPO2_LOW_ENTRY,  # says two, holds one
    alarm_list(entry(SPO2, SPO2_LOW, 0x0200, text_info("x")[:-2] + b"\x00\x41")),  # no end
])
def test_a_malformed_alarm_list_is_one_format_error_and_no_alarm(broken: bytes) -> None:
    found = feed(IntelliVueProtocol("mon", {}), alerts_result(broken))
    assert alarms(found) == []
    assert [o.error for o in found if isinstance(o, ProtocolError)] == ["format"]


def test_a_list_whose_length_disagrees_is_refused_before_any_entry_is_read() -> None:
    with pytest.raises(MessageError, match="says 7 bytes"):
        read_alarm_list(struct.pack(">HH", 1, 7) + SPO2_LOW_ENTRY)


@pytest.mark.parametrize(("story", "code", "source"), [
    ("desaturation", "p-4BB8-003E", AlarmSource.PHYSIOLOGICAL),
    ("sensor-off", "t-4BB8-0134", AlarmSource.TECHNICAL),
])
def test_the_simulated_monitor_raises_and_clears_its_alarm_with_the_scenario(
        story: str, code: str, source: AlarmSource) -> None:
    settings = INTELLIVUE.info.resolve_settings({"pleth": "no"})
    talk = converse(INTELLIVUE, 960.0, settings=settings, story=scenario(story), step=0.5)
    changes = [(a.active, a.source) for a in alarms(talk.observations) if a.code == code]
    assert changes[:2] == [(True, source), (False, source)]
    assert not [o for o in talk.observations if isinstance(o, ProtocolError)]
    assert all(isinstance(a.device_time, datetime) for a in alarms(talk.observations))
