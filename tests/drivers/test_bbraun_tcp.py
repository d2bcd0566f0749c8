"""The B. Braun BCC driver against its simulated SpaceStation over real TCP on localhost.

Real parts only: TcpDeviceHost listening on 127.0.0.1, pyserial's socket:// transport
in the DeviceLink reader thread, the engine and its per-slot pump ledgers;
``ketaconsole simulate`` and ``probe`` as separate processes.
"""

from __future__ import annotations

import socket
import time

from drivers.bbraun_bcc import DRIVER
from drivers.bbraun_bcc.simulator import BBraunBccSimulator
from ketaconsole.devices.sim_host import TcpDeviceHost, host_for
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.live.engine import Engine
from ketaconsole.observations import LinkState, LinkStatus, ProtocolError, PumpState, PumpStatus
from ketaconsole.sim.virtual_patient import VirtualPatient
from tests.drivers.recorder import Recorder, poll_until
from tests.drivers.simulate_process import probe, simulated_device

SLOTS = {"station/1-1", "station/1-2", "station/1-3"}
FAST_RECONNECT = LinkTimings(first_backoff_s=0.1, max_backoff_s=0.3, no_data_after_s=8.0)


def infusing_patient(speed: float = 1.0) -> VirtualPatient:
    """A patient whose infusion started two scenario minutes ago."""
    return VirtualPatient(start=time.time() - 180.0 / speed, speed=speed)


def test_the_simulator_asks_for_tcp_and_gets_a_local_socket_url() -> None:
    host = host_for(BBraunBccSimulator(infusing_patient(), {}))
    try:
        assert isinstance(host, TcpDeviceHost)
        assert host.address == f"socket://127.0.0.1:{host.port}" and host.port > 0
    finally:
        host.stop()


def test_driver_reads_one_pump_stream_per_slot_over_tcp() -> None:
    patient = infusing_patient()
    settings = DRIVER.info.resolve_settings({"poll_s": "1"})
    engine = Engine()
    recorder = Recorder(engine)
    with TcpDeviceHost(BBraunBccSimulator(patient, settings)) as host:
        link = DeviceLink(DRIVER, "station", host.url, settings, engine.ingest)
        link.start()
        try:
            recorder.wait_for(lambda o: isinstance(o, PumpStatus) and o.device_id == "station/1-3")
            recorder.wait_until(lambda seen: all(  # a second poll of every slot
                sum(isinstance(o, PumpStatus) and o.device_id == slot for o in seen) >= 2
                for slot in SLOTS))
        finally:
            link.stop()
    streams: dict[str, list[PumpStatus]] = {}
    for o in recorder.seen:
        if isinstance(o, PumpStatus):
            streams.setdefault(o.device_id, []).append(o)
    assert set(streams) == SLOTS
    assert all(len(s) >= 2 for s in streams.values())
    running = streams["station/1-1"][-1]
    assert running.state is PumpState.INFUSING and running.rate_ml_h == 52.5
    assert running.drug == "Ketamine" and running.concentration_mg_ml == 1.0
    assert running.volume_infused_ml is not None
    assert abs(running.volume_infused_ml - patient.infusion(running.received_at)
               .volume_infused_ml) < 0.02
    assert streams["station/1-3"][-1].state is PumpState.STANDBY
    assert set(engine.pump_ids()) == SLOTS
    assert [o for o in recorder.seen if isinstance(o, ProtocolError)] == []


def test_the_tcp_host_keeps_serving_after_a_client_leaves() -> None:
    settings = DRIVER.info.resolve_settings({"poll_s": "1"})
    engine = Engine()
    recorder = Recorder(engine)
    with TcpDeviceHost(BBraunBccSimulator(infusing_patient(), settings)) as host:
        with socket.create_connection(("127.0.0.1", host.port), timeout=2):
            pass  # someone connects and leaves at once
        link = DeviceLink(DRIVER, "station", host.url, settings, engine.ingest)
        link.start()
        try:
            recorder.wait_for(lambda o: isinstance(o, PumpStatus))
        finally:
            link.stop()
        assert host.connections == 2


