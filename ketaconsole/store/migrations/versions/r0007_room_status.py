"""Room status for the clinic overview: one row per station, and the overview's alarm actions.

Revision ID: 0007_room_status
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_room_status"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "room_status",
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.Float(), nullable=False),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("station", name="pk_room_status"),
    )
    op.create_table(
        "room_commands",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("alarm_id", sa.String(200), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.Float(), nullable=False),
        sa.Column("done_at", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(400), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_room_commands"),
    )
    op.create_index("ix_room_commands_station_done_at", "room_commands",
                    ["station", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_room_commands_station_done_at", table_name="room_commands")
    op.drop_table("room_commands")
    op.drop_table("room_status")
