"""The check-in checklist for headless ``record``: from a JSON file or from options.

The answers are the window's check-in form's, under its field names, so a checklist
written for one reads the same in the other; the patient is named by ``record``'s own
``--patient`` / ``--mrn`` / ``--dob`` and the weight and height may be ``--weight`` and
``--height``. This module
only reads and shapes the answers (a wrong type, an unknown answer, an unreadable file:
one sentence, exit 2, before anything opens); whether they may be signed is the
check-in's own check (:meth:`ketaconsole.session.checkin.CheckIn.problems`, against the
clinic's fasting hours), whose sentences :meth:`Checklist.explain` names by the answer
or option they came from.
"""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ketaconsole.cli.common import number_option
from ketaconsole.cli.errors import CliError
from ketaconsole.numbers import NumberRange, echo
from ketaconsole.session.checkin import PREGNANCY_ANSWERS, CheckIn, PatientNamed

TEXT_ANSWERS = ("allergies", "current_medication", "substance_use", "bp_history", "iv_site")
YES_NO_ANSWERS = ("psychosis_or_mania", "consent_signed", "escort_present")
NUMBER_ANSWERS = ("age_years", "weight_kg", "height_cm", "solids_hours", "clear_liquids_hours")
CHOICE_ANSWERS = {"pregnancy": PREGNANCY_ANSWERS}
ANSWERS = (*NUMBER_ANSWERS, *TEXT_ANSWERS, *YES_NO_ANSWERS, *CHOICE_ANSWERS)
"""Every answer a checklist file may hold (the patient is named by the command)."""

IDENTITY = {"patient_name": "--patient", "mrn": "--mrn", "date_of_birth": "--dob",
            "patient_id": "--mrn"}
"""The check-in form's identity fields, and the option that gives each instead."""

BODY = {"weight_kg": "--weight", "height_cm": "--height"}
"""The answers ``record`` also takes as its own options (a dose plan reads them)."""

OPTIONS = {"age_years": "--age", **BODY, "allergies": "--allergies",
           "current_medication": "--medication", "substance_use": "--substance-use",
           "psychosis_or_mania": "--psychosis-screen", "bp_history": "--bp-history",
           "solids_hours": "--solids-hours", "clear_liquids_hours": "--clear-liquids-hours",
           "consent_signed": "--consent-signed", "iv_site": "--iv-site",
           "escort_present": "--escort-present", "pregnancy": "--pregnancy", **IDENTITY}
"""Each answer's option, for the checklist given as options (and for its messages)."""

EXAMPLE = """{"age_years": 44, "weight_kg": 70, "allergies": "none known",
 "current_medication": "sertraline 100 mg", "substance_use": "none",
 "psychosis_or_mania": false, "bp_history": "none",
 "solids_hours": 8, "clear_liquids_hours": 3,
 "consent_signed": true, "iv_site": "left antecubital", "escort_present": true,
 "pregnancy": "not applicable"}"""
"""A checklist file, as ``record --help`` shows it."""

HOURS = NumberRange("hours", 0, 14 * 24, unit="hours")
AGE = NumberRange("--age", 0, 150, integer=True, unit="years")
TEXT_MAX = 500
"""The longest free-text answer a file may give (the window's fields are one line too)."""


def add_checklist_options(parser: argparse.ArgumentParser) -> None:
    """``--checklist FILE`` and the same answers as options, in their own help section."""
    group = parser.add_argument_group("check-in checklist", textwrap.fill(
        "The window's check-in answers, as --checklist FILE (a JSON object, see below) or "
        "as the options here; with --patient NAME. Signed against the clinic's fasting "
        "hours ('ketaconsole settings'). Without a checklist the session is recorded as "
        "UNCHECKED and every export says so.", 76))
    group.add_argument("--checklist", metavar="FILE",
                       help="the check-in answers as one JSON object (example below)")
    group.add_argument("--age", type=number_option(AGE), metavar="YEARS",
                       help="the patient's age in years")
    for option, what in (("--allergies", "allergies (or 'none known')"),
                         ("--medication", "current medication (or 'none')"),
                         ("--substance-use", "substance use (or 'none')"),
                         ("--bp-history", "blood-pressure history (or 'none')"),
                         ("--iv-site", "the IV site")):
        group.add_argument(option, metavar="TEXT", help=what)
    group.add_argument("--psychosis-screen", choices=("negative", "positive"),
                       help="the psychosis / mania screen (positive needs the prescriber)")
    group.add_argument("--solids-hours", type=number_option(_hours("--solids-hours")),
                       metavar="H", help="hours since the patient last had solid food")
    group.add_argument("--clear-liquids-hours",
                       type=number_option(_hours("--clear-liquids-hours")), metavar="H",
                       help="hours since the patient last had clear liquids")
    group.add_argument("--consent-signed", action="store_true",
                       help="the consent form is signed")
    group.add_argument("--escort-present", action="store_true",
                       help="an escort will take the patient home")
    group.add_argument("--pregnancy", choices=[a.replace(" ", "-") for a in PREGNANCY_ANSWERS],
                       help="could the patient be pregnant now, asked at every session "
                            "(yes stops the session for the prescriber)")


def _hours(option: str) -> NumberRange:
    return NumberRange(option, HOURS.low, HOURS.high, unit="hours")


