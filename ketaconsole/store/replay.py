"""Replaying a session: the journalled bytes fed back through the drivers it was recorded with.

Each device gets a fresh protocol object (same driver slug, same settings) wherever
the timeline shows its link connecting, as the live link did, and receives every
recorded chunk with its recorded time, so the drivers produce the same observations.

A polled driver decides on its clock (``tick``) when to ask, and reads each reply as
the answer to what it asked, so replay drives its time the way the live link did,
from the journal: the protocol connects at the time its first bytes went out, and is
ticked at the time of every other chunk the console sent that its ``feed`` did not
produce (a poll, a retry, a keep-alive). While a device's line is silent for longer
than :data:`QUIET_TICK_S`, it is ticked every :data:`QUIET_TICK_S` as the link would
have, so time-outs come out too.

A session that began while its devices were already talking (the bedside greets each
device again as a session begins, so its record starts with a handshake) has a few of
the old conversation's chunks before that greeting: they are skipped, since no protocol
could know what was asked before the record began.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ketaconsole.devices.registry import DriverRegistry, UnknownDriverError
from ketaconsole.observations import Observation
from ketaconsole.sdk import DeviceProtocol, Driver
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.store.database import Database
from ketaconsole.store.journal_codec import DamagedJournal
from ketaconsole.store.review import journal, session_row, timeline

QUIET_TICK_S = 0.5
"""How often a device with nothing on its line is ticked during replay."""

_CONNECT, _RECEIVED, _SENT = 0, 1, 2


class ReplayError(RuntimeError):
    """The session cannot be replayed here; the message says why."""


@dataclass(slots=True)
class _Replayed:
    """One device's protocol during replay, and what its live link has still to show."""

    protocol: DeviceProtocol
    connect_sent: bool
    """connect() returned bytes: the first chunk sent is those, and marks when."""
    replies: bytes = b""
    """Bytes the replayed ``feed`` produced that the journal has not shown as sent yet."""
    last_at: float = 0.0


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
    for event in timeline(database, session_id, seals=False):
        if event.kind == "link" and event.payload.get("status") == "connecting":
            steps.append((event.at, _CONNECT, len(steps), str(event.payload.get("device")),
                          b""))
    try:
        for device_id, direction, at, data in journal(database, session_id):
            steps.append((at, _RECEIVED if direction == "rx" else _SENT, len(steps),
                          device_id, data))
    except DamagedJournal:
        raise ReplayError(
            f"session {session_id}'s raw-byte journal was altered or damaged and cannot be "
            f"replayed; run 'ketaconsole verify {session_id}' and keep the database as "
            "evidence") from None
    steps.sort()
    first_connect: dict[str, float] = {}
    for at, step, _, device_id, _data in steps:
        if step == _CONNECT:
            first_connect.setdefault(device_id, at)
    replayed: dict[str, _Replayed] = {}

    def start(device_id: str, at: float) -> _Replayed:
        protocol = drivers[device_id].create_protocol(
            device_id, devices[device_id].get("settings", {}))
        state = _Replayed(protocol, bool(protocol.connect(at)), last_at=at)
        replayed[device_id] = state
        return state

    for at, step, _, device_id, data in steps:
        if device_id not in drivers:
            continue
        if at < first_connect.get(device_id, at):
            continue  # the conversation before the record's first greeting
        state = replayed.get(device_id)
        if step == _CONNECT or state is None:
            state = start(device_id, at)
            if step == _CONNECT:
                continue
        yield from _quiet_ticks(state, at)
        if step == _RECEIVED:
            out = state.protocol.feed(data, at)
            state.replies += out.send
            yield from out.observations
        elif state.connect_sent:
            state = start(device_id, at)  # the connect's bytes: it connected now
            state.connect_sent = False
        elif state.replies.startswith(data):
            state.replies = state.replies[len(data):]  # what feed answered, sent
        else:
            state.replies = b""
            yield from state.protocol.tick(at).observations
        state.last_at = at


def _quiet_ticks(state: _Replayed, until: float) -> Iterator[Observation]:
    """Ticks for a line that was silent from ``state.last_at`` to ``until``."""
    at = state.last_at + QUIET_TICK_S
    while at < until:
        yield from state.protocol.tick(at).observations
        at += QUIET_TICK_S
