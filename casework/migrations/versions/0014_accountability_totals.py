"""accountability totals: the district's line under the township accountability tables, per
year and event month, computed once in the warehouse (dbt model pub_accountability_totals) for
the 乡镇问责报告's 合计

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import casework.models
import casework.published

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accountability_totals",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("awaiting", sa.Integer(), nullable=False),
        sa.Column("on_time_rate", casework.published.Ratio(), nullable=True),
        sa.Column("attributable_loss", casework.models.Money(), nullable=False),
        sa.Column("improper_months", sa.Integer(), nullable=True),
        sa.Column("overpaid_amount", casework.models.Money(), nullable=True),
        sa.Column("certification_coverage", casework.published.Ratio(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_accountability_totals_period"), "accountability_totals", ["period"], unique=False)
    op.create_index(op.f("ix_accountability_totals_retired_in"), "accountability_totals", ["retired_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_accountability_totals_retired_in"), table_name="accountability_totals")
    op.drop_index(op.f("ix_accountability_totals_period"), table_name="accountability_totals")
    op.drop_table("accountability_totals")
