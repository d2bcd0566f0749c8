"""People's names as typed in: checked once at entry, shown safely wherever they are printed.

A name is one line of visible text of at most :data:`NAME_MAX` characters (the record's
column): no line breaks or other control characters (they forge lines in listings and
logs) and no bidirectional override characters (they make a printed name read as
something else). Names stored before this check are printed with those characters
escaped (:func:`printable`).
"""

from __future__ import annotations

import unicodedata

NAME_MAX = 200
"""The longest name the record keeps (``patients.name``, ``users.display_name``)."""

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


class BadName(ValueError):
    """A name that cannot be recorded; the text says what to type instead."""


def _hidden(character: str) -> bool:
    return character in _BIDI_CONTROLS or unicodedata.category(character) in ("Cc", "Zl", "Zp")


def check_name(text: str, what: str = "the patient's name") -> str:
    """``text`` without surrounding spaces, or :class:`BadName` in one sentence."""
    name = text.strip()
    if not name:
        raise BadName(f"{what} is blank; type the full name")
    if len(name) > NAME_MAX:
        raise BadName(f"{what} has {len(name):,} characters; the record keeps at most "
                         f"{NAME_MAX}, so shorten it")
    if any(_hidden(c) for c in name):
        raise BadName(f"{what} contains a line break, control or text-direction "
                         "character; type it again as plain text")
    return name


def printable(name: str) -> str:
    """``name`` with control and text-direction characters shown as escapes (``\\u202e``)."""
    if not any(_hidden(c) for c in name):
        return name
    return "".join(c.encode("unicode_escape").decode("ascii") if _hidden(c) else c
                   for c in name)
