"""The NE-1000 driver against its simulator over real ptys, through DeviceLink and the Engine.

Also: control refused while off and sent (and reported) when on, a counter reset that
the ledger survives, and a pump unplugged mid-infusion and another plugged in its place.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import pytest

from drivers.ne1000 import DRIVER
from drivers.ne1000.protocol import Ne1000Protocol
from drivers.ne1000.simulator import Ne1000Simulator
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceCommand,
    Identity,
    LinkState,
    LinkStatus,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.sim.virtual_patient import VirtualPatient

T = TypeVar("T")
SPEED = 60.0  # a scenario minute per second: 52.5 mL/h runs at 0.875 mL a second
FAST = LinkTimings(first_backoff_s=0.1, max_backoff_s=0.4, no_data_after_s=5.0)


class Seen:
    """Every observation the engine passed on, with a way to wait for one."""

    def __init__(self) -> None:
        self.items: list[Observation] = []
        self._changed = threading.Condition()

    def __call__(self, observation: Observation) -> None:
        with self._changed:
            self.items.append(observation)
            self._changed.notify_all()

    def mark(self) -> int:
        """A place in the record: ``wait_for(..., after=mark)`` looks only past it."""
        with self._changed:
            return len(self.items)

    def wait_for(self, found: Callable[[Observation], bool], timeout: float = 10.0, *,
                 after: int = 0) -> Observation:
        deadline = time.monotonic() + timeout
        with self._changed:
            start = after
            while True:
                for item in self.items[start:]:
                    if found(item):
                        return item
                start = len(self.items)
                left = deadline - time.monotonic()
                if left <= 0:
                    shown = [o.as_record() for o in self.items[-8:]]
                    raise AssertionError(f"not seen within {timeout} s; last: {shown}")
                self._changed.wait(left)

    def of(self, kind: type[T]) -> list[T]:
        with self._changed:
            return [o for o in self.items if isinstance(o, kind)]


class LedgerTrail:
    """For every pump status, the ledger's total right after the engine took it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.totals: dict[int, float] = {}
        engine.subscribe(self)

    def __call__(self, observation: Observation) -> None:
        ledger = self.engine.pump("pump")
        if isinstance(observation, PumpStatus) and ledger is not None:
            self.totals[id(observation)] = ledger.delivered_ml

    def total_after(self, status: Observation) -> float:
        return self.totals[id(status)]


def infusing_pump() -> Ne1000Simulator:
    """A simulated pump whose patient is already two minutes into the session."""
    patient = VirtualPatient(start=time.time() - 120.0 / SPEED, speed=SPEED)
    return Ne1000Simulator(patient, DRIVER.info.resolve_settings({"mode": "basic"}))


@pytest.fixture
def hosts() -> Iterator[list[PtyDeviceHost]]:
    started: list[PtyDeviceHost] = []
    yield started
    for host in started:
        host.stop()


@pytest.fixture
def links() -> Iterator[list[DeviceLink]]:
    started: list[DeviceLink] = []
    yield started
    for link in started:
        link.stop()


def serve(hosts: list[PtyDeviceHost], simulator: Ne1000Simulator) -> PtyDeviceHost:
    host = PtyDeviceHost(simulator).start()
    hosts.append(host)
    return host


def connect(links: list[DeviceLink], url: str, engine: Engine, **given: str) -> DeviceLink:
    settings = DRIVER.info.resolve_settings({"mode": "basic", "poll_interval_s": "0.2",
                                             **given})
    link = DeviceLink(DRIVER, "pump", url, settings, engine.ingest, timings=FAST)
    links.append(link)
    link.start()
    return link


def watch(engine: Engine) -> Seen:
    seen = Seen()
    engine.subscribe(seen)
    return seen


def volume_at_least(ml: float) -> Callable[[Observation], bool]:
    return lambda o: (isinstance(o, PumpStatus) and o.volume_infused_ml is not None
                      and o.volume_infused_ml >= ml)


