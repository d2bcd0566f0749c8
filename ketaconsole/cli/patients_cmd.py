"""``ketaconsole patients``: the patients in the record with their course state (--json)."""

from __future__ import annotations

import argparse
from typing import Any

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.course.follow_ups import due_follow_ups
from ketaconsole.course.identity import find_patients
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
                                   if d.patient_id == patient.patient_id]})
        audit_as(audit, person, Action.RECORDS_LISTED, target="all patients",
                 detail={"patients": len(rows)})
        return rows
    finally:
        database.dispose()


def run(args: argparse.Namespace) -> int:
    import time

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
