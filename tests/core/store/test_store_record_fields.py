"""Every stored field of a session and of its patient is sealed: a plain SQL edit is named,
and the product's own changes (a later check-in, a merge, an end, a resume) are not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from ketaconsole.cli import main
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.identity import PatientRecord, register_patient
from ketaconsole.security import AuditLog, Guard, Role
from ketaconsole.session.events import Annotation
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService
from ketaconsole.store.anchors import session_chain
from ketaconsole.store.models import Base, ClinicSession, Patient
from ketaconsole.store.record_fields import FIELDS_KIND, SEALED_COLUMNS
from ketaconsole.store.review import timeline, verify
from ketaconsole.store.timeline import format_time
from tests.core.security_support import staff

T0 = 1_790_000_000.0
END = T0 + 3600
OXIMETER = DeviceUse("oximeter", "masimo-ascii", "/dev/ttyUSB0", {"model": "rad8"},
                     {"baudrate": 9600}, kind="oximeter")
LIMITS = {"spo2-low": {"below": 94}}


def _sql(database: Database, statement: str) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement))


def _problem(database: Database, session_id: int) -> str:
    _, problem = verify(database, session_id)
    assert problem is not None, "verify found the record intact"
    return problem.describe()


def _intact(database: Database, *session_ids: int) -> bool:
    return all(verify(database, sid)[1] is None for sid in session_ids)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Visit:
    database: Database
    person: PatientRecord
    session_id: int


def _visit(database: Database, person: PatientRecord, *, station: str = "room-1",
           weight: float | None = 70.0, at: float = T0, phase: str = "Recovery") -> int:
    """One session of ``person``: checked in, a phase change, ended an hour later."""
    clock = Clock(at)
    service = SessionService.begin(
        database, SessionPlan(person.name, weight, alarm_limits=LIMITS,
                              patient_id=person.patient_id),
        [OXIMETER], station=station, clock=clock)
    service.set_phase(phase, author="nurse.kim")
    clock.now = at + 3600
    assert service.close()
    return service.session_id


@pytest.fixture
def visit(database: Database) -> Visit:
    person = register_patient(database, "Ann Example", mrn="MRN-1", date_of_birth="1980-02-03",
                              weight_kg=70.0, clock=lambda: T0 - 86400)
    return Visit(database, person, _visit(database, person))


def test_every_stored_column_of_a_session_and_its_patient_is_sealed() -> None:
    stored = {(table, column.name) for table in ("sessions", "patients")
              for column in Base.metadata.tables[table].columns if column.name != "id"}
    # The session's plan column is on its way out: the plan is sealed as the timeline's
    # dose_plan events.
    assert stored - SEALED_COLUMNS <= {("sessions", "dose_plan")}


def test_a_session_reached_through_the_product_verifies(visit: Visit) -> None:
    assert _intact(visit.database, visit.session_id)
    (*_, last) = [e for e in timeline(visit.database, visit.session_id)
                  if e.kind == FIELDS_KIND]
    assert last.payload["ended_at"] == END and last.payload["mrn"] == "MRN-1"
    assert last.payload["devices"] == [OXIMETER.as_record()]
    assert "dose_plan" not in last.payload


@pytest.mark.parametrize(("statement", "sentence"), [
    ("UPDATE sessions SET station = 'room-9'",
     "the session's station reads 'room-9' in the database, but the record says 'room-1'"),
    (f"UPDATE sessions SET started_at = {T0 - 600!r}",
     f"the session's start reads {format_time(T0 - 600)} in the database, but the record "
     f"says {format_time(T0)}"),
    ("UPDATE sessions SET ended_at = NULL",
     f"the session's end reads nothing in the database, but the record says "
     f"{format_time(END)}"),
    (f"UPDATE sessions SET ended_at = {END + 600!r}",
     f"the session's end reads {format_time(END + 600)} in the database"),
    ("UPDATE sessions SET alarm_limits = '{\"spo2-low\": {\"below\": 80}}'",
     "the session's alarm limits in the database are not what the record says"),
    ("UPDATE sessions SET devices = '[]'",
     "the session's devices in the database are not what the record says"),
    ("UPDATE patients SET external_id = 'MRN-2'",
     "the patient's MRN reads 'MRN-2' in the database, but the record says 'MRN-1'"),
    ("UPDATE patients SET created_at = created_at + 1",
     f"the time the patient's record was made reads {format_time(T0 - 86400 + 1)} in the "
     f"database, but the record says {format_time(T0 - 86400)}"),
    ("UPDATE patients SET name = 'Someone Else'",
     "the patient's name reads 'Someone Else' in the database, but the record says "
     "'Ann Example'"),
    ("UPDATE patients SET date_of_birth = '1970-01-01'",
     "the patient's date of birth reads '1970-01-01' in the database, but the record says "
     "'1980-02-03'"),
    ("UPDATE patients SET weight_kg = 55", "the patient's weight reads 55.0 in the "
     "database, but the record says 70.0"),
    ("UPDATE sessions SET weight_kg = 55", "the session's weight reads 55.0 in the "
     "database, but the record says 70.0"),
    ("UPDATE sessions SET phase = 'Discharged'", "the session's phase reads 'Discharged' "
     "in the database, but the record says 'Recovery'"),
])
def test_an_edit_of_any_stored_field_is_named(visit: Visit, statement: str,
                                              sentence: str) -> None:
    _sql(visit.database, statement)
    problem = _problem(visit.database, visit.session_id)
    assert problem.startswith(sentence)
    assert problem.endswith("; the row was edited")


def test_moving_a_session_to_another_patient_or_merging_a_patient_away_is_named(
        visit: Visit, capsys: pytest.CaptureFixture[str]) -> None:
    other = register_patient(visit.database, "Bob Other", mrn="MRN-7")
    _sql(visit.database, f"UPDATE sessions SET patient_id = {other.patient_id}")
    assert _problem(visit.database, visit.session_id).startswith(
        f"the session's patient record reads {other.patient_id} in the database, but the "
        f"record says {visit.person.patient_id}")
    _sql(visit.database, f"UPDATE sessions SET patient_id = {visit.person.patient_id}")
    assert _intact(visit.database, visit.session_id)
    _sql(visit.database, f"UPDATE patients SET merged_into = {other.patient_id} "
                         f"WHERE id = {visit.person.patient_id}")
    assert _problem(visit.database, visit.session_id).startswith(
        f"the patient record this patient's record was merged into reads {other.patient_id} "
        "in the database, but the record says nothing")
    assert main(["verify", str(visit.session_id), "--db", visit.database.url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "merged into reads" in err


def test_a_phase_change_is_chained_with_the_row(database: Database) -> None:
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="room-1", clock=lambda: T0)
    service.record(Annotation("calm"), author="nurse.kim")
    service.set_phase("Infusion", author="nurse.kim")
    assert service.close()
    fields = [e.payload for e in timeline(database, service.session_id)
              if e.kind == FIELDS_KIND]
    assert [(f["phase"], f["ended_at"]) for f in fields] == [
        ("Pre-infusion", None), ("Infusion", None), ("Infusion", T0)]
    assert fields[-1]["patient"] == "Ann Example" and fields[-1]["weight_kg"] == 70.0
    shown = timeline(database, service.session_id, seals=False)
    assert FIELDS_KIND not in {e.kind for e in shown}


# -- the product's own changes ------------------------------------------------------------------


def test_a_later_check_in_with_a_new_weight_leaves_earlier_sessions_intact(
        visit: Visit) -> None:
    later = _visit(visit.database, visit.person, weight=82.5, at=T0 + 7 * 86400)
    assert _intact(visit.database, visit.session_id, later)
    with visit.database.sessions() as session:
        assert session.scalar(select(Patient.weight_kg)) == 82.5
    # The earlier session's chain took the new weight, in the check-in's transaction...
    stated = [e for e in timeline(visit.database, visit.session_id) if e.kind == FIELDS_KIND]
    assert stated[-1].payload["patient_weight_kg"] == 82.5
    assert stated[-1].payload["weight_kg"] == 70.0  # that session's own weight stays
    anchors = visit.database.anchors
    assert anchors is not None  # ...and anchored once the check-in committed
    assert anchors.read(session_chain(visit.session_id))[-1].seq == stated[-1].seq
    # ...and an edit of the shared row is found in both.
    _sql(visit.database, "UPDATE patients SET weight_kg = 60")
    for sid in (visit.session_id, later):
        assert _problem(visit.database, sid).startswith(
            "the patient's weight reads 60.0 in the database, but the record says 82.5")


def test_a_check_in_while_the_patients_other_session_records_keeps_both_chains_whole(
        visit: Visit) -> None:
    open_one = SessionService.begin(
        visit.database, SessionPlan("Ann Example", 71.0, patient_id=visit.person.patient_id),
        [], station="room-2", flush_interval_s=0.05)
    open_one.record(Annotation("calm"), author="nurse.kim")
    # Another station checks the same person in with a new weight: that change is chained
    # into the open session too, and its writer carries on after it.
    elsewhere = _visit(visit.database, visit.person, station="room-3", weight=72.0)
    open_one.set_phase("Infusion", author="nurse.kim")
    assert open_one.close()
    kinds = [e.kind for e in timeline(visit.database, open_one.session_id)]
    assert kinds.count(FIELDS_KIND) >= 3
    assert _intact(visit.database, visit.session_id, open_one.session_id, elsewhere)


def test_merging_two_records_of_one_person_leaves_every_session_intact(
        visit: Visit) -> None:
    audit = AuditLog(visit.database)
    users = staff(visit.database, audit)
    duplicate = register_patient(visit.database, "Ann Example", date_of_birth="1980-02-03")
    moved = _visit(visit.database, duplicate, station="room-2", at=T0 + 86400)
    no_birth_date = register_patient(visit.database, "Cy Example", mrn="MRN-3")
    cy = _visit(visit.database, no_birth_date, station="room-3")
    cy_again = register_patient(visit.database, "Cy Example", date_of_birth="1990-05-06")
    desk = CourseDesk(visit.database, Guard(audit), lambda: users[Role.ADMIN])
    desk.merge_patients(visit.person.patient_id, duplicate.patient_id, reason="same MRN")
    desk.merge_patients(no_birth_date.patient_id, cy_again.patient_id, reason="same person")
    assert _intact(visit.database, visit.session_id, moved, cy)
    with visit.database.sessions() as session:
        assert session.get(ClinicSession, moved).patient_id == visit.person.patient_id  # type: ignore[union-attr]
    stated = [e for e in timeline(visit.database, moved) if e.kind == FIELDS_KIND][-1]
    assert (stated.payload["patient_id"], stated.payload["mrn"]) == (
        visit.person.patient_id, "MRN-1")
    cy_stated = [e for e in timeline(visit.database, cy) if e.kind == FIELDS_KIND][-1]
    assert cy_stated.payload["date_of_birth"] == "1990-05-06"
    # Putting the moved session back by hand is named.
    _sql(visit.database, f"UPDATE sessions SET patient_id = {duplicate.patient_id} "
                         f"WHERE id = {moved}")
    assert _problem(visit.database, moved).startswith(
        f"the session's patient record reads {duplicate.patient_id} in the database, but "
        f"the record says {visit.person.patient_id}")


def test_devices_changed_on_resume_are_chained_with_the_row(visit: Visit) -> None:
    service = SessionService.begin(
        visit.database, SessionPlan("Ann Example", 70.0, patient_id=visit.person.patient_id),
        [OXIMETER], station="room-5")
    assert service.recorder.close()  # the console stops; the session stays open
    moved_port = DeviceUse("oximeter", "masimo-ascii", "/dev/ttyUSB1", {"model": "rad8"},
                           {"baudrate": 9600}, kind="oximeter")
    again = SessionService.begin(
        visit.database, SessionPlan("Ann Example", 70.0, patient_id=visit.person.patient_id),
        [moved_port], station="room-5")
    assert again.resumed and again.session_id == service.session_id
    assert again.close()
    assert _intact(visit.database, service.session_id)
    stated = [e for e in timeline(visit.database, service.session_id)
              if e.kind == FIELDS_KIND][-1]
    assert stated.payload["devices"] == [moved_port.as_record()]
    _sql(visit.database, f"UPDATE sessions SET devices = '[]' WHERE id = {service.session_id}")
    assert _problem(visit.database, service.session_id).startswith(
        "the session's devices in the database are not what the record says")


def test_an_edit_made_while_a_session_is_open_is_not_taken_into_its_next_statement(
        visit: Visit) -> None:
    service = SessionService.begin(
        visit.database, SessionPlan("Ann Example", 70.0, patient_id=visit.person.patient_id),
        [], station="room-6")
    _sql(visit.database, f"UPDATE sessions SET station = 'room-9' WHERE id = "
                         f"{service.session_id}")
    service.set_phase("Infusion", author="nurse.kim")  # the writer states the row again
    assert service.close()
    assert _problem(visit.database, service.session_id).startswith(
        "the session's station reads 'room-9' in the database, but the record says 'room-6'")
