"""Console side of the NE-1000: polls the pump, reads its replies, sends control commands.

The pump only speaks when spoken to (safe mode adds unsolicited alarm packets), so the
console asks one question at a time: ``VER`` once per connection, then every poll
cycle ``RAT``, ``DIS``, ``VOL``, ``DIA`` and ``DIR``. A reply is used only as the
answer to the question it follows and only when its form is that question's form; a
cycle ends in one :class:`PumpStatus` holding what the pump said in that cycle, with
``None`` for anything it did not say. Unanswered questions time out and the next
cycle waits longer (back-off up to 8 s).

Basic mode has no checksum and the pump prints numbers of any width, so a digit lost
on the line makes another well-formed number ("35.00ML" read as "5.00ML"); only a
reply cut short is caught. Where that matters, use safe mode (CRC-16).

Rate is the flow into the line: the programmed rate while the pump says it is
infusing, 0 while it says it is stopped, paused or in alarm, and no value while it
withdraws or purges. Volume infused is the pump's infused counter (``DIS``), in mL.

Control (diameter, rate, volume to be infused, run, stop, clear the counter) is off
unless the device's ``control_enabled`` setting is true. The ``command_*`` methods
build the bytes (and refuse with :class:`ControlDisabledError` while control is off);
bytes queued with ``DeviceLink.send`` pass through :meth:`Ne1000Protocol.outgoing`,
which refuses them while control is off and reports every command that goes out as
a :class:`DeviceCommand` for the session timeline.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from drivers.ne1000 import commands
from drivers.ne1000.codes import (
    ALARMS,
    COMMAND_ERRORS,
    NOT_PUMPING,
    POLLED,
    PUMP_STATES,
    WITHDRAW_ALARM,
)
from drivers.ne1000.commands import Command, ControlDisabledError, parse_command
from drivers.ne1000.framing import CommandReader, Fault, ReplyReader
from drivers.ne1000.replies import Reply, ReplyFormError, parse_reply
from drivers.ne1000.values import (
    PARSERS,
    Dispensed,
    Version,
    parse_diameter,
    parse_dispensed,
    recognise,
)
from ketaconsole.sdk import (
    AlarmSource,
    Connection,
    ConnectionState,
    DeviceAlarm,
    DeviceCommand,
    DeviceProtocol,
    ErrorKind,
    Identity,
    Metric,
    Observation,
    ProtocolOutput,
    PumpState,
    PumpStatus,
    metric,
    plausible_or_none,
)

REPLY_TIMEOUT_S = 1.0
"""Default wait for a reply; a pump behind a network device server may need more."""
MAX_BACKOFF_S = 8.0
QUERY_ATTEMPTS = 3

CONTROL_OFF = ("pump control is off for this device; a technician can turn it on with "
               "the device's control_enabled setting")

_RATE = metric("MDC_FLOW_FLUID_PUMP")
_VOLUME = metric("MDC_VOL_FLUID_DELIV_TOTAL")
_VTBI = metric("MDC_VOL_FLUID_TBI")

_REMEMBERED_REPLIES = 1024
"""How many distinct reply texts the decoder keeps taken apart; a pump repeats most."""


_ONE_VALUE_STATUS = frozenset({"RAT", "DIS", "VOL"})
"""Replies that, decoded alone, give a pump status with that one value."""


@lru_cache(maxsize=_REMEMBERED_REPLIES)
def _reply_parts(text: str) -> Reply:
    """:func:`parse_reply`, remembered (the same text always has the same parts)."""
    return parse_reply(text)


@lru_cache(maxsize=_REMEMBERED_REPLIES)
def _value(name: str, data: str) -> object:
    """What ``PARSERS[name]`` makes of ``data``, remembered (values are immutable)."""
    return PARSERS[name](data)


@lru_cache(maxsize=_REMEMBERED_REPLIES)
def _answers(data: str) -> tuple[str | None, object]:
    """Which query ``data`` answers by its form alone, and its value as that answer.

    When the form names no query the value is the bare number ``data`` may be
    (``None`` if it is not one).
    """
    if data[:1] == "I":  # recognise's first test, without parsing the counters twice
        dispensed = parse_dispensed(data)
        if dispensed is not None:
            return "DIS", dispensed
    name = recognise(data)
    if name is None:
        return None, parse_diameter(data)
    return name, PARSERS[name](data)


@dataclass(frozen=True, slots=True)
class _Request:
    command: Command
    control: bool = False
    attempts: int = 1


@dataclass(slots=True)
class _Cycle:
    """What the pump said during one poll cycle."""

    rate_ml_h: float | None = None
    dispensed: Dispensed | None = None
    vtbi_ml: float | None = None
    diameter_mm: float | None = None
    any_value: bool = False


class Ne1000Protocol(DeviceProtocol):
    """Polls an NE-1000 in basic or safe mode and turns its replies into pump status."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self.address = int(self.settings.get("address", 0))
        self.safe = str(self.settings.get("mode", "safe")) == "safe"
        self.control_enabled = bool(self.settings.get("control_enabled", False))
        self.poll_interval_s = float(self.settings.get("poll_interval_s", 1.0))
        self.reply_timeout_s = float(self.settings.get("reply_timeout_s", REPLY_TIMEOUT_S))
        self._reader = ReplyReader(safe=self.safe)
        self._awaiting: deque[_Request] = deque()
        self._asked_at = 0.0
        self._queue: deque[_Request] = deque()
        self._cycle: _Cycle | None = None
        self._next_cycle_at: float | None = None
        self.connection = Connection()
        self._backoff_s = 0.0
        self._status: str | None = None
        self._alarm: str | None = None
        self._withdraw: bool | None = None
        self._version: Version | None = None
        self._statuses: dict[tuple[str, str | None, bool | None], list[Observation]] = {}
        """What a rate or volume reply decoded alone gave at ``_statuses_at``, by its data,
        the status letter and the direction (with no alarm, that is all it depends on)."""
        self._statuses_at: float | None = None

    # -- the transport's calls ---------------------------------------------------------

    def connect(self, now: float) -> bytes:
        self.connection.move(ConnectionState.GREETING)
        self._next_cycle_at = now
        return self._ask_next(now)

    def tick(self, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if self.connection.listening:
            return out  # never connected: decoding a capture, no question to ask
        if self._awaiting and now - self._asked_at > self.reply_timeout_s:
            names = " ".join(r.command.text(self.address) for r in self._awaiting)
            out.observations.append(self.error(
                ErrorKind.TIMEOUT, f"no reply to {names} within {self.reply_timeout_s:g} s", now))
            self.connection.move(ConnectionState.RECOVERING)
            self._awaiting.clear()
            self._queue.clear()
            self._cycle = None
            self._reader.clear()
            self._backoff_s = min(max(2 * self._backoff_s, self.poll_interval_s),
                                  MAX_BACKOFF_S)
            self._next_cycle_at = now + self._backoff_s
        out.send += self._ask_next(now)
        return out

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        for event in self._reader.feed(data):
            if isinstance(event, Fault):
                out.observations.append(self.error(event.kind, event.detail, now))
                if event.kind == "checksum" and self._awaiting:
                    self._answered()  # its reply was this packet: lost for this cycle
            else:
                out.observations.extend(self._on_reply(event.text, now))
        if self._cycle is not None and not self._queue and not self._awaiting:
            out.observations.extend(self._end_cycle(now))
        if self._next_cycle_at is not None:
            out.send += self._ask_next(now)
        return out

    def outgoing(self, data: bytes, now: float) -> ProtocolOutput:
        """Bytes queued with ``DeviceLink.send``: refused while control is off, else sent."""
        wanted = self._read_outgoing(data)
        if isinstance(wanted, str):
            return ProtocolOutput([self.error(ErrorKind.COMMAND_REFUSED, wanted, now)])
        if not self.control_enabled and any(not c.is_query for c in wanted):
            return ProtocolOutput([self.error(ErrorKind.CONTROL_DISABLED, CONTROL_OFF, now)])
        if not self._awaiting:
            self._asked_at = now
        found: list[Observation] = []
        for command in wanted:
            self._awaiting.append(_Request(command, control=True))
            found.append(DeviceCommand(self.device_id, command.text(self.address), now))
        return ProtocolOutput(found, data)

    # -- control -------------------------------------------------------------------------

    def command_set_diameter(self, mm: float) -> bytes:
        """Syringe inside diameter in mm (the pump takes it only while stopped)."""
        return self._control(commands.set_diameter, mm)

    def command_set_rate(self, ml_h: float) -> bytes:
        return self._control(commands.set_rate, ml_h)

    def command_set_vtbi(self, ml: float) -> bytes:
        """Volume to be infused, in mL (volume units first, then the volume)."""
        return self._control(commands.set_vtbi, ml)

    def command_run(self) -> bytes:
        return self._control(commands.run)

    def command_stop(self) -> bytes:
        return self._control(commands.stop)

    def command_clear_infused(self) -> bytes:
        return self._control(commands.clear_infused)

    def _control(self, build: Callable[..., list[Command]], *args: float) -> bytes:
        if not self.control_enabled:
            raise ControlDisabledError(CONTROL_OFF)
        built: list[Command] = build(*args)
        return b"".join(c.frame(self.address, safe=self.safe) for c in built)

    def _read_outgoing(self, data: bytes) -> list[Command] | str:
        reader = CommandReader()
        events = reader.feed(data)
        if reader.pending or not events:
            return ("the bytes queued for the pump are not whole NE-1000 commands; "
                    "nothing was sent")
        wanted: list[Command] = []
        for event in events:
            if isinstance(event, Fault):
                return (f"a command queued for the pump is damaged ({event.detail}); "
                        "nothing was sent")
            if event.safe != self.safe:
                mode = "safe" if self.safe else "basic"
                return (f"a command queued for the pump is not framed for {mode} mode; "
                        "nothing was sent")
            parsed = parse_command(event.text)
            if parsed is None or parsed[0] not in (None, self.address):
                return (f"{event.text!r} is not a command for the pump at address "
                        f"{self.address}; nothing was sent")
            wanted.append(parsed[1])
        return wanted

    # -- asking ---------------------------------------------------------------------------

    def _ask_next(self, now: float) -> bytes:
        if self._awaiting:
            return b""
        if (not self._queue and self._next_cycle_at is not None
                and now >= self._next_cycle_at):
            names = ("VER", *POLLED) if self._version is None else POLLED
            self._queue.extend(_Request(Command(name)) for name in names)
            self._cycle = _Cycle()
            self._next_cycle_at = now + max(self.poll_interval_s, self._backoff_s)
        if not self._queue:
            return b""
        request = self._queue.popleft()
        self._awaiting.append(request)
        self._asked_at = now
        return request.command.frame(self.address, safe=self.safe)

    def _answered(self) -> _Request:
        """The oldest question, now answered (or its answer lost)."""
        return self._awaiting.popleft()

    # -- replies --------------------------------------------------------------------------

    def _on_reply(self, text: str, now: float) -> list[Observation]:
        try:
            reply = _reply_parts(text)
        except ReplyFormError as exc:
            if self._awaiting:
                self._answered()
            return [self.error(ErrorKind.FRAMING, str(exc), now)]
        if reply.address != self.address:
            return [self.error(ErrorKind.ADDRESS, f"a reply from address {reply.address} reached "
                                          f"the console of pump {self.address}", now)]
        if (self._next_cycle_at is None and not self._awaiting and reply.alarm is None
                and self._alarm is None):
            # decoding a capture, nothing to clear: the short way through the steps below
            self._asked_at = now
            self._backoff_s = 0.0
            self._status = reply.status
            return self._decode_alone(reply.data, now)
        request = self._answered() if self._awaiting else None
        if request is not None and self.connection.state is not ConnectionState.POLLING:
            self.connection.move(ConnectionState.POLLING)  # the pump answers
        self._asked_at = now
        self._backoff_s = 0.0
        if reply.alarm is not None:
            found = self._alarm_raised(reply.alarm, now)
            self._status = "A"
            if request is None:
                return found  # safe mode's automatic alarm packet
            if request.control:
                found.append(self.error(
                    ErrorKind.COMMAND_REFUSED,
                    f"the pump answered {request.command.text(self.address)} "
                    f"with an alarm ({text}); the command was not carried out", now))
            elif request.attempts < QUERY_ATTEMPTS:
                self._queue.appendleft(replace(request, attempts=request.attempts + 1))
            return found
        found = self._alarm_cleared(now)
        self._status = reply.status
        if request is None:
            if self._next_cycle_at is not None:
                found.append(self.error(
                    ErrorKind.UNEXPECTED, f"reply {text!r} came with no question "
                                                      "outstanding; its data is not used", now))
                return found
            alone = self._decode_alone(reply.data, now)
            return found + alone if found else alone
        shown = request.command.text(self.address)
        if reply.error is not None:
            kind = ErrorKind.COMMAND_REFUSED if request.control else ErrorKind.REFUSED
            return [*found, self.error(kind, f"the pump refused {shown}: "
                                             f"{COMMAND_ERRORS[reply.error]}", now)]
        if request.command.is_query and request.command.name in PARSERS:
            found.extend(self._take(request.command.name, reply.data, now))
        return found

    def _decode_alone(self, data: str, now: float) -> list[Observation]:
        """A reply read with no question known (decoding a capture): used by its form."""
        name, value = _answers(data)
        if name is None and data:
            self._cycle = None
            if value is not None:
                return []  # a diameter alone is no pump status
            return [self.error(
                ErrorKind.VALUE, f"reply data {data!r} answers no known question", now)]
        # no alarm is active here (the reply cleared it), so a rate or volume reply's
        # status depends only on the key below: the same key at the same time, the same
        key = (data, self._status, self._withdraw) if name in _ONE_VALUE_STATUS else None
        if key is not None:
            if now != self._statuses_at or len(self._statuses) >= _REMEMBERED_REPLIES:
                self._statuses.clear()
                self._statuses_at = now
            known = self._statuses.get(key)
            if known is not None:
                self._cycle = None
                return list(known)
        self._cycle = _Cycle()
        if name is None:
            return self._end_cycle(now, always=True)
        found = self._use(name, value, data, now)
        ended = self._end_cycle(now)
        if key is not None and not found:
            self._statuses[key] = ended
            return list(ended)
        return found + ended if found else ended

    def _take(self, name: str, data: str, now: float) -> list[Observation]:
        return self._use(name, _value(name, data), data, now)

    def _use(self, name: str, value: object, data: str, now: float) -> list[Observation]:
        """The parsed answer ``value`` to ``name`` (``None``: ``data`` did not answer it)."""
        if value is None:
            return [self.error(ErrorKind.VALUE, f"reply {data!r} is not an answer to {name}", now)]
        cycle = self._cycle
        if isinstance(value, Version):
            return self._identify(value, data, now)
        if name == "DIR":
            return self._direction(value == "WDR", now)
        if cycle is None:
            return []
        if name == "RAT" and isinstance(value, float):
            cycle.rate_ml_h = value
        elif name == "DIS" and isinstance(value, Dispensed):
            cycle.dispensed = value
        elif name == "VOL" and isinstance(value, float):
            cycle.vtbi_ml = value
        elif name == "DIA" and isinstance(value, float):
            cycle.diameter_mm = value
        cycle.any_value = True
        return []

    def _end_cycle(self, now: float, *, always: bool = False) -> list[Observation]:
        cycle, self._cycle = self._cycle, None
        if cycle is None or not (cycle.any_value or always):
            return []
        found: list[Observation] = []
        status = self._status
        rate: float | None = None
        if status == "A" or status in NOT_PUMPING:
            rate = 0.0
        elif status == "I" and cycle.rate_ml_h is not None:
            rate = self._plausible(cycle.rate_ml_h, _RATE, found, now)
        dispensed = cycle.dispensed
        volume = (None if dispensed is None
                  else self._plausible(dispensed.infused_ml, _VOLUME, found, now))
        vtbi = self._plausible(cycle.vtbi_ml, _VTBI, found, now) if cycle.vtbi_ml else None
        state = PumpState.ALARM if status == "A" else PUMP_STATES.get(status or "")
        syringe = f"{cycle.diameter_mm:g} mm syringe" if cycle.diameter_mm else None
        alarms = self._active_alarms() if self._alarm or self._withdraw else ()
        found.append(PumpStatus(self.device_id, now, state=state, rate_ml_h=rate,
                                volume_infused_ml=volume, vtbi_ml=vtbi, syringe=syringe,
                                alarms=alarms))
        return found

    def _plausible(self, value: float | None, what: Metric, found: list[Observation],
                   now: float) -> float | None:
        """The value, or ``None`` (and an error in ``found``) when the catalogue rules it out."""
        return plausible_or_none(value, what, self.device_id, now, found)

    # -- identity and alarms ------------------------------------------------------------------

    def _identify(self, version: Version, data: str, now: float) -> list[Observation]:
        if version == self._version:
            return []
        self._version = version
        details = {"version_reply": data}
        if version.upgrade is not None:
            details["upgrade"] = version.upgrade or "yes"
        return [Identity(self.device_id, now, model=f"NE-{version.model}",
                         firmware=version.firmware, details=details)]

    def _active_alarms(self) -> tuple[str, ...]:
        active = [ALARMS[self._alarm][0]] if self._alarm else []
        if self._withdraw:
            active.append(WITHDRAW_ALARM[0])
        return tuple(active)

    def _alarm_raised(self, letter: str, now: float) -> list[Observation]:
        found: list[Observation] = []
        if self._alarm == letter:
            return found
        if self._alarm is not None:
            found.extend(self._alarm_cleared(now))
        self._alarm = letter
        if letter == "R":
            self._version = None  # a reset pump may be another pump: ask who it is again
        code, text = ALARMS[letter]
        found.append(DeviceAlarm(self.device_id, code, text, AlarmSource.TECHNICAL, True, now))
        return found

    def _alarm_cleared(self, now: float) -> list[Observation]:
        if self._alarm is None:
            return []
        code, text = ALARMS[self._alarm]
        self._alarm = None
        return [DeviceAlarm(self.device_id, code, text, AlarmSource.TECHNICAL, False, now)]

    def _direction(self, withdraw: bool, now: float) -> list[Observation]:
        before, self._withdraw = self._withdraw, withdraw
        if before == withdraw or (before is None and not withdraw):
            return []
        code, text = WITHDRAW_ALARM
        return [DeviceAlarm(self.device_id, code, text, AlarmSource.TECHNICAL, withdraw, now)]
