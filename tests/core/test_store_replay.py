"""The raw-byte journal: a session recorded over a real pty replays to the same observations."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ketaconsole.cli import main
from ketaconsole.engine import Engine
from ketaconsole.observations import LinkState, Observation
from ketaconsole.registry import DriverRegistry, built_ins_only
from ketaconsole.sim_host import PtyDeviceHost
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService
from ketaconsole.store.journal_codec import pack_pieces, unpack_pieces
from ketaconsole.store.replay import replay
from ketaconsole.store.review import journal
from ketaconsole.transport import DeviceLink
from ketaconsole.virtual_patient import VirtualPatient, scenario
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
