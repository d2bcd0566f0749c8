"""Weak PINs are refused: patterns tried first, the demo's published PINs, fewer than six digits.

A PIN is six digits or more (the clinic may ask more per role: ``pin-min-length`` and
``admin-pin-min-length``, both 6 to 12); the first PINs an attacker tries (repeated
digits or groups, sequences, keypad lines and corners, the demo's PINs) are refused
whatever their length.
"""

from __future__ import annotations

import pytest

from ketaconsole.security import AuditLog, Guard, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.security.pins import BadPin, check_new_pin, pin_weakness
from ketaconsole.security.users import ConsoleUser, create_user, set_pin
from ketaconsole.store import Database
from tests.core.security_support import NAMES, staff


@pytest.mark.parametrize("pin", ["0000", "1111", "999999", "1234", "0123456", "9876",
                                 "654321", "3210", "123456"])
def test_repeated_and_consecutive_digits_are_refused(pin: str) -> None:
    with pytest.raises(BadPin, match="choose 6 or more digits without a pattern"):
        check_new_pin(pin)


@pytest.mark.parametrize(("pin", "why"), [
    ("2580", "is a line or shape on the keypad"), ("0852", "is a line or shape on the keypad"),
    ("147258", "is a line or shape on the keypad"), ("963852", "is a line or shape on the keypad"),
    ("1379", "uses only the keypad's corners"), ("917319", "uses only the keypad's corners"),
    ("1212", "repeats a group of digits"), ("123123", "repeats a group of digits"),
    ("1357", "is a sequence of digits"), ("864200", None), ("135792", None),
    ("2468", "is one of the demo's published PINs"),
    ("135790", "is one of the demo's published PINs"),
    ("112233", "is a sequence of doubled digits")])
def test_keypad_patterns_repeated_groups_sequences_and_demo_pins_are_refused(
        pin: str, why: str | None) -> None:
    if why is None:  # near a pattern but not one: accepted
        assert check_new_pin(pin) == pin
        return
    with pytest.raises(BadPin, match=f"this PIN {why}, so it is guessed first"):
        check_new_pin(pin)


@pytest.mark.parametrize("pin", ["abcd", "abcdefghijklmn", "correct horse", "4719", "47190"])
def test_letters_alone_and_fewer_than_six_digits_are_refused(pin: str) -> None:
    with pytest.raises(BadPin, match=r"6 or more digits|at least 6 digits"):
        check_new_pin(pin, min_length=4)  # a clinic cannot ask for fewer than six


@pytest.mark.parametrize("pin", ["471962", "582047", "609318", "3185264",
                                 "correct horse 7 battery"])
def test_six_digits_without_a_pattern_and_long_passphrases_are_accepted(pin: str) -> None:
    assert check_new_pin(pin) == pin


def test_few_six_digit_pins_are_refused_as_patterns() -> None:
    refused = sum(1 for n in range(0, 1_000_000, 7) if pin_weakness(f"{n:06d}"))
    assert refused / len(range(0, 1_000_000, 7)) < 0.02


def _users(database: Database) -> tuple[AuditLog, ConsoleUser]:
    audit = AuditLog(database)
    return audit, staff(database, audit)[Role.ADMIN]


def test_every_pin_needs_six_digits_by_default(database: Database) -> None:
    audit, admin = _users(database)
    for role in (Role.ADMIN, Role.NURSE):
        with pytest.raises(BadPin, match="a PIN needs at least 6 digits"):
            create_user(database, audit, username="ann", display_name="Ann", role=role,
                        pin="4719", by=admin)
    assert create_user(database, audit, username="ann", display_name="Ann",
                       role=Role.ADMIN, pin="471902", by=admin).role is Role.ADMIN
    assert create_user(database, audit, username="nel", display_name="Nel",
                       role=Role.NURSE, pin="471903", by=admin).role is Role.NURSE


def test_the_clinic_sets_the_shortest_pin(database: Database) -> None:
    audit, admin = _users(database)
    change_setting(Guard(audit), admin, "pin-min-length", "8")
    with pytest.raises(BadPin, match="a PIN needs at least 8 digits"):
        create_user(database, audit, username="nel", display_name="Nel", role=Role.NURSE,
                    pin="471903", by=admin)
    with pytest.raises(BadPin, match="a PIN needs at least 8 digits"):
        set_pin(database, audit, NAMES[Role.NURSE], "471905", by=admin)
    set_pin(database, audit, NAMES[Role.NURSE], "47190528", by=admin)
    with pytest.raises(ValueError, match="pin-min-length must be a whole number from 6 to 12"):
        change_setting(Guard(audit), admin, "pin-min-length", "4")
    with pytest.raises(ValueError, match="admin-pin-min-length must be a whole number "
                                         "from 6 to 12"):
        change_setting(Guard(audit), admin, "admin-pin-min-length", "4")
