"""The clinic's drug library as the record holds it: read by every bedside, one row, one writer.

The clinic's version lives in the record database beside the other clinic settings
(``clinic_settings``, key ``drug-library:ketamine``), so every room on one server
follows one library; a clinic that never changed it uses the default file. Reading
needs no user. :func:`store_library` writes it unguarded: the only caller is the
admin's guarded, audited door (:func:`ketaconsole.security.admin.change_drug_library`).
A stored library that no longer reads (edited by hand in the database) is refused in
one sentence, never replaced by the default behind the clinic's back.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaconsole.medication.library import (
    DRUG,
    DrugLibrary,
    LibraryError,
    default_library,
    library_from_record,
)
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSetting

SETTING_KEY = f"drug-library:{DRUG}"


@dataclass(frozen=True, slots=True)
class LibraryInForce:
    """The library the clinic's consoles use, and who last changed it (``None``: the default)."""

    library: DrugLibrary
    changed_at: float | None = None
    changed_by: str | None = None

    @property
    def origin(self) -> str:
        """'the default' or 'set by ada'."""
        return "the default" if self.changed_by is None else f"set by {self.changed_by}"


def library_in_force(database: Database) -> LibraryInForce:
    """The clinic's library (the default file where no admin changed it)."""
    with database.sessions() as session:
        row = session.get(ClinicSetting, SETTING_KEY)
        stored = None if row is None else (row.value, row.changed_at, row.changed_by)
    if stored is None:
        return LibraryInForce(default_library())
    value, changed_at, changed_by = stored
    try:
        return LibraryInForce(library_from_record(value), changed_at, changed_by)
    except LibraryError as exc:
        raise LibraryError([f"The clinic's drug library in the record cannot be used "
                            f"({' '.join(exc.problems)}); an admin must load a valid one "
                            "with 'ketaconsole drug-library load FILE'."]) from None


def clinic_library(database: Database) -> DrugLibrary:
    """The library every order at this clinic is checked against."""
    return library_in_force(database).library


def stored_version(database: Database) -> int:
    """The version of the library the record holds, readable or not (0: the default's)."""
    with database.sessions() as session:
        row = session.get(ClinicSetting, SETTING_KEY)
        value = None if row is None else row.value
    version = value.get("version") if isinstance(value, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    return default_library().version if value is None else 0


def store_library(database: Database, library: DrugLibrary, *, by: str, at: float) -> None:
    """Write the clinic's library (unguarded: the admin's door checks and audits)."""
    with database.sessions() as session, session.begin():
        row = session.get(ClinicSetting, SETTING_KEY)
        if row is None:
            session.add(ClinicSetting(key=SETTING_KEY, value=library.as_record(),
                                      changed_at=at, changed_by=by))
        else:
            row.value, row.changed_at, row.changed_by = library.as_record(), at, by
