"""The console lock: PIN unlock, idle time-out, alarm actions while locked, break-glass."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ketaconsole.security import (
    Action,
    AuditLog,
    ConsoleLock,
    Guard,
    LockState,
    LoginRefused,
    NotAllowed,
    Permission,
    Role,
    pending_break_glass_reviews,
    review_break_glass,
)
from ketaconsole.security.clinic_settings import SecuritySettings
from ketaconsole.store import Database, SessionPlan, SessionService, open_database
from ketaconsole.store.review import timeline
from tests.core.security_support import NAMES, PINS, FakeClock, session_workflow, staff


@pytest.fixture
def lock(database: Database, clock: FakeClock) -> ConsoleLock:
    audit = AuditLog(database, clock)
    staff(database, audit)
    return ConsoleLock(database, audit, SecuritySettings(idle_lock_seconds=120),
                       place="room-1")


def test_the_console_starts_locked_and_a_pin_unlocks_it(lock: ConsoleLock) -> None:
    assert lock.state is LockState.LOCKED and lock.user is None
    with pytest.raises(LoginRefused) as refused:
        lock.unlock(NAMES[Role.NURSE], "0000")
    assert str(refused.value) == "the user name or PIN is not right; check both and try again"
    assert lock.state is LockState.LOCKED
    user = lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    assert lock.state is LockState.UNLOCKED and lock.current_user() == user
    actions = [e.action for e in lock.audit.entries() if e.target == "room-1"]
    assert actions == [Action.LOGIN_FAILED, Action.LOGIN, Action.CONSOLE_UNLOCKED]


def test_idle_time_locks_and_input_restarts_the_count(lock: ConsoleLock,
                                                      clock: FakeClock) -> None:
    lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    clock.advance(119)
    assert lock.tick() is False
    lock.touch()
    clock.advance(119)
    assert lock.tick() is False and lock.state is LockState.UNLOCKED
    clock.advance(1)
    assert lock.tick() is True
    assert lock.state is LockState.LOCKED and lock.user is None
    last = lock.audit.entries()[-1]
    assert (last.action, last.actor, last.detail) == (
        Action.CONSOLE_LOCKED, NAMES[Role.NURSE], {"reason": "no input for 2 minutes"})
    assert lock.tick() is False, "a locked console does not lock again"


def test_the_default_idle_time_is_five_minutes(database: Database) -> None:
    assert ConsoleLock(database, AuditLog(database)).idle_seconds == 300


def test_alarm_actions_are_allowed_while_locked_and_audited(lock: ConsoleLock) -> None:
    entry = lock.record_alarm_action("acknowledge", "SpO2 low")
    assert entry is not None
    assert (entry.action, entry.target, entry.detail) == (
        Action.ALARM_ACTION_WHILE_LOCKED, "SpO2 low",
        {"action": "acknowledge", "place": "room-1"})
    lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    assert lock.record_alarm_action("pause audio", "SpO2 low") is None


def test_locking_ends_what_the_workflows_door_allows(database: Database) -> None:
    from ketaconsole.bedside.security import BedsideSecurity

    security = BedsideSecurity(database, place="room-1")
    staff(database, security.audit)
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="room-1")
    try:
        flow = session_workflow(security, service)
        security.lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
        flow.record_entry("annotation", {"text": "before lock"})
        security.lock.lock()
        with pytest.raises(NotAllowed, match="someone must log in first"):
            flow.record_entry("annotation", {"text": "after lock"})
    finally:
        service.recorder.close()
    texts = [e.payload.get("text") for e in timeline(database, service.session_id)
             if e.kind == "annotation"]
    assert texts == ["before lock"]


def test_break_glass_opens_without_a_pin_and_is_recorded_loudly(
        lock: ConsoleLock, database: Database) -> None:
    user = lock.emergency_access("patient desaturating, nurse's PIN locked out")
    assert lock.state is LockState.EMERGENCY
    assert user.break_glass and user.role is Role.NURSE and user.username == "emergency"
    for permission in (Permission.RUN_SESSION, Permission.SIGN_RECORD):  # a nurse's
        assert Guard(lock.audit).require(lock.current_user(), permission).username == \
            "emergency"
    pending = pending_break_glass_reviews(database)
    assert pending == pending_break_glass_reviews(lock.audit)
    assert len(pending) == 1
    assert pending[0].detail == {"reason": "patient desaturating, nurse's PIN locked out",
                                 "review": "pending"}
    assert pending[0].target == "room-1"


def test_break_glass_never_acts_as_a_named_user(lock: ConsoleLock) -> None:
    user = lock.emergency_access("")
    assert user.username == "emergency" and user.record_id is None
    assert user.role is Role.NURSE and user.break_glass
    assert user.emergency_entry is not None
    entry = pending_break_glass_reviews(lock.audit)[0]
    assert entry.seq == user.emergency_entry
    assert entry.actor == "emergency" and entry.user_id is None
    assert entry.detail["reason"] == "(no reason given)"
    assert "username" not in inspect.signature(lock.emergency_access).parameters


def test_a_break_glass_reason_with_hidden_characters_is_kept_escaped(
        lock: ConsoleLock) -> None:
    lock.emergency_access("airway\x1b[2J\u202eblocked" + "x" * 900)
    reason = pending_break_glass_reviews(lock.audit)[0].detail["reason"]
    assert reason.startswith("airway\\x1b[2J\\u202eblocked") and len(reason) == 500


def test_an_admin_review_clears_a_break_glass_from_the_pending_list(
        lock: ConsoleLock) -> None:
    lock.emergency_access("code blue")
    lock.emergency_access("second emergency")
    first, second = pending_break_glass_reviews(lock.audit)
    guard = Guard(lock.audit)
    nurse = lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    with pytest.raises(NotAllowed):
        review_break_glass(guard, nurse, first.seq, "checked")
    admin = lock.unlock(NAMES[Role.ADMIN], PINS[Role.ADMIN])
    review_break_glass(guard, admin, first.seq, "checked with the charge nurse")
    assert [e.seq for e in pending_break_glass_reviews(lock.audit)] == [second.seq]
    with pytest.raises(ValueError, match="not an emergency access waiting for review"):
        review_break_glass(guard, admin, first.seq, "again")
    assert lock.audit.verify() is None


def test_listeners_hear_every_change_of_state(lock: ConsoleLock, clock: FakeClock) -> None:
    heard: list[tuple[LockState, str | None]] = []
    lock.subscribe(lambda state, user: heard.append((state, user.username if user else None)))
    lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    clock.advance(121)
    lock.tick()
    lock.emergency_access("code blue")
    lock.lock()
    assert heard == [(LockState.UNLOCKED, NAMES[Role.NURSE]), (LockState.LOCKED, None),
                     (LockState.EMERGENCY, "emergency"), (LockState.LOCKED, None)]


def test_lock_emergency_access_and_alarm_actions_work_while_the_record_is_down(
        tmp_path: Path) -> None:
    folder = tmp_path / "record"
    database = open_database(f"sqlite:///{folder / 'record.sqlite3'}")
    try:
        audit = AuditLog(database)
        staff(database, audit)
        lock = ConsoleLock(database, audit, place="room-5")
        lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
        folder.rename(tmp_path / "unplugged")  # the disk holding the record is gone
        assert lock.lock() is True and lock.state is LockState.LOCKED
        assert lock.record_alarm_action("acknowledge", "SpO2 low") is None
        with pytest.raises(LoginRefused, match="use emergency access if the patient"):
            lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
        user = lock.emergency_access("record down, patient desaturating")
        assert lock.state is LockState.EMERGENCY and user.username == "emergency"
        assert lock.unrecorded == 3
        (tmp_path / "unplugged").rename(folder)
        lock.lock()
        assert lock.unrecorded == 0
        entries = audit.entries()[-4:]
        assert [e.action for e in entries] == [
            Action.CONSOLE_LOCKED, Action.ALARM_ACTION_WHILE_LOCKED, Action.BREAK_GLASS,
            Action.CONSOLE_LOCKED]
        assert [e.detail.get("recorded_late") for e in entries] == [True, True, True, None]
        assert entries[2].actor == "emergency" and entries[2].user_id is None
        assert [e.seq for e in pending_break_glass_reviews(audit)] == [entries[2].seq]
        assert audit.verify() is None
    finally:
        database.dispose()
