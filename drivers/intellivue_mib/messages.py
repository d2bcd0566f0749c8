"""The ROSE/CMIP messages the console and the monitor exchange, built and parsed.

The subset is: association request / result / refuse / release / abort; the MDS Create
Event Report and its result; the extended poll request (NOM_ACT_POLL_MDIB_DATA_EXT) and
its results, single (RORS) or linked (ROLRS); remote errors. Layouts follow the guide's
"Definition of the Data Export Protocol" chapter. Every parser raises
:class:`~drivers.intellivue_mib.wire.MessageError` on a message whose fields do not add up.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.wire import (
    Attribute,
    MessageError,
    Reader,
    asn1_length,
    attribute_list,
    decode_absolute_time,
    encode_absolute_time,
    length_indicator,
    read_attribute_list,
    u16,
    u32,
)

_POLL_REPLY = struct.Struct(">HHI8sHHHHH")
"""PollMdibDataReplyExt up to its PollInfoList: poll number, sequence, relative time,
absolute time, polled object type (partition, code), attribute group, context count and
length."""
_CONTEXT = struct.Struct(">HHH")

MDS = (codes.NOM_MOC_VMS_MDS, 0, 0)
"""The managed object id (class, context, handle) of the monitor's MDS."""


# -- association control ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PollProfile:
    """What the console asks for in its association request (the poll profile support)."""

    min_poll_period: int = codes.RELATIVE_TIME_PER_S
    max_mtu_rx: int = codes.RS232_MAX_MTU
    max_mtu_tx: int = codes.RS232_MAX_MTU
    max_bw_tx: int = 0xFFFFFFFF
    options: int = codes.P_OPT_DYN_CREATE_OBJECTS | codes.P_OPT_DYN_DELETE_OBJECTS
    extended_options: int = codes.POLL_EXT_PERIOD_NU_1SEC | codes.POLL_EXT_PERIOD_RTSA


def _user_info(system_type: int, profile: PollProfile) -> bytes:
    extension = u32(profile.extended_options) + attribute_list([])
    support = (u32(codes.POLL_PROFILE_REV_0) + u32(profile.min_poll_period)
               + u32(profile.max_mtu_rx) + u32(profile.max_mtu_tx) + u32(profile.max_bw_tx)
               + u32(profile.options)
               + attribute_list([Attribute(codes.NOM_ATTR_POLL_PROFILE_EXT, extension)]))
    return (u32(codes.MDDL_VERSION1) + u32(codes.NOMEN_VERSION) + u32(0) + u32(system_type)
            + u32(codes.COLD_START) + attribute_list([])
            + attribute_list([Attribute(codes.NOM_POLL_PROFILE_SUPPORT, support)]))


def _association(spdu: int, session_data: bytes, presentation: bytes, info: bytes) -> bytes:
    inner = presentation + asn1_length(len(info)) + info + codes.ASSOCIATION_TRAILER
    rest = session_data + b"\xc1" + length_indicator(len(inner)) + inner
    return bytes((spdu,)) + length_indicator(len(rest)) + rest


def association_request(profile: PollProfile | None = None) -> bytes:
    """The console's association request (user data of the first frame it sends)."""
    info = _user_info(codes.SYST_CLIENT, profile or PollProfile())
    return _association(codes.CN_SPDU, codes.AARQ_SESSION_DATA, codes.AARQ_PRESENTATION, info)


def association_result(profile: PollProfile | None = None) -> bytes:
    """The monitor's association result (accepted)."""
    info = _user_info(codes.SYST_SERVER, profile or PollProfile())
    return _association(codes.AC_SPDU, codes.AARE_SESSION_DATA, codes.AARE_PRESENTATION, info)


# -- data export: ROSE envelopes ------------------------------------------------------------

def _data_export(ro_type: int, body: bytes) -> bytes:
    return (bytes((codes.DATA_EXPORT, 0x00)) + u16(codes.PRESENTATION_CONTEXT) + u16(ro_type)
            + u16(len(body)) + body)


def _invoke(invoke_id: int, command: int, argument: bytes) -> bytes:
    return _data_export(codes.ROIV_APDU, u16(invoke_id) + u16(command) + u16(len(argument))
                        + argument)


def _result(invoke_id: int, command: int, result: bytes) -> bytes:
    return _data_export(codes.RORS_APDU, u16(invoke_id) + u16(command) + u16(len(result))
                        + result)


def _managed_object(obj: tuple[int, int, int]) -> bytes:
    return u16(obj[0]) + u16(obj[1]) + u16(obj[2])


