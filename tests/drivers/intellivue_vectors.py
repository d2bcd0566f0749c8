"""Byte vectors for the IntelliVue tests, each with where it comes from.

The ``*_VSCAPTURE`` messages are the user data of the messages xeonfusion/VSCaptureMP
sends to real IntelliVue monitors (its ``DataConstants`` tables: ``aarq_msg_ext_poll2``,
``mds_create_resp_msg``, ``ext_poll_request_msg5``, ``ext_poll_request_wave_msg``,
``rlrq_msg``). The poll results are assembled here field by field, with ``struct``, from
the guide's layout of an extended poll result (SPpdu, ROapdus, RORSapdu, ActionResult,
PollMdibDataReplyExt, PollInfoList, SingleContextPoll, ObservationPoll, AVA), so that
they do not depend on the driver's own encoder.
"""

from __future__ import annotations

import struct
from datetime import datetime

from drivers.intellivue_mib.framing import encode_frame
from drivers.intellivue_mib.messages import association_result
from drivers.intellivue_mib.protocol import IntelliVueProtocol, Phase

AARQ_VSCAPTURE = bytes.fromhex(
    "0dec0508130100160102800014020002c1dc3180a0808001010000a280a003000001a48030800201"
    "01060452010001308006025101000000003080020102060c2a8648ce14020100000001013080060c"
    "2a8648ce140201000000020100000000000061803080020101a0806080a180060c2a8648ce140201"
    "00000003010000be802880060c2a8648ce1402010000000101020102814880000000400000000000"
    "00008000000020000000000000000001002c0001002880000000000003e8000009c4000003e8ffff"
    "ffff600000000001000cf00100088c0000000000000000000000000000000000000000000000")
MDS_CREATE_RESULT_VSCAPTURE = bytes.fromhex(
    "e10000020002001400010001000e002100000000000abd000d060000")
POLL_NUMERICS_VSCAPTURE = bytes.fromhex(
    "e10000020001002800010007002200210000000000000000f13b00140001000100060000000100"
    "08f13e00040003a980")
POLL_WAVES_VSCAPTURE = bytes.fromhex(
    "e10000020001002800040007002200210000000000000000f13b00140003000100090000000100"
    "08f13e000400493e00")
RELEASE_REQUEST_VSCAPTURE = bytes.fromhex(
    "0918c11661803080020101a08062808001000000000000000000")

# Guide, FLOAT-Type examples (also mindleaving's IntellivueFloatTest): all are 32 or 3200.
FLOAT_EXAMPLES = {0xFD007D00: 32.0, 0xFF000140: 32.0, 0x01000140: 3200.0,
                  0x02000020: 3200.0}

WHEN = datetime(2026, 11, 27, 3, 15, 42, 250000)
WHEN_BCD = bytes.fromhex("2026112703154225")  # century, year, month, day, h, m, s, 1/100


def ava(attribute_id: int, value: bytes) -> bytes:
    return struct.pack(">HH", attribute_id, len(value)) + value


def nu_obs(physio: int, state: int, unit: int, raw_float: int) -> bytes:
    """NuObsValue: physio_id, MeasurementState, unit code, FLOAT-Type."""
    return struct.pack(">HHHI", physio, state, unit, raw_float)


def observation(handle: int, *avas: bytes) -> bytes:
    """ObservationPoll: handle then AttributeList (count, length, AVAs)."""
    body = b"".join(avas)
    return struct.pack(">HHH", handle, len(avas), len(body)) + body


def poll_result(objects: list[bytes], *, object_code: int = 6, abs_time: bytes = WHEN_BCD,
                rel_time: int = 0x00012345, invoke_id: int = 1, linked: int | None = None) -> bytes:
    """An extended poll result (RORS, or ROLRS when ``linked`` gives the RorlsId state)."""
    polls = b"".join(objects)
    context = struct.pack(">HHH", 0, len(objects), len(polls)) + polls  # SingleContextPoll
    reply = (struct.pack(">HHI", 1, 1, rel_time)  # poll_number, sequence_no, rel_time_stamp
             + abs_time  # abs_time_stamp
             + struct.pack(">HHH", 1, object_code, 0)  # polled_obj_type, polled_attr_grp
             + struct.pack(">HH", 1, len(context)) + context)  # PollInfoList
    action = (struct.pack(">HHH", 0x21, 0, 0)  # managed_object: the MDS
              + struct.pack(">HH", 0xF13B, len(reply)) + reply)  # action_type, length
    if linked is None:
        remote = struct.pack(">HHH", invoke_id, 7, len(action)) + action
        return struct.pack(">HHHH", 0xE100, 2, 2, len(remote)) + remote
    remote = struct.pack(">BBHHH", linked, 1, invoke_id, 7, len(action)) + action
    return struct.pack(">HHHH", 0xE100, 2, 5, len(remote)) + remote


def numerics_result(*, hr: int = 72, spo2: int = 97, hr_state: int = 0) -> bytes:
    """HR and SpO2 as plain integers (exponent 0) in /min and %."""
    return poll_result([
        observation(1, ava(0x0950, nu_obs(0x4182, hr_state, 0x0AA0, hr))),
        observation(2, ava(0x0950, nu_obs(0x4BB8, 0, 0x0220, spo2))),
    ])


def mds_create_event(invoke_id: int = 1, event_time: int = 0x1000,
                     attributes: tuple[bytes, ...] = ()) -> bytes:
    """The monitor's MDS Create Event Report (MdsCreateInfo: the MDS and its attributes)."""
    body = b"".join(attributes)
    info = struct.pack(">HHH", 0x21, 0, 0) + struct.pack(">HH", len(attributes), len(body)) + body
    argument = (struct.pack(">HHHIHH", 0x21, 0, 0, event_time, 0x0D06, len(info)) + info)
    remote = struct.pack(">HHH", invoke_id, 1, len(argument)) + argument
    return struct.pack(">HHHH", 0xE100, 2, 1, len(remote)) + remote


def associated_protocol(settings: dict[str, object] | None = None) -> IntelliVueProtocol:
    """A driver whose association the monitor accepted at t = 0.2 s."""
    protocol = IntelliVueProtocol("mon", settings or {})
    protocol.connect(0.0)
    protocol.feed(encode_frame(association_result()), 0.2)
    assert protocol.phase is Phase.AWAITING_MDS
    return protocol


def polling_protocol(settings: dict[str, object] | None = None) -> IntelliVueProtocol:
    """A driver that has associated and confirmed the MDS at t = 1 s, and is polling."""
    protocol = associated_protocol(settings)
    protocol.feed(encode_frame(mds_create_event()), 1.0)
    assert protocol.phase is Phase.POLLING
    return protocol
