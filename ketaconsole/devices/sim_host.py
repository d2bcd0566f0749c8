"""Serves a driver's simulator on a real pseudo-terminal, as a device on a serial line would.

The host keeps its own handle on the terminal's device side open, so the console can
close and reopen the port at will while the simulated device keeps running (a real
device does not care who listens). Output that nobody reads is dropped, not queued.
:class:`TcpDeviceHost` serves a simulator the way a device server or a pump station
does: on a local TCP port, to whoever connects, across any number of reconnections.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import socket
import termios
import threading
import time
import tty
from collections.abc import Callable
from typing import Any, Self

from ketaconsole.sdk import DeviceSimulator

log = logging.getLogger(__name__)

MAX_LOGGED_FAILURES = 5
"""A simulator failing every tick is logged this many times, then only counted."""


class _DeviceHost:
    """What every host shares: the serving thread, and stopping it as a pulled cable does."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.simulator_failures = 0

    @property
    def address(self) -> str:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.address}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the device and close its line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _device_step(self, step: Callable[..., bytes], *args: Any) -> bytes:
        """One feed or tick of the simulator. A simulator that fails sends nothing this
        time and is logged; the host keeps serving (a dead thread behind a live port
        looks like a device that went quiet for no reason)."""
        try:
            return step(*args)
        except Exception:
            self.simulator_failures += 1
            if self.simulator_failures <= MAX_LOGGED_FAILURES:
                log.exception("simulated device on %s failed; still serving", self.address)
            return b""


class PtyDeviceHost(_DeviceHost):
    """Runs one simulator on a new pty; ``path`` is what the console opens."""

    def __init__(self, simulator: DeviceSimulator, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.simulator = simulator
        self._clock = clock
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self._master)
        flags = fcntl.fcntl(self._master, fcntl.F_GETFL)
        fcntl.fcntl(self._master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.path = os.ttyname(self._slave)
        self.bytes_sent = 0
        self.bytes_dropped = 0

    @property
    def address(self) -> str:
        """What the console opens: the terminal's path."""
        return self.path

    def _close(self) -> None:
        """Close the terminal, as when the cable is pulled."""
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _run(self) -> None:
        interval = self.simulator.tick_interval_s
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select([self._master], [], [], interval)
            except (OSError, ValueError):
                return
            now = self._clock()
            try:
                if readable:
                    data = os.read(self._master, 4096)
                    if data:
                        self._write(self._device_step(self.simulator.feed, data, now))
                self._write(self._device_step(self.simulator.tick, now))
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return
                log.exception("simulated device on %s failed", self.path)
                return

    def _write(self, data: bytes) -> None:
        while data and not self._stop.is_set():
            try:
                written = os.write(self._master, data)
            except BlockingIOError:
                self.bytes_dropped += len(data)
                self._discard_unread()
                return
            self.bytes_sent += written
            data = data[written:]

    def _discard_unread(self) -> None:
        """Nobody is reading: discard what sits in the line so the device keeps going."""
        with contextlib.suppress(OSError):
            termios.tcflush(self._slave, termios.TCIFLUSH)


class TcpDeviceHost(_DeviceHost):
    """Runs one simulator behind a TCP port on 127.0.0.1; ``url`` is what the console opens.

    One client at a time: a new connection replaces the old one, and the device keeps
    running while nobody is connected. ``port`` may be given to come back on the same
    port after :meth:`stop`, as a station does after a power cycle.
    """

    def __init__(self, simulator: DeviceSimulator, *, port: int = 0,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.simulator = simulator
        self._clock = clock
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen(4)
        self.port: int = self._server.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._client: socket.socket | None = None
        self.connections = 0
        self.bytes_sent = 0

    @property
    def address(self) -> str:
        return self.url

    def _close(self) -> None:
        """Close the port, as when the station is unplugged."""
        self._drop_client()
        with contextlib.suppress(OSError):
            self._server.close()

    def _drop_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
            self._client = None

    def _run(self) -> None:
        interval = self.simulator.tick_interval_s
        while not self._stop.is_set():
            watched = [self._server] if self._client is None else [self._server, self._client]
            try:
                readable, _, _ = select.select(watched, [], [], interval)
            except (OSError, ValueError):
                return
            now = self._clock()
            try:
                if self._server in readable:
                    client, _ = self._server.accept()
                    self._drop_client()
                    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._client = client
                    self.connections += 1
                if self._client is not None and self._client in readable:
                    data = self._client.recv(4096)
                    if not data:
                        self._drop_client()
                    else:
                        self._send(self._device_step(self.simulator.feed, data, now))
                self._send(self._device_step(self.simulator.tick, now))
            except OSError:
                if self._stop.is_set():
                    return
                self._drop_client()

    def _send(self, data: bytes) -> None:
        if data and self._client is not None:
            self._client.sendall(data)
            self.bytes_sent += len(data)


def host_for(simulator: DeviceSimulator) -> PtyDeviceHost | TcpDeviceHost:
    """The host a simulator asks for: a pty for a serial device, TCP for a device server."""
    if simulator.served_over == "tcp":
        return TcpDeviceHost(simulator)
    return PtyDeviceHost(simulator)
