"""Trends read from the index alone: the numerics index also carries the value.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_numerics_session_metric_time", table_name="numerics")
    op.create_index("ix_numerics_session_metric_time_value", "numerics",
                    ["session_id", "metric", "received_at", "value"])


def downgrade() -> None:
    op.drop_index("ix_numerics_session_metric_time_value", table_name="numerics")
    op.create_index("ix_numerics_session_metric_time", "numerics",
                    ["session_id", "metric", "received_at"])
