"""The audit trail is append-only and hash-chained: an edited, removed or reordered entry
is found, and the first broken entry is named."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import text

from ketaconsole.security import Action, AuditLog
from ketaconsole.security.audit import describe_break
from ketaconsole.store import Database
from ketaconsole.store.timeline import GENESIS_HASH
from tests.core.security_support import FakeClock


@pytest.fixture
def audit(database: Database) -> AuditLog:
    log = AuditLog(database, FakeClock())
    for n, action in enumerate([Action.LOGIN, Action.RECORD_OPENED, Action.EXPORT,
                                Action.DEVICE_PROFILE_SAVED, Action.LOGOUT], start=1):
        log.clock.advance(1)  # type: ignore[attr-defined]
        log.record(action, actor="nia", target=f"session {n}", detail={"n": n})
    return log


def test_an_untouched_trail_verifies_and_links_each_entry_to_the_one_before(
        audit: AuditLog) -> None:
    entries = audit.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit.verify() is None


def test_an_edited_row_is_named(audit: AuditLog, database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET target = 'session 99' WHERE seq = 3"))
    problem = audit.verify()
    assert problem is not None
    assert (problem.seq, problem.kind) == (3, Action.EXPORT)
    assert describe_break(problem).startswith("the audit trail was altered at entry 3 (export")
    assert "does not match its hash" in problem.problem


def test_an_edited_detail_or_time_is_named(audit: AuditLog, database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET at = at + 60 WHERE seq = 2"))
    problem = audit.verify()
    assert problem is not None and problem.seq == 2


def test_a_removed_row_is_named(audit: AuditLog, database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    problem = audit.verify()
    assert problem is not None and problem.seq == 5
    assert problem.problem == "events 4 to 4 are missing"


def test_a_rehashed_row_still_breaks_the_link_to_the_next(audit: AuditLog,
                                                          database: Database) -> None:
    # Someone who edits a row and recomputes its hash breaks the next row's link instead.
    from ketaconsole.store.timeline import event_hash

    entry = audit.entries()[1]
    payload = {"user_id": None, "target": "session 42", "detail": entry.detail}
    forged = event_hash(0, 2, entry.at, entry.action, entry.actor, payload, None,
                        entry.prev_hash)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET target = 'session 42', hash = :h "
                                "WHERE seq = 2"), {"h": forged})
    problem = audit.verify()
    assert problem is not None and problem.seq == 3
    assert problem.problem == "it does not point at the event before it"


def test_entries_since_a_time(audit: AuditLog) -> None:
    third = audit.entries()[2]
    assert [e.seq for e in audit.entries(since=third.at)] == [3, 4, 5]


def test_writers_on_two_threads_keep_one_unbroken_chain(database: Database) -> None:
    log = AuditLog(database)
    errors: list[BaseException] = []

    def write(who: str) -> None:
        try:
            for n in range(25):
                log.record(Action.RECORD_OPENED, actor=who, target=f"session {n}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("nia", "tom")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = log.entries()
    assert [e.seq for e in entries] == list(range(1, 51))
    assert sorted(e.actor for e in entries) == ["nia"] * 25 + ["tom"] * 25
    assert log.verify() is None
