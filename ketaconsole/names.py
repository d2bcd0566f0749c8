"""Text as typed in (names, reasons, notes, answers): one rule, checked once at entry,
shown safely wherever it is printed.

Every free-text and name field of the console, on the command line and in the forms,
passes :func:`check_text` with its :class:`Field`: one line of visible text of at most
the field's length, with no line breaks, tabs or other control characters (they forge
lines in listings and logs and move a terminal's cursor) and no bidirectional override
characters (they make a printed name read as something else). Dates typed in pass
:func:`check_date` with their plausible range. Text stored before this rule existed is
printed with those characters escaped (:func:`printable`); every command escapes what
it prints to a terminal.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from enum import Enum

NAME_MAX = 200
"""The longest name the record keeps (``patients.name``, ``users.display_name``)."""

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


class Field(Enum):
    """A free-text field: what it is called in a sentence, and the most it may hold."""

    PATIENT_NAME = ("the patient's name", NAME_MAX)
    USER_NAME = ("the user's name", NAME_MAX)
    CLINICIAN_NAME = ("the clinician's name", NAME_MAX)
    REASON = ("the reason", 500)
    NOTE = ("the note", 1000)
    CONSENT_DOCUMENT = ("the consent document", 200)
    CONSENT_VERSION = ("the consent version", 50)
    DIAGNOSIS = ("the diagnosis", 200)
    PRIOR_TREATMENT = ("the prior treatment's detail", 300)
    SIDE_EFFECTS = ("the side effects", 1000)
    USE_DETAIL = ("what was used", 500)
    ANSWER = ("the answer", 500)
    """A check-in answer (allergies, medication, substance use, BP history, IV site)."""
    LOT = ("the lot number", 50)
    """The lot of a medicine's packs (esketamine devices)."""
    LABEL = ("the label", 100)
    """A device's, room's or profile's name as shown on screen."""

    def __init__(self, label: str, limit: int) -> None:
        self.label = label
        self.limit = limit


class BadText(ValueError):
    """Text that cannot be recorded; the message says what to type instead."""


def _hidden(character: str) -> bool:
    return character in _BIDI_CONTROLS or unicodedata.category(character) in ("Cc", "Zl", "Zp")


def text_problem(text: str, field: Field, *, what: str | None = None,
                 required: bool = True) -> str | None:
    """Why ``text`` cannot be recorded in ``field``, in one sentence, or None."""
    label = what or field.label
    value = text.strip()
    if not value:
        return f"{label} is blank; type it in" if required else None
    if len(value) > field.limit:
        return (f"{label} has {len(value):,} characters; the record keeps at most "
                f"{field.limit:,}, so shorten it")
    if any(_hidden(c) for c in value):
        return (f"{label} contains a line break, tab, control or text-direction character; "
                "type it again as one line of plain text")
    return None


def check_text(text: str, field: Field, *, what: str | None = None,
               required: bool = True) -> str:
    """``text`` without surrounding spaces, or :class:`BadText` in one sentence."""
    problem = text_problem(text, field, what=what, required=required)
    if problem is not None:
        raise BadText(problem)
    return text.strip()


def check_name(text: str, what: str = "the patient's name") -> str:
    """A person's name by the text rule (:data:`Field.PATIENT_NAME`'s length)."""
    return check_text(text, Field.PATIENT_NAME, what=what)


def family_and_given(name: str) -> tuple[str, tuple[str, ...]]:
    """A name typed on one line as (family name, given names), as HL7 PID-5 and FHIR
    HumanName hold it: "Family, Given Middle" where a comma says which is which, else the
    last word is the family name and the words before it the given names."""
    family, comma, given = name.partition(",")
    if comma:
        return family.strip(), tuple(given.split())
    words = name.split()
    return (words[-1], tuple(words[:-1])) if words else ("", ())


OLDEST_AGE_YEARS = 120
"""No one alive was born longer ago than this."""


def check_date(text: str, what: str, *, earliest: date, latest: date) -> date:
    """A date typed as YYYY-MM-DD within ``earliest`` .. ``latest``, or :class:`BadText`."""
    value = text.strip()
    try:
        when = date.fromisoformat(value)
    except ValueError:
        raise BadText(f"{shown_text(value)} is not {what}; enter it as YYYY-MM-DD") from None
    if when > latest:
        raise BadText(f"{what} {when.isoformat()} is after {latest.isoformat()}; check it")
    if when < earliest:
        raise BadText(f"{what} {when.isoformat()} is before {earliest.isoformat()}; check it")
    return when


def check_birth_date(text: str, today: date | None = None) -> date:
    """A date of birth: not in the future and at most :data:`OLDEST_AGE_YEARS` ago."""
    now = today or date.today()
    oldest = now.replace(year=now.year - OLDEST_AGE_YEARS, day=min(now.day, 28))
    return check_date(text, "the date of birth", earliest=oldest, latest=now)


def printable(name: str) -> str:
    """``name`` with control and text-direction characters shown as escapes (``\\u202e``)."""
    if not any(_hidden(c) for c in name):
        return name
    return "".join(c.encode("unicode_escape").decode("ascii") if _hidden(c) else c
                   for c in name)


def shown_text(text: str, limit: int = 60) -> str:
    """``text`` quoted for a sentence: escaped, and cut short past ``limit`` characters."""
    cut = text if len(text) <= limit else text[:limit] + "..."
    return repr(printable(cut))
