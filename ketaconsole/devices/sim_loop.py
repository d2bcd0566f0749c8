"""Runs a driver against its own simulator in memory, on a simulated clock.

No port and no thread: the console side's bytes go straight to the simulated device and
the device's bytes straight back. Tests use it to get a realistic capture of what a
device sends (and to check that a driver understands its simulator); benchmarks use it
to build large deterministic captures. The same seed and start give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ketaconsole.observations import Observation
from ketaconsole.sdk import Driver
from ketaconsole.sim.virtual_patient import Scenario, VirtualPatient

SIMULATED_START = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC: a fixed start so that captures repeat exactly."""


class NoSimulatorError(LookupError):
    """The driver ships no simulator, so there is nothing to converse with."""


@dataclass(slots=True)
class Conversation:
    """What passed between console and simulated device, and what the console decoded."""

    received: bytearray = field(default_factory=bytearray)
    """Everything the device sent, in order."""
    sent: bytearray = field(default_factory=bytearray)
    """Everything the console sent, in order."""
    observations: list[Observation] = field(default_factory=list)


def converse(driver: Driver, seconds: float, *, settings: Mapping[str, Any] | None = None,
             start: float = SIMULATED_START, speed: float = 1.0, seed: int = 7,
             step: float | None = None, device_id: str = "sim",
             max_bytes: int | None = None, story: Scenario | None = None) -> Conversation:
    """Run console and device for ``seconds`` of simulated time (or until ``max_bytes``).

    ``step`` is the simulated time between rounds; by default the simulator's own tick
    interval. ``story`` is the patient's scenario (the uneventful one by default). Each
    round the device ticks, the console decodes what it sent, and whatever the console
    answers goes back to the device at once.
    """
    if driver.create_simulator is None:
        raise NoSimulatorError(f"driver {driver.info.slug} has no simulator")
    resolved = driver.info.resolve_settings({}) if settings is None else dict(settings)
    patient = VirtualPatient(story, start=start, speed=speed, seed=seed)
    device = driver.create_simulator(patient, resolved)
    console = driver.create_protocol(device_id, resolved)
    interval = step if step is not None else device.tick_interval_s
    talk = Conversation()

    def to_device(data: bytes, now: float) -> None:
        while data:
            talk.sent += data
            reply = device.feed(data, now)
            if not reply:
                return
            talk.received += reply
            out = console.feed(reply, now)
            talk.observations.extend(out.observations)
            data = out.send

    now = start
    to_device(console.connect(now), now)
    next_console_tick = now
    end = start + seconds
    while now < end and (max_bytes is None or len(talk.received) < max_bytes):
        now += interval
        data = device.tick(now)
        if data:
            talk.received += data
            out = console.feed(data, now)
            talk.observations.extend(out.observations)
            to_device(out.send, now)
        if now >= next_console_tick:
            next_console_tick = now + 0.1
            out = console.tick(now)
            talk.observations.extend(out.observations)
            to_device(out.send, now)
    return talk
