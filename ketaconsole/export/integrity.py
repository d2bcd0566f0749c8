"""The integrity stamp an export carries, and checking a stamp against the database.

A stamp names the session, the timeline's chain head the export was taken at (its
sequence number and hash) and a SHA-256 over the exported content: the session's
identity and plan, every timeline event hash up to the head, and every numeric value
in storage order (times and values as little-endian doubles, an invalid value as NaN;
then the devices, metrics and units). A file cannot hold the hash of its own bytes, so
the stamp hashes the content the file was written from; ``ketaconsole verify --export
FILE`` re-reads that content from the database and compares.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ketaconsole.export.record import SessionRecord, load_record
from ketaconsole.store import Database
from ketaconsole.store.timeline import GENESIS_HASH, first_break

STAMP_PATTERN = re.compile(
    rb"ketaconsole-integrity session=(\d+) seq=(\d+) until=([0-9.]+) "
    rb"head=([0-9a-f]{64}) content=([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class IntegrityStamp:
    session_id: int
    seq: int
    until: float
    """Receive time of the last numeric value the export holds."""
    head: str
    content: str

    def line(self) -> str:
        """The machine-readable form embedded in every exported file."""
        return (f"ketaconsole-integrity session={self.session_id} seq={self.seq} "
                f"until={self.until:.6f} head={self.head} content={self.content}")


def content_digest(record: SessionRecord) -> str:
    digest = hashlib.sha256()
    identity = {"session": record.session_id, "patient": record.patient_name,
                "identifier": record.patient_identifier, "weight_kg": record.weight_kg,
                "started_at": repr(record.started_at),
                "plan": record.dose_plan.as_record() if record.dose_plan else None}
    digest.update(json.dumps(identity, sort_keys=True, separators=(",", ":")).encode())
    for event in record.events:
        digest.update(f"\n{event.seq}:{event.hash}".encode())
    table = record.table
    digest.update(table.times.astype("<f8").tobytes())
    digest.update(table.values.astype("<f8").tobytes())
    for column in (table.devices, table.metrics, table.units):
        digest.update("\x1f".join(column).encode("utf-8"))
    return digest.hexdigest()


def stamp(record: SessionRecord) -> IntegrityStamp:
    head = record.head
    return IntegrityStamp(record.session_id, head.seq if head else 0, record.numerics_until,
                          head.hash if head else GENESIS_HASH, content_digest(record))


def read_stamp(path: Path) -> IntegrityStamp | None:
    """The stamp written into an exported file, or ``None`` if it has none."""
    found = STAMP_PATTERN.search(path.read_bytes())
    if found is None:
        return None
    return IntegrityStamp(int(found.group(1)), int(found.group(2)), float(found.group(3)),
                          found.group(4).decode(), found.group(5).decode())


def check_stamp(database: Database, given: IntegrityStamp) -> str | None:
    """``None`` when the database still holds exactly what was exported; else the problem."""
    record = load_record(database, given.session_id, through_seq=given.seq,
                         until=given.until)
    broken = first_break(record.events)
    if broken is not None:
        return broken.describe()
    head = record.head
    if head is None or head.seq != given.seq:
        return (f"the record has no event {given.seq}; events after the export were "
                "removed")
    if head.hash != given.head:
        return f"event {given.seq} is not the event the export was taken at"
    if content_digest(record) != given.content:
        return "the record's content (values or plan) differs from what was exported"
    return None


def check_head(database: Database, session_id: int, head_hash: str) -> str | None:
    """``None`` when ``head_hash`` (as printed) is an event hash on the intact chain."""
    record = load_record(database, session_id)
    broken = first_break(record.events)
    if broken is not None:
        return broken.describe()
    wanted = head_hash.strip().lower()
    if not any(event.hash == wanted for event in record.events):
        return "no event of this session has that hash; the printed record does not match"
    return None
