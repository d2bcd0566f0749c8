"""The timeline: append-only, hash-chained, corrections as new events, and ``verify``."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select, text

from ketaconsole.cli import main
from ketaconsole.session.events import Annotation, RateChanged, ScaleScored
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.models import TimelineEvent
from ketaconsole.store.review import timeline
from ketaconsole.store.timeline import GENESIS_HASH, chain_event, first_break


@pytest.fixture
def service(database: Database) -> Iterator[SessionService]:
    svc = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                               station="room-1")
    yield svc
    svc.recorder.close()


def _chain(n: int) -> list:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        e = chain_event(7, seq, 1000.0 + seq, "annotation", "nurse", {"n": seq}, None, prev)
        events.append(e)
        prev = e.hash
    return events


def test_changing_any_field_of_an_event_breaks_the_chain_there() -> None:
    events = _chain(5)
    assert first_break(events) is None
    for name, value in (("payload", {"n": 99}), ("at", 1003.5), ("kind", "dose"),
                        ("author", "someone else"), ("corrects", 1)):
        altered = list(events)
        altered[2] = dataclasses.replace(events[2], **{name: value})
        broken = first_break(altered)
        assert broken is not None and broken.seq == 3, name


def test_a_removed_or_reordered_event_breaks_the_chain() -> None:
    events = _chain(5)
    broken = first_break(events[:2] + events[3:])
    assert broken is not None and broken.seq == 4 and "missing" in broken.problem
    swapped = [events[0], dataclasses.replace(events[2], seq=2),
               dataclasses.replace(events[1], seq=3)]
    broken = first_break(swapped)
    assert broken is not None and broken.seq == 2


def test_recorded_events_are_numbered_and_chained(service: SessionService,
                                                  database: Database) -> None:
    first = service.record(Annotation("patient calm"), author="nurse.kim")
    second = service.record(ScaleScored("MOAA/S", 5), author="nurse.kim")
    stored = timeline(database, service.session_id)
    # The writer also chains the patient's and session's fields (``record_fields``).
    shown = [e for e in stored if e.kind != "record_fields"]
    assert [e.kind for e in shown] == ["session_start", "annotation", "scale"]
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert stored[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(stored))
    assert shown[1] == first and shown[2] == second and first.seq < second.seq
    assert first_break(stored) is None


def test_a_correction_is_a_new_event_pointing_at_the_original(
        service: SessionService, database: Database) -> None:
    dose = service.record(RateChanged(52.5), author="nurse.kim")
    fix = service.correct(dose.seq, {"rate_ml_h": 50.0}, author="nurse.kim",
                          reason="typed the planned rate, not the set rate")
    gone = service.retract(fix.seq, author="dr.lee", reason="entered on the wrong patient")
    stored = {e.seq: e for e in timeline(database, service.session_id)}
    assert stored[dose.seq].payload == {"rate_ml_h": 52.5, "reason": ""}  # untouched
    assert stored[fix.seq].corrects == dose.seq and stored[fix.seq].kind == "correction"
    assert stored[gone.seq].corrects == fix.seq and stored[gone.seq].kind == "retraction"
    with pytest.raises(ValueError, match="no event 99"):
        service.correct(99, {}, author="nurse.kim", reason="nothing there")


def test_no_statement_ever_updates_or_deletes_a_timeline_event(
        database: Database) -> None:
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(database.engine, "before_cursor_execute", capture)
    svc = SessionService.begin(database, SessionPlan("Ann Example"), [], station="room-1")
    note = svc.record(Annotation("x"), author="nurse")
    svc.correct(note.seq, {"text": "y"}, author="nurse", reason="typo")
    svc.set_phase("Infusion", author="nurse")
    assert svc.close()
    writes = [s for s in statements if "timeline_events" in s]
    assert any(s.startswith("insert") for s in writes)
    assert not [s for s in writes if s.startswith(("update", "delete"))]


def test_verify_says_an_intact_chain_is_intact(service: SessionService, database: Database,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(5):
        service.record(Annotation(f"note {n}"), author="nurse")
    assert main(["verify", str(service.session_id), "--db", database.url]) == 0
    # five notes, the session's start and its chained fields
    expected = f"session {service.session_id}: 7 events, chain intact"
    assert capsys.readouterr().out.strip() == expected


def test_verify_names_the_event_whose_payload_was_edited(
        service: SessionService, database: Database,
        capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(5):
        service.record(Annotation(f"note {n}"), author="nurse")
    target = service.record(RateChanged(52.5), author="nurse")
    service.record(Annotation("note after"), author="nurse")
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_events SET payload = :p "
                                "WHERE session_id = :s AND seq = :q"),
                           {"p": json.dumps({"rate_ml_h": 80.0}), "s": service.session_id,
                            "q": target.seq})
    assert main(["verify", str(service.session_id), "--db", database.url]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"event {target.seq} (rate_change, " in err
    assert "content does not match its hash" in err


def test_verify_names_a_deleted_event(service: SessionService, database: Database,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(4):
        service.record(Annotation(f"note {n}"), author="nurse")
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM timeline_events WHERE session_id = :s AND seq = 3"),
                           {"s": service.session_id})
    assert main(["verify", str(service.session_id), "--db", database.url]) == 1
    assert "event 4 (annotation" in capsys.readouterr().err


def test_verify_an_unknown_session_is_one_clear_line(database: Database,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "4242", "--db", database.url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ketaconsole: there is no session 4242 in this record; "
                   "'ketaconsole sessions' lists the sessions there are"]


def test_sessions_lists_each_session_with_its_event_count(
        service: SessionService, database: Database,
        capsys: pytest.CaptureFixture[str]) -> None:
    service.record(Annotation("hello"), author="nurse")
    assert main(["sessions", "--json", "--db", database.url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["patient"], r["events"], r["ended"]) for r in rows] == [
        (service.session_id, "Ann Example", 2, None)]
    with database.sessions() as session:
        kinds = session.scalars(select(TimelineEvent.kind)).all()
    assert sorted(kinds) == ["annotation", "record_fields", "session_start"]
