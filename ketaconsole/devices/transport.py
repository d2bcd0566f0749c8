"""One reader thread per device: opens the port, runs the driver, reconnects with back-off.

Ports are anything ``serial.serial_for_url`` opens: device paths, COM ports,
``rfc2217://``, ``socket://``, ``loop://``. The link reports its state as
observations (connecting, connected, no data, disconnected), hands every chunk it
receives and sends, with its time and direction, to the raw-byte journal, and never
lets a driver's or port's failure escape the thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import serial
import serial.rfc2217

from ketaconsole.numbers import NumberError, NumberRange, echo
from ketaconsole.observations import (
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.sdk import DeviceProtocol, Driver, ErrorKind, LineSettings, ProtocolOutput

log = logging.getLogger(__name__)

if "ketaconsole.devices" not in serial.protocol_handler_packages:
    # sim://SLUG: a driver's simulator in-process (ketaconsole.devices.protocol_sim)
    serial.protocol_handler_packages.append("ketaconsole.devices")

ObservationSink = Callable[[list[Observation]], None]


class Direction(Enum):
    RECEIVED = "rx"
    SENT = "tx"


JournalHook = Callable[[str, Direction, float, bytes], None]
"""Called with (device id, direction, time, bytes) for every chunk on the line."""

_VALID_KINDS = (Numeric, WaveChunk, PumpStatus, Identity)


@dataclass(frozen=True, slots=True)
class LinkTimings:
    """How patient a link is: when it calls a line quiet, when it reopens, how it backs off."""

    read_timeout_s: float = 0.05
    tick_every_s: float = 0.1
    no_data_after_s: float = 5.0
    reopen_after_s: float = 15.0
    first_backoff_s: float = 0.5
    max_backoff_s: float = 5.0


class BadPortAddress(serial.SerialException):
    """A port URL that names no possible port; the text is the sentence to show."""


NETWORK_PORT = NumberRange("the TCP port", 1, 65_535, integer=True)


def check_port_address(url: str) -> None:
    """Refuse a ``socket://`` or ``rfc2217://`` URL without a host and a TCP port 1-65535."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() == "sim":
        from ketaconsole.devices.protocol_sim import SimAddress

        try:
            SimAddress.parse(url)
        except serial.SerialException as exc:
            raise BadPortAddress(str(exc)) from None
        return
    if not sep or scheme.lower() not in ("socket", "rfc2217"):
        return
    host, colon, port = rest.split("/", 1)[0].split("?", 1)[0].rpartition(":")
    problem = None
    if not colon or not host:
        problem = "has no host and port"
    else:
        try:
            NETWORK_PORT.parse(port)
        except NumberError:
            problem = f"has no usable TCP port ({NETWORK_PORT.refusal(port)})"
    if problem:
        raise BadPortAddress(f"port {echo(url)} {problem}; write it as "
                             f"{scheme.lower()}://HOST:PORT, e.g. {scheme.lower()}://"
                             "10.0.0.5:4001")


WRITE_TIMEOUT_S = 1.0
"""How long a write may block on a port that supports a write timeout."""


def open_port(url: str, line: LineSettings, timeout: float) -> serial.SerialBase:
    """Open a pyserial URL with a driver's line settings, or raise ``serial.SerialException``.

    A write timeout is set only where the port supports one: pyserial's ``rfc2217://``
    client refuses to open with any write timeout at all. Any error of the port or its
    line settings (``termios.error`` for a parity a pseudo-terminal refuses, ...) is a
    ``SerialException``: the link reports it and tries again, it never dies of it.
    """
    check_port_address(url)
    try:
        port = serial.serial_for_url(url, timeout=timeout, do_not_open=True,
                                     **line.as_serial_kwargs())
        if not isinstance(port, serial.rfc2217.Serial):
            port.write_timeout = WRITE_TIMEOUT_S
        port.open()
    except (OSError, ValueError, NotImplementedError) as exc:
        raise serial.SerialException(str(exc)) from exc
    except Exception as exc:  # termios.error and the like: still the port's error
        raise serial.SerialException(f"{type(exc).__name__}: {exc}") from exc
    return port


