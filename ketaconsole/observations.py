"""What drivers report: numerics, waveform chunks, pump status, alarms, identity, link, errors.

Every observation carries the device id, the console's receive time (``received_at``,
seconds since the epoch) and, where the protocol has one, the device's own time.
``as_record`` gives the JSON-ready form that ``ketaconsole decode`` and ``probe`` print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class LinkStatus(Enum):
    """State of the line between the console and one device."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    NO_DATA = "no_data"
    DISCONNECTED = "disconnected"


class PumpState(Enum):
    """What a pump says it is doing."""

    INFUSING = "infusing"
    PAUSED = "paused"
    STOPPED = "stopped"
    ALARM = "alarm"
    STANDBY = "standby"


class AlarmSource(Enum):
    """Whether a device alarm concerns the patient or the equipment."""

    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"


def reported_over(device_id: str) -> list[str]:
    """The device and the links its data comes over: a station reports its pumps as
    ``station/1-1``, ``station/1-2``, ... over the station's one link."""
    links = [device_id]
    while "/" in links[-1]:
        links.append(links[-1].rsplit("/", 1)[0])
    return links


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True, slots=True)
class Numeric:
    """One value of one metric; ``value`` is ``None`` when the device marks it invalid."""

    device_id: str
    metric: str
    value: float | None
    unit: str
    received_at: float
    device_time: datetime | None = None

    def as_record(self) -> dict[str, Any]:
        return {"kind": "numeric", "device": self.device_id, "metric": self.metric,
                "value": self.value, "unit": self.unit, "device_time": _iso(self.device_time),
                "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class WaveChunk:
    """Consecutive samples of one waveform; ``None`` samples are gaps the device marked."""

    device_id: str
    metric: str
    samples: tuple[float | None, ...]
    sample_rate_hz: float
    unit: str
    received_at: float
    device_time: datetime | None = None

    def as_record(self) -> dict[str, Any]:
        return {"kind": "wave", "device": self.device_id, "metric": self.metric,
                "value": list(self.samples), "unit": self.unit,
                "sample_rate_hz": self.sample_rate_hz, "device_time": _iso(self.device_time),
                "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class PumpStatus:
    """A pump's telemetry, as far as the device reports it (``None`` where it does not)."""

    device_id: str
    received_at: float
    state: PumpState | None = None
    rate_ml_h: float | None = None
    volume_infused_ml: float | None = None
    vtbi_ml: float | None = None
    volume_remaining_ml: float | None = None
    drug: str | None = None
    concentration_mg_ml: float | None = None
    pressure: float | None = None
    pressure_unit: str | None = None
    syringe: str | None = None
    battery_percent: float | None = None
    alarms: tuple[str, ...] = ()
    device_time: datetime | None = None

    def as_record(self) -> dict[str, Any]:
        return {"kind": "pump", "device": self.device_id,
                "state": self.state.value if self.state else None,
                "rate": self.rate_ml_h, "volume_infused": self.volume_infused_ml,
                "vtbi": self.vtbi_ml, "volume_remaining": self.volume_remaining_ml,
                "drug": self.drug, "concentration": self.concentration_mg_ml,
                "pressure": self.pressure, "pressure_unit": self.pressure_unit,
                "syringe": self.syringe, "battery": self.battery_percent,
                "alarms": list(self.alarms), "device_time": _iso(self.device_time),
                "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class DeviceAlarm:
    """An alarm or INOP the device itself raised or cleared."""

    device_id: str
    code: str
    text: str
    source: AlarmSource
    active: bool
    received_at: float
    device_time: datetime | None = None
    priority: str | None = None
    """The device's own priority, ``"high"``, ``"medium"`` or ``"low"``, when its protocol
    says it; the console then shows the alarm at that priority."""

    def as_record(self) -> dict[str, Any]:
        record = {"kind": "alarm", "device": self.device_id, "code": self.code,
                  "text": self.text, "source": self.source.value, "active": self.active,
                  "device_time": _iso(self.device_time), "received_at": self.received_at}
        if self.priority is not None:
            record["priority"] = self.priority
        return record


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the device says it is."""

    device_id: str
    received_at: float
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {"kind": "identity", "device": self.device_id, "model": self.model,
                "serial": self.serial, "firmware": self.firmware, "details": self.details,
                "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class LinkState:
    """A change in the state of the line to a device."""

    device_id: str
    status: LinkStatus
    received_at: float
    detail: str = ""

    def as_record(self) -> dict[str, Any]:
        return {"kind": "link", "device": self.device_id, "status": self.status.value,
                "detail": self.detail, "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """Input the driver could not use: ``error`` is checksum, framing, sync, value, ..."""

    device_id: str
    error: str
    detail: str
    received_at: float

    def as_record(self) -> dict[str, Any]:
        return {"kind": "error", "device": self.device_id, "error": self.error,
                "detail": self.detail, "received_at": self.received_at}


@dataclass(frozen=True, slots=True)
class DeviceCommand:
    """A command the console sent to a device (pump control), for the session timeline."""

    device_id: str
    command: str
    received_at: float
    """When the command went out on the line."""

    def as_record(self) -> dict[str, Any]:
        return {"kind": "command", "device": self.device_id, "command": self.command,
                "received_at": self.received_at}


Observation = (
    Numeric | WaveChunk | PumpStatus | DeviceAlarm | Identity | LinkState | ProtocolError
    | DeviceCommand
)
