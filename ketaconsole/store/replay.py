"""Replaying a session: the journalled bytes fed back through the drivers it was recorded with.

Each device gets a fresh protocol object (same driver slug, same settings) wherever
the timeline shows its link connecting, as the live link did, and receives every
recorded chunk with its recorded time, so the drivers produce the same observations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ketaconsole.observations import Observation
from ketaconsole.registry import DriverRegistry, UnknownDriverError
from ketaconsole.sdk import DeviceProtocol, Driver
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.store.database import Database
from ketaconsole.store.journal_codec import DamagedJournal
from ketaconsole.store.review import journal, session_row, timeline


class ReplayError(RuntimeError):
    """The session cannot be replayed here; the message says why."""


def replay(database: Database, session_id: int,
           registry: DriverRegistry | None = None) -> Iterator[Observation]:
    """The observations the session's drivers make of its journalled bytes, in time order."""
    row = session_row(database, session_id)
    registry = registry or clinic_registry()
    devices: dict[str, dict[str, Any]] = {d["device_id"]: d for d in row.devices}
    drivers: dict[str, Driver] = {}
    for device_id, use in devices.items():
        try:
            drivers[device_id] = registry.get(use["slug"])
        except UnknownDriverError:
            raise ReplayError(
                f"session {session_id} used the driver {use['slug']!r}, which is not "
                "installed here; install it to replay this session") from None
    steps: list[tuple[float, int, int, str, bytes]] = []
    for event in timeline(database, session_id):
        if event.kind == "link" and event.payload.get("status") == "connecting":
            steps.append((event.at, 0, len(steps), str(event.payload.get("device")), b""))
    try:
        for device_id, direction, at, data in journal(database, session_id):
            if direction == "rx":
                steps.append((at, 1, len(steps), device_id, data))
    except DamagedJournal:
        raise ReplayError(
            f"session {session_id}'s raw-byte journal was altered or damaged and cannot be "
            f"replayed; run 'ketaconsole verify {session_id}' and keep the database as "
            "evidence") from None
    steps.sort()
    protocols: dict[str, DeviceProtocol] = {}
    for at, step, _, device_id, data in steps:
        driver = drivers.get(device_id)
        if driver is None:
            continue
        if step == 0 or device_id not in protocols:
            protocols[device_id] = driver.create_protocol(
                device_id, devices[device_id].get("settings", {}))
            protocols[device_id].connect(at)
        if step == 1:
            yield from protocols[device_id].feed(data, at).observations
