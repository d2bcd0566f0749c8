"""The demo: a room whose devices are simulators on real ptys, read by their real drivers.

Each simulator is served on its own pseudo-terminal (or TCP device server; in-process at
a ``sim://`` address where there are no pseudo-terminals, as on Windows) and the room
is built from specs that point at them, by the same builder as a clinic room. All
simulators follow one :class:`VirtualPatient`, so pump and monitors agree.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ketaconsole.bedside.room import (
    DeviceSpec,
    FaultListener,
    Room,
    RoomOptions,
    RoomStart,
    new_room,
)
from ketaconsole.demo.cast import (
    DEMO_HEIGHT_CM,
    DEMO_MRN,
    DEMO_PATIENT,
    DEMO_ROLES,
    DemoDevice,
    demo_slugs,
    prefer,
)
from ketaconsole.dose import DosePlan
from ketaconsole.medication.library import default_library
from ketaconsole.medication.order_check import plan_order
from ketaconsole.numbers import echo
from ketaconsole.session.patient import Patient
from ketaconsole.sim.virtual_patient import Scenario, VirtualPatient
from ketaconsole.station import station_name

if TYPE_CHECKING:
    from ketaconsole.bedside.room_record import RoomRecord
    from ketaconsole.devices.registry import DriverRegistry
    from ketaconsole.sdk import Driver

log = logging.getLogger(__name__)

__all__ = ["DEMO_PATIENT", "DEMO_ROLES", "DemoDevice", "UnknownDemoDevice", "add_demo_devices",
           "demo_roles", "demo_room", "demo_slugs", "demo_start", "new_demo_room",
           "open_demo_record", "prefer"]


class SimulatorHost(Protocol):
    """A running simulated device and the address the console opens to reach it."""

    @property
    def address(self) -> str: ...

    def stop(self, timeout: float = 2.0) -> None: ...


def has_ptys() -> bool:
    """Whether this system has pseudo-terminals to serve simulators on (Windows has none)."""
    return os.name == "posix"


def serve(driver: Driver, patient: VirtualPatient, settings: dict[str, Any]) -> SimulatorHost:
    """Serve a driver's simulator the way it asks: a pty, or a TCP device server; where
    there are no pseudo-terminals (Windows), in-process at a ``sim://`` address."""
    assert driver.create_simulator is not None
    simulator = driver.create_simulator(patient, settings)
    if not has_ptys():
        from ketaconsole.devices.protocol_sim import InProcessDeviceHost

        return InProcessDeviceHost(simulator, driver.info.slug).start()
    from ketaconsole.devices.sim_host import host_for  # POSIX only: pseudo-terminals

    return host_for(simulator).start()


class UnknownDemoDevice(ValueError):
    """A ``--demo-device`` that no installed, allowed driver with a simulator answers to."""


_ROLE_OF_KIND = {"monitor": ("monitor", "Patient monitor"),
                 "oximeter": ("oximeter", "Pulse oximeter"),
                 "pump": ("pump", "Infusion pump"),
                 "capnograph": ("capnograph", "Capnograph")}


def demo_roles(registry: DriverRegistry,
               devices: Sequence[str] = ()) -> tuple[tuple[DemoDevice, ...], ...]:
    """The demo's roles with the chosen drivers first: a built-in's role, or an approved
    plugin's role by its kind (a plugin of a kind the demo has no role for gets its own).
    Raises :class:`UnknownDemoDevice`, in one sentence, for a slug it cannot serve."""
    roles = [list(role) for role in DEMO_ROLES]
    known = set(demo_slugs())
    installed = set(registry.slugs)
    for slug in devices:
        if slug not in installed:
            raise UnknownDemoDevice(
                f"--demo-device {echo(slug)}: no such driver is installed and approved here; "
                f"choose one of {', '.join(sorted(installed))} (approve a plugin with "
                "'ketaconsole plugins allow')")
        driver = registry.get(slug)
        if driver.create_simulator is None:
            raise UnknownDemoDevice(f"--demo-device {slug}: the driver has no simulator to "
                                    "run in the demo")
        if slug in known:
            continue
        device_id, label = _ROLE_OF_KIND[driver.info.kind.value]
        spec = DemoDevice(slug, device_id, label)
        for role in roles:
            if role[0].device_id == device_id:
                role.insert(0, spec)
                break
        else:
            roles.append([spec])
    return prefer(tuple(tuple(role) for role in roles), devices)


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
    """The order the demo's story follows (pre-filled on the plan page), on the dosing
    weight the default drug library gives the demo patient (the demo's own record keeps
    the default library)."""
    return plan_order(default_library(), weight_kg=story.weight_kg, height_cm=DEMO_HEIGHT_CM,
                      mg_per_kg=story.dose_mg_per_kg, duration_min=story.infusion_minutes,
                      concentration_mg_ml=story.concentration_mg_ml)


