"""The public driver SDK: what a device driver provides and how the console drives it.

A driver is a :class:`Driver` object registered under the ``ketaconsole.drivers``
entry-point group. Its protocol is sans-I/O (it never touches a port): the transport
calls ``connect``, ``feed`` and ``tick`` with bytes and the time, and sends what they
return. Its simulator is the device side of the same protocol, driven by the shared
:class:`~ketaconsole.sim.virtual_patient.VirtualPatient`. Third-party drivers import only
this package; what a simulator needs of the virtual patient (:class:`VirtualPatient`,
its :class:`Vitals` and a :class:`PlethGenerator`) is exported here too.

Beside the interfaces, the SDK gives every driver what the built-in ones share: a
typed :class:`Fault` and :class:`ErrorKind` for bad input; a rate limit on protocol
errors (:mod:`ketaconsole.sdk.errors`, applied to every ``feed`` and ``tick``);
:func:`plausible_or_none` for "an implausible value is no value" and
:class:`OximeterReading` for an oximeter's zeros; framers for delimited frames
(:class:`DelimitedFrames`), text lines with their time span (:class:`LineFrames`) and
fixed-length or length-prefixed binary frames (:class:`BinaryFrames`), with
:class:`ByteStuffing`; an explicit :class:`Connection` state for polled devices;
:func:`decode_capture` for captures; and, for tests,
:func:`ketaconsole.sdk.testing.expected_protocol` and
:func:`ketaconsole.sdk.testing.mutation_report`. ``docs/drivers.md`` shows them in use.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ketaconsole.catalogue import CATALOGUE, Metric, metric
from ketaconsole.numbers import NumberError, NumberRange
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    DeviceCommand,
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.sdk.capture import bytes_per_second, decode_capture
from ketaconsole.sdk.connection import Connection, ConnectionState, IllegalMove
from ketaconsole.sdk.errors import error_total, throttled_feed, throttled_tick
from ketaconsole.sdk.faults import ErrorKind, Fault
from ketaconsole.sdk.framing import (
    BinaryFrames,
    ByteStuffing,
    DelimitedFrames,
    Line,
    LineFrames,
)
from ketaconsole.sdk.values import OximeterReading, no_reading_zeros, plausible_or_none
from ketaconsole.sim.virtual_patient import PlethGenerator, VirtualPatient, Vitals

__all__ = [
    "CATALOGUE",
    "AlarmSource",
    "BinaryFrames",
    "ByteStuffing",
    "Connection",
    "ConnectionState",
    "DelimitedFrames",
    "DeviceAlarm",
    "DeviceCommand",
    "DeviceKind",
    "DeviceProtocol",
    "DeviceSimulator",
    "Driver",
    "DriverInfo",
    "ErrorKind",
    "Fault",
    "Identity",
    "IllegalMove",
    "Line",
    "LineFrames",
    "LineSettings",
    "LinkState",
    "LinkStatus",
    "Metric",
    "Numeric",
    "Observation",
    "OximeterReading",
    "PlethGenerator",
    "ProtocolError",
    "ProtocolOutput",
    "PumpState",
    "PumpStatus",
    "SettingError",
    "SettingField",
    "VirtualPatient",
    "Vitals",
    "WaveChunk",
    "bytes_per_second",
    "decode_capture",
    "error_total",
    "metric",
    "no_reading_zeros",
    "plausible_or_none",
]


class DeviceKind(Enum):
    """What a device is, as the device-setup screen groups them."""

    OXIMETER = "oximeter"
    MONITOR = "monitor"
    PUMP = "pump"
    CAPNOGRAPH = "capnograph"


@dataclass(frozen=True, slots=True)
class LineSettings:
    """Serial line settings a device expects (pyserial's names and values)."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False

    def as_serial_kwargs(self) -> dict[str, Any]:
        return {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                "stopbits": self.stopbits, "xonxoff": self.xonxoff, "rtscts": self.rtscts}

    def as_record(self) -> dict[str, Any]:
        return self.as_serial_kwargs()

    def bytes_per_second(self) -> float:
        """How many bytes the line carries a second."""
        return bytes_per_second(self.baudrate, self.bytesize, self.parity, self.stopbits)

    def describe(self) -> str:
        flow = "RTS/CTS" if self.rtscts else "XON/XOFF" if self.xonxoff else "no handshake"
        stop = int(self.stopbits) if float(self.stopbits).is_integer() else self.stopbits
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}, {flow}"


class SettingError(ValueError):
    """A driver setting that is unknown or has a value of the wrong form."""


_SETTING_TYPES = ("int", "float", "str", "bool", "choice")


