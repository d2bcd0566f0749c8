"""DeviceLink over every kind of port URL pyserial opens: an RFC 2217 device server (a real
one, pyserial's PortManager on 127.0.0.1 in front of a pty), ``socket://`` and ``loop://``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import serial
import serial.rfc2217

from drivers.masimo_ascii import DRIVER as MASIMO
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, open_port
from ketaconsole.observations import LinkStatus, Numeric
from tests.core.devices.test_transport import LINE, QUICK, SPO2, Recorder, ScriptedOximeter, running


class PtyLine(serial.Serial):
    """A pty as the server's serial port: a pty has no modem lines, so it reports them
    all low and ignores RTS and DTR, as a three-wire cable would."""

    @property
    def cts(self) -> bool:
        return False

    @property
    def dsr(self) -> bool:
        return False

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return False

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass


class _Connection:
    """The thread-safe ``write`` PortManager answers Telnet commands through."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            self._conn.sendall(data)


class Rfc2217Server:
    """An RFC 2217 device server on 127.0.0.1 for one serial port, as pyserial's example
    server does it: PortManager filters the Telnet commands out of what the client sends
    and answers them; the port's bytes are escaped on their way to the client."""

    def __init__(self, port_path: str) -> None:
        self._serial = PtyLine(port_path, timeout=0.05)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(0.1)
            manager = serial.rfc2217.PortManager(self._serial, _Connection(conn))
            to_client = threading.Thread(target=self._to_client, args=(conn, manager),
                                         daemon=True)
            to_client.start()
            self._threads.append(to_client)
            while not self._stop.is_set():
                try:
                    data = conn.recv(1024)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                self._serial.write(b"".join(manager.filter(data)))
            conn.close()

    def _to_client(self, conn: socket.socket, manager: serial.rfc2217.PortManager) -> None:
        while not self._stop.is_set():
            try:
                data = self._serial.read(self._serial.in_waiting or 1)
                if data:
                    manager.connection.write(b"".join(manager.escape(data)))
                manager.check_modem_lines()
            except (OSError, serial.SerialException):
                return

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()
        self._serial.close()


@contextlib.contextmanager
def rfc2217_oximeter() -> Iterator[tuple[ScriptedOximeter, str]]:
    device = ScriptedOximeter()
    host = PtyDeviceHost(device).start()
    server = Rfc2217Server(host.path)
    try:
        yield device, f"rfc2217://127.0.0.1:{server.port}"
    finally:
        server.stop()
        host.stop()


def test_an_rfc2217_port_opens_without_a_write_timeout() -> None:
    with rfc2217_oximeter() as (_, url):
        port = open_port(url, MASIMO.info.line, 0.05)
        try:
            assert isinstance(port, serial.rfc2217.Serial) and port.is_open
            assert port.write_timeout is None
        finally:
            port.close()


def test_a_device_behind_an_rfc2217_server_is_read_and_written() -> None:
    with rfc2217_oximeter() as (device, url):
        sink = Recorder()
        with running(DeviceLink(MASIMO, "ox", url, {}, sink, timings=QUICK)) as link:
            assert sink.wait_for(lambda seen: sum(
                isinstance(o, Numeric) and o.metric == SPO2 for o in seen) >= 3)
            link.send(b"PING\r\n")
            assert sink.wait_for(lambda _: b"PING\r\n" in device.heard)
        assert LinkStatus.CONNECTED in sink.statuses()
        assert [o.value for o in sink.seen if isinstance(o, Numeric) and o.metric == SPO2][
            :3] == [97.0] * 3


def test_a_loop_port_reads_back_what_the_console_writes() -> None:
    sink = Recorder()
    with running(DeviceLink(MASIMO, "ox", "loop://", {}, sink, timings=QUICK)) as link:
        # Bytes queued before the port is open are dropped: keep sending until one
        # line has gone round the loop.
        for _ in range(50):
            link.send(LINE)
            if sink.wait_for(lambda seen: any(isinstance(o, Numeric) for o in seen), 0.1):
                break
        assert sink.wait_for_status(LinkStatus.CONNECTED)
    assert open_port("loop://", MASIMO.info.line, 0.05).write_timeout == 1.0
