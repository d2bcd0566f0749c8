"""Schema and migrations of the session record, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ketaconsole.store import Database, open_database
from ketaconsole.store.database import (
    create_record_engine,
    current_revision,
    head_revision,
    migrate,
)
from ketaconsole.store.models import Base

TABLES = {"patients", "sessions", "device_profiles", "timeline_events", "numerics",
          "wave_chunks", "journal_chunks", "users", "audit_log", "clinic_settings",
          "plugin_approvals", "room_status", "room_commands", "eligibility_assessments",
          "follow_ups"}


def test_migrations_from_empty_build_exactly_the_model_schema(database: Database) -> None:
    assert current_revision(database.engine) == head_revision() == "0011_safety_flags"
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_constraints_are_named_by_the_convention(database: Database) -> None:
    inspector = inspect(database.engine)
    assert inspector.get_pk_constraint("numerics")["name"] == "pk_numerics"
    fks = {fk["name"] for fk in inspector.get_foreign_keys("timeline_events")}
    assert fks == {"fk_timeline_events_session_id_sessions"}
    uniques = {u["name"] for u in inspector.get_unique_constraints("timeline_events")}
    assert "uq_timeline_events_session_id_seq" in uniques


@pytest.mark.parametrize("previous", ["0001", "0002"])
def test_upgrade_from_an_earlier_revision_keeps_the_record(record_url: str,
                                                           previous: str) -> None:
    engine = create_record_engine(record_url)
    migrate(engine, previous)
    assert current_revision(engine) == previous
    tables = set(inspect(engine).get_table_names())
    assert ("journal_chunks" in tables) == (previous >= "0002")
    devices = ", devices" if previous >= "0002" else ""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, name, created_at) VALUES (1, 'Ann Example', 1.5)"))
        connection.execute(text(
            f"INSERT INTO sessions (id, patient_id, station, phase, started_at, alarm_limits"
            f"{devices}) VALUES (1, 1, 'room-1', 'Infusion', 2.5, '{{}}'"
            f"{', ' + repr('[]') if devices else ''})"))
        connection.execute(text(
            "INSERT INTO timeline_events (session_id, seq, at, kind, author, payload, "
            "prev_hash, hash) VALUES (1, 1, 3.5, 'annotation', 'nurse', '{\"text\": \"ok\"}', "
            "'0', 'h')"))
    engine.dispose()

    db = open_database(record_url)
    try:
        assert current_revision(db.engine) == head_revision()
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("numerics")}
        assert indexes == {"ix_numerics_session_metric_time_value"}
        with db.engine.connect() as connection:
            session = connection.execute(text(
                "SELECT phase, started_at FROM sessions WHERE id = 1")).one()
            assert tuple(session) == ("Infusion", 2.5)
            devices = connection.execute(text("SELECT devices FROM sessions")).scalar()
            assert devices in ("[]", [])
            kind = connection.execute(text("SELECT kind FROM timeline_events")).scalar()
            assert kind == "annotation"
            assert connection.execute(text("SELECT count(*) FROM journal_chunks")).scalar() == 0
    finally:
        db.dispose()


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO numerics (session_id, device_id, metric, unit, received_at) "
            "VALUES (999, 'ox', 'MDC_PULS_OXIM_SAT_O2', '%', 1.0)"))


def test_sqlite_connections_use_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()
    # WAL is a property of the file itself: a plain connection sees it too.
    plain = sqlite3.connect(tmp_path / "record.sqlite3")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()


def test_the_head_read_from_the_scripts_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from ketaconsole.store.database import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
