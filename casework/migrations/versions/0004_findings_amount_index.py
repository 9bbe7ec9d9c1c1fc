"""findings by amount: the index the findings list's default order (largest first) reads

Without it every page of the list scans and sorts the whole findings table; with it a page
reads its rows off the index.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_findings_amount", "findings", ["overpaid_amount", "finding_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_findings_amount", table_name="findings")
