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
checksum, so a data line that does not parse yields no values at all, and a line whose
bytes came over more than half a second (a line takes about 20 ms; one line is printed a
second) is parts of two lines joined where bytes were lost: it yields no values either
(the SDK's :class:`~ketaconsole.sdk.LineFrames` times each line).
"""

from __future__ import annotations

import re

from drivers.nonin.decoding import Decoded, FormatDecoder
from drivers.nonin.values import readings
from ketaconsole.sdk import ErrorKind, Fault, Identity, LineFrames, Observation

MAX_LINE = 256
OUTPUT_PERIOD_S = 1.0
"""The oximeter prints one line a second."""
LINE_BYTES_PER_S = 960.0
"""9600 8N1: the time each byte of a chunk took, to time a line read in two chunks."""
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
        self._lines = LineFrames(
            max_line=MAX_LINE, period=OUTPUT_PERIOD_S, bytes_per_second=LINE_BYTES_PER_S,
            too_long=f"no line end within {MAX_LINE} bytes; check the format setting and "
                     "the baud rate")
        self._first_line = True
        self._readings: dict[bytes, list[Observation]] = {}
        """The readings of data lines already read at ``_readings_at`` (the same line read
        at the same time gives the same, immutable, observations)."""
        self._readings_at: float | None = None

    def feed(self, data: bytes, now: float) -> Decoded:
        out = Decoded()
        for item in self._lines.feed(data, now):
            if isinstance(item, Fault):
                self._first_line = False
                out.observations.append(item.report(self.device_id, now))
                continue
            line = item.text
            if self._first_line and not _DATA.match(line):
                self._first_line = False  # most likely the tail of a line sent before
                continue  # the console listened
            self._first_line = False
            out.observations.extend(self._line(line, now))
        return out

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
        found = readings(self.device_id, _number(match["spo2"]), _number(match["hr"]), now)
        self._readings[line] = found
        return found
