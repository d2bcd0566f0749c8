"""Replayable sessions: the devices used per session and the raw-byte journal.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("devices", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
    with op.batch_alter_table("sessions") as batch:
        batch.alter_column("devices", server_default=None)
    op.create_table(
        "journal_chunks",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("session_id", _ROW_ID, nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("direction", sa.String(2), nullable=False),
        sa.Column("first_at", sa.Float(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("byte_count", sa.Integer(), nullable=False),
        sa.Column("pieces", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_journal_chunks_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_chunks")),
    )
    op.create_index("ix_journal_chunks_session_time", "journal_chunks",
                    ["session_id", "first_at"])


def downgrade() -> None:
    op.drop_index("ix_journal_chunks_session_time", table_name="journal_chunks")
    op.drop_table("journal_chunks")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("devices")
