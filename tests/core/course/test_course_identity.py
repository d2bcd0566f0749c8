"""One record per person across sessions: found by name, MRN or birth date; merged by an admin."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.eligibility import latest_assessment
from ketaconsole.course.identity import (
    PatientIdentityError,
    PatientRecord,
    find_patients,
    get_patient,
    register_patient,
    resolve_patient,
)
from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.security import Action, AuditLog, Guard, NotAllowed, Role
from ketaconsole.store import Database, open_database
from ketaconsole.store.database import (
    create_record_engine,
    current_revision,
    head_revision,
    migrate,
)
from ketaconsole.store.models import ClinicSession, Patient
from tests.core.bedside.test_room import GRACE
from tests.core.security_support import staff
from tests.course_support import approve

T0 = 1_800_000_000.0


def _session(database: Database, person: PatientRecord, station: str) -> int:
    """The patient picked at check-in at ``station`` (their course approved), then sent home
    before dosing: the session ended with its reason."""
    if latest_assessment(database, person.patient_id) is None:
        approve(database, person, assessed_at=T0 - 86400.0)
    with story_bedside(database.url, nurse="nia", station=station, start=T0) as bedside:
        flow = bedside.workflow
        flow.check_in(replace(GRACE, patient_name=person.name, mrn=person.mrn or "",
                              patient_id=person.patient_id))
        session_id = flow.service_id()
        bedside.at(T0 + 600)
        flow.end_session(reason="patient declined the infusion")
    return session_id


def _patient_rows(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Patient)) or 0)


def test_the_same_person_checked_in_twice_is_one_patient_row(database: Database) -> None:
    first = resolve_patient(database, "Grace Hopper", mrn="MRN-1001", weight_kg=64.0)
    _session(database, first, "room-1")
    again = resolve_patient(database, " grace  hopper ", mrn="MRN-1001")
    _session(database, again, "room-1")
    assert again.patient_id == first.patient_id
    assert _patient_rows(database) == 1
    with database.sessions() as session:
        owners = set(session.scalars(select(ClinicSession.patient_id)))
    assert owners == {first.patient_id}
    assert get_patient(database, first.patient_id).sessions == 2


def test_name_and_birth_date_find_the_record_without_an_mrn(database: Database) -> None:
    first = resolve_patient(database, "Alan Turing", date_of_birth="1912-06-23")
    assert resolve_patient(database, "Alan Turing", date_of_birth="1912-06-23") == first
    other = resolve_patient(database, "Alan Turing", date_of_birth="1950-01-01")
    assert other.patient_id != first.patient_id


def test_search_by_name_mrn_or_date_of_birth(database: Database) -> None:
    grace = register_patient(database, "Grace Hopper", mrn="MRN-1001",
                             date_of_birth="1906-12-09")
    register_patient(database, "Grace Kelly", mrn="MRN-2002", date_of_birth="1929-11-12")
    assert [p.name for p in find_patients(database, name="grace")] == ["Grace Hopper",
                                                                       "Grace Kelly"]
    assert find_patients(database, mrn="MRN-1001") == [grace]
    assert find_patients(database, date_of_birth="1929-11-12")[0].mrn == "MRN-2002"
    with pytest.raises(PatientIdentityError, match="YYYY-MM-DD"):
        find_patients(database, date_of_birth="12/09/1906")


def test_an_mrn_of_someone_else_is_refused(database: Database) -> None:
    register_patient(database, "Grace Hopper", mrn="MRN-1001")
    with pytest.raises(PatientIdentityError, match="Grace Hopper's record, not Ada"):
        resolve_patient(database, "Ada Lovelace", mrn="MRN-1001")
    with pytest.raises(PatientIdentityError, match="already Grace Hopper's record"):
        register_patient(database, "Ada Lovelace", mrn="MRN-1001")
    assert _patient_rows(database) == 1


def test_an_admin_merges_two_records_of_one_person_and_it_is_audited(
        database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    kept = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    duplicate = register_patient(database, "Grace Hopper", date_of_birth="1906-12-09")
    _session(database, kept, "room-1")
    moved = _session(database, duplicate, "room-2")

    nurse_desk = CourseDesk(database, Guard(audit), lambda: users[Role.NURSE])
    with pytest.raises(NotAllowed, match="ask an admin"):
        nurse_desk.merge_patients(kept.patient_id, duplicate.patient_id, reason="same person")
    assert get_patient(database, duplicate.patient_id).patient_id == duplicate.patient_id

    desk = CourseDesk(database, Guard(audit), lambda: users[Role.ADMIN])
    result = desk.merge_patients(kept.patient_id, duplicate.patient_id,
                                 reason="same MRN on the referral letter")
    assert result.sessions_moved == 1
    assert result.kept.date_of_birth == "1906-12-09" and result.kept.sessions == 2
    assert get_patient(database, duplicate.patient_id).patient_id == kept.patient_id
    assert [p.patient_id for p in find_patients(database, name="Grace")] == [kept.patient_id]
    with database.sessions() as session:
        assert session.get(ClinicSession, moved).patient_id == kept.patient_id  # type: ignore[union-attr]
    merged = audit.entries(action=Action.PATIENTS_MERGED)
    assert len(merged) == 1 and merged[0].actor == "ada"
    assert merged[0].detail["reason"] == "same MRN on the referral letter"
    assert audit.verify() is None
    with pytest.raises(PatientIdentityError, match="already merged"):
        desk.merge_patients(duplicate.patient_id, kept.patient_id, reason="again")


def test_existing_patient_rows_survive_the_migration_unmerged(record_url: str) -> None:
    engine = create_record_engine(record_url)
    migrate(engine, "0005")
    with engine.begin() as connection:
        for pid in (4, 5):
            connection.execute(text(
                "INSERT INTO patients (id, name, created_at) "
                f"VALUES ({pid}, 'Grace Hopper', {pid}.5)"))
            connection.execute(text(
                "INSERT INTO sessions (id, patient_id, station, phase, started_at, "
                f"alarm_limits, devices) VALUES ({pid}, {pid}, 'room-1', 'Signed off', "
                f"{pid}.5, '{{}}', '[]')"))
    engine.dispose()
    database = open_database(record_url)
    try:
        assert current_revision(database.engine) == head_revision()
        found = find_patients(database, name="Grace Hopper")
        assert [(p.patient_id, p.sessions) for p in found] == [(4, 1), (5, 1)]
        with database.sessions() as session:
            assert list(session.scalars(select(Patient.merged_into))) == [None, None]
    finally:
        database.dispose()
