"""PIN log-in and brute-force lock-out, with a clock the test moves.

Five wrong PINs lock the user for the configured time; during it even the right PIN is
refused; afterwards the right PIN works again. Every attempt is on the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketaconsole.security import Action, AuditLog, LoginRefused, Role, authenticate
from ketaconsole.security.clinic_settings import SecuritySettings
from ketaconsole.security.users import find_user
from ketaconsole.store import Database
from tests.core.security_support import NAMES, PINS, FakeClock

NURSE = NAMES[Role.NURSE]
RIGHT = PINS[Role.NURSE]


def _fail(database: Database, audit: AuditLog, times: int,
          settings: SecuritySettings | None = None) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(LoginRefused) as refused:
            authenticate(database, audit, NURSE, "0000", settings or SecuritySettings())
        messages.append(str(refused.value))
    return messages


def test_five_wrong_pins_lock_the_user_out_until_the_time_has_passed(
        database: Database, staffed_audit: AuditLog, clock: FakeClock) -> None:
    messages = _fail(database, staffed_audit, 5)
    assert messages[:4] == ["the user name or PIN is not right; check both and try again"] * 4
    assert messages[4] == (f"{NURSE} is locked out after 5 wrong PINs; try again in 5 minutes "
                           "or ask an admin to reset the PIN")
    clock.advance(299)
    with pytest.raises(LoginRefused, match=r"locked out.*try again in 1 minute "):
        authenticate(database, staffed_audit, NURSE, RIGHT)
    clock.advance(1)
    user = authenticate(database, staffed_audit, NURSE, RIGHT)
    assert user.username == NURSE and user.role is Role.NURSE


def test_the_lockout_is_on_the_audit_trail(database: Database, staffed_audit: AuditLog,
                                           clock: FakeClock) -> None:
    _fail(database, staffed_audit, 5)
    with pytest.raises(LoginRefused):
        authenticate(database, staffed_audit, NURSE, RIGHT)
    nurse = [e for e in staffed_audit.entries() if e.actor == NURSE]
    assert [e.action for e in nurse] == [Action.LOGIN_FAILED] * 5 + [
        Action.USER_LOCKED_OUT, Action.LOGIN_FAILED]
    assert [e.detail["reason"] for e in nurse if e.action == Action.LOGIN_FAILED] == [
        "wrong PIN"] * 4 + ["wrong PIN, locked out", "locked out"]
    locked = nurse[5]
    five_minutes_on = datetime.fromtimestamp(clock.now + 300, UTC)
    assert locked.detail == {"until": five_minutes_on.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                             "wrong_pins": 5}
    assert locked.at == clock.now
    assert staffed_audit.verify() is None


def test_a_good_pin_clears_the_count_of_wrong_ones(database: Database,
                                                   staffed_audit: AuditLog) -> None:
    _fail(database, staffed_audit, 4)
    authenticate(database, staffed_audit, NURSE, RIGHT)
    _fail(database, staffed_audit, 4)
    assert authenticate(database, staffed_audit, NURSE, RIGHT).username == NURSE


def test_the_policy_is_a_setting(database: Database, staffed_audit: AuditLog,
                                 clock: FakeClock) -> None:
    strict = SecuritySettings(max_wrong_pins=3, lockout_seconds=900)
    messages = _fail(database, staffed_audit, 3, strict)
    assert "after 3 wrong PINs; try again in 15 minutes" in messages[-1]
    clock.advance(600)
    with pytest.raises(LoginRefused, match="locked out"):
        authenticate(database, staffed_audit, NURSE, RIGHT, strict)
    clock.advance(300)
    assert authenticate(database, staffed_audit, NURSE, RIGHT, strict).username == NURSE


def test_a_new_pin_from_an_admin_lifts_the_lockout(database: Database,
                                                   staffed_audit: AuditLog) -> None:
    from ketaconsole.security import Guard
    from ketaconsole.security.admin import UserAdmin

    _fail(database, staffed_audit, 5)
    admin = authenticate(database, staffed_audit, NAMES[Role.ADMIN], PINS[Role.ADMIN])
    UserAdmin(database, Guard(staffed_audit), admin).reset_pin(NURSE, "604718")
    assert authenticate(database, staffed_audit, NURSE, "604718").username == NURSE
    with pytest.raises(LoginRefused):
        authenticate(database, staffed_audit, NURSE, RIGHT)


def test_an_unknown_user_reads_like_a_wrong_pin_and_is_audited(database: Database,
                                                              staffed_audit: AuditLog) -> None:
    with pytest.raises(LoginRefused) as refused:
        authenticate(database, staffed_audit, "mallory", "1234")
    assert str(refused.value) == "the user name or PIN is not right; check both and try again"
    last = staffed_audit.entries()[-1]
    assert (last.action, last.actor, last.user_id, last.detail["reason"]) == (
        Action.LOGIN_FAILED, "mallory", None, "unknown user")


def test_only_the_hash_of_the_pin_is_stored(database: Database, staffed_audit: AuditLog) -> None:
    from sqlalchemy import select

    from ketaconsole.store.models import User

    with database.sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == NURSE))
    assert stored is not None and stored.startswith("$argon2id$")
    assert RIGHT not in stored
    user = find_user(database, NURSE)
    assert user is not None and "password_hash" not in user.as_record()
