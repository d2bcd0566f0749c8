"""A course holds both kinds of session: an IV infusion and an esketamine nasal session of
one patient are both in their history, each with its kind; the esketamine one is no
infusion, so the titration rule, which proposes mg/kg, does not count it."""

from __future__ import annotations

from pathlib import Path

from ketaconsole.course.history import course_history
from ketaconsole.course.identity import resolve_patient
from ketaconsole.session.treatment import Treatment
from ketaconsole.store import open_database
from tests.core.export_support import record_esketamine_session, record_session
from tests.course_support import mrn_of

PATIENT = "Alex Example"


def test_the_course_lists_an_infusion_and_an_esketamine_session_each_with_its_kind(
        tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        iv = record_session(database, patient=PATIENT)
        nasal = record_esketamine_session(database, patient=PATIENT)
        person = resolve_patient(database, PATIENT, mrn=mrn_of(PATIENT))
        lines = {line.session_id: line for line in course_history(database,
                                                                   person.patient_id)}
    finally:
        database.dispose()
    assert set(lines) == {iv.session_id, nasal.session_id}
    infusion, spray = lines[iv.session_id], lines[nasal.session_id]
    assert infusion.treatment is Treatment.IV_KETAMINE and infusion.infused
    assert spray.treatment is Treatment.ESKETAMINE and spray.esketamine_mg == 56
    assert not spray.infused and spray.past_infusion() is None
    assert spray.peak_systolic == 148.0
