"""CSV export: tidy long format, one row per observation, and the timeline in a second file.

Observations: ``time`` (ISO 8601, UTC, milliseconds), ``device``, ``metric`` (IEEE 11073
reference id, from the catalogue), ``value`` (empty when the device marked it
invalid), ``unit`` (UCUM). Timeline: ``seq``, ``time``, ``kind``, ``author``,
``payload`` (JSON), ``hash``, ``record`` (``final``, ``unsigned``: ended without the
sign-off, or ``interim``: in progress) and ``check_in`` (``checked``, or ``unchecked``:
the session has no check-in checklist), on every row, so no row reads as final or
checked out of its file.
"""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

from ketaconsole.export.record import SessionRecord
from ketaconsole.store.timeline import format_time

OBSERVATION_COLUMNS = ("time", "device", "metric", "value", "unit")
TIMELINE_COLUMNS = ("seq", "time", "kind", "author", "payload", "hash", "record", "check_in")


def _field(text: str) -> str:
    """One CSV field as the csv module would write it (quoted only when it must be)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_observations(record: SessionRecord, stream: BinaryIO) -> None:
    """Rows are formatted directly (a 4-hour session has some 150,000 of them); device,
    metric and unit texts and each second's time stamp are worked out once."""
    fields: dict[str, str] = {}
    times: dict[float, str] = {}
    lines = [",".join(OBSERVATION_COLUMNS) + "\r\n"]
    for at, device, metric, value, unit in record.numerics:
        stamp = times.get(at)
        if stamp is None:
            stamp = times[at] = format_time(at)
        device_text = fields.get(device)
        if device_text is None:
            device_text = fields[device] = _field(device)
        metric_text = fields.get(metric)
        if metric_text is None:
            metric_text = fields[metric] = _field(metric)
        unit_text = fields.get(unit)
        if unit_text is None:
            unit_text = fields[unit] = _field(unit)
        value_text = "" if value is None else repr(value)
        lines.append(f"{stamp},{device_text},{metric_text},{value_text},{unit_text}\r\n")
    stream.write("".join(lines).encode("utf-8"))


def write_timeline(record: SessionRecord, stream: BinaryIO) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(TIMELINE_COLUMNS)
    status = record.status.value
    checked = "unchecked" if record.unchecked else "checked"
    for event in record.events:
        writer.writerow((event.seq, format_time(event.at), event.kind, event.author,
                         json.dumps(event.payload, sort_keys=True, ensure_ascii=False),
                         event.hash, status, checked))
    text.flush()
    text.detach()
