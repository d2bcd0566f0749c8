"""The clinic's lock and log-in settings: defaults, an admin's change, and what it does.

A change is checked against its range, needs an admin, is on the audit trail with the
old and new value, and is what the console lock and the PIN log-in then apply: the idle
time before the console locks and how many wrong PINs lock a user out, for how long.
"""

from __future__ import annotations

import pytest

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.course.contraindications import CONTRAINDICATIONS
from ketaconsole.security import Action, AuditLog, Guard, LoginRefused, NotAllowed, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.security.clinic_settings import (
    DEFAULT_SETTINGS,
    clinic_settings,
    esketamine_doses,
    security_settings,
)
from ketaconsole.security.users import ConsoleUser, authenticate, find_user
from ketaconsole.store import Database
from tests.core.security_support import NAMES, PINS, FakeClock


def test_unchanged_settings_are_the_defaults(database: Database, staffed_audit: AuditLog) -> None:
    assert [(s.rule.key, s.value, s.changed_by) for s in clinic_settings(database)] == [
        ("idle-lock-minutes", 5, None), ("wrong-pins-before-lockout", 5, None),
        ("lockout-minutes", 5, None), ("pin-min-length", 6, None),
        ("admin-pin-min-length", 6, None), ("madrs", 1, None),
        ("hr-high-sustain-seconds", 300, None), ("fasting-solids-hours", 6, None),
        ("fasting-clear-liquids-hours", 2, None), ("craving-flag-above", 5, None),
        ("bladder-score-refer-at", 8, None), ("review-after-infusions", 6, None),
        ("eligibility-max-systolic-mmhg", 160, None),
        ("eligibility-max-diastolic-mmhg", 100, None),
        *((item.setting, int(item.absolute), None) for item in CONTRAINDICATIONS),
        ("esketamine-56-mg", 1, None), ("esketamine-84-mg", 1, None)]
    assert esketamine_doses(database) == (56, 84)
    assert security_settings(database) == DEFAULT_SETTINGS


def test_an_admins_change_is_stored_applied_and_audited(database: Database,
                                                        staffed_audit: AuditLog) -> None:
    admin = staff_user(database, staffed_audit, Role.ADMIN)
    changed = change_setting(Guard(staffed_audit), admin, "idle-lock-minutes", "10")
    assert (changed.value, changed.changed_by) == (10, NAMES[Role.ADMIN])
    assert security_settings(database).idle_lock_seconds == 600
    assert BedsideSecurity(database).lock.idle_seconds == 600
    entry = staffed_audit.entries(action=Action.CLINIC_SETTING_CHANGED)[-1]
    assert (entry.actor, entry.target, entry.detail) == (
        NAMES[Role.ADMIN], "idle-lock-minutes", {"old": 5, "new": 10})
    change_setting(Guard(staffed_audit), admin, "idle-lock-minutes", "15")
    assert staffed_audit.entries(action=Action.CLINIC_SETTING_CHANGED)[-1].detail == {
        "old": 10, "new": 15}


@pytest.mark.parametrize(("key", "text", "says"), [
    ("idle-lock-minutes", "0", "idle-lock-minutes must be a whole number from 1 to 60, not '0'"),
    ("idle-lock-minutes", "ten", "idle-lock-minutes must be a whole number from 1 to 60"),
    ("wrong-pins-before-lockout", "50", "from 3 to 10, not '50'"),
    ("lock-minutes", "5", "there is no setting 'lock-minutes'; the settings are "
                          "idle-lock-minutes, wrong-pins-before-lockout, lockout-minutes"),
])
def test_a_value_out_of_range_is_refused_in_one_sentence_and_nothing_changes(
        database: Database, staffed_audit: AuditLog, key: str, text: str, says: str) -> None:
    admin = staff_user(database, staffed_audit, Role.ADMIN)
    with pytest.raises(ValueError, match=says):
        change_setting(Guard(staffed_audit), admin, key, text)
    assert security_settings(database) == DEFAULT_SETTINGS
    assert staffed_audit.entries(action=Action.CLINIC_SETTING_CHANGED) == []


def test_a_nurse_may_not_change_a_setting_and_the_refusal_is_audited(
        database: Database, staffed_audit: AuditLog) -> None:
    nurse = staff_user(database, staffed_audit, Role.NURSE)
    with pytest.raises(NotAllowed) as refused:
        change_setting(Guard(staffed_audit), nurse, "lockout-minutes", "30")
    assert str(refused.value) == ("Nia Nurse (nurse) may not change clinic settings; ask an admin "
                                  "to do it")
    assert security_settings(database) == DEFAULT_SETTINGS
    assert staffed_audit.entries(action=Action.DENIED)[-1].target == "lockout-minutes"


def test_the_log_in_locks_out_after_the_clinics_number_of_wrong_pins_for_its_time(
        database: Database, staffed_audit: AuditLog, clock: FakeClock) -> None:
    admin = staff_user(database, staffed_audit, Role.ADMIN)
    change_setting(Guard(staffed_audit), admin, "wrong-pins-before-lockout", "3")
    change_setting(Guard(staffed_audit), admin, "lockout-minutes", "2")
    settings = security_settings(database)
    nurse = NAMES[Role.NURSE]
    for _ in range(2):
        with pytest.raises(LoginRefused, match="not right"):
            authenticate(database, staffed_audit, nurse, "0000", settings)
    with pytest.raises(LoginRefused, match="locked out after 3 wrong PINs; try again in 2 "):
        authenticate(database, staffed_audit, nurse, "0000", settings)
    clock.advance(119)
    with pytest.raises(LoginRefused, match="locked out"):
        authenticate(database, staffed_audit, nurse, PINS[Role.NURSE], settings)
    clock.advance(1)
    user = authenticate(database, staffed_audit, nurse, PINS[Role.NURSE], settings)
    assert user.username == nurse


def staff_user(database: Database, staffed_audit: AuditLog, role: Role) -> ConsoleUser:
    user = find_user(database, NAMES[role])
    assert user is not None
    return user
