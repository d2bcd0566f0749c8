"""Exporting one session: read it, write the format's files whole, audit it on the timeline.

The export event is committed to the session's timeline before :func:`export_session`
returns; if it cannot be, the files just written are removed again, so no export
exists that the record does not know about. An HL7 export can also be sent over MLLP;
delivery or failure is recorded on the timeline either way.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from ketaconsole.export import csv_export, fhir_export, hl7_export, vital_export
from ketaconsole.export.atomic import check_folder, write_all_atomically
from ketaconsole.export.integrity import IntegrityStamp, file_sha256, stamp
from ketaconsole.export.mllp import MllpError, MllpPolicy, MllpTarget, send
from ketaconsole.export.paper import Paper
from ketaconsole.export.record import SessionRecord, load_record
from ketaconsole.export.rems import NotEsketamine
from ketaconsole.export.status import RecordStatus, status_words
from ketaconsole.session.events import Exported
from ketaconsole.store import Database, append_event
from ketaconsole.store.timeline import StoredEvent


class ExportFormat(Enum):
    PDF = "pdf"
    CSV = "csv"
    FHIR = "fhir"
    HL7 = "hl7"
    VITAL = "vital"
    REMS = "rems"


class ExportFailed(RuntimeError):
    """The export could not be completed; the text is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    paper: Paper = Paper.A4
    clinic: str = "KetaConsole clinic"
    author: str = field(default_factory=lambda: _user())
    mllp: MllpTarget | None = None
    mllp_policy: MllpPolicy = field(default_factory=MllpPolicy)
    record_timeout_s: float = 10.0
    """How long to wait for the export event to be committed to the timeline."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    session_id: int
    format: ExportFormat
    files: list[Path]
    interim: bool
    status: RecordStatus
    unchecked: bool
    stamp: IntegrityStamp
    event: StoredEvent
    delivered_messages: int | None = None

    def status_words(self) -> str:
        """What the files call the record ('final record', 'UNSIGNED record (...)', ...)."""
        return status_words(self.status, self.unchecked)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"


Writer = Callable[[BinaryIO], None]


def _files(record: SessionRecord, fmt: ExportFormat, folder: Path, options: ExportOptions,
           stamp_line: str, version: int = 1) -> list[tuple[Path, Writer]]:
    base = f"session-{record.session_id}" + ("-interim" if record.interim else "") + (
        f"-v{version}" if version > 1 else "")
    if fmt is ExportFormat.PDF:
        from ketaconsole.export import pdf_export  # the PDF library loads on the first PDF

        return [(folder / f"{base}.pdf",
                 lambda s: pdf_export.write(record, s, paper=options.paper,
                                            clinic=options.clinic, stamp_line=stamp_line))]
    if fmt is ExportFormat.CSV:
        return [(folder / f"{base}-observations.csv",
                 lambda s: csv_export.write_observations(record, s)),
                (folder / f"{base}-timeline.csv", lambda s: csv_export.write_timeline(record, s))]
    if fmt is ExportFormat.FHIR:
        return [(folder / f"{base}.fhir.json",
                 lambda s: fhir_export.write(record, s, stamp_line=stamp_line))]
    if fmt is ExportFormat.REMS:
        from ketaconsole.export import rems_pdf
        from ketaconsole.export.rems import rems_form

        form = rems_form(record)
        return [(folder / f"{base}-rems.pdf",
                 lambda s: rems_pdf.write_pdf(form, s, paper=options.paper,
                                              clinic=options.clinic, stamp_line=stamp_line)),
                (folder / f"{base}-rems.json",
                 lambda s: rems_pdf.write_json(form, s, stamp_line=stamp_line))]
    if fmt is ExportFormat.HL7:
        return [(folder / f"{base}.hl7",
                 lambda s: _discard(hl7_export.write(record, s, stamp_line=stamp_line)))]
    return [(folder / f"{base}.vital", lambda s: vital_export.write(record, s))]


def _discard(_: object) -> None:
    return None


def export_session(database: Database, session_id: int, fmt: ExportFormat, folder: Path,
                   options: ExportOptions | None = None) -> ExportResult:
    """Write one session in one format into ``folder`` and record the export."""
    options = options or ExportOptions()
    check_folder(folder)
    record = load_record(database, session_id)
    seal = stamp(record)
    version = 1
    try:
        files = _files(record, fmt, folder, options, seal.line())
    except NotEsketamine as exc:
        raise ExportFailed(str(exc)) from None
    while any(path.exists() for path, _ in files):  # an earlier export is never overwritten
        version += 1
        files = _files(record, fmt, folder, options, seal.line(), version)
    written = write_all_atomically(files)
    exported = Exported(
        format=fmt.value, files=[p.name for p in written], interim=record.interim,
        head_seq=seal.seq, head=seal.head, content_sha256=seal.content,
        file_sha256={p.name: file_sha256(p) for p in written})
    delivered: int | None = None
    problem: str | None = None
    if options.mllp is not None:
        try:
            report = send(options.mllp, hl7_export.messages(record), options.mllp_policy)
            delivered = report.messages
            exported = replace(exported, mllp=str(options.mllp), mllp_result="delivered",
                               mllp_messages=report.messages, mllp_attempts=report.attempts)
        except MllpError as exc:
            problem = str(exc)
            exported = replace(exported, mllp=str(options.mllp), mllp_result="failed",
                               mllp_problem=problem)
    try:
        event = append_event(database, session_id, exported, author=options.author,
                             timeout=options.record_timeout_s)
    except Exception as exc:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise ExportFailed(f"the export could not be recorded on the session's timeline "
                           f"({exc}); nothing was exported, try again") from exc
    if problem is not None:
        raise ExportFailed(f"{problem}; the files were written to {folder} and the failed "
                           "delivery is on the timeline")
    return ExportResult(session_id, fmt, written, record.interim, record.status,
                        record.unchecked, seal, event, delivered)
