"""Shared pieces of the security tests: a clock the test moves, users of each role, and a
session workflow behind the bedside's door."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.live.engine import Engine
from ketaconsole.security import AuditLog, ConsoleUser, Role
from ketaconsole.security.users import add_first_admin, create_user
from ketaconsole.session.model import SessionModel
from ketaconsole.session.workflow import SessionWorkflow
from ketaconsole.store import Database, SessionService, open_database

PINS = {Role.NURSE: "471962", Role.TECHNICIAN: "582047", Role.ADMIN: "318264",
        Role.PRESCRIBER: "609318"}
NAMES = {Role.NURSE: "nia", Role.TECHNICIAN: "tom", Role.ADMIN: "ada", Role.PRESCRIBER: "pia"}


@dataclass
class FakeClock:
    """Seconds since the epoch that move only when the test says so."""

    now: float = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def staff(database: Database, audit: AuditLog) -> dict[Role, ConsoleUser]:
    """One user of each role: the first admin, then a nurse and a technician added by them."""
    admin = add_first_admin(database, audit, username=NAMES[Role.ADMIN],
                            display_name="Ada Admin", pin=PINS[Role.ADMIN])
    users = {Role.ADMIN: admin}
    for role, display in ((Role.NURSE, "Nia Nurse"), (Role.TECHNICIAN, "Tom Technician"),
                          (Role.PRESCRIBER, "Dr Pia Prescriber")):
        users[role] = create_user(database, audit, username=NAMES[role], display_name=display,
                                  role=role, pin=PINS[role], by=admin)
    return users


def staffed_record(folder: Path) -> str:
    """A new record database in ``folder`` with one user of each role (:func:`staff`);
    its URL."""
    url = f"sqlite:///{folder / 'record.sqlite3'}"
    database = open_database(url)
    try:
        staff(database, AuditLog(database))
    finally:
        database.dispose()
    return url


def session_workflow(security: BedsideSecurity, service: SessionService) -> SessionWorkflow:
    """A session's workflow whose door is the bedside's (the person at its lock), as a
    room makes it, on ``service``'s record."""
    model = SessionModel(Engine(), AlarmSystem(default_profile()), [])
    return SessionWorkflow(model, clock=security.audit.clock, door=security.door,
                           service=service,
                           closer=lambda author, reason: service.close(author=author,
                                                                       reason=reason))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def staffed_audit(database: Database, clock: FakeClock) -> AuditLog:
    """The audit trail on the test's clock, with one user of each role already added."""
    log = AuditLog(database, clock)
    staff(database, log)
    return log
