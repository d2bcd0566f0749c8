"""The monitor's own alarms and INOPs, from its Alert Monitor object (NOM_MOC_VMO_AL_MON).

An extended poll of the Alert Monitor answers, every poll period, with the whole list of
alarms active on the monitor: ``NOM_ATTR_AL_MON_P_AL_LIST`` for patient alarms and
``NOM_ATTR_AL_MON_T_AL_LIST`` for technical alarms (INOPs). Each list is a DevAlarmList
(count, length, entries); an entry is DevAlarmEntry::

    al_source u16, al_code u16, al_type u16, al_state u16,
    object (class u16, context u16, handle u16), alert_info_id u16, length u16,
    alert info (``length`` bytes)

and the alert info is AlMonGenInfo (instance u16, text id u32, priority u16, flags u16)
or StrAlMonInfo, the same followed by a String (byte length u16, UTF-16BE text ending in
a zero character): the alarm text as the monitor shows it ("**SpO2 88 < 90"), which
the console gives without the monitor's priority marks. Any other
info is skipped by its length.

The console sees a change of the list: an entry that appears is an alarm raised, one that
is gone from the next list is an alarm cleared. An alarm is known by its list, source and
code (``p-4BB8-003E``: a patient alarm of SpO2, "low"), so the same alarm at another text
(the value in it changes) is not raised again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.wire import MessageError, Reader, u16
from ketaconsole.sdk import AlarmSource, DeviceAlarm, Observation, metric

_ENTRY = struct.Struct(">HHHHHHHHH")  # source, code, type, state, object (3), info id, length
_GEN_INFO = struct.Struct(">HIHH")  # instance, text id, priority, flags
_LISTS = ((codes.NOM_ATTR_AL_MON_P_AL_LIST, "p", AlarmSource.PHYSIOLOGICAL),
          (codes.NOM_ATTR_AL_MON_T_AL_LIST, "t", AlarmSource.TECHNICAL))


@dataclass(frozen=True, slots=True)
class AlarmEntry:
    """One alarm as the monitor lists it."""

    source: int
    code: int
    alert_type: int
    state: int
    text: str | None = None

    @property
    def priority(self) -> str:
        return codes.ALERT_PRIORITIES.get(self.alert_type, "unknown priority")


def read_alarm_list(value: bytes) -> list[AlarmEntry]:
    """The entries of one DevAlarmList attribute."""
    reader = Reader(value)
    count, length = reader.u16(), reader.u16()
    if length != reader.remaining():
        raise MessageError(f"an alarm list says {length} bytes and holds {reader.remaining()}")
    entries = []
    for _ in range(count):
        source, code, alert_type, state, _cls, _ctx, _handle, info_id, size = \
            reader.unpack(_ENTRY)
        info = reader.sub(size)
        text = _string_info(info) if info_id == codes.STR_ALMON_INFO else None
        entries.append(AlarmEntry(source, code, alert_type, state, text))
    if reader.remaining():
        raise MessageError(f"{reader.remaining()} bytes after the alarm list's {count} entries")
    return entries


def _string_info(info: Reader) -> str:
    info.unpack(_GEN_INFO)
    size = info.u16()
    raw = info.take(size)
    if size % 2 or raw[-2:] != b"\x00\x00":
        raise MessageError("an alarm text is not zero-terminated UTF-16")
    text = raw[:-2].decode("utf-16-be", "replace")
    return "".join(codes.PRIVATE_CHARACTERS.get(char, char) for char in text).strip()


def alarm_list(entries: list[AlarmEntry]) -> bytes:
    """A DevAlarmList attribute value holding ``entries`` (the simulated monitor's side)."""
    body = b""
    for entry in entries:
        info = u16(0) + (0).to_bytes(4, "big") + u16(0) + u16(0)
        info_id = codes.GEN_ALMON_INFO
        if entry.text is not None:
            text = entry.text.encode("utf-16-be") + b"\x00\x00"
            info += u16(len(text)) + text
            info_id = codes.STR_ALMON_INFO
        body += (_ENTRY.pack(entry.source, entry.code, entry.alert_type, entry.state,
                             codes.NOM_MOC_VMO_AL_MON, 0, 0, info_id, len(info)) + info)
    return u16(len(entries)) + u16(len(body)) + body


def describe(entry: AlarmEntry) -> str:
    """The alarm in words: the monitor's own text, else its source and event.

    The monitor's priority marks (``***``, ``**``, ``*``, ``!!``) are left off the text:
    the console shows priority its own way, and the words say the monitor's priority.
    """
    words = (entry.text or "").lstrip("*! ") or _generic(entry)
    notes = [entry.priority]
    if entry.state & codes.AL_INHIBITED:
        notes.append("alarms off on the monitor")
    elif entry.state & codes.AL_SUSPENDED:
        notes.append("paused on the monitor")
    return f"{words} ({', '.join(notes)})"


def _generic(entry: AlarmEntry) -> str:
    refid = codes.NUMERIC_METRICS.get(entry.source) or codes.WAVE_METRICS.get(entry.source)
    subject = metric(refid).short if refid else f"source {entry.source:04X}"
    event = codes.ALERT_EVENTS.get(entry.code, f"event {entry.code:04X}")
    return f"{subject} {event}"


class AlertTracker:
    """Turns successive alarm lists of one monitor into alarms raised and cleared."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self._active: dict[str, DeviceAlarm] = {}

    def update(self, attributes: dict[int, bytes], when: datetime | None,
               now: float) -> list[Observation]:
        found: list[Observation] = []
        for attribute_id, prefix, source in _LISTS:
            value = attributes.get(attribute_id)
            if value is None:
                continue  # this list was not in the reply: nothing is known to have changed
            listed: dict[str, DeviceAlarm] = {}
            for entry in read_alarm_list(value):
                key = f"{prefix}-{entry.source:04X}-{entry.code:04X}"
                listed.setdefault(key, DeviceAlarm(
                    self.device_id, key, describe(entry), source, True, now, when,
                    priority=codes.ALERT_LEVELS.get(entry.alert_type)))
            mine = {k: a for k, a in self._active.items() if k.startswith(prefix + "-")}
            for key, alarm in listed.items():
                if key not in mine:
                    self._active[key] = alarm
                    found.append(alarm)
            for key, alarm in mine.items():
                if key not in listed:
                    del self._active[key]
                    found.append(DeviceAlarm(self.device_id, key, alarm.text, source, False,
                                             now, when, priority=alarm.priority))
        return found
