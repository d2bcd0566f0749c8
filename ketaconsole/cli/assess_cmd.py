"""``ketaconsole assess PATIENT --as PRESCRIBER ...``: the eligibility assessment, signed."""

from __future__ import annotations

import argparse
import re

from ketaconsole.cli.acting_person import acting_person, add_person_options
from ketaconsole.cli.course_cmd import find_one
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.course.contraindications import BY_KEY, CONTRAINDICATIONS
from ketaconsole.course.desk import CourseDesk, EligibilityRefused
from ketaconsole.course.eligibility import (
    PRIOR_TREATMENT_KINDS,
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
                    "Each contraindication below is asked; one not given is recorded as "
                    "absent. An absolute one (by the clinic's 'absolute-*' settings; the "
                    "defaults follow the APA consensus statement, Sanacora et al. 2017) or "
                    "a mean screening blood pressure above the clinic's threshold (default "
                    "160/100) means the course is not approved; a relative one, or a mean "
                    "above 140/90, needs --reasoning. PATIENT is the patient's number, MRN "
                    "or name.")
    parser.add_argument("patient", metavar="PATIENT")
    parser.add_argument("--bp", required=True, action="append", metavar="SYS/DIA",
                        help="a screening blood pressure reading in mmHg, e.g. 128/82; give "
                             "it twice for the two readings (their mean is judged)")
    contraindications = parser.add_argument_group(
        "contraindications", "each one present (default severity in brackets; the clinic's "
        "'absolute-*' settings decide)")
    for item in CONTRAINDICATIONS:
        if item.key in SUBSTANCE_USE:
            continue
        names = [item.option, *ALIASES.get(item.key, ())]
        contraindications.add_argument(
            *names, dest=item.key, action="store_true",
            help=f"{item.label} ({'absolute' if item.absolute else 'relative'})")
    contraindications.add_argument(
        "--substance-use-disorder", choices=list(SUBSTANCE_USE.values()),
        metavar="active|in-remission",
        help=f"substance use disorder: active ({_severity('active_substance_use_disorder')}) "
             f"or in sustained remission "
             f"({_severity('substance_use_disorder_in_remission')})")
    parser.add_argument("--reasoning", default="",
                        help="why the course goes ahead despite a relative contraindication "
                             "or a screening blood pressure above 140/90")
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


SUBSTANCE_USE = {"active_substance_use_disorder": "active",
                 "substance_use_disorder_in_remission": "in-remission"}
"""The two answers of ``--substance-use-disorder``."""
ALIASES = {"active_psychosis": ("--psychosis",), "pregnancy": ("--pregnant",)}
"""The options these had before the full list was asked (kept working)."""


def _severity(key: str) -> str:
    return "absolute" if BY_KEY[key].absolute else "relative"


def _readings(given: list[str]) -> tuple[tuple[float, float], ...]:
    if len(given) > 2:
        raise CliError("--bp takes the two screening readings at most: give it once or twice")
    readings = []
    for text in given:
        bp = re.fullmatch(r"\s*(\d{2,3})\s*/\s*(\d{2,3})\s*", text)
        if bp is None:
            raise CliError(f"--bp takes a screening blood pressure as SYS/DIA in mmHg (e.g. "
                           f"128/82), not {text!r}")
        readings.append((float(bp.group(1)), float(bp.group(2))))
    return tuple(readings)


def _form(args: argparse.Namespace) -> EligibilityForm:
    readings = _readings(args.bp)
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
    present = {item.key for item in CONTRAINDICATIONS if getattr(args, item.key, False)}
    present |= {key for key, answer in SUBSTANCE_USE.items()
                if args.substance_use_disorder == answer}
    return EligibilityForm(
        present=frozenset(present), screening_bp=readings, consent_document=args.consent,
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
