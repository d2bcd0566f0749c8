"""Console side of Masimo ASCII 1: splits lines, parses fields, decodes EXC and ALARM masks.

A line looks like (Rad-8)::

    05/12/13 14:51:32 SN=0000071453 SPO2=098% BPM=064 PI=03.60% DESAT=-- PIDELTA=+--
    ALARM=0000 EXC=000000

(one line, ending CR LF). Rad-7 prints ``PI=00.55`` without the per cent sign. Dashes
(``---``, ``--.-``) mean the oximeter has no valid value: that is "no value", never 0.
There is no checksum, so a line that does not parse is a framing error and yields no
values at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ketaconsole.sdk import (
    AlarmSource,
    DeviceAlarm,
    DeviceProtocol,
    Identity,
    Numeric,
    Observation,
    ProtocolOutput,
    metric,
)

from drivers.masimo_ascii.codes import (
    ALARM_SOUNDING,
    ALARMS,
    EXCEPTIONS,
    NUMERIC_FIELDS,
)

MAX_LINE = 512
_LINE = re.compile(
    rb"^(?P<date>\d\d/\d\d/\d\d) (?P<time>\d\d:\d\d:\d\d)(?P<fields>(?: +[A-Z0-9]+=\S*)+) *$")
_FIELD = re.compile(r"([A-Z0-9]+)=(\S*)")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


class MasimoAsciiProtocol(DeviceProtocol):
    """Decodes a Masimo oximeter's ASCII 1 stream; sends nothing."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self._buffer = bytearray()
        self._discarding = False
        self._serial: str | None = None
        self._exceptions = 0
        self._alarms = 0
        self.lines = 0

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE:
                    if not self._discarding:
                        out.observations.append(self.error(
                            "framing", f"no line end within {MAX_LINE} bytes", now))
                    self._discarding = True
                    del self._buffer[:]
                break
            line = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            if self._discarding:  # the tail of an over-long line
                self._discarding = False
                continue
            if line.strip():
                out.observations.extend(self._parse(line.strip(b"\r\x00 "), now))
        return out

    def _parse(self, line: bytes, now: float) -> list[Observation]:
        match = _LINE.match(line)
        if match is None:
            shown = line[:60].decode("ascii", "replace")
            return [self.error("framing", f"not an ASCII 1 line: {shown!r}", now)]
        fields = dict(_FIELD.findall(match["fields"].decode("ascii")))
        try:
            device_time: datetime | None = datetime.strptime(
                (match["date"] + b" " + match["time"]).decode(), "%m/%d/%y %H:%M:%S")
        except ValueError:
            device_time = None
        self.lines += 1
        found: list[Observation] = []
        found.extend(self._identity(fields.get("SN"), now))
        for name, refid in NUMERIC_FIELDS.items():
            if name in fields:
                found.extend(self._numeric(refid, fields[name], now, device_time))
        found.extend(self._mask("EXC", fields.get("EXC"), now, device_time))
        found.extend(self._mask("ALARM", fields.get("ALARM"), now, device_time))
        return found

    def _identity(self, serial: str | None, now: float) -> list[Observation]:
        if serial is None or set(serial) <= {"-"} or serial == self._serial:
            return []
        self._serial = serial
        return [Identity(self.device_id, now, model="Masimo (ASCII 1)", serial=serial)]

    def _numeric(self, refid: str, text: str, now: float,
                 device_time: datetime | None) -> list[Observation]:
        known = metric(refid)
        raw = text.rstrip("%")
        value: float | None = None
        errors: list[Observation] = []
        if _NUMBER.match(raw):
            value = float(raw)
            if not known.is_plausible(value):
                errors.append(self.error(
                    "value", f"{refid} {raw} is outside {known.plausible}", now))
                value = None
        elif raw and set(raw) <= {"-", ".", "+"}:
            value = None  # dashes: the oximeter has no valid value
        else:
            errors.append(self.error("value", f"{refid} has unreadable value {text!r}", now))
        return [*errors, Numeric(self.device_id, refid, value, known.unit, now, device_time)]

    def _mask(self, name: str, text: str | None, now: float,
              device_time: datetime | None) -> list[Observation]:
        if text is None:
            return []
        try:
            mask = int(text, 16)
        except ValueError:
            return [self.error("value", f"{name} mask {text!r} is not hexadecimal", now)]
        previous = self._exceptions if name == "EXC" else self._alarms
        changed = previous ^ mask
        if name == "EXC":
            self._exceptions = mask
            table = {bit: (code, text_, AlarmSource.TECHNICAL)
                     for bit, (code, text_) in EXCEPTIONS.items()}
        else:
            self._alarms = mask
            table = {bit: (code, f"{text_} (oximeter alarm; bit meaning reverse-engineered)",
                           source) for bit, (code, text_, source) in ALARMS.items()}
        found: list[Observation] = []
        for bit, (code, label, source) in table.items():
            if changed & bit:
                found.append(DeviceAlarm(self.device_id, code, label, source,
                                         bool(mask & bit), now, device_time))
        if name == "ALARM" and changed & ALARM_SOUNDING and not mask & 0x0F:
            found.append(DeviceAlarm(self.device_id, "device-alarm", "Oximeter alarm sounding",
                                     AlarmSource.PHYSIOLOGICAL, bool(mask & ALARM_SOUNDING),
                                     now, device_time))
        return found
