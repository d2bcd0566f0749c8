"""At the bedside, entries and exports are checked against the person logged in."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.bedside_security import BedsideSecurity
from ketaconsole.security import Action, NotAllowed, Role
from ketaconsole.security.users import create_user
from ketaconsole.store import open_database


def test_a_technician_may_neither_chart_nor_export_and_each_refusal_is_audited(
        tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        security = BedsideSecurity(database)
        security.seed_demo_users()
        create_user(database, security.audit, username="tech", display_name="Tess Tech",
                    role=Role.TECHNICIAN, pin="482916", by=None)
        with pytest.raises(NotAllowed):
            security.entry_author()  # locked: nobody logged in
        security.lock.unlock("tech", "482916")
        with pytest.raises(NotAllowed):
            security.entry_author()
        with pytest.raises(NotAllowed):
            security.export_author()
        denied = [e for e in security.audit.entries() if e.action == Action.DENIED]
        assert len(denied) == 3
        security.lock.lock("test")
        security.lock.unlock("demo-nurse", "2468")
        assert security.entry_author() == "demo-nurse"
        assert security.export_author() == "demo-nurse"
    finally:
        database.dispose()


def test_an_entry_under_emergency_access_is_audited_under_its_emergency_record(
        tmp_path: Path) -> None:
    from ketaconsole.security.audit import AuditNotWritten
    from ketaconsole.store import SessionPlan, SessionService

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="bay-9")
    try:
        security = BedsideSecurity(database)
        security.seed_demo_users()
        user = security.lock.emergency_access("patient desaturating, nurse locked out")
        glass = security.audit.entries(action=Action.BREAK_GLASS)[-1]
        assert user.emergency_entry == glass.seq
        stored = service.record_event("rescue_medication", {"drug": "midazolam", "dose": 1,
                                                             "unit": "mg"},
                                      author=security.entry_author())
        security.audit_result(stored)  # the worker's after-commit step: must not fail
        entry = security.audit.entries(action=Action.CLINICAL_ENTRY)[-1]
        assert entry.user_id is None and entry.actor == "emergency"
        assert entry.detail["emergency_access"] == glass.seq
        assert entry.detail["seq"] == stored.seq
        with pytest.raises(AuditNotWritten):  # a bad reference is an error, not a race
            security.audit.record(Action.CLINICAL_ENTRY, actor="x", user_id=999_999)
        assert security.audit.verify() is None
    finally:
        service.close()
        database.dispose()
