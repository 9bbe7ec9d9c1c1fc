"""issuer accounts and voided documents: the repayment account as issuer data versioned by
date, and notices voided (作废) and replaced

`issuer_accounts` holds the 指定账户 a recovery or return notice names (the admin records it;
each entry audited). An issued file can be voided with a reason; its 文号 stays spent, so the
one-number-per-subject index becomes partial (only numbers that stand), and a new issue of the
same subject takes the next number and records the file it replaces.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STANDING = sa.text("voided_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "issuer_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("account_name", sa.String(length=100), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("account_no", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_issuer_accounts_effective_from", "issuer_accounts", ["effective_from"], unique=False)
    with op.batch_alter_table("issued_files") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("voided_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("replaces", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_issued_files_voided_by_users", "users", ["voided_by"], ["id"])
    op.add_column("issued_documents", sa.Column("voided_at", sa.DateTime(), nullable=True))
    op.drop_index("ux_issued_documents_subject", table_name="issued_documents")
    op.create_index(
        "ux_issued_documents_subject",
        "issued_documents",
        ["kind", "subject"],
        unique=True,
        sqlite_where=STANDING,
        postgresql_where=STANDING,
    )


def downgrade() -> None:
    op.drop_index("ux_issued_documents_subject", table_name="issued_documents")
    op.create_index("ux_issued_documents_subject", "issued_documents", ["kind", "subject"], unique=True)
    op.drop_column("issued_documents", "voided_at")
    with op.batch_alter_table("issued_files") as batch:
        batch.drop_constraint("fk_issued_files_voided_by_users", type_="foreignkey")
        batch.drop_column("replaces")
        batch.drop_column("void_reason")
        batch.drop_column("voided_by")
        batch.drop_column("voided_at")
    op.drop_index("ix_issuer_accounts_effective_from", table_name="issuer_accounts")
    op.drop_table("issuer_accounts")
