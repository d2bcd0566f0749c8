"""The simulated IntelliVue monitor: its NIBP cycle, its connection time-out, and the driver
holding an association with it for minutes, in memory on a simulated clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import serial

from drivers.intellivue_mib.framing import FrameReader, encode_frame
from drivers.intellivue_mib.messages import (
    Aborted,
    AssociationAccepted,
    AssociationRefused,
    EventReport,
    association_request,
    extended_poll_request,
    parse,
)
from drivers.intellivue_mib.protocol import IntelliVueProtocol, Phase
from drivers.intellivue_mib.simulator import IntelliVueSimulator
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.observations import Numeric, Observation, ProtocolError, WaveChunk
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient

START = 1_767_225_600.0


def kinds(data: bytes) -> list[type]:
    return [type(parse(f)) for f in FrameReader().feed(data) if isinstance(f, bytes)]


def associated(patient: VirtualPatient, settings: dict[str, object] | None = None
               ) -> IntelliVueSimulator:
    monitor = IntelliVueSimulator(patient, settings or {})
    assert kinds(monitor.feed(encode_frame(association_request()), START)) == [
        AssociationAccepted, EventReport]
    return monitor


def keep_polling(monitor: IntelliVueSimulator, now: float) -> None:
    monitor.feed(encode_frame(extended_poll_request(1, 1, 6, 30 * 8000)), now)


def test_nibp_runs_every_10_minutes_in_the_infusion_and_every_15_otherwise() -> None:
    patient = VirtualPatient(start=START, speed=60.0)  # a scenario minute per second
    monitor = associated(patient)
    taken: list[float] = []
    seen = None
    now = START
    while now < START + 80:
        if monitor.nibp is not None and monitor.nibp is not seen:
            seen = monitor.nibp
            minute = patient.scenario_time(now) / 60
            taken.append(minute)
            vitals = patient.vitals(now)
            assert (seen.systolic, seen.diastolic) == (round(vitals.sbp), round(vitals.dbp))
        now += 0.5
        if (now - START) % 4 == 0:
            keep_polling(monitor, now)
        monitor.tick(now)
    # infusion from minute 1 to 41: readings at 0 (connect), 15, then every 10 while it
    # runs (25, 35), then every 15 after it ended (45 was taken after the end).
    assert taken == [0.0, 15.0, 25.0, 35.0, 45.0, 60.0, 75.0]


def test_the_monitor_aborts_an_association_that_hears_nothing_for_10_s() -> None:
    monitor = associated(VirtualPatient(start=START))
    assert monitor.tick(START + 9.9) == b""
    assert kinds(monitor.tick(START + 10.1)) == [Aborted]
    assert not monitor.associated and monitor.aborts_sent == 1


def test_a_second_association_request_is_refused() -> None:
    monitor = associated(VirtualPatient(start=START))
    assert kinds(monitor.feed(encode_frame(association_request()), START + 1)) == [
        AssociationRefused]


@dataclass
class Talk:
    monitor: IntelliVueSimulator
    console: IntelliVueProtocol
    observations: list[Observation] = field(default_factory=list)


def talk(seconds: float, *, story: str = "normal", speed: float = 1.0,
         settings: dict[str, object] | None = None) -> Talk:
    """Console and simulated monitor, bytes passed straight across, console ticks at 10 Hz."""
    patient = VirtualPatient(SCENARIOS[story], start=START, speed=speed)
    chat = Talk(IntelliVueSimulator(patient, settings or {}),
                IntelliVueProtocol("mon", settings or {}))

    def to_monitor(data: bytes, now: float) -> None:
        while data:
            reply = chat.monitor.feed(data, now)
            out = chat.console.feed(reply, now)
            chat.observations.extend(out.observations)
            data = out.send

    now = START
    to_monitor(chat.console.connect(now), now)
    step = 0
    while now < START + seconds:
        step += 1
        now = START + step * 0.02
        out = chat.console.feed(chat.monitor.tick(now), now)
        chat.observations.extend(out.observations)
        to_monitor(out.send, now)
        if step % 5 == 0:
            out = chat.console.tick(now)
            chat.observations.extend(out.observations)
            to_monitor(out.send, now)
    return chat


def test_the_driver_keeps_one_association_alive_for_three_minutes() -> None:
    chat = talk(180.0)
    assert chat.monitor.associations == 1 and chat.monitor.aborts_sent == 0
    assert chat.console.phase is Phase.POLLING
    assert [o for o in chat.observations if isinstance(o, ProtocolError)] == []
    heart_rates = [o for o in chat.observations
                   if isinstance(o, Numeric) and o.metric == "MDC_ECG_HEART_RATE"]
    assert len(heart_rates) >= 175, "a heart rate each second, all along"


def test_etco2_sent_in_kpa_arrives_in_mmhg_close_to_the_patients() -> None:
    chat = talk(5.0, settings={"co2_unit": "kPa"})
    values = [o for o in chat.observations
              if isinstance(o, Numeric) and o.metric == "MDC_AWAY_CO2_ET"]
    assert values and all(o.unit == "mm[Hg]" for o in values)
    patient = chat.monitor.patient
    for o in values:
        assert o.device_time is not None and o.value is not None
        truth = patient.vitals(o.device_time.timestamp()).etco2
        assert o.value == pytest.approx(truth, abs=0.4), "0.1 kPa resolution is 0.75 mmHg"


def test_with_the_probe_off_oximetry_and_pleth_are_no_value_but_heart_rate_stays() -> None:
    # sensor-off runs from scenario minute 6 to 8; at 30x that is real second 12 to 16.
    chat = talk(15.0, story="sensor-off", speed=30.0)
    patient = chat.monitor.patient
    late = [o for o in chat.observations
            if isinstance(o, Numeric | WaveChunk) and o.device_time is not None
            and patient.vitals(o.device_time.timestamp()).sensor_off]
    assert late, "some values fall inside the sensor-off interval"
    for o in late:
        if isinstance(o, WaveChunk):
            assert set(o.samples) == {None}
        elif o.metric in ("MDC_PULS_OXIM_SAT_O2", "MDC_PULS_OXIM_PULS_RATE",
                          "MDC_PULS_OXIM_PERF_REL"):
            assert o.value is None
        elif o.metric == "MDC_ECG_HEART_RATE":
            assert o.value is not None


def test_nibp_is_reported_once_per_reading_not_every_second() -> None:
    chat = talk(30.0)
    systolic = [o for o in chat.observations
                if isinstance(o, Numeric) and o.metric == "MDC_PRESS_BLD_NONINV_SYS"]
    assert len(systolic) == 1


def test_a_console_polling_waves_after_minutes_of_silence_gets_a_frame_of_recent_pleth(
) -> None:
    patient = VirtualPatient(start=START)
    monitor = associated(patient)
    monitor.feed(encode_frame(extended_poll_request(2, 1, 9, 30 * 8000)), START)
    assert kinds(monitor.tick(START + 10.1)) == [Aborted]  # the console went away
    later = START + 300.0  # five minutes on, a console connects again
    monitor.feed(encode_frame(association_request()), later)
    console = IntelliVueProtocol("mon", {})
    console.connect(later)
    reply = monitor.feed(encode_frame(extended_poll_request(3, 2, 9, 30 * 8000)), later)
    found = console.feed(reply, later).observations
    waves = [o for o in found if isinstance(o, WaveChunk)]
    assert waves and 0 < len(waves[0].samples) <= 128
    assert monitor.tick(later + 0.3) != b""


def test_a_simulator_that_fails_once_does_not_stop_its_host() -> None:
    class Flaky(IntelliVueSimulator):
        calls = 0

        def tick(self, now: float) -> bytes:
            self.calls += 1
            if self.calls == 3:
                raise ValueError("user data longer than a frame can carry")
            return b"\x55"

    with PtyDeviceHost(Flaky(VirtualPatient(start=START), {})) as host:
        port = serial.Serial(host.path, timeout=2)
        try:
            port.reset_input_buffer()
            assert port.read(5) == b"\x55" * 5
        finally:
            port.close()
        assert host.simulator_failures == 1
