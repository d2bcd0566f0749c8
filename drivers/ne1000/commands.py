"""NE-1000 commands: the texts the console sends, framed for basic or safe mode.

A command is ``[address]COMMAND[arguments]`` (``0RAT52.50MH``, ``0RUN``); without
arguments most commands are queries. The console always puts the pump's address in
front, so the right pump answers on a daisy-chained line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.ne1000.codes import QUERIES
from drivers.ne1000.framing import basic_command, safe_packet
from drivers.ne1000.values import ValueFormError, format_float

MIN_DIAMETER_MM = 0.1
MAX_DIAMETER_MM = 80.0
MIN_RATE_ML_H = 0.001
MAX_RATE_ML_H = 9999.0 * 60.0
MAX_VTBI_ML = 9999.0

_COMMAND = re.compile(r"(\d{0,2})([A-Z]{0,3})(.*)")


class ControlDisabledError(PermissionError):
    """A control command asked for while pump control is off for this device."""


class ControlValueError(ValueError):
    """A control command with a value the pump cannot take."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command: its name (``""`` for the bare status query) and arguments."""

    name: str
    args: str = ""

    @property
    def is_query(self) -> bool:
        """True for a command that only reads (it changes nothing on the pump)."""
        return self.name in QUERIES and self.args == ""

    def text(self, address: int) -> str:
        return f"{address}{self.name}{self.args}"

    def frame(self, address: int, *, safe: bool) -> bytes:
        text = self.text(address)
        return safe_packet(text) if safe else basic_command(text)


def parse_command(text: str) -> tuple[int | None, Command] | None:
    """``"0RAT52.50MH"`` -> ``(0, Command("RAT", "52.50MH"))``; ``None`` if unreadable."""
    match = _COMMAND.fullmatch(text)
    if match is None:
        return None
    address = int(match[1]) if match[1] else None
    return address, Command(match[2], match[3])


def _float_arg(value: float, what: str) -> str:
    try:
        return format_float(value)
    except ValueFormError as exc:
        raise ControlValueError(f"{what} {value:g} cannot be sent to the pump ({exc})") from None


def set_diameter(mm: float) -> list[Command]:
    if not MIN_DIAMETER_MM <= mm <= MAX_DIAMETER_MM:
        raise ControlValueError(
            f"syringe diameter {mm:g} mm is outside {MIN_DIAMETER_MM:g}-{MAX_DIAMETER_MM:g} mm; "
            "enter the inside diameter of the syringe in the pump")
    return [Command("DIA", _float_arg(mm, "diameter"))]


def set_rate(ml_h: float) -> list[Command]:
    """The rate in mL/h where four digits carry it, else in mL/min."""
    if not MIN_RATE_ML_H <= ml_h <= MAX_RATE_ML_H:
        raise ControlValueError(
            f"rate {ml_h:g} mL/h is outside what the pump takes "
            f"({MIN_RATE_ML_H:g}-{MAX_RATE_ML_H:g} mL/h); enter a rate in mL/h")
    if ml_h < 9999.5:
        return [Command("RAT", _float_arg(ml_h, "rate") + "MH")]
    return [Command("RAT", _float_arg(ml_h / 60.0, "rate") + "MM")]


def set_vtbi(ml: float) -> list[Command]:
    """Volume units to mL, then the volume to be infused."""
    if not 0 < ml <= MAX_VTBI_ML:
        raise ControlValueError(
            f"volume to be infused {ml:g} mL is outside 0-{MAX_VTBI_ML:g} mL; "
            "enter the volume in mL")
    return [Command("VOL", "ML"), Command("VOL", _float_arg(ml, "volume"))]


def run() -> list[Command]:
    return [Command("RUN")]


def stop() -> list[Command]:
    """``STP`` pauses a running pump; sent again it stops the pumping program."""
    return [Command("STP")]


def clear_infused() -> list[Command]:
    """Clears the pump's infused-volume counter (the ledger keeps what it had counted)."""
    return [Command("CLD", "INF")]
