"""Which observations the recorder holds as rows and which it puts on the timeline.

Numerics, wave chunks and pump statuses are held for the writer as rows. A link
change, a device alarm and a command sent to a device each become a timeline event; a
pump's state and a device's identity only when they change.
"""

from __future__ import annotations

from typing import Any

from ketaconsole.observations import (
    DeviceAlarm,
    DeviceCommand,
    Identity,
    LinkState,
    Numeric,
    Observation,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.store.timeline import SYSTEM_AUTHOR
from ketaconsole.store.write_queue import WriteQueue


class EventPolicy:
    """Sorts what the engine takes in onto the write queue: rows to hold, events to chain."""

    def __init__(self, queue: WriteQueue) -> None:
        self._queue = queue
        self._pump_states: dict[str, str | None] = {}
        self._identities: dict[str, dict[str, Any]] = {}

    def observe(self, obs: Observation) -> None:
        """Queue an observation as rows, an event or both (never blocks on the database)."""
        hold = self._queue.hold
        if isinstance(obs, Numeric):
            hold("numeric", obs, obs.received_at)
        elif isinstance(obs, WaveChunk):
            hold("wave", obs, obs.received_at)
        elif isinstance(obs, PumpStatus):
            hold("pump", obs, obs.received_at)
            state = obs.state.value if obs.state else None
            if state is not None and self._pump_states.get(obs.device_id) != state:
                self._pump_states[obs.device_id] = state
                self._post("pump_state", {"device": obs.device_id, "state": state},
                           obs.received_at)
        elif isinstance(obs, LinkState):
            self._post("link", {"device": obs.device_id, "status": obs.status.value,
                                "detail": obs.detail}, obs.received_at)
        elif isinstance(obs, DeviceAlarm):
            record = obs.as_record()
            record.pop("received_at")
            self._post("device_alarm", record, obs.received_at)
        elif isinstance(obs, DeviceCommand):
            self._post("device_command", {"device": obs.device_id, "command": obs.command},
                       obs.received_at)
        elif isinstance(obs, Identity):
            record = obs.as_record()
            record.pop("received_at")
            if self._identities.get(obs.device_id) != record:
                self._identities[obs.device_id] = record
                self._post("device_identity", record, obs.received_at)

    def _post(self, kind: str, payload: dict[str, Any], at: float) -> None:
        self._queue.enqueue_event(kind, payload, SYSTEM_AUTHOR, at, None)
