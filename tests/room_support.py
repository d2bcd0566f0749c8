"""Rooms for tests, made by the one room builder, and simulators that stand in for devices."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack

from ketaconsole.device_profiles import DeviceSetup, save_profile
from ketaconsole.device_spec import DeviceSpec
from ketaconsole.engine import Engine
from ketaconsole.registry import DriverRegistry, built_ins_only
from ketaconsole.room import Room, RoomOptions, build_room
from ketaconsole.sim_host import PtyDeviceHost
from ketaconsole.store import open_database
from ketaconsole.virtual_patient import Scenario, VirtualPatient


def bare_room(database_url: str | None = None, *, engine: Engine | None = None,
              specs: Sequence[DeviceSpec] = (), place: str = "test room",
              station: str = "test-station") -> Room:
    """A room with the given devices (none by default), on a record if ``database_url``."""
    return build_room(specs, registry=DriverRegistry.discover(allowed=built_ins_only),
                      database_url=database_url,
                      options=RoomOptions(place=place, station=station), engine=engine)


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
