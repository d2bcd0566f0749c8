"""The integrity stamp an export carries, and checking an exported file against the record.

A stamp names the session, the timeline's chain head the export was taken at (its
sequence number and hash) and a SHA-256 over the exported content: the session's
identity and plan, every timeline event hash up to the head, and every numeric value
in storage order (times and values as little-endian doubles, an invalid value as NaN;
then the devices, metrics and units). A file cannot hold the hash of its own bytes, so
the stamp hashes the content the file was written from; ``ketaconsole verify --export
FILE`` re-reads that content from the database and compares.

The file itself is checked too, in every format: the export's timeline event holds the
SHA-256 of each file it wrote (``file_sha256``), so :func:`check_export_file` recomputes
the file's hash and finds it on the chain; any edit of a PDF, FHIR, HL7, CSV or .vital
file after export fails with one sentence that names the format.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from ketaconsole.export.record import SessionRecord, load_record
from ketaconsole.store import Database
from ketaconsole.store.models import NumericValue
from ketaconsole.store.timeline import GENESIS_HASH, first_break, format_time

STAMP_PATTERN = re.compile(
    rb"ketaconsole-integrity session=(\d+) seq=(\d+) (?:rows=(\d+)|until=([0-9.]+)) "
    rb"head=([0-9a-f]{64}) content=([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class IntegrityStamp:
    session_id: int
    seq: int
    last_row: int | None
    """Id of the last numeric row the export holds (0: none)."""
    head: str
    content: str
    until: float | None = None
    """Older stamps named the last value's receive time, rounded to the microsecond."""

    def line(self) -> str:
        """The machine-readable form embedded in every exported file."""
        cut = f"rows={self.last_row}" if self.last_row is not None else f"until={self.until:.6f}"
        return (f"ketaconsole-integrity session={self.session_id} seq={self.seq} {cut} "
                f"head={self.head} content={self.content}")


def content_digest(record: SessionRecord) -> str:
    digest = hashlib.sha256()
    identity = {"session": record.session_id, "patient": record.patient_name,
                "identifier": record.patient_identifier, "weight_kg": record.weight_kg,
                "started_at": repr(record.started_at),
                "plan": record.dose_plan.as_record() if record.dose_plan else None}
    digest.update(json.dumps(identity, sort_keys=True, separators=(",", ":")).encode())
    for seq, event_hash in record.links:
        digest.update(f"\n{seq}:{event_hash}".encode())
    table = record.table
    digest.update(table.times.astype("<f8").tobytes())
    digest.update(table.values.astype("<f8").tobytes())
    for column in (table.devices, table.metrics, table.units):
        digest.update("\x1f".join(column).encode("utf-8"))
    return digest.hexdigest()


def stamp(record: SessionRecord) -> IntegrityStamp:
    head = record.head
    return IntegrityStamp(record.session_id, head[0] if head else 0, record.last_row,
                          head[1] if head else GENESIS_HASH, content_digest(record))


def read_stamp(path: Path) -> IntegrityStamp | None:
    """The stamp written into an exported file, or ``None`` if it has none."""
    found = STAMP_PATTERN.search(path.read_bytes())
    if found is None:
        return None
    rows, until = found.group(3), found.group(4)
    return IntegrityStamp(int(found.group(1)), int(found.group(2)),
                          int(rows) if rows is not None else None, found.group(5).decode(),
                          found.group(6).decode(), float(until) if until else None)


def _last_row_until(database: Database, session_id: int, until: float) -> int:
    """For an older stamp: the last row id received by its rounded time."""
    with database.sessions() as session:
        return int(session.execute(
            select(func.coalesce(func.max(NumericValue.id), 0))
            .where(NumericValue.session_id == session_id,
                   NumericValue.received_at < until + 5e-7)).scalar_one())


