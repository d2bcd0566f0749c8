"""The demo room: simulated devices on real ptys, read by their real drivers, one patient.

Each simulator is served on its own pseudo-terminal by a :class:`PtyDeviceHost` and
read through pyserial by a :class:`DeviceLink`, exactly as a bedside device would be.
All simulators follow one :class:`VirtualPatient`, so pump and monitors agree.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ketaconsole.engine import Engine
from ketaconsole.registry import DriverRegistry
from ketaconsole.sdk import DeviceKind, Driver
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.transport import DeviceLink, JournalHook
from ketaconsole.virtual_patient import Scenario, VirtualPatient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DemoDevice:
    """One device of the demo room: which driver, the id it shows under, its settings."""

    slug: str
    device_id: str
    label: str
    settings: dict[str, str] = field(default_factory=dict)


# In order of preference per role; the first installed driver of each role is used.
DEMO_ROLES: tuple[tuple[DemoDevice, ...], ...] = (
    (DemoDevice("intellivue-mib", "monitor", "Patient monitor"),),
    (DemoDevice("masimo-ascii", "oximeter", "Pulse oximeter"),
     DemoDevice("nonin", "oximeter", "Pulse oximeter", {"format": "7"})),
    (DemoDevice("alaris-asena", "pump", "Infusion pump"),
     DemoDevice("ne1000", "pump", "Infusion pump"),
     DemoDevice("bbraun-bcc", "pump", "Infusion pump")),
)


def prefer(roles: Sequence[Sequence[DemoDevice]],
           slugs: Sequence[str]) -> tuple[tuple[DemoDevice, ...], ...]:
    """The roles with the preferred drivers first in each (``--demo-device nonin``)."""
    wanted = list(slugs)
    return tuple(tuple(sorted(role, key=lambda spec: (spec.slug not in wanted,
                                                      wanted.index(spec.slug)
                                                      if spec.slug in wanted else 0)))
                 for role in roles)


def demo_slugs(roles: Sequence[Sequence[DemoDevice]] = DEMO_ROLES) -> list[str]:
    return [spec.slug for role in roles for spec in role]


class SimulatorHost(Protocol):
    """A running simulated device and the address the console opens to reach it."""

    @property
    def address(self) -> str: ...

    def stop(self, timeout: float = 2.0) -> None: ...


def serve(driver: Driver, patient: VirtualPatient, settings: dict[str, Any]) -> SimulatorHost:
    """Serve a driver's simulator the way it asks: a pty, or a TCP device server."""
    from ketaconsole.sim_host import host_for  # POSIX only: pseudo-terminals

    assert driver.create_simulator is not None
    return host_for(driver.create_simulator(patient, settings)).start()


@dataclass(slots=True)
class RunningDevice:
    spec: DemoDevice
    driver: Driver
    host: SimulatorHost
    link: DeviceLink


class DemoRoom:
    """Starts and stops the demo's simulated devices and their links into an engine."""

    def __init__(self, engine: Engine, scenario: Scenario, *, speed: float = 1.0,
                 registry: DriverRegistry | None = None,
                 roles: Sequence[Sequence[DemoDevice]] = DEMO_ROLES,
                 journal: JournalHook | None = None) -> None:
        self.engine = engine
        self.patient = VirtualPatient(scenario, start=time.time(), speed=speed)
        self._registry = registry or clinic_registry()
        self._roles = roles
        self.journal = journal
        self.devices: list[RunningDevice] = []
        self.problem: str | None = None

    def chosen(self) -> list[tuple[DemoDevice, Driver]]:
        """The first installed driver with a simulator for each role."""
        picks: list[tuple[DemoDevice, Driver]] = []
        installed = set(self._registry.slugs)
        for role in self._roles:
            for spec in role:
                if spec.slug in installed:
                    driver = self._registry.get(spec.slug)
                    if driver.create_simulator is not None:
                        picks.append((spec, driver))
                        break
        return picks

    def start(self) -> DemoRoom:
        if os.name != "posix":
            self.problem = "simulated devices need pseudo-terminals, which this system lacks"
            log.warning("demo: %s", self.problem)
            return self
        for spec, driver in self.chosen():
            settings = driver.info.resolve_settings(spec.settings)
            host = serve(driver, self.patient, settings)
            link = DeviceLink(driver, spec.device_id, host.address, settings, self.engine.ingest,
                              journal=self.journal)
            link.start()
            self.devices.append(RunningDevice(spec, driver, host, link))
            log.info("demo %s: %s on %s", spec.device_id, driver.info.slug, host.address)
        return self

    def stop(self) -> None:
        for device in self.devices:
            device.link.stop()
            device.host.stop()
        self.devices.clear()

    def pump_ids(self) -> list[str]:
        return [d.spec.device_id for d in self.devices if d.driver.info.kind is DeviceKind.PUMP]