def test_driver_reads_identity_rate_and_volume_over_a_real_pty(
        hosts: list[PtyDeviceHost], links: list[DeviceLink]) -> None:
    engine = Engine()
    seen = watch(engine)
    host = serve(hosts, infusing_pump())
    link = connect(links, host.path, engine)
    identity = seen.wait_for(lambda o: isinstance(o, Identity))
    assert isinstance(identity, Identity) and identity.model == "NE-1000"
    status = seen.wait_for(volume_at_least(0.5))
    assert isinstance(status, PumpStatus)
    assert status.state is PumpState.INFUSING
    assert status.rate_ml_h == pytest.approx(52.5)
    assert status.vtbi_ml == pytest.approx(35.0)
    assert link.status is LinkStatus.CONNECTED
    assert seen.of(ProtocolError) == []
    assert engine.live_value("MDC_FLOW_FLUID_PUMP") == pytest.approx(52.5)
    ledger = engine.pump("pump")
    assert ledger is not None and ledger.delivered_ml >= 0.5


def test_safe_mode_over_a_real_pty(hosts: list[PtyDeviceHost],
                                   links: list[DeviceLink]) -> None:
    engine = Engine()
    seen = watch(engine)
    patient = VirtualPatient(start=time.time() - 120.0 / SPEED, speed=SPEED)
    host = serve(hosts, Ne1000Simulator(patient, DRIVER.info.resolve_settings({"mode": "safe"})))
    connect(links, host.path, engine, mode="safe")
    seen.wait_for(volume_at_least(0.3))
    assert seen.of(ProtocolError) == []


def test_control_is_refused_over_the_link_while_it_is_off(
        hosts: list[PtyDeviceHost], links: list[DeviceLink]) -> None:
    engine = Engine()
    seen = watch(engine)
    simulator = infusing_pump()
    host = serve(hosts, simulator)
    link = connect(links, host.path, engine)
    seen.wait_for(lambda o: isinstance(o, PumpStatus))
    link.send(b"0STP\r")
    refused = seen.wait_for(lambda o: isinstance(o, ProtocolError)
                            and o.error == "control-disabled")
    assert isinstance(refused, ProtocolError) and refused.error == "control-disabled"
    seen.wait_for(volume_at_least(1.0))  # still infusing: the stop never went out
    assert not any("STP" in c for c in simulator.commands)
    assert seen.of(DeviceCommand) == []


def test_control_is_sent_and_reported_when_enabled(
        hosts: list[PtyDeviceHost], links: list[DeviceLink]) -> None:
    engine = Engine()
    seen = watch(engine)
    simulator = infusing_pump()
    host = serve(hosts, simulator)
    settings = {"control_enabled": "true"}
    link = connect(links, host.path, engine, **settings)
    seen.wait_for(lambda o: isinstance(o, PumpStatus))
    builder = Ne1000Protocol("pump", DRIVER.info.resolve_settings({"mode": "basic",
                                                                   **settings}))
    link.send(builder.command_set_rate(30.0))
    sent = seen.wait_for(lambda o: isinstance(o, DeviceCommand))
    assert isinstance(sent, DeviceCommand) and sent.command == "0RAT30.00MH"
    assert sent.device_id == "pump"
    seen.wait_for(lambda o: isinstance(o, PumpStatus) and o.rate_ml_h == pytest.approx(30.0))
    assert "0RAT30.00MH" in simulator.commands
    link.send(builder.command_stop())
    seen.wait_for(lambda o: isinstance(o, PumpStatus) and o.state is PumpState.PAUSED)
    assert [c.command for c in seen.of(DeviceCommand)] == ["0RAT30.00MH", "0STP"]
    assert seen.of(ProtocolError) == []


