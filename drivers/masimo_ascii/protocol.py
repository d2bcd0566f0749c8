"""Console side of Masimo ASCII 1: splits lines, parses fields, decodes EXC and ALARM masks.

A line looks like (Rad-8)::

    05/12/13 14:51:32 SN=0000071453 SPO2=098% BPM=064 PI=03.60% DESAT=-- PIDELTA=+--
    ALARM=0000 EXC=000000

(one line, ending CR LF). Rad-7 prints ``PI=00.55`` without the per cent sign, and the
rainbow models add ``SPCO=01.5% SPMET=00.8% SPHB=13.4 PVI=014``. Dashes (``---``,
``--.-``, ``--.--``, ``+--``) mean the oximeter has no valid value: that is "no value",
never 0. There is no checksum (so a flipped or swapped digit is another well-formed
number, which nothing on the line can detect), so the decoder is strict about form: every line
starts with a date and time, each numeric field has its fixed width (SpO2 and pulse
rate three digits, PI ``dd.dd``, SpCO and SpMet ``dd.d``, SpHb ``dd.d``, PVI three
digits, DESAT two, PIDELTA a sign and two), the masks are hexadecimal, the serial
number is letters and digits. A line that breaks any of these is a framing error and
yields no values at all (a dropped byte turns ``BPM=064`` into ``BPM=04``, which must
not be shown as a pulse of 4). Fixed widths do not catch a line cut on a field boundary
and completed by the tail of a later line (``... SPO2=098% BPM=0`` + ``00``), so every
line must also carry the configured model's full field set (``codes.MODEL_FIELDS``),
each field once and in the order the oximeters print them, ending with ALARM and EXC;
a line short of any is a framing error with no values, and so is a line whose bytes
came over more than half a second (the SDK's :class:`~ketaconsole.sdk.LineFrames`).
Bytes in front of a line's date (noise when the cable is plugged in) are reported once
as a sync error and the line after them is decoded.
A line in the ASCII 2 printer format (mixed-case names, the Rad-8's factory setting)
is a framing error that tells the technician to set the serial output to ASCII 1.

While EXC says there is no usable sensor (no sensor, defective, unrecognized, off the
patient) every value on the line is reported as no value even if digits were printed:
the Rad-8 manual's trend sample prints ``SpO2=000 PR=000`` in that state. SpO2 000
and a pulse of 000 without a valid SpO2 are "no reading" (the SDK's
:class:`~ketaconsole.sdk.OximeterReading`), never values.

SpCO, SpMet and SpHb carry their IEEE 11073 terms; PVI, DESAT and PIDELTA have none and
are reported under Masimo's own names (``MASIMO_PVI`` ...), as the catalogue explains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from drivers.masimo_ascii.codes import (
    ALARM_SOUNDING,
    ALARMS,
    EXCEPTIONS,
    FIELD_ORDER,
    MODEL_FIELDS,
    NO_READING_BITS,
    NUMERIC_FIELDS,
)
from ketaconsole.sdk import (
    AlarmSource,
    DeviceAlarm,
    DeviceProtocol,
    ErrorKind,
    Fault,
    Identity,
    LineFrames,
    Numeric,
    Observation,
    OximeterReading,
    ProtocolOutput,
    metric,
    plausible_or_none,
)

MAX_LINE = 512
"""A line longer than this (real ones are about 100-230 bytes) is a framing error."""
OUTPUT_PERIOD_S = 1.0
"""One line a second: a line whose bytes came over half of that is two lines joined."""
LINE_BYTES_PER_S = 960.0
"""9600 8N1, to time the bytes of a line read in two chunks."""

_LINE = re.compile(
    rb"(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)((?: +[A-Z0-9]+=[\x21-\x3c\x3e-\x7e]*)+) *$")
"""Date, time, then ``NAME=value`` fields; a value holds no ``=`` (a lost space would)."""
_FIELD = re.compile(rb"([A-Z0-9]+)=(\S*)")
_ASCII2 = re.compile(rb"\d\d/\d\d/\d\d \d\d:\d\d:\d\d +(?:SpO2|PR|SpCO|SpMet|SpHb)=")
"""An ASCII 2 (printer and trend) line: the same date and time, mixed-case names
(``SpO2=097 PR=069 PI=04.69 EXC=800:SET``). The Rad-8 leaves the factory set to it."""
ASCII2_ADVICE = ("the oximeter sends ASCII 2 (printer) lines, which this driver does not "
                 "read: set the oximeter's serial output to ASCII 1 in its setup menu")
_DASHES = rb"|-+(?:\.-+)?%?"
_FORMS: dict[bytes, re.Pattern[bytes]] = {
    b"SN": re.compile(rb"[0-9A-Za-z]{1,20}" + _DASHES),
    b"SPO2": re.compile(rb"\d{3}%?" + _DASHES),
    b"BPM": re.compile(rb"\d{3}%?" + _DASHES),
    b"PI": re.compile(rb"\d\d\.\d\d%?" + _DASHES),
    b"SPCO": re.compile(rb"\d\d\.\d%?" + _DASHES),
    b"SPMET": re.compile(rb"\d\d\.\d%?" + _DASHES),
    b"SPHB": re.compile(rb"\d\d\.\d" + _DASHES),
    b"PVI": re.compile(rb"\d{3}%?" + _DASHES),
    b"DESAT": re.compile(rb"\d\d" + _DASHES),
    b"PIDELTA": re.compile(rb"[+-](?:\d\d|--)"),
}
_DIGITS = frozenset(b"0123456789")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")
_EXCEPTION_TABLE = tuple((bit, code, text, AlarmSource.TECHNICAL)
                         for bit, (code, text) in EXCEPTIONS.items())
_ALARM_TABLE = tuple(
    (bit, code, f"Oximeter: {text}", source)  # bit meanings: see codes.ALARMS
    for bit, (code, text, source) in ALARMS.items())
_KNOWN_ALARM_BITS = sum(ALARMS)
_ORDER = {name.encode("ascii"): place for place, name in enumerate(FIELD_ORDER)}
_SPO2 = NUMERIC_FIELDS["SPO2"]
_PULSE = NUMERIC_FIELDS["BPM"]
_METRICS = tuple((name.encode("ascii"), metric(refid), *metric(refid).plausible)
                 for name, refid in NUMERIC_FIELDS.items())


class _CorruptLine(ValueError):
    """A line whose form is wrong: nothing on it can be trusted."""


class MasimoAsciiProtocol(DeviceProtocol):
    """Decodes a Masimo oximeter's ASCII 1 stream; sends nothing."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self._lines = LineFrames(max_line=MAX_LINE, period=OUTPUT_PERIOD_S,
                                 bytes_per_second=LINE_BYTES_PER_S)
        self._serial: str | None = None
        self._exceptions = 0
        self._alarms = 0
        self._sounding_unexplained = False
        self._stamp: bytes = b""
        self._stamp_time: datetime | None = None
        self._reading = OximeterReading()
        model = str(self.settings.get("model", "rad8"))
        self._required = frozenset(
            name.encode("ascii") for name in MODEL_FIELDS.get(model, MODEL_FIELDS["rad8"]))
        self.lines = 0

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        found = out.observations
        for item in self._lines.feed(data, now):
            if isinstance(item, Fault):
                found.append(item.report(self.device_id, now))
            else:
                found.extend(self._line(item.text, now))
        return out

    def _line(self, line: bytes, now: float) -> list[Observation]:
        if len(line) > MAX_LINE:
            return [self.error(ErrorKind.FRAMING, f"line longer than {MAX_LINE} bytes", now)]
        if _ASCII2.search(line):
            return [self.error(ErrorKind.FRAMING, f"{ASCII2_ADVICE}: {_shown(line)}", now)]
        match = _LINE.search(line)
        if match is None:
            return [self.error(ErrorKind.FRAMING, f"not an ASCII 1 line: {_shown(line)}", now)]
        found: list[Observation] = []
        if match.start():
            found.append(self.error(
                ErrorKind.SYNC, f"{match.start()} bytes of junk before the line's date", now))
        try:
            found.extend(self._parse(match, now))
        except _CorruptLine as exc:
            found.append(self.error(ErrorKind.FRAMING, f"{exc}: {_shown(line)}", now))
        return found

    def _parse(self, match: re.Match[bytes], now: float) -> list[Observation]:
        pairs = _FIELD.findall(match[7])
        fields = dict(pairs)
        self._check_field_set([name for name, _ in pairs])
        for name, form in _FORMS.items():
            text = fields.get(name)
            if text is not None and not form.fullmatch(text):
                raise _CorruptLine(f"{name.decode()} has the malformed value {text!r}")
        exc = _hex_mask(b"EXC", fields.get(b"EXC"))
        alarm = _hex_mask(b"ALARM", fields.get(b"ALARM"))
        device_time = self._device_time(match)
        self.lines += 1
        found: list[Observation] = []
        serial = fields.get(b"SN")
        if serial and serial[0] != 0x2D and serial.decode("ascii") != self._serial:  # 0x2D: -
            self._serial = serial.decode("ascii")
            found.append(Identity(self.device_id, now, model="Masimo (ASCII 1)",
                                  serial=self._serial))
        no_reading = exc is not None and bool(exc & NO_READING_BITS)
        values: dict[str, float | None] = {}
        for name, known, low, high in _METRICS:
            text = fields.get(name)
            if text is None:
                continue
            value: float | None = None
            if not no_reading and not _DIGITS.isdisjoint(text):  # all dashes: no value
                value = float(text.rstrip(b"%"))
                if not low <= value <= high:  # the range check inline: most values pass
                    value = plausible_or_none(value, known, self.device_id, now, found)
            values[known.refid] = value
        if _SPO2 in values or _PULSE in values:
            values[_SPO2], values[_PULSE] = self._reading.check(
                values.get(_SPO2), values.get(_PULSE), self.device_id, now, found)
        for name, known, _low, _high in _METRICS:
            if name in fields:
                found.append(Numeric(self.device_id, known.refid, values[known.refid],
                                     known.unit, now, device_time))
        if exc is not None and exc != self._exceptions:
            found.extend(self._exceptions_changed(exc, now, device_time))
        if alarm is not None and alarm != self._alarms:
            found.extend(self._alarms_changed(alarm, now, device_time))
        return found

    def _check_field_set(self, names: list[bytes]) -> None:
        """Each field once, in the printed order, the model's full set, ending in EXC."""
        if len(set(names)) != len(names):
            raise _CorruptLine("a field is printed twice (two lines run together)")
        places = [_ORDER[name] for name in names if name in _ORDER]
        if places != sorted(places):
            raise _CorruptLine("fields are out of order (two lines run together)")
        missing = self._required.difference(names)
        if missing:
            shown = ", ".join(sorted(n.decode() for n in missing))
            raise _CorruptLine(f"the line lacks {shown} (cut and joined to another line)")
        if names[-1] not in (b"EXC", b"EXC1"):
            raise _CorruptLine("the line does not end with EXC (cut and joined to another line)")

    def _device_time(self, match: re.Match[bytes]) -> datetime | None:
        stamp = match.group(0)[:17]
        if stamp != self._stamp:
            month, day, year, hour, minute, second = map(int, match.groups()[:6])
            try:
                self._stamp_time = datetime(year + (2000 if year < 69 else 1900), month, day,
                                            hour, minute, second)
            except ValueError:
                self._stamp_time = None
            self._stamp = stamp
        return self._stamp_time

    def _exceptions_changed(self, mask: int, now: float,
                            device_time: datetime | None) -> list[Observation]:
        changed = self._exceptions ^ mask
        self._exceptions = mask
        return [DeviceAlarm(self.device_id, code, text, source, bool(mask & bit), now,
                            device_time)
                for bit, code, text, source in _EXCEPTION_TABLE if changed & bit]

    def _alarms_changed(self, mask: int, now: float,
                        device_time: datetime | None) -> list[Observation]:
        changed = self._alarms ^ mask
        self._alarms = mask
        found: list[Observation] = [
            DeviceAlarm(self.device_id, code, text, source, bool(mask & bit), now, device_time)
            for bit, code, text, source in _ALARM_TABLE if changed & bit]
        unexplained = bool(mask & ALARM_SOUNDING) and not mask & _KNOWN_ALARM_BITS
        if unexplained != self._sounding_unexplained:
            self._sounding_unexplained = unexplained
            found.append(DeviceAlarm(self.device_id, "device-alarm", "Oximeter alarm sounding",
                                     AlarmSource.PHYSIOLOGICAL, unexplained, now, device_time))
        return found


def _hex_mask(name: bytes, text: bytes | None) -> int | None:
    if text is None:
        return None
    if not _HEX.fullmatch(text):
        raise _CorruptLine(f"{name.decode()} mask {text!r} is not hexadecimal")
    return int(text, 16)


def _shown(line: bytes) -> str:
    return repr(line[:60].decode("ascii", "replace"))
