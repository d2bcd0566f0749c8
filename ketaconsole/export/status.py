"""What an export calls the record it writes: interim, unsigned or final; checked in or not.

A record is *final* once the nurse signed the discharge sign-off (the fold's signature):
the record exported at sign-off is the discharge record, without waiting for the end of
the session. A session that ended without the sign-off is *unsigned*, and one still open
and not signed is *interim*. A session with no
check-in checklist (headless ``record`` given none, or recorded before ``record`` took
one) is *unchecked*, whatever its end. Both come from the session's fold, and every
format takes its words from here, so the PDF, CSV, FHIR, HL7 and .vital files of a
session and the export command's own line say the same.
"""

from __future__ import annotations

from enum import Enum

from ketaconsole.session.events import UNCHECKED_ITEMS
from ketaconsole.session.state import SessionState


class RecordStatus(Enum):
    INTERIM = "interim"
    """The session is still open."""
    UNSIGNED = "unsigned"
    """The session ended without the discharge sign-off."""
    FINAL = "final"
    """The discharge sign-off is signed (the session ended or not)."""


def record_status(state: SessionState) -> RecordStatus:
    """The record's status, from the session's fold alone: final once signed off."""
    if state.signed_by is not None:
        return RecordStatus.FINAL
    return RecordStatus.UNSIGNED if state.ended else RecordStatus.INTERIM


STATUS_WORDS = {
    RecordStatus.INTERIM: "INTERIM record (session in progress)",
    RecordStatus.UNSIGNED: "UNSIGNED record (ended without the discharge sign-off)",
    RecordStatus.FINAL: "final record",
}
"""The status as a page's footer and the export command's line say it."""

UNCHECKED_WORDS = "UNCHECKED: no check-in checklist"
"""What a record without a check-in adds to its status."""

UNCHECKED_WARNING = (f"UNCHECKED SESSION: no check-in checklist was recorded; {UNCHECKED_ITEMS} "
                     "were not checked on this console.")
"""The sentence an unchecked record prints where a reader looks first."""

NOT_FINAL = {
    RecordStatus.INTERIM: "INTERIM RECORD: the session is still in progress; this is not "
                          "the final discharge record.",
    RecordStatus.UNSIGNED: "UNSIGNED RECORD: the session ended without the discharge "
                           "sign-off; this is not a final discharge record.",
}
"""The sentence a record that is not final prints where a reader looks first."""


def status_words(status: RecordStatus, unchecked: bool) -> str:
    """'final record', or e.g. 'UNSIGNED record (...); UNCHECKED: no check-in checklist'."""
    words = STATUS_WORDS[status]
    return f"{words}; {UNCHECKED_WORDS}" if unchecked else words
