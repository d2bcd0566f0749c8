"""``ketaconsole course PATIENT --format pdf|fhir --out DIR``: export a patient's course."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, check_out_folder, open_record
from ketaconsole.course.course_export import COURSE_FORMATS, export_course
from ketaconsole.course.identity import (
    PatientIdentityError,
    PatientRecord,
    find_patients,
    get_patient,
)
from ketaconsole.course.summary import course_summary
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store.database import Database

FORMATS = COURSE_FORMATS


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "course", help="export a patient's course (PDF summary or FHIR R4 bundle)",
        description="Write a patient's course of treatment: a summary PDF (plots, each "
                    "session's figures, the assessment) or a FHIR R4 bundle. PATIENT is the "
                    "patient's number, MRN or name (as 'ketaconsole patients' lists them).")
    parser.add_argument("patient", metavar="PATIENT")
    parser.add_argument("--format", choices=FORMATS, action="append", required=True,
                        help="pdf or fhir (repeat for both)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write into (must exist)")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def find_one(database: Database, text: str) -> PatientRecord:
    """The one patient ``text`` names (number, MRN or name), or one sentence why not."""
    text = text.strip()
    try:
        if text.isdigit():
            return get_patient(database, int(text))
        found = find_patients(database, mrn=text) if re.fullmatch(r"[\w\-/.]+", text) else []
        if not found:
            found = [p for p in find_patients(database, name=text)
                     if p.name.casefold() == " ".join(text.split()).casefold()] or \
                find_patients(database, name=text)
    except PatientIdentityError as exc:
        raise CliError(str(exc)) from None
    if not found:
        raise CliError(f"no patient matches {text!r}; 'ketaconsole patients' lists them")
    if len(found) > 1:
        names = ", ".join(f"{p.patient_id} ({p.label()})" for p in found[:5])
        raise CliError(f"{len(found)} patients match {text!r}: {names}; give the number or "
                       "the MRN")
    return found[0]


def run(args: argparse.Namespace) -> int:
    check_out_folder(args.out)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        patient = find_one(database, args.patient)
        target = f"patient {patient.patient_id}"
        person = acting_person(database, audit, args, Permission.EXPORT_RECORD, target)
        summary = course_summary(database, patient.patient_id)
        audit_as(audit, person, Action.EXPORT, target=target,
                 detail={"course": True, "formats": sorted(set(args.format))})
        files = export_course(summary, args.format, args.out)
    finally:
        database.dispose()
    for path in files:
        print(path)
    return 0