@dataclass(frozen=True, slots=True)
class SettingField:
    """One entry in a driver's settings schema, rendered as a form field by the UI."""

    key: str
    label: str
    type: str
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    commands_device: bool = False
    """Turned on, it lets the console command the device (a pump's rate, start, stop):
    a technician's setting, audited whenever a command turns it on."""

    def __post_init__(self) -> None:
        if self.type not in _SETTING_TYPES:
            raise ValueError(f"setting {self.key}: type must be one of {_SETTING_TYPES}")
        if self.type == "choice" and self.default not in self.choices:
            raise ValueError(f"setting {self.key}: default must be one of its choices")

    def parse(self, text: str) -> Any:
        """Turn a typed value into this field's type, or say in one sentence what is wrong."""
        text = text.strip()
        if self.type in ("int", "float"):
            rule = NumberRange(f"setting {self.key}",
                               -math.inf if self.minimum is None else self.minimum,
                               math.inf if self.maximum is None else self.maximum,
                               integer=self.type == "int")
            try:
                return int(rule.parse(text)) if self.type == "int" else rule.parse(text)
            except NumberError as exc:
                raise SettingError(str(exc)) from None
        try:
            value: Any = text
            if self.type == "bool":
                lowered = text.lower()
                if lowered not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
                    raise ValueError(text)
                value = lowered in ("true", "yes", "1", "on")
        except ValueError:
            raise SettingError(
                f"setting {self.key} needs a {self.type} value, not {text!r}") from None
        if self.type == "choice" and value not in self.choices:
            raise SettingError(
                f"setting {self.key} must be one of {', '.join(self.choices)}, not {text!r}")
        return value

    def as_record(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "type": self.type,
                "default": self.default, "help": self.help, "choices": list(self.choices),
                "minimum": self.minimum, "maximum": self.maximum,
                "commands_device": self.commands_device}


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """A driver's metadata: what it talks to and how."""

    slug: str
    title: str
    vendor: str
    models: tuple[str, ...]
    kind: DeviceKind
    line: LineSettings
    published: bool
    """True when the protocol is documented by its maker, False when reverse-engineered."""
    sources: tuple[str, ...] = ()
    settings: tuple[SettingField, ...] = ()
    default_port: str | None = None
    """A port URL the device usually sits behind, e.g. ``socket://station:4001``."""

    def resolve_settings(self, given: Mapping[str, str]) -> dict[str, Any]:
        """Defaults overlaid with typed-in ``KEY=VALUE`` settings, each checked."""
        known = {f.key: f for f in self.settings}
        resolved = {f.key: f.default for f in self.settings}
        for key, text in given.items():
            if key not in known:
                names = ", ".join(known) or "none"
                raise SettingError(
                    f"driver {self.slug} has no setting {key!r} (its settings: {names})")
            resolved[key] = known[key].parse(text)
        return resolved

    def commanding(self, settings: Mapping[str, Any]) -> list[SettingField]:
        """The settings in ``settings`` that let the console command the device (turned on)."""
        return [f for f in self.settings
                if f.commands_device and settings.get(f.key, f.default) not in (False, None, 0, "")]

    def as_record(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "vendor": self.vendor,
                "models": list(self.models), "kind": self.kind.value,
                "line": self.line.as_record(),
                "protocol": "published" if self.published else "reverse-engineered",
                "sources": list(self.sources),
                "settings": [f.as_record() for f in self.settings],
                "default_port": self.default_port}


@dataclass(slots=True)
class ProtocolOutput:
    """What a protocol step produced: observations for the engine and bytes for the device."""

    observations: list[Observation] = field(default_factory=list)
    send: bytes = b""

    def extend(self, other: ProtocolOutput) -> None:
        self.observations.extend(other.observations)
        self.send += other.send


class DeviceProtocol(ABC):
    """The console side of a device protocol, with no I/O of its own.

    Any chunking of the input is valid: one byte at a time, whole frames, or junk in
    front. Checksum and framing errors become :class:`ProtocolError` observations and
    never exceptions. A value the device marks invalid is reported as ``None``.
    """

    quiet_for_s: float = 0.0
    """How long a gap between valid data is normal (a device polled every few seconds);
    the link calls the line "no data" only after the longer of this and its own limit."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every driver's ``feed`` and ``tick`` report protocol errors at a readable rate
        (:mod:`ketaconsole.sdk.errors`): a few a second, the rest counted."""
        super().__init_subclass__(**kwargs)
        if "feed" in cls.__dict__:
            cls.feed = throttled_feed(cls.__dict__["feed"])  # type: ignore[method-assign,assignment]
        if "tick" in cls.__dict__:
            cls.tick = throttled_tick(cls.__dict__["tick"])  # type: ignore[method-assign]

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        self.device_id = device_id
        self.settings = dict(settings)

    def connect(self, now: float) -> bytes:
        """Bytes to send right after the port opens (association, format select, ...)."""
        return b""

    @abstractmethod
    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        """Take bytes received from the device at ``now``."""

    @throttled_tick
    def tick(self, now: float) -> ProtocolOutput:
        """Called about ten times a second: polls, keep-alives, request time-outs."""
        return ProtocolOutput()

    def disconnect(self, now: float) -> bytes:
        """Bytes to send before the port closes (release, end of remote control)."""
        return b""

    def outgoing(self, data: bytes, now: float) -> ProtocolOutput:
        """Bytes queued with ``DeviceLink.send``, just before they go out.

        Returns what to send and what to report: a driver can check the bytes, refuse
        them (send nothing, report why), expect their reply and report the command.
        By default they go out unchanged.
        """
        return ProtocolOutput(send=data)

    def error(self, kind: ErrorKind, detail: str, now: float) -> ProtocolError:
        """A protocol error of this device: bad input is reported, never raised."""
        return ProtocolError(self.device_id, ErrorKind(kind), detail, now)


class DeviceSimulator(ABC):
    """The device side of a protocol, following the shared virtual patient."""

    tick_interval_s: float = 0.02
    served_over: str = "pty"
    """How ``ketaconsole simulate`` serves it: "pty" (a serial line) or "tcp" (a device server)."""

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        self.patient = patient
        self.settings = dict(settings)

    def feed(self, data: bytes, now: float) -> bytes:
        """Bytes the console sent; returns the device's reply."""
        return b""

    @abstractmethod
    def tick(self, now: float) -> bytes:
        """Bytes the device sends on its own by ``now`` (streaming output)."""


ProtocolFactory = Callable[[str, Mapping[str, Any]], DeviceProtocol]
SimulatorFactory = Callable[[VirtualPatient, Mapping[str, Any]], DeviceSimulator]


@dataclass(frozen=True, slots=True)
class Driver:
    """What a driver package registers under the ``ketaconsole.drivers`` entry points."""

    info: DriverInfo
    create_protocol: ProtocolFactory
    create_simulator: SimulatorFactory | None = None
