"""Console side of B. Braun BCC: greet the SpaceStation, poll it, one pump stream per slot.

The console sends ``ADMIN:ALIVE`` (bed id 1) and learns the station's bed id from its
``GNACK``; then it asks ``ADMIN:VERSION`` once and ``MEM:GET`` every ``poll_s`` seconds.
Every frame received whole is acknowledged with ACK. The station's answer may span
several frames (ETB, then ETX on the last); the records are gathered per slot and
each slot becomes its own pump in the console, device id ``<device id>/<pillar>-<slot>``.
An unanswered greeting is repeated with a doubling wait; three polls in a row without
an answer send the console back to the greeting. An answer still arriving is waited
for: with eight pumps it is about 9 kB, some 10 s at 9600 baud, longer than a poll.
A poll is unanswered only once ``poll_s`` has passed with no byte from the station,
and the next poll goes out only once the answer is complete. Source: mindleaving/
patient-monitor-datalogger (BBraun), reverse-engineered; see ``codes`` for which
parameter meanings are our reading.

Every intact frame's values come out at once: a slot is released as soon as a later
record (or frame) shows it is complete, and an answer cut short (a damaged frame, or
1 s with no byte and no last frame) releases what arrived whole right then, live,
in replay and in ``decode`` at the end of its input, with no "no answer" after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.bbraun_bcc import codes, messages
from drivers.bbraun_bcc.framing import ACK, BccFrame, Fault, FrameReader, encode_frame
from drivers.bbraun_bcc.messages import Record, SlotAddress
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

GREETING_BED_ID = "1"
GREETING_TIMEOUT_S = 5.0
MAX_GREETING_WAIT_S = 30.0
MISSED_POLLS_BEFORE_GREETING = 3
ANSWER_QUIET_S = 1.0
"""An answer with no byte for this long and no last frame has ended: use what came."""
STATION_MODEL = "B. Braun SpaceStation (BCC)"


class BBraunBccProtocol(DeviceProtocol):
    """Reads every pump on a B. Braun SpaceStation; sends no orders to the pumps."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self.poll_s = float(self.settings.get("poll_s", 5.0))
        self.quiet_for_s = 2 * self.poll_s  # one missed answer is not yet "no data"
        self.stuffing = bool(self.settings.get("stuffing", False))
        self._reader = FrameReader(stuffing=self.stuffing)
        self._bed_id: str | None = None
        self._greeted_at = 0.0
        self._greeting_wait = GREETING_TIMEOUT_S
        self._next_poll = 0.0
        self._poll_sent_at: float | None = None
        self._heard_at: float | None = None
        """When the last byte came while a poll waits for its answer."""
        self._missed_polls = 0
        self._records: list[Record] = []
        self._last_byte_at: float | None = None
        self._answer_open = False
        """Part of a poll's answer came (slots released before its last frame)."""
        self._identities: dict[SlotAddress, tuple[str | None, str | None]] = {}
        self._alarms: dict[SlotAddress, frozenset[str]] = {}
        self._removed: set[SlotAddress] = set()
        self._station_version: str | None = None
        self._outbox = b""
        self.connection = Connection()

    def slot_device_id(self, address: SlotAddress) -> str:
        return f"{self.device_id}/{address.label}"

    # -- the DeviceProtocol interface ------------------------------------------------

    def connect(self, now: float) -> bytes:
        self.connection.move(ConnectionState.GREETING)
        self._bed_id = None
        self._greeting_wait = GREETING_TIMEOUT_S
        return self._greet(now)

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if data:
            self._last_byte_at = now
        for item in self._reader.feed(data):
            if isinstance(item, Fault):
                out.observations.append(self.error(item.kind, item.detail, now))
                if self._records or self._answer_open:
                    out.observations.extend(self._flush(now, said=True))
                continue
            out.send += bytes((ACK,))
            out.observations.extend(self._on_frame(item, now))
        if data and self._poll_sent_at is not None and (self._reader.inside_frame
                                                        or self._records):
            self._heard_at = now  # part of an answer came: it is on its way
        out.send += self._outbox
        self._outbox = b""
        return out

    def tick(self, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if ((self._records or self._answer_open) and self._last_byte_at is not None
                and now - self._last_byte_at >= ANSWER_QUIET_S):
            out.observations.extend(self._flush(now))
        if self.connection.listening:
            return out  # decoding a capture: no greeting, no poll, no time-out
        if self._bed_id is None:
            if now - self._greeted_at >= self._greeting_wait:
                out.observations.append(self.error(
                    ErrorKind.TIMEOUT, f"the station did not answer ADMIN:ALIVE within "
                               f"{self._greeting_wait:g} s; greeting again", now))
                self._greeting_wait = min(self._greeting_wait * 2, MAX_GREETING_WAIT_S)
                out.send = self._greet(now)
            return out
        if now < self._next_poll:
            return out
        if self._poll_sent_at is not None:
            if now - max(self._poll_sent_at, self._heard_at or 0.0) < self.poll_s:
                return out  # the answer is still arriving: no second request mid-answer
            self._missed_polls += 1
            out.observations.append(self.error(
                ErrorKind.TIMEOUT, f"no answer to MEM:GET within {self.poll_s:g} s", now))
            self.connection.move(ConnectionState.RECOVERING)
            if self._missed_polls >= MISSED_POLLS_BEFORE_GREETING:
                self.connection.move(ConnectionState.GREETING)
                self._bed_id = None
                self._greeting_wait = GREETING_TIMEOUT_S
                out.send = self._greet(now)
                return out
        out.observations.extend(self._flush(now))
        self._poll_sent_at = now
        self._heard_at = None
        self._next_poll = now + self.poll_s
        out.send = self._request(messages.GET_ALL)
        return out

    # -- sending -----------------------------------------------------------------------

    def _greet(self, now: float) -> bytes:
        self._greeted_at = now
        self._records.clear()
        self._poll_sent_at = None
        self._missed_polls = 0
        return encode_frame(GREETING_BED_ID, messages.ALIVE, stuffing=self.stuffing)

    def _request(self, message: bytes) -> bytes:
        return encode_frame(self._bed_id or GREETING_BED_ID, message, stuffing=self.stuffing)

    # -- receiving ---------------------------------------------------------------------

    def _on_frame(self, frame: BccFrame, now: float) -> list[Observation]:
        found: list[Observation] = []
        for raw in frame.message.split(messages.RECORD_SEPARATOR):
            if not raw:
                continue
            try:
                self._records.append(messages.parse_record(raw))
            except ValueError as exc:
                found.append(self.error(ErrorKind.FRAMING, str(exc), now))
        if frame.last:
            found.extend(self._on_message(frame, now))
        else:
            found.extend(self._release_complete_slots(now))
        return found

    def _release_complete_slots(self, now: float) -> list[Observation]:
        """The slots an intact frame completed (all but the slot its last record is of)."""
        slots = [r for r in self._records if not r.address.is_station]
        if not slots:
            return []
        last = slots[-1].address
        done = [r for r in slots if r.address != last]
        if not done:
            return []
        self._records = [r for r in self._records if r.address.is_station or r.address == last]
        self._answered()
        return self._slots(done, now)

    def _answered(self) -> None:
        """A poll's answer (or part of one) came: the poll is answered."""
        if self._poll_sent_at is not None:  # a long answer: "no data" waits longer
            self.quiet_for_s = max(2 * self.poll_s,
                                   2 * ((self._last_byte_at or 0.0) - self._poll_sent_at))
        self._answer_open = True
        self._poll_sent_at = None
        self._heard_at = None
        self._missed_polls = 0
        if self.connection.state is ConnectionState.RECOVERING:
            self.connection.move(ConnectionState.POLLING)

    def _slots(self, records: list[Record], now: float) -> list[Observation]:
        by_slot: dict[SlotAddress, dict[str, str | None]] = {}
        for record in records:
            if not record.address.is_station:
                by_slot.setdefault(record.address, {})[record.parameter] = record.value
        found: list[Observation] = []
        for address in sorted(by_slot):
            found.extend(self._on_slot(address, by_slot[address], now))
        return found

    def _on_message(self, frame: BccFrame, now: float) -> list[Observation]:
        records, self._records = self._records, []
        found: list[Observation] = []
        station = [r for r in records if r.address.is_station]
        if any(r.parameter == codes.ACKNOWLEDGE for r in station) and self._bed_id is None:
            self._bed_id = frame.bed_id
            if not self.connection.listening:
                self.connection.move(ConnectionState.POLLING)
            self._next_poll = now
            self._outbox += self._request(messages.VERSION)
            return self._station_identity(now)
        versions = [r for r in station if r.value is None and r.parameter.startswith("V")]
        for record in versions:
            self._station_version = record.parameter
            found.extend(self._station_identity(now))
        if len(versions) < len(records) or self._answer_open:
            self._answered()  # anything but the version is the poll's answer
        self._answer_open = False
        found.extend(self._slots(records, now))
        return found

    def _station_identity(self, now: float) -> list[Observation]:
        details = {"bed_id": self._bed_id} if self._bed_id else {}
        return [Identity(self.device_id, now, model=STATION_MODEL,
                         firmware=self._station_version, details=details)]

    def _flush(self, now: float, *, said: bool = False) -> list[Observation]:
        """Records of an answer whose last frame never came: use what arrived whole
        (``said``: the damaged frame was reported already)."""
        if not self._records and not self._answer_open:
            return []
        records, self._records = self._records, []
        if any(not r.address.is_station for r in records) or self._answer_open:
            self._answered()
        self._answer_open = False
        found: list[Observation] = [] if said else [self.error(
            ErrorKind.FRAMING, "the station's answer ended without its last frame", now)]
        found.extend(self._slots(records, now))
        return found

    def _on_slot(self, address: SlotAddress, values: Mapping[str, str | None],
                 now: float) -> list[Observation]:
        device = self.slot_device_id(address)
        found: list[Observation] = []
        error_code = _integer(values.get(codes.ERROR))
        if error_code == codes.PUMP_REMOVED and address not in self._removed:
            self._removed.add(address)
            self._identities.pop(address, None)
            found.append(DeviceAlarm(device, "pump-removed", codes.ERROR_TEXTS[39],
                                     AlarmSource.TECHNICAL, True, now))
        model = _text(values.get(codes.NEW_PUMP)) or _text(values.get(codes.MODEL))
        if address in self._removed and (model or codes.RATE in values):
            self._removed.discard(address)
            found.append(DeviceAlarm(device, "pump-removed", codes.ERROR_TEXTS[39],
                                     AlarmSource.TECHNICAL, False, now))
        if not any(key.startswith("IN") for key in values):
            return found
        serial = _text(values.get(codes.SERIAL_NUMBER))
        known = self._identities.get(address, (None, None))
        if (model or known[0], serial or known[1]) != known:
            self._identities[address] = (model or known[0], serial or known[1])
            found.append(Identity(device, now, model=model or known[0],
                                  serial=serial or known[1],
                                  details={"station": self.device_id, "slot": address.label}))
        found.extend(self._slot_alarms(device, address, values, now))
        found.append(self._status(device, address, values, now, found))
        return found

    def _slot_alarms(self, device: str, address: SlotAddress,
                     values: Mapping[str, str | None], now: float) -> list[Observation]:
        active = frozenset(key for key, value in values.items()
                           if key.startswith(codes.ALARM_FLAG) and key[3:].isdigit()
                           and value == "1")
        previous = self._alarms.get(address, frozenset())
        self._alarms[address] = active
        return [DeviceAlarm(device, flag, codes.alarm_text(flag), AlarmSource.TECHNICAL,
                            flag in active, now)
                for flag in sorted(active ^ previous)]

    def _status(self, device: str, address: SlotAddress, values: Mapping[str, str | None],
                now: float, found: list[Observation]) -> PumpStatus:
        def volume(key: str, refid: str) -> float | None:
            return self._number(values, key, refid, now, found)

        rate = volume(codes.RATE, "MDC_FLOW_FLUID_PUMP")
        infused = volume(codes.VOLUME_INFUSED, "MDC_VOL_FLUID_DELIV_TOTAL")
        vtbi = volume(codes.VTBI, "MDC_VOL_FLUID_TBI")
        drug = _text(values.get(codes.SOLUTION)) or _text(values.get(codes.SOLUTION_SHORT))
        concentration = None
        amount = _float(values.get(codes.CONCENTRATION))
        factor = codes.CONCENTRATION_TO_MG_ML.get(
            _integer(values.get(codes.CONCENTRATION_UNIT)) or -1)
        if amount is not None and amount > 0 and factor is not None:
            concentration = amount * factor
        pressure = _float(values.get(codes.PRESSURE_PERCENT))
        size = _float(values.get(codes.SYRINGE_SIZE))
        left = _float(values.get(codes.SYRINGE_LEFT))
        syringe = None
        if size:
            syringe = f"{size:g} mL syringe" + (f", {left:g} mL left" if left is not None else "")
        alarms = tuple(sorted(self._alarms.get(address, frozenset())))
        if alarms:
            state: PumpState | None = PumpState.ALARM
        elif values.get(codes.MODE_RUNNING) == "1":
            state = PumpState.INFUSING
        elif values.get(codes.MODE_STANDBY) == "1":
            state = PumpState.STANDBY
        elif codes.MODE_RUNNING in values and values.get(codes.MODE_RUNNING) == "0":
            state = PumpState.STOPPED
        else:
            state = None
        return PumpStatus(device, now, state=state, rate_ml_h=rate, volume_infused_ml=infused,
                          vtbi_ml=vtbi, drug=drug, concentration_mg_ml=concentration,
                          pressure=pressure, pressure_unit="%" if pressure is not None else None,
                          syringe=syringe, alarms=alarms)

    def _number(self, values: Mapping[str, str | None], key: str, refid: str, now: float,
                found: list[Observation]) -> float | None:
        text = values.get(key)
        if text is None or text in messages.NO_VALUES:
            return None
        value = _float(text)
        if value is None:
            found.append(self.error(ErrorKind.VALUE, f"{key} has unreadable value {text!r}", now))
            return None
        return plausible_or_none(value, metric(refid), self.device_id, now, found)


def _text(value: str | None) -> str | None:
    if value is None or value in messages.NO_VALUES:
        return None
    return value.strip() or None


def _float(value: str | None) -> float | None:
    if value is None or value in messages.NO_VALUES:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if abs(number) != float("inf") and number == number else None


def _integer(value: str | None) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None
