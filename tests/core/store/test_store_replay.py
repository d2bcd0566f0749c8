"""The raw-byte journal: a session recorded over a real pty replays to the same observations."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from ketaconsole.cli import main
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import LinkState, LinkStatus, Observation
from ketaconsole.sim.virtual_patient import VirtualPatient, scenario
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService
from ketaconsole.store.journal_codec import pack_pieces, unpack_pieces
from ketaconsole.store.replay import replay
from ketaconsole.store.review import journal
from tests.core.store_support import wait_until


def test_journal_rows_keep_every_piece_and_its_time() -> None:
    pieces = [(1.0, b"abc"), (1.25, b""), (2.5, b"\x00\xff" * 100)]
    packed = pack_pieces(pieces)
    assert unpack_pieces(packed.pieces, packed.data) == pieces
    assert (packed.first_at, packed.last_at, packed.byte_count) == (1.0, 2.5, 203)


def test_replay_reproduces_what_the_driver_decoded_live(
        database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")
    settings = driver.info.resolve_settings({})
    assert driver.create_simulator is not None
    patient = VirtualPatient(scenario("normal"), start=time.time(), speed=30.0)
    live: list[Observation] = []
    lock = threading.Lock()

    def keep(observations: list[Observation]) -> None:
        with lock:
            live.extend(o for o in observations if not isinstance(o, LinkState))

    with PtyDeviceHost(driver.create_simulator(patient, settings)) as host:
        use = DeviceUse("oximeter", "masimo-ascii", host.path, settings,
                        driver.info.line.as_record())
        service = SessionService.begin(database, SessionPlan("Ann Example"), [use],
                                       station="room-1")
        engine = Engine()
        service.recorder.attach(engine)
        engine.subscribe(lambda o: keep([o]))
        link = DeviceLink(driver, use.device_id, host.path, settings, engine.ingest,
                          journal=service.recorder.journal)
        link.start()
        try:
            wait_until(lambda: sum(o.as_record()["kind"] == "numeric" for o in live) >= 9,
                       timeout=15, what="three oximeter lines")
        finally:
            link.stop()
        assert service.close()

    replayed = [o.as_record() for o in replay(database, service.session_id)]
    assert replayed == [o.as_record() for o in live]
    assert sum(len(data) for _, direction, _, data in journal(database, service.session_id)
               if direction == "rx") > 200

    assert main(["replay", str(service.session_id), "--db", database.url]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [json.loads(json.dumps(r)) for r in replayed]


@pytest.mark.parametrize("slug", ["ne1000", "alaris-asena"])
def test_replay_of_a_polled_pump_reproduces_what_the_driver_decoded_live(
        database: Database, slug: str) -> None:
    # A polled driver reads each reply as the answer to what it asked: replay must ask
    # when the live link asked (the journal's sent chunks say when) to decode the same.
    driver = DriverRegistry.discover(allowed=built_ins_only).get(slug)
    settings = driver.info.resolve_settings({})
    assert driver.create_simulator is not None
    patient = VirtualPatient(scenario("normal"), start=time.time() - 120, speed=1.0)
    live: list[Observation] = []
    lock = threading.Lock()

    def keep(observation: Observation) -> None:
        with lock:
            if not isinstance(observation, LinkState):
                live.append(observation)

    def statuses() -> int:
        with lock:
            return sum(o.as_record()["kind"] == "pump" for o in live)

    with PtyDeviceHost(driver.create_simulator(patient, settings)) as host:
        use = DeviceUse("pump", slug, host.path, settings, driver.info.line.as_record())
        service = SessionService.begin(database, SessionPlan("Ann Example"), [use],
                                       station="room-1")
        engine = Engine()
        service.recorder.attach(engine)
        engine.subscribe(keep)
        link = DeviceLink(driver, use.device_id, host.path, settings, engine.ingest,
                          journal=service.recorder.journal)
        link.start()
        try:
            wait_until(lambda: statuses() >= 6, timeout=30, what="six pump statuses")
        finally:
            link.stop()
        assert service.close()

    with lock:
        expected = [o.as_record() for o in live]
    replayed = [o.as_record() for o in replay(database, service.session_id)]
    assert [r for r in replayed if r["kind"] == "error"] == [
        r for r in expected if r["kind"] == "error"]
    assert replayed == expected


class LineWithDelays:
    """A console and a simulated device on a line where every answer takes 30 ms and the
    console ticks every 100 ms, as over a real serial line; every chunk is journalled
    with its time, as the live link journals it."""

    REPLY_DELAY_S = 0.03
    TICK_S = 0.1

    def __init__(self, slug: str, service: SessionService, engine: Engine) -> None:
        driver = DriverRegistry.discover(allowed=built_ins_only).get(slug)
        settings = driver.info.resolve_settings({})
        assert driver.create_simulator is not None
        self.device = driver.create_simulator(VirtualPatient(start=T0 - 120), settings)
        self.console = driver.create_protocol("pump", settings)
        self.service = service
        self.engine = engine
        self.in_flight: list[tuple[float, bytes]] = []

    def send(self, data: bytes, now: float) -> None:
        if data:
            self.service.recorder.journal("pump", Direction.SENT, now, data)
            reply = self.device.feed(data, now)
            if reply:
                self.in_flight.append((now + self.REPLY_DELAY_S, reply))

    def run(self, seconds: float) -> None:
        now = T0
        self.engine.ingest([LinkState("pump", LinkStatus.CONNECTING, now - 0.2)])
        self.send(self.console.connect(now), now)
        end = now + seconds
        while now < end:
            now = round(now + 0.01, 6)
            arrived = [d for at, d in self.in_flight if at <= now]
            self.in_flight = [(at, d) for at, d in self.in_flight if at > now]
            arrived += [self.device.tick(now)]
            data = b"".join(arrived)
            if data:
                self.service.recorder.journal("pump", Direction.RECEIVED, now, data)
                out = self.console.feed(data, now)
                self.engine.ingest(out.observations)
                self.send(out.send, now)
            if round((now - T0) / self.TICK_S, 6).is_integer():
                out = self.console.tick(now)
                self.engine.ingest(out.observations)
                self.send(out.send, now)


T0 = 1_800_000_000.0


@pytest.mark.parametrize("slug", ["ne1000", "alaris-asena", "bbraun-bcc"])
def test_replay_asks_when_the_live_link_asked_so_delayed_answers_decode_alike(
        database: Database, slug: str) -> None:
    use = DeviceUse("pump", slug, "loop://", {}, {})
    service = SessionService.begin(database, SessionPlan("Ann Example"), [use],
                                   station="room-1")
    engine = Engine()
    service.recorder.attach(engine)
    live: list[Observation] = []
    engine.subscribe(lambda o: live.append(o) if not isinstance(o, LinkState) else None)
    LineWithDelays(slug, service, engine).run(20.0)
    assert service.close()
    replayed = [o.as_record() for o in replay(database, service.session_id)]
    expected = [o.as_record() for o in live]
    assert sum(r["kind"] == "pump" for r in expected) >= 5
    assert [r for r in replayed if r["kind"] == "error"] == [
        r for r in expected if r["kind"] == "error"]
    assert replayed == expected


class Relay:
    """The links' journal hook, pointed at a session's record only once it begins (as the
    bedside's relay is)."""

    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, device_id: str, direction: Direction, at: float, data: bytes) -> None:
        if self.target is not None:
            self.target(device_id, direction, at, data)


