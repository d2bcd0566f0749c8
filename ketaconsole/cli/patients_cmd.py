"""``ketaconsole patients``: the patients in the record with their course state (--json)."""

from __future__ import annotations

import argparse
from typing import Any

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.course.follow_ups import due_follow_ups
from ketaconsole.course.identity import PatientIdentityError, find_patients, register_patient
from ketaconsole.course.summary import course_summary
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store.timeline import format_time


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "patients", help="list the patients and their course",
        description="List the patients in the record: number, name, MRN, date of birth, the "
                    "course's state, the latest PHQ-9, the next infusion and follow-ups due. "
                    "The listing is on the audit trail.")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--search", default="", metavar="NAME",
                        help="only patients whose name contains NAME")
    parser.add_argument("--add", metavar="NAME",
                        help="register a new patient (with --mrn and/or --dob) instead")
    parser.add_argument("--mrn", help="the clinic identifier of the patient added")
    parser.add_argument("--dob", metavar="YYYY-MM-DD", help="date of birth of the patient added")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def listing(args: argparse.Namespace, now: float) -> list[dict[str, Any]]:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, "all patients")
        found = find_patients(database, name=args.search)
        due = due_follow_ups(database, now)
        rows = []
        for patient in found:
            summary = course_summary(database, patient.patient_id)
            next_due = summary.next_infusion_due()
            rows.append({
                "patient": patient.patient_id, "name": patient.name, "mrn": patient.mrn,
                "date_of_birth": patient.date_of_birth, "sessions": patient.sessions,
                "course": summary.state(), "latest_phq9": summary.latest_phq9,
                "next_infusion_due": format_time(next_due) if next_due else None,
                "follow_ups_due": [d.interval for d in due
                                   if d.patient_id == patient.patient_id],
                "safety_flags": [f.as_record() for f in summary.safety_flags]})
        audit_as(audit, person, Action.RECORDS_LISTED, target="all patients",
                 detail={"patients": len(rows)})
        return rows
    finally:
        database.dispose()


def add(args: argparse.Namespace) -> int:
    """Register a patient explicitly (a nurse or prescriber; audited)."""
    if not (args.mrn or args.dob):
        raise CliError("give the new patient's --mrn or --dob, so that check-in finds them")
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.RECORD_CLINICAL_ENTRY,
                               "new patient")
        try:
            patient = register_patient(database, args.add, mrn=args.mrn,
                                       date_of_birth=args.dob)
        except PatientIdentityError as exc:
            raise CliError(str(exc)) from None
        audit_as(audit, person, Action.PATIENT_REGISTERED, target=f"patient "
                 f"{patient.patient_id}", detail={"name": patient.name, "mrn": patient.mrn})
    finally:
        database.dispose()
    print(f"patient {patient.patient_id}: {patient.label()}")
    return 0


def run(args: argparse.Namespace) -> int:
    import time

    if args.add is not None:
        return add(args)
    rows = listing(args, time.time())
    if args.json:
        for row in rows:
            print_json_line(row)
        return 0
    if not rows:
        print("no patients recorded yet")
        return 0
    print(f"{'patient':>7}  {'name':<24}  {'MRN':<12}  {'PHQ-9':>5}  course")
    for row in rows:
        due = f"; follow-ups due: {', '.join(row['follow_ups_due'])}" \
            if row["follow_ups_due"] else ""
        phq = "-" if row["latest_phq9"] is None else str(row["latest_phq9"])
        print(f"{row['patient']:>7}  {row['name']:<24.24}  {row['mrn'] or '-':<12}  "
              f"{phq:>5}  {row['course']}{due}")
    return 0
