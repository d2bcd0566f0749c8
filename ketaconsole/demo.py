"""The demo: a room whose devices are simulators on real ptys, read by their real drivers.

Each simulator is served on its own pseudo-terminal (or TCP device server) and the room
is built from specs that point at them, by the same builder as a clinic room. All
simulators follow one :class:`VirtualPatient`, so pump and monitors agree.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ketaconsole.course.demo_course import DEMO_MRN, seed_demo_course
from ketaconsole.dose import DosePlan
from ketaconsole.patient import Patient
from ketaconsole.registry import DriverRegistry
from ketaconsole.room import DeviceSpec, FaultListener, Room, RoomOptions, build_room
from ketaconsole.sdk import Driver
from ketaconsole.virtual_patient import Scenario, VirtualPatient

log = logging.getLogger(__name__)

DEMO_PATIENT = ("Demo Patient", 42)


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


def chosen(registry: DriverRegistry,
           roles: Sequence[Sequence[DemoDevice]] = DEMO_ROLES) -> list[tuple[DemoDevice, Driver]]:
    """The first installed driver with a simulator for each role."""
    picks: list[tuple[DemoDevice, Driver]] = []
    installed = set(registry.slugs)
    for role in roles:
        for spec in role:
            if spec.slug in installed:
                driver = registry.get(spec.slug)
                if driver.create_simulator is not None:
                    picks.append((spec, driver))
                    break
    return picks


def demo_plan(story: Scenario) -> DosePlan:
    """The order the demo's story follows (pre-filled on the plan page)."""
    return DosePlan(story.weight_kg, story.dose_mg_per_kg, story.infusion_minutes,
                    story.concentration_mg_ml)


def demo_room(story: Scenario, *, speed: float, database_url: str | None,
              registry: DriverRegistry, devices: Sequence[str] = (),
              on_record_fault: FaultListener | None = None) -> Room:
    """A room whose devices are simulators on ptys following one virtual patient.

    Built by the same :func:`~ketaconsole.room.build_room` as a clinic room; the record
    opens when the nurse checks the (pre-filled) demo patient in.
    """
    patient = VirtualPatient(story, start=time.time(), speed=speed, follows_nurse=True)
    hosts: list[SimulatorHost] = []
    specs: list[DeviceSpec] = []
    notes: list[str] = []
    if os.name != "posix":
        notes.append("simulated devices need pseudo-terminals, which this system lacks")
    else:
        for spec, driver in chosen(registry, prefer(DEMO_ROLES, devices)):
            settings = driver.info.resolve_settings(spec.settings)
            host = serve(driver, patient, settings)
            hosts.append(host)
            label = f"{spec.label} \u00b7 {driver.info.models[0]}" if driver.info.models \
                else spec.label
            specs.append(DeviceSpec(spec.device_id, spec.slug, host.address, label=label,
                                    settings=dict(spec.settings)))
            log.info("demo %s: %s on %s", spec.device_id, driver.info.slug, host.address)
    if speed != 1.0:
        notes.append(f"time runs {speed:g} times faster")
    options = RoomOptions(
        place="demo", pace=speed, simulated=True,
        notes=tuple(notes), expected_patient=Patient(*DEMO_PATIENT, weight_kg=story.weight_kg,
                                                     identifier=DEMO_MRN),
        expected_plan=demo_plan(story), demo_users=True)
    room = build_room(specs, registry=registry, database_url=database_url, options=options,
                      on_record_fault=on_record_fault, simulators=hosts)
    room.virtual_patient = patient
    room.model.nurse_listeners.append(patient.nurse_did)  # the pump waits for the nurse
    if room.database is not None:
        seed_demo_course(room.database, DEMO_PATIENT[0], story.weight_kg)
    return room
