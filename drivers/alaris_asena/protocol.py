"""Console side of the Alaris (Asena) protocol: handshake, remote-control keep-alive, polls.

The console asks, the pump answers, one request at a time. After the port opens it
reads the serial number, the protocol revision and the pump's communication time-out
(``COMMS_RESPONSE_MAX``). Only where the technician enables it (the ``remote_control``
setting, off by default), it then enables remote control with the security code derived
from the serial number and re-sends that keep-alive at half the time-out, so it never
lapses while the console listens: a console that died holding remote control would
leave the pump in its communication time-out alarm, so a driver that only reads does
not take it. Every poll asks for the alarm, the VTBI and the
infusion status (``INF``); the syringe is read now and then. Nothing here starts,
stops or changes an infusion. On close, remote control is disabled again so the pump
does not raise a communication time-out.

A reply that does not come within 0.5 s is sent again with a doubled wait, twice;
after three requests in a row go unanswered the handshake starts over (the pump may
have been swapped or restarted). A keep-alive that falls due while a request waits
past its first 0.5 s goes out first, so retries never let remote control lapse.

The pump is in alarm when its own ``ALARM`` reply names an alarm code, and only then.
INF's third field (``-`` or ``A``) is a status flag whose meaning no source publishes:
the one real capture (OpenICE's simulators) shows ``A`` on a pump on hold whose ALARM
reply says ``AL_NOALM``, so the flag is not read as "alarm active" (nor as anything).

Sources: OpenICE Asena.java and the Alaris simulators beside it (mdpnp/mdpnp),
jaj42/infupy (alaris backend). Reverse-engineered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.alaris_asena import codes
from drivers.alaris_asena.framing import Fault, Frame, FrameReader, encode_frame, security_code
from ketaconsole.sdk import (
    AlarmSource,
    Connection,
    ConnectionState,
    DeviceAlarm,
    DeviceProtocol,
    ErrorKind,
    Identity,
    Observation,
    ProtocolOutput,
    PumpState,
    PumpStatus,
    metric,
    plausible_or_none,
)

MODEL = "BD Alaris GH/CC syringe pump (Asena)"
REPLY_TIMEOUT_S = 0.5
MAX_ATTEMPTS = 3
FAILURES_BEFORE_RESTART = 3
SYRINGE_EVERY_POLLS = 30
DEFAULT_REMOTE_TIMEOUT_S = 4.0


@dataclass(slots=True)
class _Request:
    fields: tuple[str, ...]
    sent_at: float
    attempts: int

    @property
    def command(self) -> str:
        return self.fields[0]


class AlarisAsenaProtocol(DeviceProtocol):
    """Reads an Alaris GH/CC pump's telemetry; keeps remote control alive; sends no orders."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self.poll_s = float(self.settings.get("poll_s", 1.0))
        self.remote_timeout_s = float(
            self.settings.get("remote_timeout_s", DEFAULT_REMOTE_TIMEOUT_S))
        self.remote_control = bool(self.settings.get("remote_control", False))
        self._reader = FrameReader()
        self._queue: deque[tuple[str, ...]] = deque()
        self._pending: _Request | None = None
        self._serial: str | None = None
        self._revision: str | None = None
        self._announced: tuple[str | None, str | None] = (None, None)
        self._pump_timeout_s: float | None = None
        self._remote_active = False
        self._remote_refused = False
        self._keepalive_due: float | None = None
        self._next_poll = 0.0
        self._polls = 0
        self._failures = 0
        self._vtbi: float | None = None
        self._alarm: tuple[str, str] | None = None
        self._syringe: str | None = None
        self.keepalives_sent = 0
        self.connection = Connection()

    # -- timing ------------------------------------------------------------------

    @property
    def keepalive_interval_s(self) -> float:
        """How often remote control is renewed: half the shorter of the two time-outs."""
        limit = self.remote_timeout_s
        if self._pump_timeout_s is not None:
            limit = min(limit, self._pump_timeout_s)
        return limit / 2

    # -- the DeviceProtocol interface ------------------------------------------------

    def connect(self, now: float) -> bytes:
        self._start_over(now)
        return self._send_next(now)

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        for item in self._reader.feed(data):
            if isinstance(item, Fault):
                out.observations.append(self.error(item.kind, item.detail, now))
            else:
                out.observations.extend(self._on_frame(item, now))
        out.send = self._send_next(now)
        return out

    def tick(self, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if self.connection.listening:
            return out  # decoding a capture: nothing to ask, nothing to time out
        self._let_keepalive_through(now)
        pending = self._pending
        if pending is not None:
            wait = REPLY_TIMEOUT_S * 2 ** (pending.attempts - 1)
            if now - pending.sent_at >= wait:
                if pending.attempts < MAX_ATTEMPTS:
                    pending.attempts += 1
                    pending.sent_at = now
                    out.send = encode_frame(pending.fields)
                    return out
                self._pending = None
                self._failures += 1
                self.connection.move(ConnectionState.RECOVERING)
                out.observations.append(self.error(
                    ErrorKind.TIMEOUT,
                    f"no reply to {pending.command} after {MAX_ATTEMPTS} tries", now))
                if self._failures >= FAILURES_BEFORE_RESTART:
                    out.observations.append(self.error(
                        ErrorKind.TIMEOUT,
                        "the pump stopped answering; starting the handshake over", now))
                    self._start_over(now)
        out.send += self._send_next(now)
        return out

    def disconnect(self, now: float) -> bytes:
        if self._remote_active:
            self._remote_active = False
            return encode_frame((codes.REMOTE_CONTROL, codes.DISABLED))
        return b""

    # -- sending -----------------------------------------------------------------------

    def _let_keepalive_through(self, now: float) -> None:
        """A due keep-alive does not wait behind a request the pump has not answered."""
        pending, keepalive = self._pending, self._keepalive_fields()
        if (pending is None or keepalive is None or self._keepalive_due is None
                or now < self._keepalive_due or pending.fields == keepalive
                or now - pending.sent_at < REPLY_TIMEOUT_S):
            return
        self._pending = None
        self._queue.appendleft(pending.fields)  # asked again right after the keep-alive

    def _start_over(self, now: float) -> None:
        self.connection.move(ConnectionState.GREETING)
        self._queue.clear()
        self._pending = None
        self._failures = 0
        self._remote_active = False
        self._keepalive_due = None
        self._queue.extend([(codes.SERIAL_NUMBER,), (codes.PROTOCOL_REVISION,),
                            (codes.RESPONSE_MAX,)])
        self._next_poll = now

    def _keepalive_fields(self) -> tuple[str, ...] | None:
        if not self.remote_control or self._serial is None:
            return None
        return (codes.REMOTE_CONTROL, codes.ENABLED, security_code(self._serial))

    def _send_next(self, now: float) -> bytes:
        keepalive = self._keepalive_fields()
        if (keepalive is not None and self._keepalive_due is not None
                and now >= self._keepalive_due and keepalive not in self._queue
                and (self._pending is None or self._pending.fields != keepalive)):
            self._queue.appendleft(keepalive)
        if self._pending is not None:
            return b""
        if not self._queue and now >= self._next_poll:
            self._next_poll = now + self.poll_s
            if self._serial is None:
                self._queue.append((codes.SERIAL_NUMBER,))
            else:
                self._queue_poll()
        if not self._queue:
            return b""
        fields = self._queue.popleft()
        self._pending = _Request(fields, now, 1)
        if fields == keepalive:
            self._keepalive_due = now + self.keepalive_interval_s
            self.keepalives_sent += 1
        return encode_frame(fields)

    def _queue_poll(self) -> None:
        self._vtbi = None
        if self._polls % SYRINGE_EVERY_POLLS == 0:
            self._queue.append((codes.SYRINGE,))
        self._polls += 1
        self._queue.extend([(codes.ALARM,), (codes.VTBI,), (codes.INFUSION_STATUS,)])

    # -- receiving ---------------------------------------------------------------------

    def _on_frame(self, frame: Frame, now: float) -> list[Observation]:
        if self._pending is not None and self._pending.command == frame.command:
            self._pending = None
            self._failures = 0
            if self.connection.state is ConnectionState.RECOVERING:
                self.connection.move(ConnectionState.POLLING)
        handler = {
            codes.SERIAL_NUMBER: self._on_serial,
            codes.PROTOCOL_REVISION: self._on_revision,
            codes.RESPONSE_MAX: self._on_response_max,
            codes.REMOTE_CONTROL: self._on_remote_control,
            codes.INFUSION_STATUS: self._on_infusion,
            codes.VTBI: self._on_vtbi,
            codes.ALARM: self._on_alarm,
            codes.SYRINGE: self._on_syringe,
        }.get(frame.command)
        if handler is None:
            return [self.error(ErrorKind.FRAMING, f"unexpected reply {frame.command!r}", now)]
        return handler(frame, now)

    def _identity(self, now: float) -> list[Observation]:
        if self._serial is None or (self._serial, self._revision) == self._announced:
            return []
        self._announced = (self._serial, self._revision)
        details = {"protocol_revision": self._revision} if self._revision else {}
        return [Identity(self.device_id, now, model=MODEL, serial=self._serial,
                         firmware=self._revision, details=details)]

    def _on_serial(self, frame: Frame, now: float) -> list[Observation]:
        serial = (frame.field(1) or "").strip()
        if not serial:
            return [self.error(ErrorKind.VALUE, "the pump sent an empty serial number", now)]
        if serial != self._serial:
            self._serial = serial
            self._remote_refused = False
            if self.remote_control:
                self._keepalive_due = now
        return self._identity(now)

    def _on_revision(self, frame: Frame, now: float) -> list[Observation]:
        revision = "^".join(frame.fields[1:]).strip()
        self._revision = revision or None
        return self._identity(now)

    def _on_response_max(self, frame: Frame, now: float) -> list[Observation]:
        value = _to_float(frame.field(1))
        unit = (frame.field(2) or "").strip()
        scale = {"ms": 0.001, "s": 1.0}.get(unit)
        if value is None or scale is None or value <= 0:
            return [self.error(
                ErrorKind.VALUE, f"unreadable communication time-out {frame.fields!r}",
                               now)]
        self._pump_timeout_s = value * scale
        if self.connection.state is ConnectionState.GREETING:
            self.connection.move(ConnectionState.POLLING)  # the handshake's last answer
        return []

    def _on_remote_control(self, frame: Frame, now: float) -> list[Observation]:
        enabled = frame.field(1) == codes.ENABLED
        self._remote_active = enabled and self.remote_control
        if not enabled and self.remote_control and self._serial and not self._remote_refused:
            self._remote_refused = True
            return [self.error(
                ErrorKind.REFUSED, "the pump refused remote control for security code "
                                          f"{security_code(self._serial)}; telemetry continues",
                               now)]
        return []

    def _on_vtbi(self, frame: Frame, now: float) -> list[Observation]:
        state = (frame.field(1) or "").strip()
        volume = (frame.field(2) or "").strip()
        unit = (frame.field(3) or "ml").strip()
        if state != "ACTIV" or not volume:
            self._vtbi = None
            return []
        errors: list[Observation] = []
        self._vtbi = self._quantity(volume, unit, codes.VOLUME_UNITS, "MDC_VOL_FLUID_TBI",
                                    now, errors)
        return errors

    def _on_alarm(self, frame: Frame, now: float) -> list[Observation]:
        code = (frame.field(1) or "").strip()
        current = None if code in ("", codes.NO_ALARM) else (
            code, codes.alarm_text(code, frame.field(2)))
        previous = self._alarm
        if current == previous:
            return []
        self._alarm = current
        found: list[Observation] = []
        if previous is not None:
            found.append(DeviceAlarm(self.device_id, previous[0], previous[1],
                                     AlarmSource.TECHNICAL, False, now))
        if current is not None:
            found.append(DeviceAlarm(self.device_id, current[0], current[1],
                                     AlarmSource.TECHNICAL, True, now))
        return found

    def _on_syringe(self, frame: Frame, now: float) -> list[Observation]:
        brand = (frame.field(1) or "").strip()
        size = (frame.field(2) or "").strip()
        if not brand and not size:
            self._syringe = None
        else:
            self._syringe = f"{brand} {size} mL".strip() if _to_float(size) else brand
        return []

    def _on_infusion(self, frame: Frame, now: float) -> list[Observation]:
        if len(frame.fields) < codes.INF_FIELDS:
            return [self.error(ErrorKind.FRAMING, f"INF reply has {len(frame.fields)} fields, "
                                          f"expected at least {codes.INF_FIELDS}", now)]
        field = frame.fields
        errors: list[Observation] = []
        serial = field[codes.INF_SERIAL].strip()
        if self._serial is not None and serial and serial != self._serial:
            errors.append(self.error(ErrorKind.IDENTITY, f"the pump's serial number changed from "
                                                 f"{self._serial} to {serial}; reconnecting", now))
            self._serial = None
            self._start_over(now)
            return errors
        rate = self._quantity(field[codes.INF_RATE], field[codes.INF_RATE_UNIT],
                              codes.RATE_UNITS, "MDC_FLOW_FLUID_PUMP", now, errors)
        volume = self._quantity(field[codes.INF_VOLUME], field[codes.INF_VOLUME_UNIT],
                                codes.VOLUME_UNITS, "MDC_VOL_FLUID_DELIV_TOTAL", now, errors)
        pressure_unit = codes.PRESSURE_UNITS.get(field[codes.INF_PRESSURE_UNIT].strip())
        pressure = _to_float(field[codes.INF_PRESSURE]) if pressure_unit else None
        mode = field[codes.INF_MODE].strip()
        if self._alarm is not None:  # the pump's own ALARM reply, never INF's status flag
            state: PumpState | None = PumpState.ALARM
        elif mode == codes.MODE_HOLD:
            state = PumpState.PAUSED
        elif rate is not None:
            state = PumpState.INFUSING if rate > 0 else PumpState.STOPPED
        else:
            state = None
        drug = field[codes.INF_DRUG].strip() or None
        alarms = (self._alarm[0],) if self._alarm else ()
        status = PumpStatus(self.device_id, now, state=state, rate_ml_h=rate,
                            volume_infused_ml=volume, vtbi_ml=self._vtbi, drug=drug,
                            pressure=pressure, pressure_unit=pressure_unit if pressure is not None
                            else None, syringe=self._syringe, alarms=alarms)
        return [*errors, status]

    def _quantity(self, text: str, unit: str, units: Mapping[str, float], refid: str,
                  now: float, errors: list[Observation]) -> float | None:
        text = text.strip()
        if not text or set(text) <= {"-", "."}:
            return None  # the pump has no value
        value = _to_float(text)
        if value is None:
            errors.append(self.error(
                ErrorKind.VALUE, f"{refid} has unreadable value {text!r}", now))
            return None
        scale = units.get(unit.strip())
        if scale is None:
            errors.append(self.error(ErrorKind.VALUE, f"{refid} in unknown unit {unit!r}", now))
            return None
        return plausible_or_none(value * scale, metric(refid), self.device_id, now, errors)


def _to_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None
