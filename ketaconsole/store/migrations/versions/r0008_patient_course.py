"""A patient's course: one record per person (merging), eligibility assessments, follow-ups.

Every patient row already there stays as it is, unmerged.

Revision ID: 0008_patient_course
Revises: 0007_room_status
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_patient_course"
down_revision: str | None = "0007_room_status"
branch_labels = None
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("merged_into", RowId, nullable=True))
        batch.create_foreign_key(op.f("fk_patients_merged_into_patients"), "patients",
                                 ["merged_into"], ["id"])
        batch.create_index("ix_patients_external_id", ["external_id"])
        batch.create_index("ix_patients_name_date_of_birth", ["name", "date_of_birth"])
    op.create_table(
        "eligibility_assessments",
        sa.Column("id", RowId, nullable=False),
        sa.Column("patient_id", RowId, nullable=False),
        sa.Column("assessed_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("prescriber", sa.String(200), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("dose_min_mg_per_kg", sa.Float(), nullable=False),
        sa.Column("dose_max_mg_per_kg", sa.Float(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_eligibility_assessments_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_assessments")),
    )
    op.create_index(op.f("ix_eligibility_assessments_patient_id"), "eligibility_assessments",
                    ["patient_id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", RowId, nullable=False),
        sa.Column("patient_id", RowId, nullable=False),
        sa.Column("interval", sa.String(20), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_follow_ups_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    op.create_index(op.f("ix_follow_ups_patient_id"), "follow_ups", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_ups_patient_id"), table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index(op.f("ix_eligibility_assessments_patient_id"),
                  table_name="eligibility_assessments")
    op.drop_table("eligibility_assessments")
    with op.batch_alter_table("patients") as batch:
        batch.drop_index("ix_patients_name_date_of_birth")
        batch.drop_index("ix_patients_external_id")
        batch.drop_constraint(op.f("fk_patients_merged_into_patients"), type_="foreignkey")
        batch.drop_column("merged_into")
