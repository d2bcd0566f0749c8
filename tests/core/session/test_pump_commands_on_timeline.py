"""Every command the console sends a pump is recorded on the session's timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ketaconsole.live.engine import Engine
from ketaconsole.observations import DeviceCommand, ProtocolError
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.review import timeline


@pytest.fixture
def service(database: Database) -> Iterator[SessionService]:
    svc = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                               station="room-1")
    yield svc
    svc.recorder.close()


def test_pump_commands_go_on_the_timeline_in_order(service: SessionService,
                                                   database: Database) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    engine.ingest([
        DeviceCommand("pump", "0RAT30.00MH", 1000.0),
        ProtocolError("pump", "control-disabled", "pump control is off", 1000.5),
        DeviceCommand("pump", "0STP", 1001.0),
    ])
    service.recorder.flush()
    events = [e for e in timeline(database, service.session_id) if e.kind == "device_command"]
    assert [(e.at, e.payload) for e in events] == [
        (1000.0, {"device": "pump", "command": "0RAT30.00MH"}),
        (1001.0, {"device": "pump", "command": "0STP"})]
    assert all(e.author == "console" for e in events)
