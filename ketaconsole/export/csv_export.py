"""CSV export: tidy long format, one row per observation, and the timeline in a second file.

Observations: ``time`` (ISO 8601, UTC, milliseconds), ``device``, ``metric`` (IEEE 11073
reference id, from the catalogue), ``value`` (empty when the device marked it
invalid), ``unit`` (UCUM). Timeline: ``seq``, ``time``, ``kind``, ``author``,
``payload`` (JSON), ``hash``, and ``record`` (``final`` or ``interim``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

from ketaconsole.export.record import SessionRecord
from ketaconsole.store.timeline import format_time

OBSERVATION_COLUMNS = ("time", "device", "metric", "value", "unit")
TIMELINE_COLUMNS = ("seq", "time", "kind", "author", "payload", "hash", "record")


def write_observations(record: SessionRecord, stream: BinaryIO) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(OBSERVATION_COLUMNS)
    times: dict[float, str] = {}
    for at, device, metric, value, unit in record.numerics:
        stamp = times.get(at)
        if stamp is None:
            stamp = times[at] = format_time(at)
        writer.writerow((stamp, device, metric, "" if value is None else repr(value), unit))
    text.flush()
    text.detach()


def write_timeline(record: SessionRecord, stream: BinaryIO) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(TIMELINE_COLUMNS)
    status = "interim" if record.interim else "final"
    for event in record.events:
        writer.writerow((event.seq, format_time(event.at), event.kind, event.author,
                         json.dumps(event.payload, sort_keys=True, ensure_ascii=False),
                         event.hash, status))
    text.flush()
    text.detach()
