"""The infusion clock: one function of the pump's state events, live and in the record.

The pump's own telemetry is the evidence of when dosing began, paused and ended. The
console follows it live (:class:`PumpDrivenInfusion` listening to the engine) and the
exports fold the recorded ``pump_state`` events through the very same code
(:func:`infusion_from_events`), so the screen, the alarms and every export agree on
the infusion start and running time. A room without a pump has no telemetry: there the
nurse's Start / Pause / Resume / Stop stand in for the pump's states
(:data:`NURSE_ACTION_STATES`), through the same fold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ketaconsole.dose import InfusionClock
from ketaconsole.observations import Observation, PumpState, PumpStatus

NURSE_ACTION_STATES = {"start": PumpState.INFUSING, "resume": PumpState.INFUSING,
                       "pause": PumpState.PAUSED, "stop": PumpState.STOPPED}
"""The pump state a nurse's infusion action stands for where the room has no pump."""

NURSE_PUMP = "nurse"
"""The device id under which the nurse's actions feed the fold in a room without a pump."""


@dataclass(frozen=True, slots=True)
class PumpEvent:
    """A pump (or station slot) reported a state at a time."""

    device_id: str
    at: float
    state: PumpState


class PumpDrivenInfusion:
    """Follows one pump's state into an :class:`InfusionClock`."""

    def __init__(self, pump_id: str, clock: InfusionClock | None = None, *,
                 on_start: Callable[[float], None] | None = None,
                 on_change: Callable[[str, float], None] | None = None) -> None:
        self.pump_id = pump_id
        self.clock = clock or InfusionClock()
        self._on_start = on_start
        self._on_change = on_change
        """Told ("start" | "pause" | "resume" | "stop", at) as the pump moves the clock."""
        self._lock = threading.Lock()
        self.channel: str | None = None
        """The pump, or station slot, whose telemetry is the infusion."""

    def observe(self, observation: Observation) -> None:
        """Engine listener: a pump status is a state event."""
        if isinstance(observation, PumpStatus) and observation.state is not None:
            self.apply(PumpEvent(observation.device_id, observation.received_at,
                                 observation.state))

    def apply(self, event: PumpEvent) -> None:
        """Move the clock on by one state event of this pump (others are ignored)."""
        if not (event.device_id == self.pump_id
                or event.device_id.startswith(self.pump_id + "/")):
            return  # a station's slots are "<pump>/<slot>"
        if self.channel is None:
            if event.state is not PumpState.INFUSING:
                return  # until something infuses, no channel speaks for the infusion
            self.channel = event.device_id
        elif event.device_id != self.channel:
            return  # an idle slot beside the infusing one says nothing about the infusion
        state, at = event.state, event.at
        moved: str | None = None
        with self._lock:
            infusion = self.clock
            if state is PumpState.INFUSING:
                if infusion.started_at is None:
                    infusion.start(at)
                    moved = "start"
                    if self._on_start is not None:
                        self._on_start(at)
                elif infusion.paused and infusion.stopped_at is None:
                    infusion.resume(at)
                    moved = "resume"
            elif state in (PumpState.PAUSED, PumpState.ALARM):
                if infusion.running:
                    infusion.pause(at)
                    moved = "pause"
            elif state in (PumpState.STOPPED, PumpState.STANDBY) and \
                    infusion.started_at is not None and infusion.stopped_at is None:
                infusion.stop(at)
                moved = "stop"
        if moved is not None and self._on_change is not None:
            self._on_change(moved, at)


def infusion_from_events(pump_id: str, events: Iterable[PumpEvent]) -> PumpDrivenInfusion:
    """The infusion as a pump's recorded state events show it (the exports' clock)."""
    follower = PumpDrivenInfusion(pump_id)
    for event in events:
        follower.apply(event)
    return follower