@pytest.mark.parametrize("slug", ["ne1000", "alaris-asena", "intellivue-mib"])
def test_a_session_begun_mid_conversation_greets_again_and_replays_as_decoded_live(
        database: Database, slug: str) -> None:
    driver = DriverRegistry.discover(allowed=built_ins_only).get(slug)
    settings = driver.info.resolve_settings({})
    assert driver.create_simulator is not None
    patient = VirtualPatient(scenario("normal"), start=time.time() - 120, speed=1.0)
    live: list[Observation] = []
    lock = threading.Lock()
    greeted = threading.Event()

    def keep(observation: Observation) -> None:
        if isinstance(observation, LinkState):
            if observation.detail == "greeting the device again":
                greeted.set()
            return
        with lock:
            if greeted.is_set():
                live.append(observation)

    def values() -> int:
        with lock:
            return sum(o.as_record()["kind"] in ("pump", "numeric") for o in live)

    relay = Relay()
    with PtyDeviceHost(driver.create_simulator(patient, settings)) as host:
        engine = Engine()
        engine.subscribe(keep)
        link = DeviceLink(driver, "dev", host.path, settings, engine.ingest, journal=relay)
        link.start()
        try:
            wait_until(lambda: link.status is LinkStatus.CONNECTED, timeout=20,
                       what="the device talking before the session")
            time.sleep(1.0)  # the conversation is well under way
            use = DeviceUse("dev", slug, host.path, settings, driver.info.line.as_record())
            service = SessionService.begin(database, SessionPlan("Ann Example"), [use],
                                           station="room-1")
            service.recorder.attach(engine)
            relay.target = service.recorder.journal
            link.greet_again()
            wait_until(lambda: values() >= 6, timeout=30, what="values after the greeting")
        finally:
            link.stop()
        assert service.close()

    with lock:
        expected = [o.as_record() for o in live]
    replayed = [o.as_record() for o in replay(database, service.session_id)
                if not isinstance(o, LinkState)]
    assert [r for r in replayed if r["kind"] == "error"] == [
        r for r in expected if r["kind"] == "error"]
    assert replayed == expected
