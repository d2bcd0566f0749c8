"""VitalDB .vital export, so researchers can open a session in VitalDB's tools.

The layout follows the format as VitalDB's own reader parses it (the ``vitaldb``
package, ``VitalFile.load_vital``): a gzip stream holding ``VITA``, a format version,
a header (UTC offset, start and end time) and packets of type, length and body, all
little-endian; strings are a 4-byte length and UTF-8. Packets used here: device info
(9), track info (0) and records (1), in the unpacked layout (one record per value).
Numerics are float tracks at their receive times; the pleth wave is a float wave
track at its sample rate, one record per stored run, gaps as NaN; timeline events
are text records in the ``EVENT`` track (a record that is not final ends with a note
saying so, and an unchecked one starts with one).
An invalid numeric value is left out.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from ketaconsole.export.record import PLETH, SessionRecord
from ketaconsole.export.status import UNCHECKED_WARNING, RecordStatus
from ketaconsole.export.summary import describe_event

FORMAT_VERSION = 3
TRACK_WAVE = 1
TRACK_NUMBER = 2
TRACK_TEXT = 5
FORMAT_FLOAT = 1
PACKET_TRACK_INFO = 0
PACKET_RECORD = 1
PACKET_DEVICE_INFO = 9
EVENT_TRACK = "EVENT"
INTERIM_NOTE = "INTERIM record: the session was still in progress when exported"
UNSIGNED_NOTE = "UNSIGNED record: the session ended without the discharge sign-off"

TRACK_NAMES = {
    "MDC_ECG_HEART_RATE": "HR",
    "MDC_PULS_OXIM_PULS_RATE": "PLETH_HR",
    "MDC_PULS_OXIM_SAT_O2": "PLETH_SPO2",
    "MDC_PULS_OXIM_PERF_REL": "PLETH_PI",
    "MDC_PRESS_BLD_NONINV_SYS": "NIBP_SBP",
    "MDC_PRESS_BLD_NONINV_DIA": "NIBP_DBP",
    "MDC_PRESS_BLD_NONINV_MEAN": "NIBP_MBP",
    "MDC_RESP_RATE": "RR",
    "MDC_AWAY_CO2_ET": "ETCO2",
    "MDC_TEMP_BODY": "BT",
    "MDC_FLOW_FLUID_PUMP": "RATE",
    "MDC_VOL_FLUID_DELIV_TOTAL": "VOL",
    "MDC_VOL_FLUID_TBI": "VTBI",
    "MDC_VOL_FLUID_TBI_REMAIN": "VOL_REMAIN",
    PLETH: "PLETH",
}
"""Track names in VitalDB's habit; a metric not listed keeps its reference id."""

_NUMBER_RECORD = np.dtype([("type", "u1"), ("length", "<u4"), ("info", "<u2"),
                           ("dt", "<f8"), ("tid", "<u2"), ("value", "<f4")])


def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack("<L", len(data)) + data


def _packet(kind: int, body: bytes) -> bytes:
    return struct.pack("<BL", kind, len(body)) + body


def _device_info(did: int, name: str, kind: str) -> bytes:
    return _packet(PACKET_DEVICE_INFO, struct.pack("<L", did) + _text(kind) + _text(name)
                   + _text(""))


def _track_info(tid: int, track_type: int, name: str, unit: str, did: int,
                sample_rate: float = 0.0, low: float = 0.0, high: float = 0.0) -> bytes:
    body = (struct.pack("<HBB", tid, track_type, FORMAT_FLOAT) + _text(name) + _text(unit)
            + struct.pack("<ffLfddBL", low, high, 0, sample_rate, 1.0, 0.0, 0, did))
    return _packet(PACKET_TRACK_INFO, body)


def _record_head(at: float, tid: int, body_length: int) -> bytes:
    return struct.pack("<BLHdH", PACKET_RECORD, 12 + body_length, 10, at, tid)


def _numbers(tid: int, times: np.ndarray, values: np.ndarray) -> bytes:
    keep = ~np.isnan(values)
    records = np.zeros(int(keep.sum()), dtype=_NUMBER_RECORD)
    records["type"] = PACKET_RECORD
    records["length"] = 16
    records["info"] = 10
    records["dt"] = times[keep]
    records["tid"] = tid
    records["value"] = values[keep]
    return records.tobytes()


def _chunks(record: SessionRecord) -> Iterator[bytes]:
    devices: dict[str, int] = {}
    for device_id in record.device_ids():
        devices[device_id] = len(devices) + 1
        yield _device_info(devices[device_id], device_id,
                           record.device_slug(device_id) or device_id)
    tid = 0
    numbered: list[tuple[int, np.ndarray, np.ndarray]] = []
    table = record.table
    keys = np.asarray([f"{d}\x1f{m}" for d, m in zip(table.devices, table.metrics,
                                                      strict=True)], dtype=object)
    for key in dict.fromkeys(keys.tolist()):
        rows = np.flatnonzero(keys == key)
        first = int(rows[0])
        device_id, metric = table.devices[first], table.metrics[first]
        tid += 1
        yield _track_info(tid, TRACK_NUMBER, TRACK_NAMES.get(metric, metric),
                          table.units[first], devices.get(device_id, 0))
        numbered.append((tid, table.times[rows], table.values[rows]))
    waves = record.waves(PLETH)
    wave_tids: dict[str, int] = {}
    for run in waves:
        if run.device_id not in wave_tids:
            tid += 1
            wave_tids[run.device_id] = tid
            yield _track_info(tid, TRACK_WAVE, TRACK_NAMES[PLETH], run.unit,
                              devices.get(run.device_id, 0), run.sample_rate_hz)
    tid += 1
    event_tid = tid
    yield _track_info(event_tid, TRACK_TEXT, EVENT_TRACK, "", 0)
    for number_tid, times, values in numbered:
        yield _numbers(number_tid, times, values)
    for run in waves:
        samples = run.samples.astype("<f4").tobytes()
        yield (_record_head(run.starts_at, wave_tids[run.device_id], 4 + len(samples))
               + struct.pack("<L", len(run.samples)) + samples)
    notes = [(event.at, describe_event(event.kind, event.payload)) for event in record.events]
    if record.unchecked:
        notes.insert(0, (record.started_at, UNCHECKED_WARNING))
    if record.status is RecordStatus.INTERIM:
        notes.append((record.end_time, INTERIM_NOTE))
    elif record.status is RecordStatus.UNSIGNED:
        notes.append((record.end_time, UNSIGNED_NOTE))
    for at, text in notes:
        body = struct.pack("<L", 0) + _text(text)
        yield _record_head(at, event_tid, len(body)) + body


def write(record: SessionRecord, stream: BinaryIO) -> None:
    start = record.started_at
    end = record.end_time
    header = struct.pack("<hLLdd", 0, 0, 0, start, end)
    with gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=6, mtime=0) as packed:
        packed.write(b"VITA" + struct.pack("<LH", FORMAT_VERSION, len(header)) + header)
        for chunk in _chunks(record):
            packed.write(chunk)
