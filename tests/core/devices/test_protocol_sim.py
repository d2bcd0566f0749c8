"""The ``sim://`` port: a driver's simulator in-process behind pyserial, with no pty."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from drivers.ne1000 import DRIVER as NE1000
from ketaconsole.bedside.room import Room
from ketaconsole.demo import room as demo
from ketaconsole.devices.protocol_sim import InProcessDeviceHost
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.transport import DeviceLink, open_port
from ketaconsole.observations import PumpStatus
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from tests.core.devices.test_transport import QUICK, Recorder, running
from tests.core.store_support import wait_until
from tests.room_support import log_in_demo_nurse

PROBE = [sys.executable, "-m", "ketaconsole", "probe"]


def test_probe_of_a_simulated_oximeter_on_sim_prints_its_values(tmp_path: Path) -> None:
    done = subprocess.run([*PROBE, "masimo-ascii", "sim://masimo-ascii", "--seconds", "2.5"],
                          capture_output=True, text=True, timeout=60,
                          env={**_env(tmp_path)})
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    spo2 = [r["value"] for r in records if r.get("metric") == "MDC_PULS_OXIM_SAT_O2"]
    assert spo2 and all(90 <= value <= 100 for value in spo2)


@pytest.mark.parametrize(("url", "says"), [
    ("sim://", "names no simulated device"),
    ("sim://no-such-driver", "no driver 'no-such-driver'"),
    ("sim://masimo-ascii?speed=fast", "the sim:// speed must be a number"),
    ("sim://masimo-ascii?scenario=asleep", "scenario 'asleep' is not one of"),
    ("sim://masimo-ascii?model=rad99", "setting model must be one of"),
])
def test_a_bad_sim_address_is_one_sentence_and_a_non_zero_exit(tmp_path: Path, url: str,
                                                                says: str) -> None:
    done = subprocess.run([*PROBE, "masimo-ascii", url, "--seconds", "1"],
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert done.returncode != 0
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_polled_pump_on_sim_answers_its_driver_through_a_device_link() -> None:
    settings = NE1000.info.resolve_settings({"poll_interval_s": "0.2"})
    recorder = Recorder()
    link = DeviceLink(NE1000, "pump", "sim://ne1000?speed=60", settings, recorder,
                      timings=QUICK)
    with running(link):
        recorder.wait_for(lambda o: isinstance(o, PumpStatus) and o.rate_ml_h is not None,
                          timeout=15)
    assert not [o for o in recorder.seen if getattr(o, "error", None) == "checksum"]


def test_an_in_process_host_serves_one_running_device_until_stopped() -> None:
    assert NE1000.create_simulator is not None
    simulator = NE1000.create_simulator(VirtualPatient(start=0.0),
                                        NE1000.info.resolve_settings({}))
    host = InProcessDeviceHost(simulator, "ne1000").start()
    port = open_port(host.address, NE1000.info.line, 0.2)
    port.write(b"\x02\x080VERH\t\x03")  # safe-mode VER, as the driver frames it
    assert port.read(64)  # the pump answered
    port.close()
    host.stop()
    with pytest.raises(serial.SerialException, match="not running"):
        open_port(host.address, NE1000.info.line, 0.2)


@pytest.fixture
def room_without_ptys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Room]:
    monkeypatch.setattr(demo, "has_ptys", lambda: False)  # as on Windows
    room = demo.demo_room(SCENARIOS["normal"], speed=60.0,
                          database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                          registry=DriverRegistry.discover(allowed=built_ins_only))
    try:
        log_in_demo_nurse(room)
        yield room
    finally:
        room.stop()


def test_the_demo_serves_its_devices_on_sim_where_there_are_no_ptys(
        room_without_ptys: Room) -> None:
    room = room_without_ptys
    ports = [spec.port for spec in room.specs]
    assert ports and all(url.startswith("sim://") for url in ports)
    wait_until(lambda: room.engine.latest("MDC_PULS_OXIM_SAT_O2") is not None, timeout=20,
               what="an SpO2 from the simulated oximeter")


def _env(home: Path) -> dict[str, str]:
    import os

    return {**os.environ, "KETACONSOLE_HOME": str(home),
            "PYTHONPATH": str(Path(__file__).resolve().parents[3])}




def test_record_reads_pumps_on_sim_and_replay_gives_what_record_decoded(
        tmp_path: Path) -> None:
    from tests.course_support import cleared_mrn

    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    mrn = cleared_mrn(url, "Ann Example")
    env = {**_env(tmp_path), "KETACONSOLE_STATION": "bay-7"}
    recorded = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "record", "--device",
         "ne1000=sim://ne1000?speed=60", "--device", "masimo-ascii=sim://masimo-ascii",
         "--mrn", mrn, "--minutes", "0.1", "--db", url],
        capture_output=True, text=True, timeout=120, env=env)
    assert recorded.returncode == 0, recorded.stderr
    session = recorded.stdout.splitlines()[0]
    replayed = subprocess.run([sys.executable, "-m", "ketaconsole", "replay", session,
                               "--db", url], capture_output=True, text=True, timeout=120,
                              env=env)
    assert replayed.returncode == 0, replayed.stderr
    records = [json.loads(line) for line in replayed.stdout.splitlines()]
    pumps = [r for r in records if r["kind"] == "pump" and r["rate"] is not None]
    spo2 = [r for r in records if r.get("metric") == "MDC_PULS_OXIM_SAT_O2"]
    assert pumps and spo2
    assert [r["detail"] for r in records if r["kind"] == "error"] == []
