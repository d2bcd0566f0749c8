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
