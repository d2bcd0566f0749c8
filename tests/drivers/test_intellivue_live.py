"""The IntelliVue driver against its simulated monitor over a real pty, through DeviceLink
and the Engine, and ``ketaconsole probe`` against ``ketaconsole simulate`` as processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.intellivue_mib import DRIVER, codes
from drivers.intellivue_mib.framing import encode_frame
from drivers.intellivue_mib.simulator import IntelliVueSimulator
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.sim_loop import converse
from ketaconsole.devices.transport import DeviceLink, Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    WaveChunk,
)
from ketaconsole.sim.virtual_patient import VirtualPatient
from tests.drivers.simulate_process import simulated_device

METRICS = ("MDC_ECG_HEART_RATE", "MDC_PULS_OXIM_SAT_O2", "MDC_PULS_OXIM_PULS_RATE",
           "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA", "MDC_PRESS_BLD_NONINV_MEAN",
           "MDC_RESP_RATE", "MDC_AWAY_CO2_ET", "MDC_TEMP_BODY", "MDC_PULS_OXIM_PERF_REL")


@dataclass
class Bedside:
    """A simulated monitor on a pty, read by the driver through a DeviceLink into an Engine."""

    patient: VirtualPatient
    monitor: IntelliVueSimulator
    host: PtyDeviceHost
    engine: Engine
    link: DeviceLink
    seen: list[Observation] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, metrics: tuple[str, ...], timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.engine.latest(m) is not None for m in metrics) and (
                    self.engine.wave("MDC_PULS_OXIM_PLETH") is not None):
                return True
            time.sleep(0.05)
        return False


@pytest.fixture
def bedside() -> Iterator[Bedside]:
    patient = VirtualPatient(start=time.time())
    monitor = IntelliVueSimulator(patient, DRIVER.info.resolve_settings({}))
    host = PtyDeviceHost(monitor).start()
    engine = Engine()
    box: list[Bedside] = []

    def journal(_device: str, direction: Direction, _at: float, data: bytes) -> None:
        if direction is Direction.SENT:
            with box[0].lock:
                box[0].sent.append(data)

    link = DeviceLink(DRIVER, "monitor", host.path, DRIVER.info.resolve_settings({}),
                      engine.ingest, journal=journal)
    side = Bedside(patient, monitor, host, engine, link)
    box.append(side)
    engine.subscribe(side.seen.append)
    link.start()
    try:
        yield side
    finally:
        link.stop()
        host.stop()


def test_values_over_a_real_pty_match_the_virtual_patient(bedside: Bedside) -> None:
    missing = [] if bedside.wait_for(METRICS) else [
        m for m in METRICS if bedside.engine.latest(m) is None]
    assert missing == []
    numerics = [o for o in list(bedside.seen) if isinstance(o, Numeric)]
    assert numerics
    # The monitor rounds (whole numbers: 0.5; temperature 0.05; perfusion 0.005) and its
    # time stamps are in hundredths, during which a vital moves a few hundredths at most.
    tolerance = {"MDC_TEMP_BODY": 0.06, "MDC_PULS_OXIM_PERF_REL": 0.01}
    for o in numerics:
        assert o.value is not None and o.device_time is not None
        vitals = bedside.patient.vitals(o.device_time.timestamp())
        truth = {"MDC_ECG_HEART_RATE": vitals.hr, "MDC_PULS_OXIM_PULS_RATE": vitals.hr,
                 "MDC_PULS_OXIM_SAT_O2": vitals.spo2, "MDC_RESP_RATE": vitals.rr,
                 "MDC_AWAY_CO2_ET": vitals.etco2, "MDC_TEMP_BODY": vitals.temp,
                 "MDC_PULS_OXIM_PERF_REL": vitals.pi, "MDC_PRESS_BLD_NONINV_SYS": vitals.sbp,
                 "MDC_PRESS_BLD_NONINV_DIA": vitals.dbp,
                 "MDC_PRESS_BLD_NONINV_MEAN": vitals.mean}[o.metric]
        assert o.value == pytest.approx(truth, abs=tolerance.get(o.metric, 0.6)), o
    assert [o for o in bedside.seen if isinstance(o, ProtocolError)] == []
    assert bedside.engine.error_count("monitor") == 0


def test_the_pleth_arrives_at_125_hz_shaped_like_a_pulse(bedside: Bedside) -> None:
    assert bedside.wait_for(("MDC_ECG_HEART_RATE",))
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        chunks = [o for o in list(bedside.seen) if isinstance(o, WaveChunk)]
        if sum(len(c.samples) for c in chunks) >= 300:  # more than two beats
            break
        time.sleep(0.1)
    samples = [s for c in chunks for s in c.samples]
    assert len(samples) >= 300
    assert {c.metric for c in chunks} == {"MDC_PULS_OXIM_PLETH"}
    assert {c.sample_rate_hz for c in chunks} == {125.0}
    assert all(s is not None and 0.0 <= s <= 1.5 for s in samples)
    assert max(s for s in samples if s is not None) == pytest.approx(1.0, abs=0.05), (
        "the systolic peak of the simulated beat")
    assert min(s for s in samples if s is not None) < 0.05, "the diastolic trough"


def test_the_link_reports_connecting_then_connected(bedside: Bedside) -> None:
    assert bedside.wait_for(("MDC_ECG_HEART_RATE",))
    states = [(o.status, o.detail) for o in list(bedside.seen) if isinstance(o, LinkState)]
    assert states[0][0] is LinkStatus.CONNECTING
    assert (LinkStatus.CONNECTED, "association accepted") in states
    assert bedside.monitor.associations == 1


def test_release_is_sent_when_the_link_stops(bedside: Bedside) -> None:
    assert bedside.wait_for(("MDC_ECG_HEART_RATE",))
    bedside.link.stop()
    with bedside.lock:
        assert bedside.sent[-1] == encode_frame(codes.RELEASE_REQUEST)
    deadline = time.monotonic() + 3.0
    while bedside.monitor.releases == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bedside.monitor.releases == 1
    assert not bedside.monitor.associated


# -- the command line -------------------------------------------------------------------------

def ketaconsole(*args: str) -> list[str]:
    return [sys.executable, "-m", "ketaconsole", *args]


@pytest.fixture
def simulated_monitor() -> Iterator[str]:
    with simulated_device("intellivue-mib") as path:
        assert path.startswith("/dev/"), f"simulate printed {path!r}"
        yield path


def test_probe_decodes_the_simulated_monitor_as_json_lines(simulated_monitor: str) -> None:
    done = subprocess.run(ketaconsole("probe", "intellivue-mib", simulated_monitor,
                                      "--seconds", "4"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    kinds = {r["kind"] for r in records}
    assert {"link", "identity", "numeric", "wave"} <= kinds
    assert "error" not in kinds
    values = {r["metric"]: r["value"] for r in records if r["kind"] == "numeric"}
    assert set(METRICS) <= set(values)
    assert all(v is not None for v in values.values())
    identity = next(r for r in records if r["kind"] == "identity")
    assert identity["model"] == "Philips MP50 (simulated)"


def test_probe_with_a_baud_rate_the_monitor_does_not_offer_is_one_clear_line() -> None:
    done = subprocess.run(ketaconsole("probe", "intellivue-mib", "/dev/null",
                                      "--set", "baudrate=9600"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "ketaconsole: setting baudrate must be one of 115200, 19200, not '9600'"]


def test_decode_reads_a_raw_capture_of_the_monitor(tmp_path: Path) -> None:
    capture = tmp_path / "intellivue.bin"
    capture.write_bytes(bytes(converse(DRIVER, 5.0).received))
    done = subprocess.run(ketaconsole("decode", "intellivue-mib", str(capture)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    heart_rates = [r for r in records
                   if r["kind"] == "numeric" and r["metric"] == "MDC_ECG_HEART_RATE"]
    assert len(heart_rates) >= 5 and all(r["value"] is not None for r in heart_rates)
    assert not [r for r in records if r["kind"] == "error"]


def test_the_link_opens_the_line_at_the_baud_rate_setting() -> None:
    def open_link(settings: dict[str, str]) -> DeviceLink:
        return DeviceLink(DRIVER, "monitor", "loop://", DRIVER.info.resolve_settings(settings),
                          lambda _observations: None)

    assert open_link({}).line.baudrate == 115200
    assert open_link({"baudrate": "19200"}).line.baudrate == 19200
    assert open_link({"baudrate": "19200"}).line.describe() == "19200 8N1, no handshake"
