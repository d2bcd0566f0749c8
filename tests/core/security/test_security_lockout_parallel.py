"""The lock-out holds under parallel guesses, and a refusal never tells which names exist.

Fifteen real processes guess a nurse's PIN at the same moment, on SQLite and on
PostgreSQL: no more PINs are checked than the lock-out allows, and she is locked out.
Unknown and disabled names get the same answer, the same one PIN check (argon2, so the
same time) and the same lock-out as a real name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.security import Action, AuditLog, LoginRefused, Role, authenticate
from ketaconsole.security.clinic_settings import SecuritySettings
from ketaconsole.security.pins import pin_matches
from ketaconsole.security.users import find_user, set_active
from ketaconsole.store import Database
from tests.core.security_support import NAMES, PINS, FakeClock, staff
from tests.core.store_support import wait_until

GUESSERS = 15
WRONG = "975310"
CHECKED = ("wrong PIN", "wrong PIN, locked out")
"""The reasons of a failed log-in whose PIN was actually compared with the hash."""


def _reading_stdin(pid: int) -> bool:
    """Whether the process is blocked in read(2) on its standard input (Linux)."""
    try:
        call = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(call) > 1 and call[0] == "0" and int(call[1], 16) == 0


def test_parallel_wrong_pins_are_never_checked_more_often_than_the_lockout_allows(
        database: Database, record_url: str, tmp_path: Path) -> None:
    audit = AuditLog(database)
    staff(database, audit)
    nurse = NAMES[Role.NURSE]
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path / "home")}
    guessers = [subprocess.Popen(
        [sys.executable, "-m", "ketaconsole", "sessions", "--db", record_url,
         "--as", nurse, "--pin-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for _ in range(GUESSERS)]
    for guesser in guessers:  # all started and waiting for their PIN: then all at once
        wait_until(lambda g=guesser: _reading_stdin(g.pid), timeout=120,
                   what="a guesser waiting for its PIN")
    for guesser in guessers:
        assert guesser.stdin is not None
        guesser.stdin.write(f"{WRONG}\n")
        guesser.stdin.flush()
    answers = [guesser.communicate(timeout=120) for guesser in guessers]
    assert all(guesser.returncode == 1 for guesser in guessers), answers
    assert all(len(err.splitlines()) == 1 for _, err in answers), answers
    failed = [e for e in audit.entries() if e.action == Action.LOGIN_FAILED
              and e.actor == nurse]
    assert len(failed) == GUESSERS
    checked = [e for e in failed if e.detail["reason"] in CHECKED]
    assert len(checked) <= SecuritySettings().max_wrong_pins
    user = find_user(database, nurse)
    assert user is not None and user.locked_until is not None
    with pytest.raises(LoginRefused, match="locked out"):
        authenticate(database, audit, nurse, PINS[Role.NURSE])


def _answers(database: Database, audit: AuditLog, name: str, times: int) -> list[str]:
    answers = []
    for _ in range(times):
        with pytest.raises(LoginRefused) as refused:
            authenticate(database, audit, name, WRONG)
        answers.append(str(refused.value).replace(name, "NAME"))
    return answers


def test_unknown_disabled_and_real_names_get_the_same_answers(
        database: Database, clock: FakeClock) -> None:
    audit = AuditLog(database, clock)
    users = staff(database, audit)
    set_active(database, audit, NAMES[Role.TECHNICIAN], False, by=users[Role.ADMIN])
    real = _answers(database, audit, NAMES[Role.NURSE], 6)
    assert real[0] == "the user name or PIN is not right; check both and try again"
    assert "NAME is locked out after 5 wrong PINs" in real[4]
    assert _answers(database, audit, "nobody", 6) == real
    assert _answers(database, audit, NAMES[Role.TECHNICIAN], 6) == real


def test_every_name_costs_one_pin_check(database: Database, clock: FakeClock,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    audit = AuditLog(database, clock)
    users = staff(database, audit)
    set_active(database, audit, NAMES[Role.TECHNICIAN], False, by=users[Role.ADMIN])
    checks: list[str] = []

    def counted(stored_hash: str | None, pin: str) -> bool:
        checks.append(pin)
        return pin_matches(stored_hash, pin)

    monkeypatch.setattr("ketaconsole.security.users.pin_matches", counted)
    for name in (NAMES[Role.NURSE], "nobody", NAMES[Role.TECHNICIAN]):
        checks.clear()
        with pytest.raises(LoginRefused):
            authenticate(database, audit, name, WRONG)
        assert checks == [WRONG], name  # one argon2 check, whether the name exists or not