def test_a_counter_reset_never_moves_the_ledger_backwards(
        hosts: list[PtyDeviceHost], links: list[DeviceLink]) -> None:
    engine = Engine()
    trail = LedgerTrail(engine)
    seen = watch(engine)
    host = serve(hosts, infusing_pump())
    settings = {"control_enabled": "true"}
    link = connect(links, host.path, engine, **settings)
    seen.wait_for(volume_at_least(1.0))
    builder = Ne1000Protocol("pump", DRIVER.info.resolve_settings({"mode": "basic",
                                                                   **settings}))
    mark = seen.mark()
    link.send(builder.command_clear_infused())
    seen.wait_for(lambda o: isinstance(o, DeviceCommand), after=mark)
    seen.wait_for(lambda o: isinstance(o, PumpStatus) and o.volume_infused_ml is not None
                  and o.volume_infused_ml < 0.5, after=mark)
    latest = seen.wait_for(volume_at_least(1.0), after=seen.mark())
    assert isinstance(latest, PumpStatus)
    statuses = seen.of(PumpStatus)
    statuses = statuses[:statuses.index(latest) + 1]
    readings = [o.volume_infused_ml for o in statuses if o.volume_infused_ml is not None]
    drop = next(i for i in range(1, len(readings)) if readings[i] < readings[i - 1])
    totals = [trail.total_after(o) for o in statuses]
    assert all(b >= a for a, b in pairwise(totals)), totals
    assert readings[drop - 1] >= 1.0
    assert totals[-1] == pytest.approx(readings[drop - 1] + readings[-1], abs=1e-9)
    ledger = engine.pump("pump")
    assert ledger is not None and ledger.counter_restarts == 1


def test_a_pump_unplugged_mid_infusion_and_a_new_one_plugged_loses_no_volume(
        hosts: list[PtyDeviceHost], links: list[DeviceLink], tmp_path: Path) -> None:
    engine = Engine()
    trail = LedgerTrail(engine)
    seen = watch(engine)
    port = tmp_path / "pump-by-id"  # a stable name, as /dev/serial/by-id gives
    first = serve(hosts, infusing_pump())
    os.symlink(first.path, port)
    connect(links, str(port), engine)
    seen.wait_for(volume_at_least(1.0))

    first.stop()  # the cable is pulled mid-infusion
    gone = seen.wait_for(lambda o: isinstance(o, LinkState)
                         and o.status is LinkStatus.DISCONNECTED)
    ledger = engine.pump("pump")
    assert ledger is not None
    counted = ledger.delivered_ml
    last_reading = seen.of(PumpStatus)[-1]
    assert counted == pytest.approx(last_reading.volume_infused_ml)
    assert counted >= 1.0
    marker = seen.mark()

    second = serve(hosts, infusing_pump())  # another pump, its counter at zero
    replacement = tmp_path / "pump-by-id.new"
    os.symlink(second.path, replacement)
    os.replace(replacement, port)
    seen.wait_for(lambda o: isinstance(o, LinkState) and o.status is LinkStatus.CONNECTED,
                  after=marker)
    latest = seen.wait_for(volume_at_least(0.5), after=marker)
    assert isinstance(latest, PumpStatus) and latest.volume_infused_ml is not None
    assert isinstance(gone, LinkState)
    assert ledger.counter_restarts == 1
    assert trail.total_after(latest) == pytest.approx(counted + latest.volume_infused_ml,
                                                      abs=1e-9)


def test_a_command_queued_while_unplugged_never_reaches_the_next_pump(
        hosts: list[PtyDeviceHost], links: list[DeviceLink], tmp_path: Path) -> None:
    engine = Engine()
    seen = watch(engine)
    port = tmp_path / "pump-by-id"
    first = serve(hosts, infusing_pump())
    os.symlink(first.path, port)
    settings = {"control_enabled": "true"}
    link = connect(links, str(port), engine, **settings)
    seen.wait_for(lambda o: isinstance(o, PumpStatus))
    first.stop()
    seen.wait_for(lambda o: isinstance(o, LinkState) and o.status is LinkStatus.DISCONNECTED)
    basic = {"mode": "basic", **settings}
    link.send(Ne1000Protocol("pump", DRIVER.info.resolve_settings(basic)).command_stop())

    replacement = infusing_pump()
    second = serve(hosts, replacement)
    os.symlink(second.path, tmp_path / "new")
    os.replace(tmp_path / "new", port)
    dropped = seen.wait_for(lambda o: isinstance(o, ProtocolError) and o.error == "not-sent")
    assert isinstance(dropped, ProtocolError) and dropped.error == "not-sent"
    assert "send them again" in dropped.detail
    seen.wait_for(volume_at_least(0.5), after=seen.mark())
    assert not any("STP" in c for c in replacement.commands)
    assert seen.of(DeviceCommand) == []
