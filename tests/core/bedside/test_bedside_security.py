"""At the bedside, the workflow's door checks each step against the person logged in."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.security import Action, NotAllowed, Permission, Role
from ketaconsole.security.users import create_user
from ketaconsole.session.events import RescueMedication
from ketaconsole.session.workflow import step_permissions
from ketaconsole.store import open_database


def test_the_door_answers_only_for_whoever_is_logged_in_and_may_and_audits_refusals(
        tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        security = BedsideSecurity(database)
        security.seed_demo_users()
        create_user(database, security.audit, username="tech", display_name="Tess Tech",
                    role=Role.TECHNICIAN, pin="482916", by=None)
        with pytest.raises(NotAllowed, match="someone must log in first"):
            security.door(Permission.RECORD_CLINICAL_ENTRY, "session 1: annotation")
        security.lock.unlock("tech", "482916")
        for kind in ("annotation", "infusion_start", "signature"):
            with pytest.raises(NotAllowed, match=r"^Tess Tech \(technician\) may not"):
                security.door(step_permissions()[kind], f"session 1: {kind}")
        denied = [e for e in security.audit.entries() if e.action == Action.DENIED]
        assert [(e.actor, e.target, e.detail["permission"]) for e in denied] == [
            ("-", "session 1: annotation", "RECORD_CLINICAL_ENTRY"),
            ("tech", "session 1: annotation", "RECORD_CLINICAL_ENTRY"),
            ("tech", "session 1: infusion_start", "RUN_SESSION"),
            ("tech", "session 1: signature", "SIGN_RECORD")]
        security.lock.lock("test")
        security.lock.unlock("demo-nurse", "2468")
        assert {security.door(permission, "session 1")
                for permission in set(step_permissions().values())} == {"demo-nurse"}
        security.lock.lock("idle")
        with pytest.raises(NotAllowed):
            security.door(Permission.RUN_SESSION, "session 1: infusion_stop")
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
        # emergency access acts as a nurse does: every row of the table is answered
        assert {security.door(permission, f"session {service.session_id}")
                for permission in set(step_permissions().values())} == {"emergency"}
        stored = service.record(RescueMedication("midazolam", 1, "mg"),
                                      author=security.door(
                                          step_permissions()["rescue_medication"],
                                          f"session {service.session_id}: rescue_medication"))
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
