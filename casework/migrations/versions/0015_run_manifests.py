"""run manifests: each build's run id and manifest on its publication, the run id on each
finding and issued document, and the published match quality (identity_stats)

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns added in place (no table is rebuilt: the findings table keeps its triggers).
    op.add_column("publications", sa.Column("run_id", sa.String(length=32), nullable=True))
    op.add_column("publications", sa.Column("manifest", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_publications_run_id"), "publications", ["run_id"], unique=False)
    for table in ("findings", "issued_files", "issued_documents"):
        op.add_column(table, sa.Column("run_id", sa.String(length=32), nullable=True))
    op.create_table(
        "identity_stats",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("source_rows", sa.Integer(), nullable=False),
        sa.Column("exact", sa.Integer(), nullable=False),
        sa.Column("upgraded_15", sa.Integer(), nullable=False),
        sa.Column("check_digit", sa.Integer(), nullable=False),
        sa.Column("fuzzy", sa.Integer(), nullable=False),
        sa.Column("by_person_no", sa.Integer(), nullable=False),
        sa.Column("unresolved", sa.Integer(), nullable=False),
        sa.Column("not_enrolled", sa.Integer(), nullable=False),
        sa.Column("unlinked", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_identity_stats_retired_in"), "identity_stats", ["retired_in"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_stats_retired_in"), table_name="identity_stats")
    op.drop_table("identity_stats")
    for table in ("issued_documents", "issued_files", "findings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("run_id")
    op.drop_index(op.f("ix_publications_run_id"), table_name="publications")
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("manifest")
        batch.drop_column("run_id")
