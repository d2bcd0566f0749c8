"""Weak PINs are refused: one digit repeated, a run of digits, shorter than the clinic asks.

The clinic sets the shortest PIN per role (``pin-min-length``, default 4, and
``admin-pin-min-length``, default 6); the first PINs an attacker tries (0000, 1111,
1234, 9876) are refused whatever their length.
"""

from __future__ import annotations

import pytest

from ketaconsole.security import AuditLog, Guard, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.security.pins import BadPin, check_new_pin
from ketaconsole.security.users import ConsoleUser, create_user, set_pin
from ketaconsole.store import Database
from tests.core.security_support import NAMES, staff


@pytest.mark.parametrize("pin", ["0000", "1111", "999999", "1234", "0123456", "9876",
                                 "654321", "3210"])
def test_repeated_and_consecutive_digits_are_refused(pin: str) -> None:
    with pytest.raises(BadPin, match="choose digits without a pattern"):
        check_new_pin(pin)


@pytest.mark.parametrize("pin", ["4719", "2468", "1357", "1324", "correct horse"])
def test_pins_without_those_patterns_are_accepted(pin: str) -> None:
    assert check_new_pin(pin) == pin


def _users(database: Database) -> tuple[AuditLog, ConsoleUser]:
    audit = AuditLog(database)
    return audit, staff(database, audit)[Role.ADMIN]


def test_an_admin_pin_needs_six_characters_by_default(database: Database) -> None:
    audit, admin = _users(database)
    with pytest.raises(BadPin, match="a PIN needs at least 6 characters"):
        create_user(database, audit, username="ann", display_name="Ann", role=Role.ADMIN,
                    pin="4719", by=admin)
    assert create_user(database, audit, username="ann", display_name="Ann",
                       role=Role.ADMIN, pin="471902", by=admin).role is Role.ADMIN
    assert create_user(database, audit, username="nel", display_name="Nel",
                       role=Role.NURSE, pin="4719", by=admin).role is Role.NURSE


def test_the_clinic_sets_the_shortest_pin(database: Database) -> None:
    audit, admin = _users(database)
    change_setting(Guard(audit), admin, "pin-min-length", "6")
    with pytest.raises(BadPin, match="a PIN needs at least 6 characters"):
        create_user(database, audit, username="nel", display_name="Nel", role=Role.NURSE,
                    pin="47190", by=admin)
    with pytest.raises(BadPin, match="a PIN needs at least 6 characters"):
        set_pin(database, audit, NAMES[Role.NURSE], "47190", by=admin)
    set_pin(database, audit, NAMES[Role.NURSE], "471905", by=admin)
    with pytest.raises(ValueError, match="admin-pin-min-length must be a whole number "
                                         "from 6 to 12"):
        change_setting(Guard(audit), admin, "admin-pin-min-length", "4")
