"""Decodes the ASCII real-time output of Nonin's display oximeters (Avant 9600, Avant 4000
/ BT4000, 8600V, 2500, 9847): one text line a second.

From the operator's manuals' "Real-Time Patient Data Output" sections::

    SPO2=097 HR=072            the SpO2 and pulse rate values
    SPO2=097 HR=072 F          fast-responding values (DIP switch 8 up)
    SPO2=097 HR=072*           an event marked on the oximeter
    12:34:56 SPO2=097 HR=072   models that print their clock first (8600V, 9847)
    SPO2=--- HR=---            no data: dashes, which are "no value", never a number

Lines end CR LF. At power-up the oximeter prints a header naming the format and the
time; a printable line without ``SPO2=`` is taken as that header. There is no
checksum, so a data line that does not parse yields no values at all.
"""

from __future__ import annotations

import re

from drivers.nonin.decoding import Decoded, FormatDecoder
from drivers.nonin.values import PULSE_RATE, SPO2, reading
from ketaconsole.sdk import ErrorKind, Identity, Observation

MAX_LINE = 256
REMEMBERED_LINES = 64
"""Distinct data lines whose readings are kept for reuse within one reading time."""
_DATA = re.compile(
    rb"^(?:(?P<clock>\d\d:\d\d:\d\d) +)?SPO2=(?P<spo2>\d{3}|---) +"
    rb"HR=(?P<hr>\d{3}|---)(?P<marks>[ FB*]*)$")
_PRINTABLE = re.compile(rb"^[\x20-\x7e\t]+$")


def _number(text: bytes) -> int | None:
    return None if text.startswith(b"-") else int(text)


class AsciiLineDecoder(FormatDecoder):
    """SPO2=XXX HR=YYY lines, one a second; nothing is sent to the oximeter."""

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id)
        self._buffer = bytearray()
        self._discarding = False
        self._first_line = True
        self._readings: dict[bytes, list[Observation]] = {}
        """The readings of data lines already read at ``_readings_at`` (the same line read
        at the same time gives the same, immutable, observations)."""
        self._readings_at: float | None = None

    def feed(self, data: bytes, now: float) -> Decoded:
        out = Decoded()
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE:
                    if not self._discarding:
                        out.observations.append(self.error(
                            ErrorKind.FRAMING, f"no line end within {MAX_LINE} bytes; check the "
                                       "format setting and the baud rate", now))
                    self._discarding = True
                    del self._buffer[:]
                return out
            line = bytes(self._buffer[:end]).strip(b"\r\x00 ")
            del self._buffer[:end + 1]
            if self._discarding:
                self._discarding = False
                continue
            if not line:
                continue
            if self._first_line and not _DATA.match(line):
                self._first_line = False  # most likely the tail of a line sent before
                continue  # the console listened
            self._first_line = False
            out.observations.extend(self._line(line, now))

    def _line(self, line: bytes, now: float) -> list[Observation]:
        if now != self._readings_at or len(self._readings) >= REMEMBERED_LINES:
            self._readings.clear()
            self._readings_at = now
        known = self._readings.get(line)
        if known is not None:
            self.frames += 1
            return known
        match = _DATA.match(line)
        if match is None:
            shown = line[:60].decode("ascii", "replace")
            if b"SPO2" in line.upper() or b"HR=" in line or not _PRINTABLE.match(line):
                return [self.error(ErrorKind.FRAMING, f"not a Nonin data line: {shown!r}", now)]
            return [Identity(self.device_id, now, model="Nonin pulse oximeter",
                             details={"header": shown})]
        self.frames += 1
        readings = [
            *reading(self.device_id, SPO2, _number(match["spo2"]), now),
            *reading(self.device_id, PULSE_RATE, _number(match["hr"]), now)]
        self._readings[line] = readings
        return readings