def line_for(line: LineSettings, settings: Mapping[str, Any]) -> LineSettings:
    """A driver's line settings with its ``baudrate`` setting applied, where it has one."""
    baud = settings.get("baudrate")
    return replace(line, baudrate=int(baud)) if baud not in (None, "") else line


def describe_port_error(url: str, exc: Exception) -> str:
    """One sentence for a port that will not open, saying what to check."""
    if isinstance(exc, BadPortAddress):
        return str(exc)
    text = " ".join(str(exc).split())
    url = echo(url)
    if "No such file" in text or "FileNotFoundError" in text:
        return f"port {url} does not exist; check the cable and the port name"
    if "Permission denied" in text:
        return f"port {url} is not accessible; add this user to the dialout group"
    if "Connection refused" in text:
        return f"nothing answers at {url}; check the device server's address and port"
    if "timed out" in text:
        return f"{url} did not answer in time; check the network and the device server"
    return f"port {url} could not be opened ({text}); check the port name and settings"


PORT_ERRORS: tuple[type[Exception], ...] = (serial.SerialException, OSError)
"""What a port raises when its line fails; ``termios.error`` (not an ``OSError``) too on
POSIX, e.g. flushing a pseudo-terminal whose device end has gone."""
if sys.platform != "win32":
    import termios

    PORT_ERRORS += (termios.error,)


