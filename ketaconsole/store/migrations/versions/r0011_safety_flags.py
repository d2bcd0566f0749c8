"""A patient's safety flags: the prescriber's acknowledgement of each, with a note.

The flags are read from the follow-ups and measures that raise them; only their
acknowledgements are stored.

Revision ID: 0011_safety_flags
Revises: 0010_plan_on_the_timeline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_safety_flags"
down_revision: str | None = "0010_plan_on_the_timeline"
branch_labels = None
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "safety_flag_acknowledgements",
        sa.Column("id", RowId, nullable=False),
        sa.Column("patient_id", RowId, nullable=False),
        sa.Column("flag", sa.String(60), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("prescriber", sa.String(200), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"],
            name=op.f("fk_safety_flag_acknowledgements_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_flag_acknowledgements")),
        sa.UniqueConstraint("flag", name=op.f("uq_safety_flag_acknowledgements_flag")),
    )
    op.create_index(op.f("ix_safety_flag_acknowledgements_patient_id"),
                    "safety_flag_acknowledgements", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_safety_flag_acknowledgements_patient_id"),
                  "safety_flag_acknowledgements")
    op.drop_table("safety_flag_acknowledgements")
