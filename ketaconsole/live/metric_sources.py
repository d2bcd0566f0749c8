"""Which device a metric is taken from when several devices of the room measure it.

A patient monitor's SpO2 and a separate oximeter's are two series of one metric, never
one zig-zagging value. Each metric has one primary device: the device the room's
profile names for it, else the dedicated device (an oximeter, a pump or a capnograph
before a multi-parameter monitor), else the first in the room's order. The tile shows
the primary's value and names it, the alarms judge the primary, the trend draws a line
per device. When the primary has no live value (silent, stale, or marked invalid) and
another device has one, that device stands in, and the tile and the alarm say so: a
live value from a device that really sent it is never hidden behind a silent one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the driver SDK loads with the first device, not with the window
    from ketaconsole.sdk import DeviceKind

T = TypeVar("T")

_DEDICATED_FIRST = {"oximeter": 0, "capnograph": 0, "pump": 0, "monitor": 1}
"""A single-purpose device (by its ``DeviceKind`` value) before a multi-parameter monitor
measuring the same thing."""


@dataclass(frozen=True, slots=True)
class SourceDevice:
    """A device of the room as the metric sources see it."""

    device_id: str
    label: str = ""
    kind: DeviceKind | None = None
    primary_for: frozenset[str] = field(default_factory=frozenset)
    """The metrics (IEEE 11073 refids) the room's profile makes this device primary for."""


@dataclass(frozen=True, slots=True)
class Chosen:
    """The device a metric is taken from now, and whether it stands in for the primary."""

    device_id: str
    primary_id: str

    @property
    def stands_in(self) -> bool:
        return self.device_id != self.primary_id


def _base(device_id: str) -> str:
    """A station's slot (``pump/1-2``) belongs to the station's device (``pump``)."""
    return device_id.split("/", 1)[0]


class MetricSources:
    """The room's devices in order, and which is primary for which metric."""

    def __init__(self, devices: Sequence[SourceDevice] = ()) -> None:
        self._devices = {device.device_id: device for device in devices}
        self._order = {device.device_id: index for index, device in enumerate(devices)}

    def label(self, device_id: str) -> str:
        """The device's name as the room shows it (its id when it has no label)."""
        device = self._devices.get(_base(device_id))
        name = device.label if device is not None and device.label else _base(device_id)
        return name + device_id[len(_base(device_id)):]

    def named_primary(self, refid: str) -> str | None:
        """The device the room's profile makes primary for ``refid``, if any."""
        return next((d.device_id for d in self._devices.values() if refid in d.primary_for),
                    None)

    def _rank(self, refid: str, device_id: str) -> tuple[int, int, int]:
        device = self._devices.get(_base(device_id))
        if device is None:
            return (1, 2, len(self._order))
        named = 0 if refid in device.primary_for else 1
        dedicated = _DEDICATED_FIRST.get(device.kind.value, 1) if device.kind is not None else 1
        return (named, dedicated, self._order[device.device_id])

    def ordered(self, refid: str, device_ids: Iterable[str]) -> list[str]:
        """``device_ids`` with the primary for ``refid`` first (stable for equal ranks)."""
        return sorted(device_ids, key=lambda device_id: self._rank(refid, device_id))

    def primary(self, refid: str, senders: Iterable[str]) -> str | None:
        """The primary device of ``refid`` among the devices that sent it (or named)."""
        order = self.ordered(refid, senders)
        named = self.named_primary(refid)
        return named if named is not None else (order[0] if order else None)

    def choose(self, refid: str, values: Mapping[str, T], live: Callable[[T], bool]
               ) -> Chosen | None:
        """Which device's value of ``refid`` to use: the primary's while it is live,
        else the first live one in rank; when none is live, the primary's (so its
        staleness shows). ``values`` maps each sending device to its newest value."""
        if not values:
            return None
        order = self.ordered(refid, values)
        primary = self.primary(refid, values) or order[0]
        if primary in values and live(values[primary]):
            return Chosen(primary, primary)
        for device_id in order:
            if live(values[device_id]):
                return Chosen(device_id, primary)
        return Chosen(primary if primary in values else order[0], primary)