class DeviceLink:
    """Reads one device through its driver on a thread of its own."""

    def __init__(self, driver: Driver, device_id: str, url: str,
                 settings: Mapping[str, Any], sink: ObservationSink, *,
                 line: LineSettings | None = None, journal: JournalHook | None = None,
                 timings: LinkTimings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.driver = driver
        self.device_id = device_id
        self.url = url
        self.settings = dict(settings)
        self.line = line or line_for(driver.info.line, self.settings)
        self._sink = sink
        self._journal = journal
        self._timings = timings or LinkTimings()
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status: LinkStatus | None = None
        self._outbox: list[bytes] = []
        self._outbox_lock = threading.Lock()
        self._greet_again = threading.Event()

    @property
    def status(self) -> LinkStatus | None:
        return self._status

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"link-{self.device_id}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def greet_again(self) -> None:
        """Start the conversation over on the open port (at the next read): the driver's
        disconnect, then a new protocol's connect, with a "connecting" link state first.

        A session's record begins with it, so its journal holds the whole conversation
        from a handshake on and replay decodes it as the live link did.
        """
        self._greet_again.set()

    def send(self, data: bytes) -> None:
        """Queue bytes for the device (commands from the console's control path).

        They go out at the next tick of an open connection; bytes queued while the
        device is not connected are dropped and reported when the port next opens.
        """
        with self._outbox_lock:
            self._outbox.append(data)

    # -- the thread ----------------------------------------------------------------

    def _set_status(self, status: LinkStatus, detail: str = "",
                    at: float | None = None) -> None:
        if status is self._status:
            return
        self._status = status
        self._deliver([LinkState(self.device_id, status,
                                 self._clock() if at is None else at, detail)])

    def _deliver(self, observations: list[Observation]) -> None:
        if observations:
            try:
                self._sink(observations)
            except Exception:
                log.exception("observation sink failed for %s", self.device_id)

    def _run(self) -> None:
        backoff = self._timings.first_backoff_s
        while not self._stop.is_set():
            self._set_status(LinkStatus.CONNECTING, self.url)
            try:
                port = open_port(self.url, self.line, self._timings.read_timeout_s)
            except Exception as exc:  # any failure to open is a port error: alarm, retry
                log.info("opening %s failed", self.url, exc_info=True)
                self._set_status(LinkStatus.DISCONNECTED, describe_port_error(self.url, exc))
            else:
                if self._session(port):
                    backoff = self._timings.first_backoff_s
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self._timings.max_backoff_s)
        self._set_status(LinkStatus.DISCONNECTED, "stopped")

    def _session(self, port: serial.SerialBase) -> bool:
        """Run the driver on an open port until it fails or we stop; True if data came."""
        t = self._timings
        got_valid = False
        try:
            protocol = self.driver.create_protocol(self.device_id, self.settings)
            self._drop_unsent(self._clock())
            port.reset_input_buffer()  # bytes queued while nobody listened are stale
            now = self._clock()
            self._greet_again.clear()  # this connect is the greeting asked for
            self._write(port, protocol.connect(now), now)
            last_rx = last_valid = last_tick = now
            while not self._stop.is_set():
                if self._greet_again.is_set():
                    self._greet_again.clear()
                    protocol = self._greeted_again(port, protocol)
                    last_tick = self._clock()
                data = port.read(max(1, port.in_waiting))
                now = self._clock()
                if data:
                    last_rx = now
                    self._journal_chunk(Direction.RECEIVED, now, data)
                    if self._handle(port, protocol.feed(data, now), now):
                        last_valid = now
                        got_valid = True
                        self._set_status(LinkStatus.CONNECTED)
                if now - last_tick >= t.tick_every_s:
                    last_tick = now
                    if self._handle(port, protocol.tick(now), now):
                        last_valid = now
                    self._flush_outbox(port, protocol, now)
                if now - last_valid > max(t.no_data_after_s, protocol.quiet_for_s):
                    self._set_status(LinkStatus.NO_DATA,
                                     f"no valid data for {now - last_valid:.0f} s")
                if now - last_rx > t.reopen_after_s:
                    self._set_status(LinkStatus.DISCONNECTED,
                                     f"line silent for {now - last_rx:.0f} s; reopening")
                    return got_valid
            self._write(port, protocol.disconnect(self._clock()), self._clock())
        except PORT_ERRORS as exc:
            log.info("port %s failed", self.url, exc_info=True)
            self._set_status(LinkStatus.DISCONNECTED, f"the port closed ({exc})")
        except Exception as exc:  # a driver bug or an odd port error must not kill the link
            log.exception("driver %s on %s failed", self.driver.info.slug, self.url)
            self._set_status(LinkStatus.DISCONNECTED,
                             f"port or driver failure ({type(exc).__name__}: {exc}); retrying")
        finally:
            try:
                port.close()
            except Exception:
                log.debug("closing %s failed", self.url, exc_info=True)
        return got_valid

    def _greeted_again(self, port: serial.SerialBase,
                       protocol: DeviceProtocol) -> DeviceProtocol:
        """The old conversation ended and a new one begun on the same port."""
        ended = self._clock()
        self._write(port, protocol.disconnect(ended), ended)
        self._status = None  # "connecting" is reported even while connected
        now = max(self._clock(), ended + 1e-6)  # after the old conversation's last bytes
        self._set_status(LinkStatus.CONNECTING, "greeting the device again", now)
        fresh = self.driver.create_protocol(self.device_id, self.settings)
        self._write(port, fresh.connect(now), now)
        return fresh

    def _handle(self, port: serial.SerialBase, out: ProtocolOutput, now: float) -> bool:
        self._deliver(out.observations)
        self._write(port, out.send, now)
        return any(isinstance(o, _VALID_KINDS) for o in out.observations)

    def _drop_unsent(self, now: float) -> None:
        """Commands queued while no port was open never reach whatever is plugged in now."""
        with self._outbox_lock:
            stale, self._outbox = self._outbox, []
        if stale:
            self._deliver([ProtocolError(
                self.device_id, ErrorKind.NOT_SENT, f"{len(stale)} queued command(s) were not sent "
                "because the device was not connected; send them again", now)])

    def _flush_outbox(self, port: serial.SerialBase, protocol: DeviceProtocol,
                      now: float) -> None:
        with self._outbox_lock:
            pending, self._outbox = self._outbox, []
        for data in pending:
            self._handle(port, protocol.outgoing(data, now), now)

    def _write(self, port: serial.SerialBase, data: bytes, now: float) -> None:
        if data:
            port.write(data)
            self._journal_chunk(Direction.SENT, now, data)

    def _journal_chunk(self, direction: Direction, now: float, data: bytes) -> None:
        if self._journal is not None:
            try:
                self._journal(self.device_id, direction, now, data)
            except Exception:
                log.exception("raw-byte journal failed for %s", self.device_id)