def mds_create_event_report(invoke_id: int, event_time: int,
                            attributes: list[Attribute]) -> bytes:
    """The monitor's MDS Create Event Report (confirmed), sent after the association."""
    info = _managed_object(MDS) + attribute_list(attributes)
    argument = (_managed_object(MDS) + u32(event_time) + u16(codes.NOM_NOTI_MDS_CREAT)
                + u16(len(info)) + info)
    return _invoke(invoke_id, codes.CMD_CONFIRMED_EVENT_REPORT, argument)


def event_report_result(invoke_id: int, managed_object: tuple[int, int, int],
                        current_time: int, event_type: int = codes.NOM_NOTI_MDS_CREAT) -> bytes:
    """The console's confirmation of an event report (the MDS Create Event Result)."""
    result = (_managed_object(managed_object) + u32(current_time) + u16(event_type)
              + u16(0))
    return _result(invoke_id, codes.CMD_CONFIRMED_EVENT_REPORT, result)


def extended_poll_request(invoke_id: int, poll_number: int, object_code: int,
                          period: int) -> bytes:
    """Ask for ``object_code`` objects (numerics or waves), all attributes, for ``period``."""
    poll = (u16(poll_number) + u16(codes.NOM_PART_OBJ) + u16(object_code) + u16(0)
            + attribute_list([Attribute(codes.NOM_ATTR_TIME_PD_POLL, u32(period))]))
    argument = (_managed_object(MDS) + u32(0) + u16(codes.NOM_ACT_POLL_MDIB_DATA_EXT)
                + u16(len(poll)) + poll)
    return _invoke(invoke_id, codes.CMD_CONFIRMED_ACTION, argument)


class ObservedObject(NamedTuple):
    """One polled object: its handle and its attributes."""

    handle: int
    attributes: list[Attribute]


def extended_poll_result(invoke_id: int, poll_number: int, sequence: int, rel_time: int,
                         abs_time: datetime | None, object_code: int,
                         objects: list[ObservedObject], *, context_id: int = 0,
                         linked_state: int | None = None, linked_count: int = 0) -> bytes:
    """The monitor's answer to an extended poll, single (RORS) or linked (ROLRS)."""
    polls = b"".join(u16(o.handle) + attribute_list(o.attributes) for o in objects)
    context = u16(context_id) + u16(len(objects)) + u16(len(polls)) + polls
    reply = (u16(poll_number) + u16(sequence) + u32(rel_time) + encode_absolute_time(abs_time)
             + u16(codes.NOM_PART_OBJ) + u16(object_code) + u16(0)
             + u16(1) + u16(len(context)) + context)
    result = (_managed_object(MDS) + u16(codes.NOM_ACT_POLL_MDIB_DATA_EXT) + u16(len(reply))
              + reply)
    if linked_state is None:
        return _result(invoke_id, codes.CMD_CONFIRMED_ACTION, result)
    body = (bytes((linked_state, linked_count & 0xFF)) + u16(invoke_id)
            + u16(codes.CMD_CONFIRMED_ACTION) + u16(len(result)) + result)
    return _data_export(codes.ROLRS_APDU, body)


# -- parsed messages ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AssociationRequested:
    """A console asked to associate."""


@dataclass(frozen=True, slots=True)
class AssociationAccepted:
    """The monitor accepted the association."""


@dataclass(frozen=True, slots=True)
class AssociationRefused:
    """The monitor refused the association."""


@dataclass(frozen=True, slots=True)
class ReleaseRequested:
    """The other side asks to release the association."""


@dataclass(frozen=True, slots=True)
class Released:
    """The other side confirmed the release."""


@dataclass(frozen=True, slots=True)
class Aborted:
    """The other side aborted the association."""


@dataclass(frozen=True, slots=True)
class EventReport:
    """A (confirmed or not) event report, such as the MDS Create Event."""

    invoke_id: int
    confirmed: bool
    managed_object: tuple[int, int, int]
    event_time: int
    event_type: int
    attributes: list[Attribute] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EventReportResult:
    """A confirmation of an event report (the console's MDS Create Event Result)."""

    invoke_id: int
    event_type: int


@dataclass(frozen=True, slots=True)
class PollRequest:
    """An extended poll request."""

    invoke_id: int
    poll_number: int
    object_code: int
    period: int | None


@dataclass(frozen=True, slots=True)
class PollResult:
    """One (possibly linked) extended poll result."""

    invoke_id: int
    poll_number: int
    sequence: int
    rel_time: int
    abs_time: datetime | None
    object_code: int
    objects: list[ObservedObject]
    linked_state: int | None = None


