"""A device profile names the metrics its device is the room's primary source of.

Revision ID: 0009_primary_sources
Revises: 0008_patient_course
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_primary_sources"
down_revision: str | None = "0008_patient_course"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device_profiles") as batch:
        batch.add_column(sa.Column("primary_for", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device_profiles") as batch:
        batch.drop_column("primary_for")
