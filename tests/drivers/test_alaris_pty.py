"""The Alaris (Asena) driver against its simulated pump over real ptys, and from the command line.

Real parts only: os.openpty via PtyDeviceHost, the DeviceLink reader thread, the engine
and its pump ledger; ``ketaconsole simulate`` and ``probe`` as separate processes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from drivers.alaris_asena import DRIVER
from drivers.alaris_asena.simulator import PROTOCOL_REVISION, SERIAL_NUMBER, AlarisAsenaSimulator
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    Identity,
    LinkState,
    LinkStatus,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.sim.virtual_patient import VirtualPatient
from tests.drivers.recorder import Recorder, poll_until
from tests.drivers.simulate_process import probe, simulated_device

FAST_RECONNECT = LinkTimings(first_backoff_s=0.1, max_backoff_s=0.3, no_data_after_s=8.0)


def infusing_patient(speed: float = 1.0) -> VirtualPatient:
    """A patient whose infusion started two scenario minutes ago."""
    return VirtualPatient(start=time.time() - 180.0 / speed, speed=speed)


def test_driver_reads_identity_and_live_infusion_from_its_simulator_over_a_pty() -> None:
    patient = infusing_patient()
    pump = AlarisAsenaSimulator(patient, {})
    engine = Engine()
    recorder = Recorder(engine)
    settings = DRIVER.info.resolve_settings({"remote_control": "on"})
    with PtyDeviceHost(pump) as host:
        link = DeviceLink(DRIVER, "pump", host.path, settings, engine.ingest)
        link.start()
        try:
            identity = recorder.wait_for(
                lambda o: isinstance(o, Identity) and o.firmware is not None)
            status = recorder.wait_for(lambda o: isinstance(o, PumpStatus))
            # the keep-alive renewed: a lapse of remote control before it would have been
            # counted as the pump saw the renewal come in
            poll_until(lambda: len(pump.keepalives) >= 2, what="a renewed keep-alive")
        finally:
            link.stop()
    assert isinstance(identity, Identity)
    assert identity.serial == SERIAL_NUMBER and identity.firmware == PROTOCOL_REVISION
    assert isinstance(status, PumpStatus)
    assert status.state is PumpState.INFUSING and status.rate_ml_h == 52.5
    assert status.vtbi_ml == 35.0 and status.drug == "Ketamine"
    expected = patient.infusion(status.received_at).volume_infused_ml
    assert status.volume_infused_ml is not None
    assert abs(status.volume_infused_ml - expected) < 0.05
    assert [o for o in recorder.seen if isinstance(o, ProtocolError)] == []
    assert len(pump.keepalives) >= 2 and pump.communication_timeouts == 0


def test_by_default_the_driver_reads_the_pump_without_taking_remote_control() -> None:
    pump = AlarisAsenaSimulator(infusing_patient(), {})
    engine = Engine()
    recorder = Recorder(engine)
    with PtyDeviceHost(pump) as host:
        link = DeviceLink(DRIVER, "pump", host.path, DRIVER.info.resolve_settings({}),
                          engine.ingest)
        link.start()
        try:
            status = recorder.wait_for(lambda o: isinstance(o, PumpStatus))
        finally:
            link.stop()
    assert isinstance(status, PumpStatus) and status.rate_ml_h == 52.5
    assert pump.keepalives == [] and pump.communication_timeouts == 0


def test_pump_unplugged_mid_infusion_and_plugged_back_loses_no_volume(tmp_path: Path) -> None:
    patient = infusing_patient(speed=20.0)
    pump = AlarisAsenaSimulator(patient, {})
    engine = Engine()
    recorder = Recorder(engine)
    port = tmp_path / "pump-port"  # the cable: re-pointed at the new terminal on replug
    host = PtyDeviceHost(pump).start()
    os.symlink(host.path, port)
    link = DeviceLink(DRIVER, "pump", str(port), DRIVER.info.resolve_settings({}),
                      engine.ingest, timings=FAST_RECONNECT)
    link.start()
    second: PtyDeviceHost | None = None
    try:
        recorder.wait_for(lambda o: isinstance(o, PumpStatus) and o.state is PumpState.INFUSING)
        ledger = engine.pump("pump")
        assert ledger is not None
        before_unplug = ledger.delivered_ml
        mark = len(recorder.seen)
        host.stop()  # cable pulled
        recorder.wait_for(lambda o: isinstance(o, LinkState)
                          and o.status is LinkStatus.DISCONNECTED, after=mark)
        # the pump keeps infusing while nobody listens: wait until it has put a tenth of a
        # millilitre (a hundred of its counter's steps) past what the console last read
        read = engine.pump_status("pump")
        assert read is not None and read.volume_infused_ml is not None
        read_ml = read.volume_infused_ml
        poll_until(lambda: pump.volume_infused(time.time()) >= read_ml + 0.1,
                   what="the pump infusing on while unplugged")
        second = PtyDeviceHost(pump).start()
        port.unlink()
        os.symlink(second.path, port)
        mark = len(recorder.seen)
        recorder.wait_for(lambda o: isinstance(o, LinkState)
                          and o.status is LinkStatus.CONNECTED, after=mark, timeout=15.0)
        after = recorder.wait_for(lambda o: isinstance(o, PumpStatus)
                                  and o.volume_infused_ml is not None, after=mark)
    finally:
        link.stop()
        host.stop()
        if second is not None:
            second.stop()
    assert isinstance(after, PumpStatus) and after.volume_infused_ml is not None
    assert ledger.delivered_ml >= after.volume_infused_ml > before_unplug
    assert ledger.counter_restarts == 0
    # the whole infusion so far is in the ledger, the unplugged second included
    last = engine.pump_status("pump")
    assert last is not None and last.volume_infused_ml is not None
    assert ledger.delivered_ml == last.volume_infused_ml
    # the pump's counter as it stood when it answered (at most 0.5 s before the console
    # received it), to the pump's three decimals
    earliest = pump.volume_infused(last.received_at - 0.5) - 0.0005
    latest = pump.volume_infused(last.received_at) + 0.0005
    assert earliest <= last.volume_infused_ml <= latest


def test_probe_prints_identity_and_live_rate_and_volume_from_simulate() -> None:
    with simulated_device("alaris-asena", "--speed", "60") as port:
        assert port.startswith("/dev/")
        code, records, stderr = probe("alaris-asena", port, "--seconds", "4")
    assert code == 0, stderr
    identities = [r for r in records if r["kind"] == "identity"]
    assert any(r["serial"] == SERIAL_NUMBER and r["firmware"] == PROTOCOL_REVISION
               for r in identities)
    pumps = [r for r in records if r["kind"] == "pump"]
    assert any(r["rate"] == 52.5 and r["state"] == "infusing" for r in pumps)
    volumes = [r["volume_infused"] for r in pumps if r["volume_infused"] is not None]
    assert len(volumes) >= 2 and volumes[-1] > volumes[0]  # live: the volume grows
    assert not [r for r in records if r["kind"] == "error"]
