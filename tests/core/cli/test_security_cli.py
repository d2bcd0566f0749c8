"""The users and audit commands as a clinic runs them: subprocesses on a throw-away home.

Runs on SQLite in the test's folder, and on PostgreSQL through KETACONSOLE_DB when a
test server is configured (the ``record_url`` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ketaconsole.cli.acting_person import os_account
from ketaconsole.store import open_database

ADMIN = ("ada", "318264")
NURSE = ("nia", "471962")


@dataclass
class Console:
    home: Path
    url: str

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, KETACONSOLE_HOME=str(self.home), KETACONSOLE_DB=self.url)
        return subprocess.run([sys.executable, "-m", "ketaconsole", *args],
                              capture_output=True, text=True, timeout=60, env=env,
                              input=stdin)

    def ok(self, *args: str, stdin: str = "") -> str:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def fails(self, *args: str, stdin: str = "", code: int = 1) -> str:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == code, (result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]

    def audit(self, *extra: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.ok("audit", "--json", *extra).splitlines()]


@pytest.fixture
def console(record_url: str, tmp_path: Path) -> Console:
    home = tmp_path / "home"
    home.mkdir()
    return Console(home, record_url)


@pytest.fixture
def staffed(console: Console) -> Console:
    console.ok("users", "add", "--name", ADMIN[0], "--display", "Ada Admin", "--role",
               "admin", "--pin-stdin", stdin=f"{ADMIN[1]}\n")
    console.ok("users", "add", "--name", NURSE[0], "--display", "Nia Nurse", "--role", "nurse",
               "--as", ADMIN[0], "--pin-stdin", stdin=f"{ADMIN[1]}\n{NURSE[1]}\n")
    return console


def as_admin(*args: str) -> tuple[str, ...]:
    return (*args, "--as", ADMIN[0], "--pin-stdin")


def test_the_first_admin_needs_no_log_in_and_only_the_first(console: Console) -> None:
    assert console.fails("users", "add", "--name", "nia", "--role", "nurse", "--pin-stdin",
                         stdin="4719\n", code=2) == (
        "ketaconsole: the console has no admin yet; add the first admin with "
        "'ketaconsole users add --role admin --name NAME'")
    assert console.ok("users", "add", "--name", "ada", "--role", "admin", "--pin-stdin",
                      stdin="318264\n") == "added ada (admin)\n"
    assert console.fails("users", "add", "--name", "eve", "--role", "admin", "--pin-stdin",
                         stdin="6666\n", code=2) == (
        "ketaconsole: adding a user needs an admin's log-in; add --as ADMIN")


def test_users_list_as_a_table_and_as_json(staffed: Console) -> None:
    table = staffed.ok(*as_admin("users", "list"), stdin=f"{ADMIN[1]}\n").splitlines()
    assert table[0].split() == ["user", "role", "state", "name"]
    assert table[1].split() == ["ada", "admin", "active", "Ada", "Admin"]
    assert table[2].split() == ["nia", "nurse", "active", "Nia", "Nurse"]
    rows = json.loads(staffed.ok(*as_admin("users", "list", "--json"), stdin=f"{ADMIN[1]}\n"))
    assert [(r["username"], r["role"], r["active"]) for r in rows] == [
        ("ada", "admin", True), ("nia", "nurse", True)]
    assert all("hash" not in key for row in rows for key in row)


def test_disable_stops_the_user_logging_in(staffed: Console) -> None:
    assert staffed.ok(*as_admin("users", "disable", "nia"),
                      stdin=f"{ADMIN[1]}\n") == "disabled nia\n"
    # The same answer as for a wrong PIN: a refusal never says which names exist.
    assert staffed.fails("users", "list", "--as", "nia", "--pin-stdin",
                         stdin=f"{NURSE[1]}\n") == (
        "ketaconsole: the user name or PIN is not right; check both and try again")


def test_reset_gives_a_new_pin_and_the_old_one_stops_working(staffed: Console) -> None:
    staffed.ok("users", "add", "--name", "ben", "--role", "admin", "--as", "ada",
               "--pin-stdin", stdin=f"{ADMIN[1]}\n640317\n")
    staffed.ok(*as_admin("users", "reset", "ben"), stdin=f"{ADMIN[1]}\n752913\n")
    assert "ben" in staffed.ok("users", "list", "--as", "ben", "--pin-stdin",
                               stdin="752913\n")
    assert staffed.fails("users", "list", "--as", "ben", "--pin-stdin", stdin="640317\n") == (
        "ketaconsole: the user name or PIN is not right; check both and try again")


def test_a_nurse_cannot_manage_users_and_the_refusal_is_audited(staffed: Console) -> None:
    assert staffed.fails("users", "add", "--name", "max", "--role", "nurse", "--as", "nia",
                         "--pin-stdin", stdin=f"{NURSE[1]}\n5820\n") == (
        "ketaconsole: Nia Nurse (nurse) may not manage users; ask an admin to do it")
    denied = staffed.audit()[-1]
    assert (denied["action"], denied["actor"], denied["target"]) == ("denied", "nia", "max")
    assert denied["detail"] == {"permission": "MANAGE_USERS", "role": "nurse"}


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("users", "add", "--name", "x y", "--role", "admin", "--pin-stdin"), "1234\n",
     "a user name is one word of 1 to 100 visible characters, not 'x y'; choose another"),
    (("users", "add", "--name", "ada", "--role", "doctor", "--pin-stdin"), "1234\n",
     "there is no role 'doctor'; choose one of nurse, prescriber, technician, admin"),
    (("users", "add", "--name", "ada", "--role", "admin", "--pin-stdin"), "12\n",
     "a PIN needs at least 6 digits; choose a longer one"),
    (("users", "add", "--name", "ada", "--role", "admin", "--pin-stdin"), "123456\n",
     "this PIN is a sequence of digits, so it is guessed first; choose 6 or more digits "
     "without a pattern"),
    (("users", "add", "--name", "ada", "--role", "admin", "--pin-stdin"), "258025\n",
     "this PIN is a line or shape on the keypad, so it is guessed first; choose 6 or more "
     "digits without a pattern"),
    (("users", "add", "--name", "ada", "--role", "admin", "--pin-stdin"), "",
     "standard input ended before the PIN (New PIN for ada); give one PIN a line"),
    (("audit", "--since", "yesterday"), "",
     "--since takes an ISO time such as 2026-03-01T08:00:00Z, not 'yesterday'"),
    (("settings", "set", "idle-lock-minutes", "0", "--as", "ada", "--pin-stdin"), "318264\n",
     "idle-lock-minutes must be a whole number from 1 to 60, not '0'"),
])
def test_bad_input_is_one_clear_line(console: Console, args: tuple[str, ...], stdin: str,
                                     message: str) -> None:
    result = console.run(*args, stdin=stdin)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [f"ketaconsole: {message}"]


def test_audit_lists_log_ins_and_changes_since_a_time(staffed: Console) -> None:
    entries = staffed.audit()
    assert [(e["action"], e["actor"], e["target"]) for e in entries] == [
        ("user_added", "-", "ada"), ("login", "ada", "command line"),
        ("user_added", "ada", "nia")]
    since = entries[1]["time"]
    # The first listing is itself on the trail, under the operating-system account.
    later = staffed.audit("--since", since)
    assert [e["seq"] for e in later] == [2, 3, 4]
    assert (later[2]["action"], later[2]["actor"]) == ("audit_reviewed", os_account())
    assert later[2]["detail"] == {"via": "command line", "entries": 3,
                                  "emergency_access_only": False}
    table = staffed.ok("audit").splitlines()
    assert len(table) == 5 and table[2].split()[:4] == ["3", entries[2]["time"],
                                                        "user_added", "ada"]


def test_settings_are_listed_to_anyone_and_changed_only_by_an_admin(staffed: Console) -> None:
    assert staffed.ok("settings").splitlines()[0].split()[:2] == ["idle-lock-minutes", "5"]
    assert staffed.fails("settings", "set", "idle-lock-minutes", "10", "--as", NURSE[0],
                         "--pin-stdin", stdin=f"{NURSE[1]}\n") == (
        "ketaconsole: Nia Nurse (nurse) may not change clinic settings; ask an admin to do it")
    assert staffed.ok("settings", "set", "idle-lock-minutes", "10",
                      *as_admin(), stdin=f"{ADMIN[1]}\n") == (
        "idle-lock-minutes is now 10; consoles apply it when they next start\n")
    (listed,) = [json.loads(line) for line in staffed.ok("settings", "list", "--json")
                 .splitlines() if '"idle-lock-minutes"' in line]
    assert (listed["value"], listed["default"], listed["changed_by"]) == (10, 5, ADMIN[0])
    changed = staffed.audit()[-1]
    assert (changed["action"], changed["actor"], changed["detail"]) == (
        "clinic_setting_changed", ADMIN[0], {"old": 5, "new": 10})


def test_audit_verify_names_the_first_altered_entry(staffed: Console) -> None:
    assert staffed.ok("audit", "--verify") == "audit trail intact: 3 entries\n"
    database = open_database(staffed.url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET target = 'eve' WHERE seq = 3"))
    finally:
        database.dispose()
    message = staffed.fails("audit", "--verify")
    assert message.startswith("ketaconsole: the audit trail was altered at entry 3 "
                              "(user_added, ")
    assert message.endswith("its content does not match its hash; keep this database as "
                            "evidence and tell the clinic's admin")


def test_break_glass_is_listed_until_an_admin_reviews_it(staffed: Console) -> None:
    from ketaconsole.security import AuditLog, ConsoleLock

    database = open_database(staffed.url)
    try:
        ConsoleLock(database, AuditLog(database), place="room-4").emergency_access(
            "airway obstruction")
    finally:
        database.dispose()
    pending = staffed.audit("--break-glass")
    assert [(e["action"], e["target"], e["detail"]["reason"]) for e in pending] == [
        ("break_glass", "room-4", "airway obstruction")]
    seq = str(pending[0]["seq"])
    assert staffed.fails("audit", "--review", seq, "--as", "nia", "--pin-stdin",
                         stdin=f"{NURSE[1]}\n") == (
        "ketaconsole: Nia Nurse (nurse) may not review the audit trail; ask an admin to do it")
    staffed.ok("audit", "--review", seq, "--note", "called the nurse",
               "--as", "ada", "--pin-stdin", stdin=f"{ADMIN[1]}\n")
    assert staffed.audit("--break-glass") == []
    assert staffed.ok("audit", "--break-glass") == "no emergency access waiting for review\n"
