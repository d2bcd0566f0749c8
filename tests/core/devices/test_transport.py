"""DeviceLink on real lines: its states, its raw-byte journal, and how it meets a missing,
silent, pulled or returning device. Ptys come from os.openpty (PtyDeviceHost); the
reconnection test uses a TCP device server started here, because a pty's path is gone
for good once it closes."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from drivers.masimo_ascii import DRIVER as MASIMO
from drivers.masimo_ascii.simulator import format_line
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, Direction, LinkTimings, open_port
from ketaconsole.observations import LinkState, LinkStatus, Numeric, Observation
from ketaconsole.sdk import DeviceSimulator
from ketaconsole.sim.virtual_patient import VirtualPatient

LINE = format_line(datetime(2026, 1, 1, 9, 0, 0), 97, 70, 3.2)
QUICK = LinkTimings(read_timeout_s=0.02, tick_every_s=0.05, no_data_after_s=0.4,
                    reopen_after_s=30.0, first_backoff_s=0.1, max_backoff_s=0.2)
SPO2 = "MDC_PULS_OXIM_SAT_O2"


class Recorder:
    """The link's sink: keeps every observation and lets a test wait for one."""

    def __init__(self) -> None:
        self.seen: list[Observation] = []
        self._changed = threading.Condition()

    def __call__(self, observations: list[Observation]) -> None:
        with self._changed:
            self.seen.extend(observations)
            self._changed.notify_all()

    def wait_for(self, wanted: Callable[[list[Observation]], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: wanted(self.seen), timeout)

    def states(self) -> list[LinkState]:
        with self._changed:
            return [o for o in self.seen if isinstance(o, LinkState)]

    def statuses(self) -> list[LinkStatus]:
        return [s.status for s in self.states()]

    def wait_for_status(self, status: LinkStatus, after: int = 0, timeout: float = 5.0) -> bool:
        return self.wait_for(
            lambda seen: status in [o.status for o in seen if isinstance(o, LinkState)][after:],
            timeout)


class ScriptedOximeter(DeviceSimulator):
    """Prints a fixed ASCII 1 line ten times a second while ``talking`` is set."""

    tick_interval_s = 0.02

    def __init__(self) -> None:
        super().__init__(VirtualPatient(), {})
        self.talking = threading.Event()
        self.talking.set()
        self.heard = bytearray()
        self._next = 0.0

    def feed(self, data: bytes, now: float) -> bytes:
        self.heard += data
        return b""

    def tick(self, now: float) -> bytes:
        if not self.talking.is_set() or now < self._next:
            return b""
        self._next = now + 0.1
        return LINE


@contextlib.contextmanager
def running(link: DeviceLink) -> Iterator[DeviceLink]:
    link.start()
    try:
        yield link
    finally:
        link.stop()


@pytest.fixture
def oximeter() -> Iterator[tuple[ScriptedOximeter, PtyDeviceHost]]:
    device = ScriptedOximeter()
    host = PtyDeviceHost(device).start()
    try:
        yield device, host
    finally:
        host.stop()


def test_the_link_reports_connecting_then_connected_over_a_real_pty(
        oximeter: tuple[ScriptedOximeter, PtyDeviceHost]) -> None:
    _, host = oximeter
    sink = Recorder()
    with running(DeviceLink(MASIMO, "ox", host.path, {}, sink, timings=QUICK)) as link:
        assert sink.wait_for_status(LinkStatus.CONNECTED)
        assert link.status is LinkStatus.CONNECTED
    states = sink.states()
    assert [s.status for s in states[:2]] == [LinkStatus.CONNECTING, LinkStatus.CONNECTED]
    assert states[0].detail == host.path
    assert states[-1].status is LinkStatus.DISCONNECTED and states[-1].detail == "stopped"


def test_a_quiet_line_is_no_data_after_the_window_and_connected_when_data_returns(
        oximeter: tuple[ScriptedOximeter, PtyDeviceHost]) -> None:
    device, host = oximeter
    sink = Recorder()
    with running(DeviceLink(MASIMO, "ox", host.path, {}, sink, timings=QUICK)):
        assert sink.wait_for_status(LinkStatus.CONNECTED)
        device.talking.clear()
        quiet_from = time.monotonic()
        assert sink.wait_for_status(LinkStatus.NO_DATA)
        assert time.monotonic() - quiet_from >= QUICK.no_data_after_s - 0.15
        no_data = sink.states()[-1]
        assert no_data.status is LinkStatus.NO_DATA
        assert no_data.detail.startswith("no valid data for")
        device.talking.set()
        assert sink.wait_for_status(LinkStatus.CONNECTED, after=len(sink.states()))
    assert sink.statuses()[:4] == [LinkStatus.CONNECTING, LinkStatus.CONNECTED,
                                   LinkStatus.NO_DATA, LinkStatus.CONNECTED]


def test_pulling_the_cable_gives_disconnected_with_a_reason(
        oximeter: tuple[ScriptedOximeter, PtyDeviceHost]) -> None:
    _, host = oximeter
    sink = Recorder()
    with running(DeviceLink(MASIMO, "ox", host.path, {}, sink, timings=QUICK)):
        assert sink.wait_for_status(LinkStatus.CONNECTED)
        host.stop()
        assert sink.wait_for_status(LinkStatus.DISCONNECTED)
        pulled = next(s for s in sink.states() if s.status is LinkStatus.DISCONNECTED)
    assert pulled.detail.startswith("the port closed")
    assert "\n" not in pulled.detail


def test_the_journal_holds_every_chunk_received_and_sent(
        oximeter: tuple[ScriptedOximeter, PtyDeviceHost]) -> None:
    device, host = oximeter
    sink = Recorder()
    journal: list[tuple[str, Direction, float, bytes]] = []
    lock = threading.Lock()

    def keep(device_id: str, direction: Direction, at: float, data: bytes) -> None:
        with lock:
            journal.append((device_id, direction, at, data))

    link = DeviceLink(MASIMO, "ox", host.path, {}, sink, journal=keep, timings=QUICK)
    with running(link):
        assert sink.wait_for(lambda seen: sum(isinstance(o, Numeric) and o.metric == SPO2
                                              for o in seen) >= 3)
        link.send(b"PING\r\n")
        deadline = time.monotonic() + 5
        while b"PING" not in device.heard and time.monotonic() < deadline:
            time.sleep(0.02)
    with lock:
        entries = list(journal)
    assert {e[0] for e in entries} == {"ox"}
    sent = [e[3] for e in entries if e[1] is Direction.SENT]
    assert sent == [b"PING\r\n"]
    assert bytes(device.heard) == b"PING\r\n"
    received = b"".join(e[3] for e in entries if e[1] is Direction.RECEIVED)
    assert received.count(LINE) >= 3
    spo2_values = [o for o in sink.seen if isinstance(o, Numeric) and o.metric == SPO2]
    assert len(spo2_values) == received.count(b"\r\n"), "every line received was decoded"
    times = [e[2] for e in entries]
    assert times == sorted(times)


def test_a_port_that_does_not_exist_is_disconnected_with_one_sentence() -> None:
    sink = Recorder()
    with running(DeviceLink(MASIMO, "ox", "/dev/does-not-exist", {}, sink, timings=QUICK)):
        assert sink.wait_for_status(LinkStatus.DISCONNECTED)
    first = next(s for s in sink.states() if s.status is LinkStatus.DISCONNECTED)
    assert first.detail == ("port /dev/does-not-exist does not exist; "
                            "check the cable and the port name")


class TcpOximeter:
    """A device server on 127.0.0.1 that sends the fixed line ten times a second."""

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(1)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                while not self._stop.is_set():
                    try:
                        conn.sendall(LINE)
                    except OSError:
                        break
                    self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


def test_the_link_reconnects_when_the_device_comes_back_at_the_same_url() -> None:
    server = TcpOximeter()
    url = f"socket://127.0.0.1:{server.port}"
    sink = Recorder()
    try:
        with running(DeviceLink(MASIMO, "ox", url, {}, sink, timings=QUICK)):
            assert sink.wait_for_status(LinkStatus.CONNECTED)
            server.stop()
            assert sink.wait_for_status(LinkStatus.DISCONNECTED)
            gone = len(sink.states())
            assert sink.wait_for(lambda seen: any(
                isinstance(o, LinkState) and o.detail.startswith("nothing answers at")
                for o in seen))
            server = TcpOximeter(server.port)
            assert sink.wait_for_status(LinkStatus.CONNECTED, after=gone)
    finally:
        server.stop()
    statuses = sink.statuses()
    assert statuses[:3] == [LinkStatus.CONNECTING, LinkStatus.CONNECTED,
                            LinkStatus.DISCONNECTED]
    assert LinkStatus.CONNECTED in statuses[3:]
    refused = [s.detail for s in sink.states() if s.detail.startswith("nothing answers")]
    assert refused[0] == (f"nothing answers at {url}; "
                          "check the device server's address and port")


def test_a_port_error_of_any_kind_is_a_disconnected_link_never_a_dead_one() -> None:
    """Flushing a pseudo-terminal whose device end has gone raises ``termios.error`` (no
    OSError): the session ends with the link disconnected and its reason, and returns
    to the link's loop, which opens the port again."""
    device_end, console_end = os.openpty()
    sink = Recorder()
    link = DeviceLink(MASIMO, "ox", os.ttyname(console_end), {}, sink, timings=QUICK)
    port = open_port(link.url, link.line, 0.02)
    os.close(device_end)
    os.close(console_end)
    try:
        assert link._session(port) is False  # returned: nothing raised out of the link
    finally:
        port.close()
    last = sink.states()[-1]
    assert last.status is LinkStatus.DISCONNECTED
    assert last.detail == "the port closed ((5, 'Input/output error'))"


def test_greeting_again_ends_the_conversation_and_starts_a_new_one_on_the_open_port() -> None:
    from drivers.ne1000 import DRIVER as NE1000

    recorder = Recorder()
    journal: list[tuple[Direction, float, bytes]] = []
    settings = NE1000.info.resolve_settings({"poll_interval_s": "0.2"})
    link = DeviceLink(NE1000, "pump", "sim://ne1000", settings, recorder, timings=QUICK,
                      journal=lambda _d, direction, at, data: journal.append(
                          (direction, at, data)))

    def greetings(seen: list[Observation]) -> list[LinkState]:
        return [o for o in seen if isinstance(o, LinkState)
                and o.detail == "greeting the device again"]

    def connected_after_greeting(seen: list[Observation]) -> bool:
        again = greetings(seen)
        return bool(again) and any(isinstance(o, LinkState) and o.status is LinkStatus.CONNECTED
                                   and o.received_at > again[0].received_at for o in seen)

    with running(link):
        assert recorder.wait_for(lambda seen: any(
            isinstance(o, LinkState) and o.status is LinkStatus.CONNECTED for o in seen), 10)
        link.greet_again()
        assert recorder.wait_for(connected_after_greeting, 10)
    (greeting,) = greetings(recorder.seen)
    sent_after = [data for direction, at, data in journal
                  if direction is Direction.SENT and at >= greeting.received_at]
    assert sent_after[0] == NE1000.create_protocol("x", settings).connect(0.0)  # VER first
