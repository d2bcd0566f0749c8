"""The infusion clock as the pump's telemetry shows it: started, paused, resumed, stopped.

Until a nurse starts the infusion from the session workflow, the pump's own state is
the best evidence of when dosing began and paused; the dose reconciliation and the
pump-mismatch alarm measure against this clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ketaconsole.dose import InfusionClock
from ketaconsole.observations import Observation, PumpState, PumpStatus


class PumpDrivenInfusion:
    """Follows one pump's state into an :class:`InfusionClock`."""

    def __init__(self, pump_id: str, clock: InfusionClock | None = None, *,
                 on_start: Callable[[float], None] | None = None) -> None:
        self.pump_id = pump_id
        self.clock = clock or InfusionClock()
        self._on_start = on_start
        self._lock = threading.Lock()
        self._channel: str | None = None
        """The pump, or station slot, whose telemetry is the infusion."""

    def observe(self, observation: Observation) -> None:
        if not isinstance(observation, PumpStatus) or not (
                observation.device_id == self.pump_id
                or observation.device_id.startswith(self.pump_id + "/")):
            return  # a station's slots are "<pump>/<slot>"
        if self._channel is None:
            if observation.state is not PumpState.INFUSING:
                return  # until something infuses, no channel speaks for the infusion
            self._channel = observation.device_id
        elif observation.device_id != self._channel:
            return  # an idle slot beside the infusing one says nothing about the infusion
        state, at = observation.state, observation.received_at
        with self._lock:
            infusion = self.clock
            if state is PumpState.INFUSING:
                if infusion.started_at is None:
                    infusion.start(at)
                    if self._on_start is not None:
                        self._on_start(at)
                elif infusion.paused and infusion.stopped_at is None:
                    infusion.resume(at)
            elif state in (PumpState.PAUSED, PumpState.ALARM):
                if infusion.running:
                    infusion.pause(at)
            elif state in (PumpState.STOPPED, PumpState.STANDBY) and \
                    infusion.started_at is not None and infusion.stopped_at is None:
                infusion.stop(at)
