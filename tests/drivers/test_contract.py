"""The contract every installed driver keeps, checked over the entry-point registry.

Parametrised over every installed driver (``DriverRegistry.discover`` permitting every
plugin, approved or not), so a driver is covered the moment it is
installed: complete metadata, a valid settings schema, a protocol that survives any
input, and a simulator the driver understands, in memory and over a real pty.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.devices import sim_host
from ketaconsole.devices.registry import DriverRegistry
from ketaconsole.devices.sim_loop import converse
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.sdk import (
    DeviceKind,
    DeviceSimulator,
    Driver,
    LineSettings,
    ProtocolOutput,
    SettingError,
)
from ketaconsole.sim.virtual_patient import VirtualPatient

REGISTRY = DriverRegistry.discover(allowed=lambda _name, _version: True)
DRIVERS = [item.driver for item in REGISTRY.installed()]
SLUGS = [d.info.slug for d in DRIVERS]
OBSERVATION_TYPES = (Numeric, WaveChunk, PumpStatus, DeviceAlarm, Identity, LinkState,
                     ProtocolError)
STANDARD_BAUD_RATES = {1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400}

every_driver = pytest.mark.parametrize("driver", DRIVERS, ids=SLUGS)


def is_measurement(observation: Observation) -> bool:
    """A value that the device really measured (not an identity, alarm or link change)."""
    if isinstance(observation, Numeric):
        return observation.value is not None
    if isinstance(observation, WaveChunk):
        return any(s is not None for s in observation.samples)
    return isinstance(observation, PumpStatus)


def test_the_registry_finds_the_built_in_driver() -> None:
    assert "masimo-ascii" in SLUGS


# -- metadata and settings -----------------------------------------------------------------

@every_driver
def test_metadata_is_complete(driver: Driver) -> None:
    info = driver.info
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", info.slug), info.slug
    assert info.title.strip() and info.vendor.strip()
    assert info.models and all(isinstance(m, str) and m.strip() for m in info.models)
    assert isinstance(info.kind, DeviceKind)
    assert isinstance(info.published, bool)
    assert info.sources and all(isinstance(s, str) and s.strip() for s in info.sources), (
        "a driver names the documents or projects its protocol knowledge comes from")
    line = info.line
    assert isinstance(line, LineSettings)
    assert line.baudrate in STANDARD_BAUD_RATES
    assert line.bytesize in (5, 6, 7, 8)
    assert line.parity in ("N", "E", "O", "M", "S")
    assert line.stopbits in (1, 1.5, 2)
    assert line.describe()
    if info.default_port is not None:
        assert re.match(r"[a-z0-9+]+://|/dev/|COM\d", info.default_port), info.default_port
    record = json.loads(json.dumps(info.as_record()))
    assert record["slug"] == info.slug and record["kind"] == info.kind.value
    assert callable(driver.create_protocol)


@every_driver
def test_settings_schema_is_valid(driver: Driver) -> None:
    fields = driver.info.settings
    keys = [f.key for f in fields]
    assert len(keys) == len(set(keys)), "setting keys are unique"
    for f in fields:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", f.key), f.key
        assert f.label.strip(), f"setting {f.key} has a label for the form"
        if f.type == "choice":
            assert f.choices, f"setting {f.key} offers choices"
            assert len(set(f.choices)) == len(f.choices)
            assert f.default in f.choices
            for choice in f.choices:
                assert f.parse(choice) == choice
        else:
            assert not f.choices, f"setting {f.key} is not a choice but lists choices"
        if f.minimum is not None and f.maximum is not None:
            assert f.minimum <= f.maximum
        assert f.parse(str(f.default).lower() if f.type == "bool" else str(f.default)) == (
            f.default), f"the default of {f.key} parses back to itself"
    assert driver.info.resolve_settings({}) == {f.key: f.default for f in fields}
    with pytest.raises(SettingError):
        driver.info.resolve_settings({"no_such_setting_anywhere": "1"})


# -- the protocol on hostile input ---------------------------------------------------------

@every_driver
def test_the_protocol_survives_random_input_without_raising(driver: Driver) -> None:
    rng = random.Random(f"contract-{driver.info.slug}")
    protocol = driver.create_protocol("dev", driver.info.resolve_settings({}))
    now = 1000.0
    assert isinstance(protocol.connect(now), bytes)
    for _ in range(300):
        now += rng.uniform(0.0, 0.5)
        size = rng.choice((1, 2, 5, 17, 64, 300, 2000))
        data = bytes(rng.getrandbits(8) for _ in range(size))
        out = protocol.feed(data, now)
        assert isinstance(out, ProtocolOutput) and isinstance(out.send, bytes)
        assert all(isinstance(o, OBSERVATION_TYPES) for o in out.observations)
        ticked = protocol.tick(now)
        assert isinstance(ticked, ProtocolOutput) and isinstance(ticked.send, bytes)
    assert isinstance(protocol.disconnect(now), bytes)


@every_driver
def test_numerics_from_random_input_are_no_value_or_plausible(driver: Driver) -> None:
    rng = random.Random(f"plausible-{driver.info.slug}")
    protocol = driver.create_protocol("dev", driver.info.resolve_settings({}))
    for step in range(200):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 400)))
        for o in protocol.feed(data, 1000.0 + step).observations:
            if isinstance(o, Numeric) and o.value is not None:
                assert CATALOGUE[o.metric].is_plausible(o.value), o


# -- simulator and driver agree ----------------------------------------------------------

def simulated(driver: Driver) -> Driver:
    if driver.create_simulator is None:
        pytest.skip(f"{driver.info.slug} ships no simulator (optional for plugins)")
    return driver


@every_driver
def test_the_driver_decodes_its_simulator_in_memory_without_errors(driver: Driver) -> None:
    talk = converse(simulated(driver), 30.0)
    errors = [o for o in talk.observations if isinstance(o, ProtocolError)]
    assert errors == []
    assert any(is_measurement(o) for o in talk.observations)
    for o in talk.observations:
        assert isinstance(o, OBSERVATION_TYPES)
        if isinstance(o, Numeric | WaveChunk):
            assert o.metric in CATALOGUE, f"{o.metric} is not in the metric catalogue"
            assert o.unit == CATALOGUE[o.metric].unit, "units are converted in the driver"


@contextmanager
def serving(simulator: DeviceSimulator) -> Iterator[str]:
    """The simulator on a real pty, or on a TCP port when it says it is served so."""
    with sim_host.host_for(simulator) as host:
        yield host.address


@every_driver
def test_simulator_and_driver_agree_over_a_real_line(driver: Driver) -> None:
    driver = simulated(driver)
    assert driver.create_simulator is not None
    settings = driver.info.resolve_settings({})
    patient = VirtualPatient(start=time.time())
    engine = Engine()
    seen: list[Observation] = []
    measured = threading.Event()

    def listen(observation: Observation) -> None:
        seen.append(observation)
        if is_measurement(observation):
            measured.set()

    engine.subscribe(listen)
    with serving(driver.create_simulator(patient, settings)) as url:
        link = DeviceLink(driver, "dev", url, settings, engine.ingest,
                          timings=LinkTimings(no_data_after_s=8.0))
        link.start()
        try:
            arrived = measured.wait(10.0)
        finally:
            link.stop()
    assert arrived, f"no measured value within 10 s; saw {[o.as_record() for o in seen]}"
    errors = [o.as_record() for o in seen if isinstance(o, ProtocolError)]
    assert errors == []
    states = [o.status for o in seen if isinstance(o, LinkState)]
    assert states[:2] == [LinkStatus.CONNECTING, LinkStatus.CONNECTED]
    assert engine.error_count("dev") == 0
