"""Findings awaiting data and feeds late by the calendar (published tables).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _versioning() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    ]


def upgrade() -> None:
    op.create_table(
        "feed_calendar",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        *_versioning(),
    )
    op.create_index(op.f("ix_feed_calendar_retired_in"), "feed_calendar", ["retired_in"], unique=False)
    op.create_table(
        "findings_awaiting",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("exception_label", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("person_no", sa.String(length=16), nullable=True),
        sa.Column("event_period", sa.String(length=7), nullable=True),
        sa.Column("missing_count", sa.Integer(), nullable=False),
        sa.Column("missing_inputs", sa.Text(), nullable=False),
        *_versioning(),
    )
    op.create_index(op.f("ix_findings_awaiting_retired_in"), "findings_awaiting", ["retired_in"], unique=False)
    op.create_index(op.f("ix_findings_awaiting_township_code"), "findings_awaiting", ["township_code"], unique=False)


def downgrade() -> None:
    op.drop_table("findings_awaiting")
    op.drop_table("feed_calendar")
