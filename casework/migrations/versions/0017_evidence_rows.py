"""evidence rows: the source rows published findings cite, exactly as they arrived (dbt model
pub_evidence_rows), so the console opens a finding's evidence without the warehouse

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_rows",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("arrived", sa.Text(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_rows_row", "evidence_rows", ["feed", "period", "row_number"], unique=False)
    op.create_index(op.f("ix_evidence_rows_retired_in"), "evidence_rows", ["retired_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_rows_retired_in"), table_name="evidence_rows")
    op.drop_index("ix_evidence_rows_row", table_name="evidence_rows")
    op.drop_table("evidence_rows")
