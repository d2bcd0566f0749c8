"""Rooms for tests, made by the one room builder, and simulators that stand in for devices."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack

import pytest

from ketaconsole.bedside.room import Room, RoomOptions, build_room
from ketaconsole.devices.device_profiles import DeviceSetup, save_profile
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.live.engine import Engine
from ketaconsole.security import Role
from ketaconsole.security.users import add_first_admin, create_user, find_user
from ketaconsole.session.workflow import Door
from ketaconsole.sim.virtual_patient import SCENARIOS, Scenario, VirtualPatient
from ketaconsole.store import open_database
from tests.core.security_support import NAMES, PINS


def bare_room(database_url: str | None = None, *, engine: Engine | None = None,
              specs: Sequence[DeviceSpec] = (), place: str = "test room",
              station: str = "test-station") -> Room:
    """A room with the given devices (none by default), on a record if ``database_url``."""
    return build_room(specs, registry=DriverRegistry.discover(allowed=built_ins_only),
                      database_url=database_url,
                      options=RoomOptions(place=place, station=station), engine=engine)


def log_in(room: Room, role: Role = Role.NURSE) -> str:
    """Log a ``role`` in at the room's lock with their PIN, as at the bedside: their username.

    A record without that user gets them first, added by its admin (the first admin if
    the record has none yet), with the names and PINs of ``tests.core.security_support``.
    """
    security, database = room.security, room.database
    assert security is not None and database is not None, "the room has no record"
    if find_user(database, NAMES[role]) is None:
        admin = find_user(database, NAMES[Role.ADMIN]) or add_first_admin(
            database, security.audit, username=NAMES[Role.ADMIN], display_name="Ada Admin",
            pin=PINS[Role.ADMIN])
        if role is not Role.ADMIN:
            create_user(database, security.audit, username=NAMES[role],
                        display_name=f"{NAMES[role].title()} {role.value.title()}", role=role,
                        pin=PINS[role], by=admin)
    security.lock.lock("next person")
    security.lock.unlock(NAMES[role], PINS[role])
    return NAMES[role]


def log_in_demo_nurse(room: Room) -> str:
    """Log the demo's nurse in at the demo room's lock with her PIN: her username."""
    from ketaconsole.bedside.security import DEMO_USERS

    assert room.security is not None, "the demo room has no record"
    username, _, _, pin = DEMO_USERS[0]
    room.security.lock.unlock(username, pin)
    return username


def end_and_stop(room: Room, reason: str = "test over") -> None:
    """End the open session through the workflow (as whoever is logged in), stop the room."""
    try:
        if room.workflow.session_open:
            room.workflow.end_session(reason=reason)
    finally:
        room.stop()


def acting_as(username: str) -> Door:
    """A workflow's door that lets ``username`` take every step (a workflow without a room)."""
    return lambda _permission, _target: username


def serve_simulators(stack: ExitStack, story: Scenario, slugs: Sequence[str]) -> list[str]:
    """Each driver's simulator on its own pty, all following one virtual patient: the paths."""
    registry = DriverRegistry.discover(allowed=built_ins_only)
    patient = VirtualPatient(story, start=time.time())
    paths = []
    for slug in slugs:
        driver = registry.get(slug)
        assert driver.create_simulator is not None
        host = stack.enter_context(PtyDeviceHost(driver.create_simulator(
            patient, driver.info.resolve_settings({}))))
        paths.append(host.path)
    return paths


def serve_room(stack: ExitStack, url: str, room: str, story: Scenario,
               devices: Sequence[tuple[str, str]]) -> None:
    """Simulators for (profile name, driver slug), saved as ``room``'s device profiles."""
    paths = serve_simulators(stack, story, [slug for _, slug in devices])
    database = open_database(url)
    try:
        for (name, slug), path in zip(devices, paths, strict=True):
            save_profile(database, DeviceSetup(name, room, slug, path), by="technician")
    finally:
        database.dispose()


@pytest.fixture
def pump_port() -> Iterator[str]:
    """An Alaris pump on a pty, infusing 52.5 mL/h (0.5 mg/kg for 70 kg at 1 mg/mL) from
    the start."""
    with ExitStack() as stack:
        story = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=0.0)
        (port,) = serve_simulators(stack, story, ["alaris-asena"])
        yield port
