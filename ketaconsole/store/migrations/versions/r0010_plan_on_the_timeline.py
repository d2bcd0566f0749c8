"""The dose plan lives only on the timeline: the sessions table's plan column goes.

The confirmed plan was never written to ``sessions.dose_plan`` (it was null for every
session recorded by the window or ``record``), while its ``dose_plan`` events were; the
session's state is now the fold of those events, so the column is dropped rather than
kept as a second owner of the plan.

Revision ID: 0010_plan_on_the_timeline
Revises: 0009_primary_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_plan_on_the_timeline"
down_revision: str | None = "0009_primary_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("dose_plan")


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("dose_plan", sa.JSON(), nullable=True))
