"""Rooms for tests, made by the one room builder: bare, or on a record database."""

from __future__ import annotations

from collections.abc import Sequence

from ketaconsole.device_spec import DeviceSpec
from ketaconsole.engine import Engine
from ketaconsole.registry import DriverRegistry
from ketaconsole.room import Room, RoomOptions, build_room


def bare_room(database_url: str | None = None, *, engine: Engine | None = None,
              specs: Sequence[DeviceSpec] = (), place: str = "test room",
              station: str = "test-station") -> Room:
    """A room with the given devices (none by default), on a record if ``database_url``."""
    return build_room(specs, registry=DriverRegistry.discover(), database_url=database_url,
                      options=RoomOptions(place=place, station=station), engine=engine)
