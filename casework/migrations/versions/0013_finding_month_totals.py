"""finding month totals: the findings' money as at the end of each month, per township and
type, each record-month once, as the warehouse computes it (dbt model pub_finding_month_totals)
for the 稽核情况月报 and the 乡镇问责报告

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import casework.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_month_totals",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("improper_months", sa.Integer(), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_finding_month_totals_retired_in"), "finding_month_totals", ["retired_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_finding_month_totals_retired_in"), table_name="finding_month_totals")
    op.drop_table("finding_month_totals")
