"""``ketaconsole assess PATIENT --as PRESCRIBER ...``: the eligibility assessment, signed."""

from __future__ import annotations

import argparse
import re

from ketaconsole.cli.acting_person import acting_person, add_person_options
from ketaconsole.cli.course_cmd import find_one
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.course.desk import CourseDesk, EligibilityRefused
from ketaconsole.course.eligibility import (
    PRIOR_TREATMENT_KINDS,
    RELATIVE,
    EligibilityForm,
    PriorTreatment,
)
from ketaconsole.medication.library import LibraryError
from ketaconsole.security import AuditLog, Guard, Permission


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "assess", help="sign a patient's eligibility assessment (prescribers)",
        description="A prescriber assesses a patient's suitability for a course of IV "
                    "ketamine: contraindications, screening blood pressure, prior treatments, "
                    "consent and the approved order (dose range, infusion-time range and "
                    "the most mg one infusion may give, within the clinic's drug library). "
                    "An absolute contraindication (active psychosis, pregnancy, blood "
                    "pressure above the clinic's threshold) means the course is not "
                    "approved; a relative one needs --reasoning. PATIENT is the patient's "
                    "number, MRN or name.")
    parser.add_argument("patient", metavar="PATIENT")
    parser.add_argument("--bp", required=True, metavar="SYS/DIA",
                        help="screening blood pressure in mmHg, e.g. 128/82")
    parser.add_argument("--psychosis", action="store_true", help="active psychosis")
    parser.add_argument("--pregnant", action="store_true", help="pregnancy")
    for key, label in RELATIVE.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=key, action="store_true",
                            help=f"{label} (relative contraindication)")
    parser.add_argument("--reasoning", default="",
                        help="why the course goes ahead despite a relative contraindication")
    parser.add_argument("--prior", action="append", default=[], metavar="KIND:DETAIL",
                        help=f"a prior treatment ({', '.join(PRIOR_TREATMENT_KINDS)}); repeat")
    parser.add_argument("--consent", required=True, metavar="DOCUMENT",
                        help="the consent document signed")
    parser.add_argument("--consent-version", required=True, metavar="VERSION")
    parser.add_argument("--dose-range", default="0.5-0.75", metavar="MIN-MAX",
                        help="approved dose range in mg/kg (default 0.5-0.75)")
    parser.add_argument("--infusion-range", required=True, metavar="MIN-MAX",
                        help="approved infusion times in minutes, e.g. 40-60")
    parser.add_argument("--max-total", required=True, metavar="MG",
                        help="the most one infusion may give, in mg, e.g. 60")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _form(args: argparse.Namespace) -> EligibilityForm:
    bp = re.fullmatch(r"\s*(\d{2,3})\s*/\s*(\d{2,3})\s*", args.bp)
    if bp is None:
        raise CliError(f"--bp takes the screening blood pressure as SYS/DIA in mmHg (e.g. "
                       f"128/82), not {args.bp!r}")
    low, high = _range("--dose-range", args.dose_range, "mg/kg (e.g. 0.5-0.75)")
    shortest, longest = _range("--infusion-range", args.infusion_range,
                               "minutes (e.g. 40-60)")
    try:
        most = float(args.max_total)
    except ValueError:
        most = -1.0
    if not most > 0 or most == float("inf"):
        raise CliError(f"--max-total takes the most one infusion may give, in mg (e.g. 60), "
                       f"not {args.max_total!r}")
    prior = []
    for text in args.prior:
        kind, _, detail = text.partition(":")
        prior.append(PriorTreatment(kind.strip(), detail.strip()))
    return EligibilityForm(
        active_psychosis=args.psychosis, pregnancy=args.pregnant,
        screening_systolic_mmhg=float(bp.group(1)), screening_diastolic_mmhg=float(bp.group(2)),
        substance_use_disorder=args.substance_use_disorder,
        cardiovascular_disease=args.cardiovascular_disease,
        prior_ketamine_misuse=args.prior_ketamine_misuse,
        interstitial_cystitis=args.interstitial_cystitis, consent_document=args.consent,
        consent_version=args.consent_version, dose_min_mg_per_kg=low, dose_max_mg_per_kg=high,
        prior_treatments=tuple(prior), relative_reasoning=args.reasoning,
        infusion_min_minutes=shortest, infusion_max_minutes=longest, max_total_mg=most)


def _range(option: str, text: str, unit: str) -> tuple[float, float]:
    """MIN-MAX as two numbers, or one sentence saying the form."""
    found = re.fullmatch(r"\s*([0-9.]+)\s*-\s*([0-9.]+)\s*", text)
    try:
        low, high = (float(found.group(1)), float(found.group(2))) if found else (-1.0, -1.0)
    except ValueError:
        low = high = -1.0
    if low < 0:
        raise CliError(f"{option} takes MIN-MAX in {unit}, not {text!r}")
    return low, high


def run(args: argparse.Namespace) -> int:
    if not args.login:
        raise CliError("an assessment is signed by a prescriber: give --as USER (the "
                       "prescriber's user name)")
    form = _form(args)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        patient = find_one(database, args.patient)
        person = acting_person(database, audit, args, Permission.APPROVE_COURSE,
                               f"patient {patient.patient_id}")
        desk = CourseDesk(database, Guard(audit), lambda: person.user)
        try:
            assessment = desk.assess_eligibility(patient.patient_id, form)
        except (EligibilityRefused, LibraryError) as exc:
            raise CliError(str(exc)) from None
    finally:
        database.dispose()
    flagged = ", ".join(assessment.flagged) or "nothing flagged"
    if assessment.approved:
        print(f"{patient.name}: course approved for {assessment.summary()} until "
              f"{assessment.expires()} ({flagged})")
        return 0
    print(f"{patient.name}: course not approved ({flagged})")
    return 3