DEMO_ROOM = "Demo room"
"""The demo console's station, as the screens and the record name it."""


def demo_options(story: Scenario, speed: float) -> RoomOptions:
    """How the demo's room runs: simulated, at ``speed``, the story's patient and order."""
    notes: list[str] = []
    if speed != 1.0:
        notes.append(f"time runs {speed:g} times faster")
    return RoomOptions(
        place="demo", station=station_name(room=DEMO_ROOM), pace=speed, simulated=True,
        notes=tuple(notes), expected_patient=Patient(*DEMO_PATIENT, weight_kg=story.weight_kg,
                                                     identifier=DEMO_MRN,
                                                     height_cm=DEMO_HEIGHT_CM),
        expected_plan=demo_plan(story), demo_users=True)


def new_demo_room(story: Scenario, *, speed: float,
                  on_record_fault: FaultListener | None = None) -> Room:
    """Step 1 of the demo's room: its alarms running and the patient its devices will follow."""
    patient = VirtualPatient(story, start=time.time(), speed=speed, follows_nurse=True)
    room = new_room(demo_options(story, speed), on_record_fault=on_record_fault)
    room.virtual_patient = patient
    room.model.nurse_listeners.append(patient.nurse_did)  # the pump waits for the nurse
    return room


def add_demo_devices(room: Room, registry: DriverRegistry, devices: Sequence[str] = ()) -> None:
    """Step 2: each role's simulator served on its own pty (in-process at a ``sim://``
    address where there are no ptys), read by its real driver."""
    patient = room.virtual_patient
    assert patient is not None, "a demo room is made by new_demo_room"
    hosts: list[SimulatorHost] = []
    specs: list[DeviceSpec] = []
    for spec, driver in chosen(registry, demo_roles(registry, devices)):
        settings = driver.info.resolve_settings(spec.settings)
        host = serve(driver, patient, settings)
        hosts.append(host)
        label = f"{spec.label} \u00b7 {driver.info.models[0]}" if driver.info.models \
            else spec.label
        specs.append(DeviceSpec(spec.device_id, spec.slug, host.address, label=label,
                                settings=dict(spec.settings)))
        log.info("demo %s: %s on %s", spec.device_id, driver.info.slug, host.address)
    room.add_devices(specs, registry, hosts)


def open_demo_record(database_url: str | None, story: Scenario, *,
                     station: str) -> RoomRecord:
    """Step 3 (any thread): the demo's own record, with its users and the patient's course."""
    from ketaconsole.bedside.room_record import open_record
    from ketaconsole.demo.course import seed_demo_course
    from ketaconsole.demo.own_record import demo_record_refusal
    from ketaconsole.settings import database_url as clinic_database_url

    clinic = clinic_database_url()
    opened = open_record(database_url, station=station, place="demo", demo_users=True,
                         refuse=lambda database: demo_record_refusal(database, clinic))
    if opened.database is not None:
        seed_demo_course(opened.database, DEMO_PATIENT[0], story.weight_kg)
    return opened


def demo_start(story: Scenario, *, speed: float, database_url: str | None,
               devices: Sequence[str] = (),
               on_record_fault: FaultListener | None = None) -> RoomStart:
    """The demo's room made (step 1), its simulators and its own record still to come."""
    room = new_demo_room(story, speed=speed, on_record_fault=on_record_fault)
    return RoomStart(room, lambda registry: add_demo_devices(room, registry, devices),
                     lambda: open_demo_record(database_url, story, station=room.station))


def demo_room(story: Scenario, *, speed: float, database_url: str | None,
              registry: DriverRegistry, devices: Sequence[str] = (),
              on_record_fault: FaultListener | None = None) -> Room:
    """A room whose devices are simulators on ptys following one virtual patient.

    The one opening sequence (:meth:`~ketaconsole.bedside.room.RoomStart.finish`), as every room;
    the session opens when the nurse checks the (pre-filled) demo patient in.
    """
    return demo_start(story, speed=speed, database_url=database_url, devices=devices,
                      on_record_fault=on_record_fault).finish(registry)
