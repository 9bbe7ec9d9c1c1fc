"""finding totals: the open findings' money per township and type, each record-month once,
as the warehouse computes it (dbt model pub_finding_totals)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import casework.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_totals",
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_finding_totals_retired_in"), "finding_totals", ["retired_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_finding_totals_retired_in"), table_name="finding_totals")
    op.drop_table("finding_totals")
