"""Serves a driver's simulator on a real pseudo-terminal, as a device on a serial line would.

The host keeps its own handle on the terminal's device side open, so the console can
close and reopen the port at will while the simulated device keeps running (a real
device does not care who listens). Output that nobody reads is dropped, not queued.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import termios
import threading
import time
import tty
from collections.abc import Callable

from ketaconsole.sdk import DeviceSimulator

log = logging.getLogger(__name__)


class PtyDeviceHost:
    """Runs one simulator on a new pty; ``path`` is what the console opens."""

    def __init__(self, simulator: DeviceSimulator, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.simulator = simulator
        self._clock = clock
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self._master)
        flags = fcntl.fcntl(self._master, fcntl.F_GETFL)
        fcntl.fcntl(self._master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bytes_sent = 0
        self.bytes_dropped = 0

    def start(self) -> PtyDeviceHost:
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.path}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the device and close the terminal, as when the cable is pulled."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyDeviceHost:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

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
                        self._write(self.simulator.feed(data, now))
                self._write(self.simulator.tick(now))
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