@dataclass(frozen=True, slots=True)
class RemoteError:
    """The other side could not carry out a request."""

    invoke_id: int
    error_value: int


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A well-formed message the console has no use for."""

    what: str


Message = (AssociationRequested | AssociationAccepted | AssociationRefused | ReleaseRequested
           | Released | Aborted | EventReport | EventReportResult | PollRequest | PollResult
           | RemoteError | Unhandled)

_SESSION_MESSAGES: dict[int, Message] = {
    codes.CN_SPDU: AssociationRequested(),
    codes.AC_SPDU: AssociationAccepted(),
    codes.RF_SPDU: AssociationRefused(),
    codes.FN_SPDU: ReleaseRequested(),
    codes.DN_SPDU: Released(),
    codes.AB_SPDU: Aborted(),
}


def _session_length(reader: Reader) -> int:
    first = reader.u8()
    return reader.u16() if first == 0xFF else first


def parse(user_data: bytes) -> Message:
    """What one frame's user data says."""
    reader = Reader(user_data)
    kind = reader.u8()
    if kind in _SESSION_MESSAGES:
        length = _session_length(reader)
        if length > reader.remaining():
            raise MessageError(
                f"session header says {length} bytes, message has {reader.remaining()}")
        return _SESSION_MESSAGES[kind]
    if kind != codes.DATA_EXPORT:
        raise MessageError(f"unknown session header {kind:02X}")
    reader.u8()
    reader.u16()  # presentation context id
    ro_type, length = reader.u16(), reader.u16()
    if length != reader.remaining():
        raise MessageError(f"ROSE header says {length} bytes, message has {reader.remaining()}")
    if ro_type == codes.ROIV_APDU:
        return _parse_invoke(reader)
    if ro_type == codes.RORS_APDU:
        return _parse_result(reader, None)
    if ro_type == codes.ROLRS_APDU:
        state = reader.u8()
        reader.u8()  # count
        return _parse_result(reader, state)
    if ro_type == codes.ROER_APDU:
        invoke_id, error_value = reader.u16(), reader.u16()
        return RemoteError(invoke_id, error_value)
    raise MessageError(f"unknown remote operation type {ro_type}")


def _read_managed_object(reader: Reader) -> tuple[int, int, int]:
    return reader.u16(), reader.u16(), reader.u16()


def _parse_invoke(reader: Reader) -> Message:
    invoke_id, command, length = reader.u16(), reader.u16(), reader.u16()
    body = reader.sub(length)
    if command in (codes.CMD_EVENT_REPORT, codes.CMD_CONFIRMED_EVENT_REPORT):
        managed = _read_managed_object(body)
        event_time, event_type, info_length = body.u32(), body.u16(), body.u16()
        info = body.sub(info_length)
        attributes: list[Attribute] = []
        if event_type == codes.NOM_NOTI_MDS_CREAT:
            _read_managed_object(info)
            attributes = read_attribute_list(info)
        return EventReport(invoke_id, command == codes.CMD_CONFIRMED_EVENT_REPORT, managed,
                           event_time, event_type, attributes)
    if command == codes.CMD_CONFIRMED_ACTION:
        _read_managed_object(body)
        body.u32()  # scope
        action, action_length = body.u16(), body.u16()
        if action != codes.NOM_ACT_POLL_MDIB_DATA_EXT:
            return Unhandled(f"action {action:04X}")
        poll = body.sub(action_length)
        poll_number = poll.u16()
        poll.u16()  # partition
        object_code = poll.u16()
        poll.u16()  # attribute group
        period = None
        for attribute in read_attribute_list(poll):
            if attribute.attribute_id == codes.NOM_ATTR_TIME_PD_POLL:
                period = Reader(attribute.value).u32()
        return PollRequest(invoke_id, poll_number, object_code, period)
    return Unhandled(f"invoke of command {command}")


def _parse_result(reader: Reader, linked_state: int | None) -> Message:
    invoke_id, command, length = reader.u16(), reader.u16(), reader.u16()
    body = reader.sub(length)
    if command == codes.CMD_CONFIRMED_EVENT_REPORT:
        _read_managed_object(body)
        body.u32()  # current time
        return EventReportResult(invoke_id, body.u16())
    if command != codes.CMD_CONFIRMED_ACTION:
        return Unhandled(f"result of command {command}")
    _read_managed_object(body)
    action, action_length = body.u16(), body.u16()
    if action != codes.NOM_ACT_POLL_MDIB_DATA_EXT:
        return Unhandled(f"result of action {action:04X}")
    reply = body.sub(action_length)
    (poll_number, sequence, rel_time, raw_time, _partition, object_code, _group, contexts,
     contexts_length) = reply.unpack(_POLL_REPLY)
    abs_time = decode_absolute_time(raw_time)
    objects: list[ObservedObject] = []
    context_body = reply.sub(contexts_length)
    for _ in range(contexts):
        _context_id, count, polls_length = context_body.unpack(_CONTEXT)
        polls = context_body.sub(polls_length)
        for _ in range(count):
            handle = polls.u16()
            objects.append(ObservedObject(handle, read_attribute_list(polls)))
    return PollResult(invoke_id, poll_number, sequence, rel_time, abs_time, object_code,
                      objects, linked_state)
