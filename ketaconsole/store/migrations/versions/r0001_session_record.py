"""The session record: patients, sessions, profiles, timeline, numerics, waves, users, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("date_of_birth", sa.String(10), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
    )
    op.create_table(
        "sessions",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("patient_id", _ROW_ID, nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("dose_plan", sa.JSON(), nullable=True),
        sa.Column("alarm_limits", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_sessions_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_patient_id"), "sessions", ["patient_id"])
    op.create_index("ix_sessions_station_ended_at", "sessions", ["station", "ended_at"])
    op.create_table(
        "device_profiles",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("room", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("port", sa.String(300), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("line", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_profiles")),
        sa.UniqueConstraint("room", "name", name="uq_device_profiles_room_name"),
    )
    op.create_table(
        "timeline_events",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("session_id", _ROW_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_timeline_events_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
        sa.UniqueConstraint("session_id", "seq", name="uq_timeline_events_session_id_seq"),
    )
    op.create_table(
        "numerics",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("session_id", _ROW_ID, nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("device_time", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_numerics_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_numerics")),
    )
    op.create_index("ix_numerics_session_metric_time", "numerics",
                    ["session_id", "metric", "received_at"])
    op.create_table(
        "wave_chunks",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("session_id", _ROW_ID, nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("sample_rate_hz", sa.Float(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("first_received_at", sa.Float(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_wave_chunks_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_chunks")),
    )
    op.create_index("ix_wave_chunks_session_metric_time", "wave_chunks",
                    ["session_id", "metric", "received_at"])
    op.create_table(
        "users",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("user_id", _ROW_ID, nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    for table in ("audit_log", "users", "wave_chunks", "numerics", "timeline_events",
                  "device_profiles", "sessions", "patients"):
        op.drop_table(table)