@dataclass(frozen=True)
class Checklist:
    """The check-in answers given to ``record``, and where each came from."""

    answers: Mapping[str, Any]
    file: str | None = None
    """The checklist file's name, or ``None``: the answers are options."""
    from_options: frozenset[str] = frozenset()
    """The answers given by ``record``'s own options (``--weight``, ``--height``)."""

    @property
    def weight_kg(self) -> float | None:
        weight = self.answers.get("weight_kg")
        return float(weight) if isinstance(weight, int | float) else None

    @property
    def height_cm(self) -> float | None:
        height = self.answers.get("height_cm")
        return float(height) if isinstance(height, int | float) else None

    def form(self, who: PatientNamed) -> CheckIn:
        """The check-in form for ``who`` with these answers (unanswered: empty)."""
        values: dict[str, Any] = {f.name: None for f in fields(CheckIn)}
        values.update({key: "" for key in TEXT_ANSWERS})
        values.update(consent_signed=False, escort_present=False)
        values.update(self.answers)
        values.update(patient_name=who.name, mrn=who.mrn or "",
                      date_of_birth=who.date_of_birth or "", patient_id=None)
        age = values["age_years"]
        values["age_years"] = int(age) if isinstance(age, float) and age.is_integer() else age
        return CheckIn(**values)

    def where(self, field: str) -> str:
        """The answer or option a problem with ``field`` points at."""
        if field in IDENTITY or field in self.from_options or self.file is None:
            return OPTIONS.get(field, field)
        return f"checklist answer {json.dumps(field)}"

    def explain(self, problems: Mapping[str, str]) -> str:
        """The first problem as one sentence naming its answer, the others by name."""
        order = [f.name for f in fields(CheckIn)]
        mine = sorted((k for k in problems if k in order), key=order.index)
        if not mine:
            return " ".join(problems.values())
        first, *rest = mine
        also = f" (also check {', '.join(self.where(k) for k in rest)})" if rest else ""
        return f"{self.where(first)}: {problems[first]}{also}"


def read_checklist(args: argparse.Namespace) -> Checklist | None:
    """The checklist ``record`` was given (``None``: none), or :class:`CliError` (exit 2)."""
    given = {field: getattr(args, OPTIONS[field].lstrip("-").replace("-", "_"))
             for field in ANSWERS if field not in BODY}
    given = {k: v for k, v in given.items() if v is not None and v is not False}
    if args.checklist is None and not given:
        return None
    if not args.patient:
        raise CliError("a checklist is signed for a named patient: add --patient NAME (it "
                       "is checked against the record --mrn finds)", 2)
    if args.checklist is not None:
        if given:
            raise CliError(f"give the checklist as --checklist FILE or as options, not both "
                           f"(drop {OPTIONS[next(iter(given))]})", 2)
        return _from_file(args.checklist, args)
    for key in TEXT_ANSWERS:
        if key in given:
            _check_answer(OPTIONS[key], key, given[key])
    if "psychosis_or_mania" in given:
        given["psychosis_or_mania"] = given["psychosis_or_mania"] == "positive"
    if "pregnancy" in given:
        given["pregnancy"] = given["pregnancy"].replace("-", " ")
    given.update({field: getattr(args, option.lstrip("-")) for field, option in BODY.items()
                  if getattr(args, option.lstrip("-")) is not None})
    return Checklist(given, from_options=frozenset(BODY))


def _from_file(name: str, args: argparse.Namespace) -> Checklist:
    try:
        text = Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise CliError(f"the checklist {echo(name)} cannot be read ({why}); give the path "
                       "of a JSON file", 2) from None
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"the checklist {echo(name)} is not JSON ({exc.msg} at line "
                       f"{exc.lineno}); 'ketaconsole record --help' shows its shape", 2) from None
    if not isinstance(answers, dict):
        raise CliError(f"the checklist {echo(name)} must be one JSON object of answers, such "
                       "as {\"escort_present\": true, ...}; 'ketaconsole record --help' "
                       "shows its shape", 2)
    for key, value in answers.items():
        if key in IDENTITY:
            raise CliError(f"the checklist names no patient: leave out {json.dumps(key)} and "
                           f"give {IDENTITY[key]} on the command line", 2)
        if key not in ANSWERS:
            raise CliError(f"the checklist {echo(name)} has no answer "
                           f"{echo(json.dumps(key))}; its answers are {', '.join(ANSWERS)}",
                           2)
        _check_answer(f"the checklist's {json.dumps(key)}", key, value)
    given = dict(answers)
    from_options = set()
    for field, option in BODY.items():
        value = getattr(args, option.lstrip("-"))
        if value is None:
            continue
        if field in given and given[field] != value:
            raise CliError(f"the checklist says {field} {given[field]:g} and {option} says "
                           f"{value:g}; give the {field.split('_')[0]} once", 2)
        if field not in answers:
            from_options.add(field)
        given[field] = value
    return Checklist(given, name, frozenset(from_options))


def _check_answer(where: str, key: str, value: Any) -> None:
    """One answer has the type its question takes (exit 2 if not); ``where`` names it."""
    if key in CHOICE_ANSWERS and value not in CHOICE_ANSWERS[key]:
        raise CliError(f"{where} must be one of "
                       f"{', '.join(json.dumps(a) for a in CHOICE_ANSWERS[key])}, not "
                       f"{echo(json.dumps(value))}", 2)
    if key in YES_NO_ANSWERS and not isinstance(value, bool):
        raise CliError(f"{where} must be true or false, not {echo(json.dumps(value))}", 2)
    if key in TEXT_ANSWERS and (not isinstance(value, str) or not value.isprintable()
                                or len(value) > TEXT_MAX):
        raise CliError(f"{where} must be one line of text (at most {TEXT_MAX} characters), "
                       f"such as \"none\"", 2)
    if key in NUMBER_ANSWERS:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise CliError(f"{where} must be a number, not {echo(json.dumps(value))}", 2)
        if key == "age_years" and not float(value).is_integer():
            raise CliError(f"{where} must be a whole number of years, not {value:g}", 2)
