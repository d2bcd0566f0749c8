"""HL7 v2.6 ORU^R01 messages as IHE PCD-01 (Device Enterprise Communication) shapes them.

Each message: MSH (v2.6, PCD-01 profile id in MSH-21), PID (PID-5 the name as
``family^given^further given names``), PV1, OBR ("monitoring of
patient"), for a record that is not final or is unchecked an NTE saying so, and one OBX
per valid numeric value: OBX-2 ``NM``, OBX-3 ``code^refid^MDC``, OBX-5 the value, OBX-6
``unit^^UCUM``, OBX-11 ``F`` (``R``, not verified, until the record is final), OBX-14
the receive time, OBX-18 the device id. Values arrive one per second per metric, so
the session is split into one message per minute of observations; the file is an HL7
batch file (FHS, BHS, messages, BTS, FTS). An invalid value is left out: no OBX says a
number the device did not give. Codes: the catalogue, where every metric with an IEEE
11073 term has its numeric code (EtCO2, PI, temperature and the pump's included).
OBR-25 is ``F`` (final) only for a record signed off and ended, else ``P``; the NTE and
the batch header's FHS-10 say the record's status in words (``export.status``). Segment
constants read from public PCD-01 sample messages (MSH-15/16 ``AL``/``NE``,
MSH-21 ``IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO``, OBR-4
``182777000^monitoring of patient^SCT``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from ketaconsole import __version__
from ketaconsole.catalogue import CATALOGUE, LOCAL_CODING_SYSTEM
from ketaconsole.export.record import SessionRecord
from ketaconsole.export.status import RecordStatus
from ketaconsole.names import family_and_given

SEGMENT_END = "\r"
PCD01_PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
MONITORING_OF_PATIENT = "182777000^monitoring of patient^SCT"
SENDING_APPLICATION = "KETACONSOLE"
MESSAGE_SPAN_S = 60.0
"""Observations of one minute go into one message."""


def escape(text: str) -> str:
    """HL7 escape sequences for the delimiters that may appear in free text."""
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
            .replace("&", "\\T\\").replace("~", "\\R\\").replace("\r", " ")
            .replace("\n", " "))


def hl7_time(at: float) -> str:
    """A DTM in UTC with milliseconds and the +0000 offset."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y%m%d%H%M%S.") + f"{moment.microsecond // 1000:03d}+0000"


def observation_id(refid: str) -> str:
    """OBX-3: ``code^refid^MDC``; an unconfirmed code leaves the first component empty.

    A maker's own quantity (no IEEE 11073 term) is ``^refid^99KC``, the local system.
    """
    known = CATALOGUE.get(refid)
    if known is not None and known.vendor:
        return f"^{escape(refid)}^{LOCAL_CODING_SYSTEM}"
    code = known.code if known is not None and known.code is not None else ""
    return f"{code}^{escape(refid)}^MDC"


def format_value(value: float) -> str:
    """The value as the device gave it: shortest exact decimal, no trailing ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _header(record: SessionRecord, control_id: str, at: float) -> list[str]:
    station = escape(record.station)
    msh = "|".join([
        "MSH", "^~\\&", SENDING_APPLICATION, station, "", "", hl7_time(at), "",
        "ORU^R01^ORU_R01", control_id, "P", "2.6", "", "", "AL", "NE", "",
        "UNICODE UTF-8", "", "", PCD01_PROFILE])
    identifier = escape(record.patient_identifier or f"KC-PATIENT-S{record.session_id}")
    dob = (record.date_of_birth or "").replace("-", "")
    family, given = family_and_given(record.patient_name)
    name = "^".join((escape(family), escape(given[0] if given else ""),
                     escape(" ".join(given[1:])))).rstrip("^")
    pid = f"PID|||{identifier}^^^KetaConsole^PI||{name}||{dob}"
    pv1 = f"PV1||O|{station}"
    return [msh, pid, pv1]


def _obr(record: SessionRecord, control_id: str, start: float, end: float) -> str:
    status = "F" if record.status is RecordStatus.FINAL else "P"
    fields = ["OBR", "1", control_id, control_id, MONITORING_OF_PATIENT, "", "",
              hl7_time(start), hl7_time(end)] + [""] * 16 + [status]
    return "|".join(fields)


def messages(record: SessionRecord) -> Iterator[str]:
    """The session's ORU^R01 messages, one per minute that has valid values."""
    rows = [(at, device, metric, value, unit)
            for at, device, metric, value, unit in record.numerics if value is not None]
    ids: dict[str, str] = {}
    units: dict[str, str] = {}
    devices: dict[str, str] = {}
    times: dict[float, str] = {}
    texts: dict[float, str] = {}
    final = record.status is RecordStatus.FINAL
    note = None if final and not record.unchecked else \
        f"NTE|1||{escape(record.status_words())}"
    result = "F" if final else "R"
    index = 0
    number = 0
    while index < len(rows):
        start = rows[index][0]
        stop = index
        while stop < len(rows) and rows[stop][0] < start + MESSAGE_SPAN_S:
            stop += 1
        number += 1
        control_id = f"KC{record.session_id}-{number}"
        group = rows[index:stop]
        segments = _header(record, control_id, group[-1][0])
        segments.append(_obr(record, control_id, start, group[-1][0]))
        if note is not None:
            segments.append(note)
        for set_id, (at, device, metric, value, unit) in enumerate(group, start=1):
            # The per-metric, per-unit, per-device and per-second parts are made once.
            code = ids.get(metric) or ids.setdefault(metric, observation_id(metric))
            unit_text = units.get(unit) or units.setdefault(unit, f"{escape(unit)}^^UCUM")
            source = devices.get(device) or devices.setdefault(device, escape(device))
            moment = times.get(at) or times.setdefault(at, hl7_time(at))
            text = texts.get(value) or texts.setdefault(value, format_value(value))
            segments.append(f"OBX|{set_id}|NM|{code}|1|{text}|{unit_text}"
                            f"|||||{result}|||{moment}||||{source}")
        yield SEGMENT_END.join(segments) + SEGMENT_END
        index = stop


def write(record: SessionRecord, stream: BinaryIO, *, stamp_line: str = "") -> int:
    """The batch file; returns how many messages it holds."""
    made = hl7_time(record.end_time)
    note = record.status_words()
    if stamp_line:
        note += f" {stamp_line}"
    stream.write(("|".join(["FHS", "^~\\&", SENDING_APPLICATION, escape(record.station), "",
                            "", made, "", f"session-{record.session_id}", escape(note)])
                  + SEGMENT_END).encode("utf-8"))
    stream.write(("|".join(["BHS", "^~\\&", SENDING_APPLICATION, escape(record.station), "",
                            "", made, "", "", f"KetaConsole {__version__}"]) + SEGMENT_END
                  ).encode("utf-8"))
    count = 0
    for message in messages(record):
        stream.write(message.encode("utf-8"))
        count += 1
    stream.write(f"BTS|{count}{SEGMENT_END}FTS|1{SEGMENT_END}".encode())
    return count
