"""Finding the serial ports of this machine: name, description and USB ids, for device set-up."""

from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports


@dataclass(frozen=True, slots=True)
class SerialPort:
    """A serial port the operating system knows, as the technician picks it."""

    device: str
    description: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None

    @property
    def usb_id(self) -> str | None:
        """``VID:PID`` in four hex digits each, for a USB adapter; ``None`` otherwise."""
        if self.vid is None or self.pid is None:
            return None
        return f"{self.vid:04X}:{self.pid:04X}"

    def describe(self) -> str:
        parts = [self.device]
        if self.description and self.description not in ("n/a", self.device):
            parts.append(self.description)
        if self.usb_id:
            parts.append(f"USB {self.usb_id}")
        return " \u2014 ".join(parts)


def serial_ports() -> list[SerialPort]:
    """Every serial port present now, sorted by name (may take a moment: call off the GUI)."""
    found = [SerialPort(p.device, p.description or "", p.vid, p.pid, p.serial_number)
             for p in list_ports.comports()]
    return sorted(found, key=lambda p: p.device)