def check_stamp(database: Database, given: IntegrityStamp) -> str | None:
    """``None`` when the database still holds exactly what was exported; else the problem."""
    last_row = given.last_row
    if last_row is None:
        last_row = _last_row_until(database, given.session_id, given.until or 0.0)
    record = load_record(database, given.session_id, through_seq=given.seq,
                         through_row=last_row, whole_chain=True)
    broken = first_break(record.chain)
    if broken is not None:
        return broken.describe()
    head = record.head
    if head is None or head[0] != given.seq:
        return (f"the record has no event {given.seq}; events after the export were "
                "removed")
    if head[1] != given.head:
        return f"event {given.seq} is not the event the export was taken at"
    if content_digest(record) != given.content:
        return "the record's content (values or plan) differs from what was exported"
    return None


def check_head(database: Database, session_id: int, head_hash: str) -> str | None:
    """``None`` when ``head_hash`` (as printed) is an event hash on the intact chain."""
    record = load_record(database, session_id, whole_chain=True)
    broken = first_break(record.chain)
    if broken is not None:
        return broken.describe()
    wanted = head_hash.strip().lower()
    if not any(event.hash == wanted for event in record.chain):
        return "no event of this session has that hash; the printed record does not match"
    return None


FORMAT_NAMES = {"pdf": "PDF", "fhir": "FHIR", "hl7": "HL7", "csv": "CSV", "vital": ".vital",
                "rems": "REMS"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for suffix, label in (("-rems.pdf", "REMS"), ("-rems.json", "REMS"), (".pdf", "PDF"),
                          (".fhir.json", "FHIR"), (".json", "FHIR"),
                          (".hl7", "HL7"), (".csv", "CSV"), (".vital", ".vital")):
        if name.endswith(suffix):
            return label
    return "exported"


@dataclass(frozen=True, slots=True)
class ExportCheck:
    """What ``verify --export`` found: one sentence, and whether it is a problem."""

    problem: str | None
    found: str = ""


def check_export_file(database: Database, session_id: int, path: Path) -> ExportCheck:
    """Recompute the file's hash, find it among the session's exports, check its stamp.

    Raises ``OSError`` if the file cannot be read. A file exported before files were
    hashed is checked by its embedded stamp alone.
    """
    digest = file_sha256(path)
    given = read_stamp(path)
    if given is not None and given.session_id != session_id:
        return ExportCheck(f"{path.name} is an export of session {given.session_id}, not "
                           f"of session {session_id}")
    record = load_record(database, session_id, whole_chain=True)
    broken = first_break(record.chain)
    if broken is not None:
        return ExportCheck(broken.describe())
    exports = [e for e in record.events if e.kind == "export"]
    match = next((e for e in exports
                  if digest in (e.payload.get("file_sha256") or {}).values()), None)
    legacy = given is not None and any(
        e.payload.get("head_seq") == given.seq and "file_sha256" not in e.payload
        for e in exports)
    if match is None and not legacy:
        fmt = _format_of(path)
        for event in reversed(exports):
            if path.name in (event.payload.get("file_sha256") or {}):
                label = FORMAT_NAMES.get(str(event.payload.get("format")), fmt)
                return ExportCheck(f"the {label} file {path.name} is not the one exported "
                                   f"at {format_time(event.at)} (event {event.seq}): it "
                                   "was edited after export")
        if given is None and not exports:
            return ExportCheck(f"{path.name} has no KetaConsole integrity stamp and this "
                               "session has no recorded export; give a file that "
                               "'ketaconsole export' wrote")
        return ExportCheck(f"the {fmt} file {path.name} matches no export on this "
                           "session's timeline: it was edited after export or is not an "
                           "export of this session")
    if given is not None:
        problem = check_stamp(database, given)
        if problem is not None:
            return ExportCheck(f"{path.name} does not match the record: {problem}")
    if match is None:
        assert given is not None
        return ExportCheck(None, f"{path.name} matches the record as of event {given.seq}")
    found = f"{path.name} is the file exported by event {match.seq}"
    if given is not None:
        found += f" and matches the record as of event {given.seq}"
    return ExportCheck(None, found)
