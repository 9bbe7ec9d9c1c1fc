"""issued documents: the 文号 and date each numbered notice was first issued with

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document_no", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_issued_documents_subject", "issued_documents", ["kind", "subject"], unique=True)
    op.create_index("ux_issued_documents_number", "issued_documents", ["kind", "year", "number"], unique=True)
    op.create_index("ix_issued_documents_case_id", "issued_documents", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_issued_documents_case_id", table_name="issued_documents")
    op.drop_index("ux_issued_documents_number", table_name="issued_documents")
    op.drop_index("ux_issued_documents_subject", table_name="issued_documents")
    op.drop_table("issued_documents")
