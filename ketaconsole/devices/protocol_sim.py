"""The ``sim://`` port: a driver's simulator run in-process, behind pyserial's port interface.

``sim://SLUG[?scenario=NAME&speed=X&KEY=VALUE...]`` opens like any serial port
(``serial.serial_for_url``) but has a simulated device on the other end: the driver's
own simulator, following a virtual patient with the named scenario (default
``normal``) at ``speed`` times real time (default 1); any other query key is a driver
setting (``sim://ne1000?mode=basic``). Bytes written reach the simulator's ``feed``;
reads return what it sent, ticking it on the way, so a polled device answers and a
streaming one streams. It needs no pseudo-terminal, so ``probe``, ``record``, device
profiles and the demo work the same on every platform (Windows has no ptys).

:class:`InProcessDeviceHost` serves one given simulator (the demo's, which follows the
demo's own patient) at ``sim://SLUG?served=KEY`` until it is stopped; reopening the
port reaches the same running device, as with a pseudo-terminal.

pyserial finds the class by the URL's scheme: :mod:`ketaconsole.devices.transport`
adds this package to ``serial.protocol_handler_packages``. The driver is looked up
among the console's drivers (built-ins and approved plugins) when the port opens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from serial import SerialBase, SerialException

from ketaconsole.devices.device_spec import SIMULATOR_SCHEME
from ketaconsole.numbers import NumberError
from ketaconsole.sdk import DeviceSimulator, Driver, SettingError
from ketaconsole.sim.virtual_patient import (
    SCENARIO_SPEED,
    SCENARIOS,
    UnknownScenarioError,
    VirtualPatient,
    scenario,
)

SCHEME = SIMULATOR_SCHEME
SPEED = _replace(SCENARIO_SPEED, what="the sim:// speed")
BUFFER_LIMIT = 1 << 20
"""Bytes the simulator may send that nobody reads before the oldest are dropped (a line)."""


_SERVED: dict[str, DeviceSimulator] = {}
"""Simulators served in-process by :class:`InProcessDeviceHost`, by key."""
_SERVED_LOCK = threading.Lock()


class InProcessDeviceHost:
    """Serves one simulator at a ``sim://`` address in this process, until stopped."""

    def __init__(self, simulator: DeviceSimulator, slug: str) -> None:
        self.simulator = simulator
        self._key = f"{id(self):x}"
        self.address = f"sim://{slug}?served={self._key}"

    def start(self) -> InProcessDeviceHost:
        with _SERVED_LOCK:
            _SERVED[self._key] = self.simulator
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving: a port open on it reads nothing more and cannot reopen."""
        with _SERVED_LOCK:
            _SERVED.pop(self._key, None)

    def __enter__(self) -> InProcessDeviceHost:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class SimAddress:
    """What a ``sim://`` URL asks for."""

    slug: str
    scenario: str = "normal"
    speed: float = 1.0
    settings: Mapping[str, str] = field(default_factory=dict)
    served: str | None = None
    """The key of a simulator an :class:`InProcessDeviceHost` serves."""

    @classmethod
    def parse(cls, url: str) -> SimAddress:
        """The parts of ``url``, or :class:`SerialException` saying in one sentence what is
        wrong."""
        parts = urlsplit(url)
        slug = parts.netloc or parts.path.lstrip("/")
        if parts.scheme.lower() != SCHEME or not slug:
            raise SerialException(
                f"port {url!r} names no simulated device; write it as sim://SLUG, e.g. "
                "sim://masimo-ascii?scenario=desaturation&speed=10")
        query = {key: values[-1] for key, values in parse_qs(parts.query, True).items()}
        served = query.pop("served", None)
        story = query.pop("scenario", "normal")
        if story not in SCENARIOS:
            raise SerialException(f"sim:// scenario {story!r} is not one of "
                                  f"{', '.join(SCENARIOS)}")
        speed_text = query.pop("speed", "1")
        try:
            speed = SPEED.parse(speed_text)
        except NumberError as exc:
            raise SerialException(str(exc)) from None
        return cls(slug, story, speed, query, served)


def find_driver(slug: str) -> Driver:
    """The console's driver ``slug`` (a built-in or an approved plugin)."""
    from ketaconsole.devices.registry import UnknownDriverError
    from ketaconsole.security.plugins import clinic_registry

    try:
        return clinic_registry().get(slug)
    except UnknownDriverError as exc:
        raise SerialException(str(exc.args[0])) from None


def simulator_for(address: SimAddress, driver: Driver,
                  start: float | None = None) -> DeviceSimulator:
    """A fresh simulator of ``driver`` for what ``address`` asks."""
    if driver.create_simulator is None:
        raise SerialException(f"driver {driver.info.slug} has no simulator to serve on sim://")
    try:
        settings = driver.info.resolve_settings(dict(address.settings))
        story = scenario(address.scenario)
    except (SettingError, UnknownScenarioError) as exc:
        raise SerialException(f"sim://{address.slug}: {exc.args[0]}") from None
    patient = VirtualPatient(story, start=time.time() if start is None else start,
                             speed=address.speed)
    return driver.create_simulator(patient, settings)


class Serial(SerialBase):
    """A pyserial port with a driver's simulator on the other end."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._simulator: DeviceSimulator | None = None
        self._received = bytearray()
        self._lock = threading.Lock()
        self._last_tick = 0.0
        self._served: str | None = None
        self.is_open: bool = False
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("the sim:// port is already open")
        if self._port is None:
            raise SerialException("a sim:// port needs a URL before it opens")
        address = SimAddress.parse(self.portstr)
        if address.served is not None:
            with _SERVED_LOCK:
                self._simulator = _SERVED.get(address.served)
            if self._simulator is None:
                raise SerialException(f"the simulated device at {self.portstr} is not running")
        else:
            self._simulator = simulator_for(address, find_driver(address.slug))
        self._served = address.served
        self._received.clear()
        self._last_tick = 0.0
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
        self._simulator = None
        super().close()

    def _reconfigure_port(self) -> None:
        """Line settings mean nothing to an in-process device."""

    def _step(self) -> None:
        """Tick the simulator if its tick interval has passed; keep what it sends."""
        simulator = self._simulator
        if simulator is None:
            raise SerialException("the sim:// port is not open")
        if self._served is not None and self._served not in _SERVED:
            raise SerialException("the simulated device stopped")
        now = time.time()
        if now - self._last_tick >= simulator.tick_interval_s:
            self._last_tick = now
            self._keep(simulator.tick(now))

    def _keep(self, data: bytes) -> None:
        if data:
            self._received += data
            if len(self._received) > BUFFER_LIMIT:
                del self._received[:len(self._received) - BUFFER_LIMIT]

    @property
    def in_waiting(self) -> int:
        with self._lock:
            self._step()
            return len(self._received)

    def read(self, size: int = 1) -> bytes:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while True:
            with self._lock:
                self._step()
                if self._received:
                    data = bytes(self._received[:size])
                    del self._received[:size]
                    return data
                interval = self._simulator.tick_interval_s if self._simulator else 0.02
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return b""
            time.sleep(interval if left is None else max(0.0, min(interval, left)))

    def write(self, data: bytes) -> int:
        with self._lock:
            if self._simulator is None:
                raise SerialException("the sim:// port is not open")
            self._keep(self._simulator.feed(bytes(data), time.time()))
        return len(data)

    def reset_input_buffer(self) -> None:
        with self._lock:
            self._received.clear()

    def reset_output_buffer(self) -> None:
        """Nothing waits to go out: writes reach the simulator at once."""

    def flush(self) -> None:
        """Nothing waits to go out: writes reach the simulator at once."""
