"""accountability awaiting data: an event whose township reports of its window are due and have
not arrived is counted apart (awaiting), never as missed; the township figures count them and
name the feed-periods they wait for

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FIGURES = ("accountability_township_months", "accountability_township_years")


def upgrade() -> None:
    with op.batch_alter_table("accountability_events") as batch:
        batch.add_column(sa.Column("awaiting_inputs", sa.Text(), nullable=True))
    for table in FIGURES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("awaiting", sa.Integer(), nullable=False, server_default="0"))
            batch.add_column(sa.Column("awaiting_inputs", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in FIGURES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("awaiting_inputs")
            batch.drop_column("awaiting")
    with op.batch_alter_table("accountability_events") as batch:
        batch.drop_column("awaiting_inputs")
