"""MLLP delivery of the HL7 export to a real listener on 127.0.0.1: ACK, NAK, silence.

The listener is a plain TCP server thread started by each test: it reads MLLP frames
(VT ... FS CR), keeps what it received, and answers with an ACK whose MSA-1 the test
chooses, or never answers at all.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import hl7
import pytest

from ketaconsole.cli import main
from ketaconsole.export.mllp import MllpPolicy, MllpTarget
from ketaconsole.export.service import ExportFailed, ExportFormat, ExportOptions, export_session
from ketaconsole.store import Database, open_database
from ketaconsole.store.review import timeline
from tests.core.export_support import MINUTES, Recorded, record_session


class Listener:
    """An MLLP receiver that answers every message with ``code`` (or ``None``: silence)."""

    def __init__(self, code: str | None) -> None:
        self.code = code
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[str] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(0.1)
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            while b"\x1c\r" in buffer:
                frame, buffer = buffer.split(b"\x1c\r", 1)
                message = frame.lstrip(b"\x0b").decode("utf-8")
                self.received.append(message)
                if self.code is None:
                    continue
                control = hl7.parse(message.split("\r", 1)[0]).segment("MSH")[10]
                ack = (f"MSH|^~\\&|RECEIVER||KETACONSOLE||20260921000000||ACK^R01^ACK|A{control}"
                       f"|P|2.6\rMSA|{self.code}|{control}|"
                       f"{'' if self.code == 'AA' else 'unknown patient'}\r")
                connection.sendall(b"\x0b" + ack.encode() + b"\x1c\r")

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Database, Recorded, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('mllp') / 'record.sqlite3'}"
    database = open_database(url)
    yield database, record_session(database), url
    database.dispose()


@pytest.fixture
def listener(request: pytest.FixtureRequest) -> Iterator[Listener]:
    peer = Listener(request.param)
    yield peer
    peer.close()


def options(peer: Listener, **policy: float) -> ExportOptions:
    return ExportOptions(author="records.clerk", mllp=MllpTarget.parse(peer.target),
                         mllp_policy=MllpPolicy(**policy))  # type: ignore[arg-type]


@pytest.mark.parametrize("listener", ["AA", "CA"], indirect=True)
def test_acknowledged_messages_are_delivered_and_recorded(
        recorded: tuple[Database, Recorded, str], listener: Listener, tmp_path: Path) -> None:
    database, session, _ = recorded
    result = export_session(database, session.session_id, ExportFormat.HL7, tmp_path,
                            options(listener))
    assert result.delivered_messages == MINUTES
    assert len(listener.received) == MINUTES
    assert str(hl7.parse(listener.received[0]).segment("MSH")[12]) == "2.6"
    written = result.files[0].read_bytes().decode("utf-8")
    assert all(message in written for message in listener.received)
    event = timeline(database, session.session_id)[-1]
    assert event.kind == "export"
    assert event.payload["mllp_result"] == "delivered"
    assert event.payload["mllp_messages"] == MINUTES
    assert event.payload["mllp"] == listener.target


@pytest.mark.parametrize("listener", ["AE", "AR"], indirect=True)
def test_a_negative_acknowledgement_fails_the_export_without_retrying(
        recorded: tuple[Database, Recorded, str], listener: Listener, tmp_path: Path) -> None:
    database, session, _ = recorded
    with pytest.raises(ExportFailed, match=f"refused message 1 with {listener.code}: "
                                           "unknown patient"):
        export_session(database, session.session_id, ExportFormat.HL7, tmp_path,
                       options(listener, attempts=3))
    assert len(listener.received) == 1
    assert listener.connections == 1
    event = timeline(database, session.session_id)[-1]
    assert event.kind == "export" and event.payload["mllp_result"] == "failed"
    assert listener.code in event.payload["mllp_problem"]


@pytest.mark.parametrize("listener", [None], indirect=True)
def test_a_peer_that_never_answers_times_out_after_bounded_retries(
        recorded: tuple[Database, Recorded, str], listener: Listener, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = recorded
    code = main(["export", str(session.session_id), "--format", "hl7", "--out", str(tmp_path),
                 "--db", url, "--mllp", listener.target, "--mllp-timeout", "0.3",
                 "--mllp-attempts", "2"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert f"the receiver at {listener.target} did not acknowledge within 0.3 s after 2 " \
           f"attempts (0 of {MINUTES} messages delivered)" in err
    assert listener.connections == 2
    event = timeline(database, session.session_id)[-1]
    assert event.payload["mllp_result"] == "failed"
    assert "did not acknowledge" in event.payload["mllp_problem"]


def test_an_address_nobody_listens_on_is_a_clear_failure(
        recorded: tuple[Database, Recorded, str], tmp_path: Path) -> None:
    database, session, _ = recorded
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ExportFailed, match=r"could not be reached .* after 2 attempts"):
        export_session(database, session.session_id, ExportFormat.HL7, tmp_path,
                       ExportOptions(mllp=MllpTarget("127.0.0.1", port),
                                     mllp_policy=MllpPolicy(timeout_s=1.0, attempts=2,
                                                            first_backoff_s=0.05)))


@pytest.mark.parametrize("text", ["localhost", "host:", ":2575", "host:99999", "host:port"])
def test_a_malformed_mllp_address_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--mllp takes HOST:PORT"):
        MllpTarget.parse(text)
