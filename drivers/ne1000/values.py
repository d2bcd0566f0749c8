"""NE-1000 numbers and reply data: the 4-digit float form and each query's reply grammar.

The manual's ``<float>`` has at most four digits and one decimal point, with at most
three digits after the point. Each query answers in a form of its own, so a reply can
be checked against the question it is supposed to answer:

- ``RAT``: ``<float><rate units>`` (``UM``, ``MM``, ``UH``, ``MH``), e.g. ``52.50MH``
- ``DIS``: ``I<float>W<float><volume units>`` (``UL``, ``ML``), e.g. ``I4.375W0.000ML``
- ``VOL``: ``<float><volume units>``, e.g. ``35.00ML``
- ``DIA``: ``<float>`` (millimetres), e.g. ``26.59``
- ``DIR``: ``INF`` or ``WDR``
- ``VER``: ``NE<model>[X[<upgrade>]]V<major>.<minor>``, e.g. ``NE1000V3.928``
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from drivers.ne1000.codes import RATE_TO_ML_H, VOLUME_TO_ML

_FLOAT = r"(\d{1,4}(?:\.\d{0,3})?|\.\d{1,3})"
_RATE = re.compile(_FLOAT + r"(UM|MM|UH|MH)")
_VOLUME = re.compile(_FLOAT + r"(UL|ML)")
_DISPENSED = re.compile(r"I" + _FLOAT + r"W" + _FLOAT + r"(UL|ML)")
_DIAMETER = re.compile(_FLOAT)
_VERSION = re.compile(r"NE(\d+)(?:X(\d*))?V(\d+)\.(\d+)")


class ValueFormError(ValueError):
    """A number the pump's 4-digit float form cannot carry."""


def format_float(value: float) -> str:
    """``value`` in the pump's float form, as precisely as four digits allow."""
    if not math.isfinite(value) or value < 0:
        raise ValueFormError(f"{value} cannot be sent to the pump")
    for decimals in (3, 2, 1, 0):
        text = f"{value:.{decimals}f}"
        if len(text.replace(".", "")) <= 4:
            return text
    raise ValueFormError(f"{value:g} has more than four digits before the decimal point")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


@dataclass(frozen=True, slots=True)
class Dispensed:
    """The pump's two dispensed-volume counters, in mL."""

    infused_ml: float
    withdrawn_ml: float


@dataclass(frozen=True, slots=True)
class Version:
    """What ``VER`` says: model number, firmware version and upgrade level."""

    model: str
    firmware: str
    upgrade: str | None


def parse_rate(data: str) -> float | None:
    """A ``RAT`` reply as mL/h, or ``None`` if the data is not a rate."""
    match = _RATE.fullmatch(data)
    if match is None:
        return None
    return _float(match[1]) * RATE_TO_ML_H[match[2]]


def parse_volume(data: str) -> float | None:
    """A ``VOL`` reply as mL, or ``None``."""
    match = _VOLUME.fullmatch(data)
    if match is None:
        return None
    return _float(match[1]) * VOLUME_TO_ML[match[2]]


def parse_dispensed(data: str) -> Dispensed | None:
    """A ``DIS`` reply as infused and withdrawn mL, or ``None``."""
    match = _DISPENSED.fullmatch(data)
    if match is None:
        return None
    factor = VOLUME_TO_ML[match[3]]
    return Dispensed(_float(match[1]) * factor, _float(match[2]) * factor)


def parse_diameter(data: str) -> float | None:
    """A ``DIA`` reply in mm, or ``None``."""
    match = _DIAMETER.fullmatch(data)
    return _float(match[1]) if match is not None else None


def parse_direction(data: str) -> str | None:
    return data if data in ("INF", "WDR") else None


def parse_version(data: str) -> Version | None:
    match = _VERSION.fullmatch(data)
    if match is None:
        return None
    return Version(match[1], f"{match[3]}.{match[4]}", match[2])


PARSERS = {
    "RAT": parse_rate,
    "DIS": parse_dispensed,
    "VOL": parse_volume,
    "DIA": parse_diameter,
    "DIR": parse_direction,
    "VER": parse_version,
}


def recognise(data: str) -> str | None:
    """Which query a reply's data answers when its form says so unambiguously.

    ``DIA`` (a bare number) is left out: a bare number could answer other queries.
    """
    if data[:1] == "I" and parse_dispensed(data) is not None:
        return "DIS"
    tail = data[-2:]
    if tail in RATE_TO_ML_H and parse_rate(data) is not None:
        return "RAT"
    if tail in VOLUME_TO_ML and parse_volume(data) is not None:
        return "VOL"
    if data in ("INF", "WDR"):
        return "DIR"
    if data[:2] == "NE" and parse_version(data) is not None:
        return "VER"
    return None
