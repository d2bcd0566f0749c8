"""A device of a room as the room builder takes it: id, driver, port, settings, label,
and the metrics it is the primary source of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketaconsole.sdk import LineSettings

SIMULATOR_SCHEME = "sim"
"""The port scheme of a driver's simulator run inside the console (``sim://SLUG``)."""


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device of a room: its id on the timeline, driver, port, settings, label."""

    device_id: str
    slug: str
    port: str
    label: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    line: LineSettings | None = None
    primary_for: frozenset[str] = frozenset()
    """Metrics (IEEE 11073 refids) this device is the room's primary source of, when
    another device measures them too (see ``ketaconsole.live.metric_sources``)."""

    @property
    def on_simulator(self) -> bool:
        """Whether the port is a simulator's (``sim://``): its numbers are not a patient's."""
        return self.port.lower().startswith(f"{SIMULATOR_SCHEME}://")