def test_station_unplugged_mid_infusion_and_back_on_the_same_port_loses_no_volume() -> None:
    patient = infusing_patient(speed=20.0)
    settings = DRIVER.info.resolve_settings({"poll_s": "1"})
    station = BBraunBccSimulator(patient, settings)
    pump = station.pump("1-1")
    engine = Engine()
    recorder = Recorder(engine)
    host = TcpDeviceHost(station).start()
    second: TcpDeviceHost | None = None
    link = DeviceLink(DRIVER, "station", host.url, settings, engine.ingest,
                      timings=FAST_RECONNECT)
    link.start()
    try:
        recorder.wait_for(lambda o: isinstance(o, PumpStatus) and o.device_id == "station/1-1")
        ledger = engine.pump("station/1-1")
        assert ledger is not None
        before = ledger.delivered_ml
        mark = len(recorder.seen)
        host.stop()  # the station's network cable is pulled
        recorder.wait_for(lambda o: isinstance(o, LinkState)
                          and o.status is LinkStatus.DISCONNECTED, after=mark)
        # the pumps keep infusing meanwhile: wait until the running one has put a tenth of a
        # millilitre (ten of its counter's steps) past what the console last read
        read = engine.pump_status("station/1-1")
        assert read is not None and read.volume_infused_ml is not None
        read_ml = read.volume_infused_ml
        poll_until(lambda: station.volume_infused(pump, time.time()) >= read_ml + 0.1,
                   what="the pump infusing on while unplugged")
        second = TcpDeviceHost(station, port=host.port).start()
        mark = len(recorder.seen)
        recorder.wait_for(lambda o: isinstance(o, LinkState)
                          and o.status is LinkStatus.CONNECTED, after=mark, timeout=15.0)
        recorder.wait_for(lambda o: isinstance(o, PumpStatus) and o.device_id == "station/1-1",
                          after=mark)
    finally:
        link.stop()
        host.stop()
        if second is not None:
            second.stop()
    last = engine.pump_status("station/1-1")
    assert last is not None and last.volume_infused_ml is not None
    assert ledger.counter_restarts == 0
    assert ledger.delivered_ml == last.volume_infused_ml > before
    # the pump's counter as it stood when the station answered (at most 0.5 s before the
    # console received it), to the station's two decimals
    earliest = station.volume_infused(pump, last.received_at - 0.5) - 0.005
    latest = station.volume_infused(pump, last.received_at) + 0.005
    assert earliest <= ledger.delivered_ml <= latest


def test_probe_prints_one_pump_line_per_slot_from_simulate() -> None:
    with simulated_device("bbraun-bcc", "--speed", "60") as url:
        assert url.startswith("socket://127.0.0.1:")
        code, records, stderr = probe("bbraun-bcc", url, "--seconds", "3")
    assert code == 0, stderr
    pumps = [r for r in records if r["kind"] == "pump"]
    assert sorted(r["device"] for r in pumps) == ["bbraun-bcc/1-1", "bbraun-bcc/1-2",
                                                    "bbraun-bcc/1-3"]
    running = next(r for r in pumps if r["device"] == "bbraun-bcc/1-1")
    assert running["drug"] == "Ketamine" and running["volume_infused"] is not None
    assert not [r for r in records if r["kind"] == "error"]


def test_the_gap_between_polls_is_not_reported_as_no_data() -> None:
    settings = DRIVER.info.resolve_settings({"poll_s": "2"})
    engine = Engine()
    recorder = Recorder(engine)
    impatient = LinkTimings(no_data_after_s=1.0)  # shorter than the poll on purpose
    with TcpDeviceHost(BBraunBccSimulator(infusing_patient(), settings)) as host:
        link = DeviceLink(DRIVER, "station", host.url, settings, engine.ingest,
                          timings=impatient)
        link.start()
        try:
            recorder.wait_for(lambda o: isinstance(o, PumpStatus))
            # two more polls, each 2 s apart: a "no data" for either gap would come before
            # the answers to the poll that ends it
            recorder.wait_until(lambda seen: sum(isinstance(o, PumpStatus) for o in seen) >= 9,
                                timeout=15.0)
        finally:
            link.stop()
    statuses = [o.status for o in recorder.seen if isinstance(o, LinkState)]
    assert LinkStatus.NO_DATA not in statuses
    assert statuses.count(LinkStatus.CONNECTED) == 1
    assert len([o for o in recorder.seen if isinstance(o, PumpStatus)]) >= 9  # 3 slots x 3


def test_simulate_with_two_slots_gives_two_pump_lines() -> None:
    with simulated_device("bbraun-bcc", "--set", "sim_slots=2") as url:
        code, records, stderr = probe("bbraun-bcc", url, "--seconds", "2")
    assert code == 0, stderr
    assert sorted(r["device"] for r in records if r["kind"] == "pump") == [
        "bbraun-bcc/1-1", "bbraun-bcc/1-2"]
