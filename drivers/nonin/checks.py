"""The frame checks of the Nonin binary formats, and what a stretch of unframed bytes is.

Formats #2 and #7 carry a checksum (the sum of bytes 1-4 modulo 256); format #8 carries
none, only its high bits (set on byte 1, clear on bytes 2-4). :func:`recognise` names
the format a stretch of bytes most likely is, so that an oximeter still sending another
format (the 9560 keeps its format across power-off and takes the format-select command
only in its first seconds) is reported as such instead of as noise.
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.nonin.codes import FORMAT2_START, STATUS_ALWAYS
from ketaconsole.sdk import ErrorKind

RECOGNISED_RUN = 3
"""Good frames in a row that make a stretch of bytes count as a format."""


def checksum(frame: bytes) -> int:
    return (frame[0] + frame[1] + frame[2] + frame[3]) & 0xFF


def check_format2(frame: bytes) -> ErrorKind | None:
    if frame[0] != FORMAT2_START or not frame[1] & STATUS_ALWAYS:
        return ErrorKind.FRAMING
    return None if checksum(frame) == frame[4] else ErrorKind.CHECKSUM


def check_format7(frame: bytes) -> ErrorKind | None:
    if not frame[0] & STATUS_ALWAYS:
        return ErrorKind.FRAMING
    return None if checksum(frame) == frame[4] else ErrorKind.CHECKSUM


FORMAT8_MAX_PULSE_RATE = 321
FORMAT8_MAX_SPO2 = 100
MISSING_PULSE_RATE = 511
MISSING_SPO2 = 127


def check_format8(packet: bytes) -> ErrorKind | None:
    """Format #8 has no checksum: a packet has its high bits right and carries a pulse
    rate (0-321) and SpO2 (0-100) in the specification's range, or their missing codes."""
    if not packet[0] & STATUS_ALWAYS or (packet[1] | packet[2] | packet[3]) & STATUS_ALWAYS:
        return ErrorKind.FRAMING
    rate = (packet[0] & 0x03) << 7 | packet[1]
    if rate > FORMAT8_MAX_PULSE_RATE and rate != MISSING_PULSE_RATE:
        return ErrorKind.FRAMING
    if FORMAT8_MAX_SPO2 < packet[2] != MISSING_SPO2:
        return ErrorKind.FRAMING
    return None


_FORMATS: tuple[tuple[str, int, Callable[[bytes], ErrorKind | None]], ...] = (
    ("2", 5, check_format2), ("7", 5, check_format7), ("8", 4, check_format8))


def _has_run(data: bytes, length: int, check: Callable[[bytes], ErrorKind | None]) -> bool:
    run = RECOGNISED_RUN * length
    for start in range(len(data) - run + 1):
        if all(check(data[j:j + length]) is None for j in range(start, start + run, length)):
            return True
    return False


def recognise(data: bytes, expected: str) -> str | None:
    """The output format ("2", "7", "8" or "ascii") ``data`` most likely is, other than
    ``expected``; ``None`` when it looks like none of them."""
    if b"SPO2=" in data and expected != "ascii":
        return "ascii"
    for name, length, check in _FORMATS:
        if name != expected and _has_run(data, length, check):
            return name
    return None


def explain_junk(expected: str) -> Callable[[bytes], str]:
    """The hunter's explanation of a stretch with no frame of format ``expected``."""
    def explain(data: bytes) -> str:
        found = recognise(data, expected)
        if found is None:
            return ("the bytes look like no Nonin output format; check the line settings "
                    "(9600 baud, 8N1) and the cable")
        shown = "ASCII lines (SPO2=... HR=...)" if found == "ascii" else f"data format #{found}"
        return (f"the oximeter most likely sends {shown}; it keeps its format across "
                "power-off and takes the format command only in its first seconds, so "
                "switch it off and on while the console is connected, or set the format "
                f"it sends ({found}) in the device settings")
    return explain
