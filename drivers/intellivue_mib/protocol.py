"""Console side of IntelliVue MIB/RS232 data export: associate, confirm the MDS, poll, release.

The dialogue (guide, "Protocol Dialog"): the console sends an association request; the
monitor answers with an association result and then its MDS Create Event Report, which
the console confirms with an MDS Create Event Result. From then on the console sends
extended poll requests (numerics, the pleth wave, and the Alert Monitor's alarm lists)
and the monitor answers each with results for the poll period: numerics and alarms once a
second, waves every 256 ms. Before closing
the port the console sends a release request.

Time-outs: the association result and the MDS create event must arrive within
``ASSOCIATION_TIMEOUT_S``; while polling, a poll result must arrive at least every
``DATA_TIMEOUT_S``. On a time-out, a refusal or an abort the console backs off (1, 2,
4 ... 30 s), then aborts any half-open association and associates again. The monitor
drops an association that hears nothing from the console for 10 s when the minimum poll
period is below 3.3 s (the guide's connection time-out mechanism, as the simulated
monitor of mindleaving/patient-monitor-datalogger applies it), so a poll request goes
out at least every ``KEEP_ALIVE_S``: each poll is re-sent every ``REPOLL_EVERY_S``, and
the numerics poll early whenever nothing else was sent for ``KEEP_ALIVE_S``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.framing import Fault, FrameReader, encode_frame
from drivers.intellivue_mib.messages import (
    Aborted,
    AssociationAccepted,
    AssociationRefused,
    EventReport,
    Message,
    PollResult,
    Released,
    ReleaseRequested,
    RemoteError,
    association_request,
    event_report_result,
    extended_poll_request,
    parse,
)
from drivers.intellivue_mib.values import PollDecoder
from drivers.intellivue_mib.wire import MessageError
from ketaconsole.sdk import (
    DeviceProtocol,
    ErrorKind,
    LinkState,
    LinkStatus,
    Observation,
    ProtocolOutput,
)

ASSOCIATION_TIMEOUT_S = 5.0
DATA_TIMEOUT_S = 5.0
POLL_PERIOD_S = 30.0
REPOLL_EVERY_S = 10.0
KEEP_ALIVE_S = 5.0
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0


class Phase(Enum):
    """Where the association with the monitor stands."""

    IDLE = "idle"
    ASSOCIATING = "associating"
    AWAITING_MDS = "awaiting the MDS create event"
    POLLING = "polling"
    BACKING_OFF = "backing off"


class IntelliVueProtocol(DeviceProtocol):
    """Runs the data-export dialogue with one IntelliVue monitor over its MIB/RS232 port."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self.poll_pleth = bool(self.settings.get("pleth", True))
        self.poll_alarms = bool(self.settings.get("alarms", True))
        self.frames = FrameReader()
        self.decoder = PollDecoder(device_id)
        self.phase = Phase.IDLE
        self.failures = 0
        self._deadline = 0.0
        self._retry_at = 0.0
        self._last_result = 0.0
        self._last_sent = 0.0
        self._next_poll: dict[int, float] = {}
        self._invoke_id = 0
        self._poll_number = 0

    # -- the SDK's entry points --------------------------------------------------------------

    def connect(self, now: float) -> bytes:
        self.frames = FrameReader()
        self.failures = 0
        return self._associate(now, abort_first=False)

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        for item in self.frames.feed(data):
            if isinstance(item, Fault):
                out.observations.append(self.error(item.kind, item.detail, now))
                continue
            try:
                message = parse(item)
            except MessageError as exc:
                out.observations.append(self.error(ErrorKind.FORMAT, str(exc), now))
                continue
            out.extend(self._on_message(message, now))
        return out

    def tick(self, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if self.phase in (Phase.ASSOCIATING, Phase.AWAITING_MDS) and now >= self._deadline:
            awaited = ("association result" if self.phase is Phase.ASSOCIATING
                       else "MDS create event")
            out.extend(self._fail(f"no {awaited} within {ASSOCIATION_TIMEOUT_S:g} s", now,
                                  kind=ErrorKind.TIMEOUT))
        elif self.phase is Phase.BACKING_OFF and now >= self._retry_at:
            out.send += self._associate(now, abort_first=True)
        elif self.phase is Phase.POLLING:
            if now - self._last_result > DATA_TIMEOUT_S:
                out.extend(self._fail(f"no poll result for {DATA_TIMEOUT_S:g} s", now,
                                      kind=ErrorKind.TIMEOUT))
            else:
                out.send += self._due_polls(now)
        return out

    def disconnect(self, now: float) -> bytes:
        associated = self.phase in (Phase.AWAITING_MDS, Phase.POLLING)
        self.phase = Phase.IDLE
        return encode_frame(codes.RELEASE_REQUEST) if associated else b""

    # -- the dialogue ------------------------------------------------------------------------

    def _associate(self, now: float, *, abort_first: bool) -> bytes:
        self.phase = Phase.ASSOCIATING
        self._deadline = now + ASSOCIATION_TIMEOUT_S
        self._last_sent = now
        prefix = encode_frame(codes.ABORT) if abort_first else b""
        return prefix + encode_frame(association_request())

    def _on_message(self, message: Message, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if isinstance(message, AssociationAccepted):
            if self.phase is Phase.ASSOCIATING:
                self.phase = Phase.AWAITING_MDS
                self._deadline = now + ASSOCIATION_TIMEOUT_S
                out.observations.append(LinkState(
                    self.device_id, LinkStatus.CONNECTED, now, "association accepted"))
        elif isinstance(message, EventReport):
            out.extend(self._on_event(message, now))
        elif isinstance(message, PollResult):
            # Values the monitor sent are values whatever the dialogue's state (a capture
            # replayed by ``ketaconsole decode`` has no association of its own).
            if self.phase is Phase.POLLING:
                self._last_result = now
                self.failures = 0
            out.observations.extend(self.decoder.decode(message, now))
        elif isinstance(message, AssociationRefused):
            out.extend(self._fail("the monitor refused the association", now,
                                  kind=ErrorKind.ASSOCIATION))
        elif isinstance(message, Aborted):
            if self.phase is not Phase.IDLE:
                out.extend(self._fail("the monitor aborted the association", now))
        elif isinstance(message, ReleaseRequested):
            out.send += encode_frame(codes.RELEASE_RESULT)
            out.extend(self._fail("the monitor released the association", now))
        elif isinstance(message, Released):
            self.phase = Phase.IDLE
        elif isinstance(message, RemoteError):
            out.observations.append(self.error(
                ErrorKind.REMOTE, f"the monitor could not carry out request {message.invoke_id} "
                          f"(error {message.error_value})", now))
        return out

    def _on_event(self, report: EventReport, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        if report.confirmed:
            out.send += encode_frame(event_report_result(
                report.invoke_id, report.managed_object, report.event_time, report.event_type))
        if report.event_type != codes.NOM_NOTI_MDS_CREAT:
            return out
        out.observations.extend(self.decoder.identity(report.attributes, now))
        if self.phase in (Phase.AWAITING_MDS, Phase.POLLING):
            self.phase = Phase.POLLING
            self._last_result = now
            self._next_poll = {codes.NOM_MOC_VMO_METRIC_NU: now}
            if self.poll_pleth:
                self._next_poll[codes.NOM_MOC_VMO_METRIC_SA_RT] = now
            if self.poll_alarms:
                self._next_poll[codes.NOM_MOC_VMO_AL_MON] = now
            out.send += self._due_polls(now)
        return out

    def _due_polls(self, now: float) -> bytes:
        sent = b""
        if now - self._last_sent >= KEEP_ALIVE_S:
            self._next_poll[codes.NOM_MOC_VMO_METRIC_NU] = now
        for object_code, due in self._next_poll.items():
            if now >= due:
                self._next_poll[object_code] = now + REPOLL_EVERY_S
                sent += encode_frame(self._poll(object_code))
        if sent:
            self._last_sent = now
        return sent

    def _poll(self, object_code: int) -> bytes:
        self._invoke_id = (self._invoke_id + 1) & 0xFFFF
        self._poll_number = (self._poll_number + 1) & 0xFFFF
        period = int(POLL_PERIOD_S * codes.RELATIVE_TIME_PER_S)
        return extended_poll_request(self._invoke_id, self._poll_number, object_code, period)

    def _fail(self, why: str, now: float, *, kind: ErrorKind | None = None) -> ProtocolOutput:
        """Lose the association: report it, and re-associate after a growing pause."""
        self.failures += 1
        backoff = min(FIRST_BACKOFF_S * 2 ** (self.failures - 1), MAX_BACKOFF_S)
        self.phase = Phase.BACKING_OFF
        self._retry_at = now + backoff
        found: list[Observation] = []
        if kind is not None:
            found.append(self.error(kind, why, now))
        found.append(LinkState(self.device_id, LinkStatus.CONNECTING, now,
                               f"{why}; associating again in {backoff:g} s"))
        return ProtocolOutput(found)
