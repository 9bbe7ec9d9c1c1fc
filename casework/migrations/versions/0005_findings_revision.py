"""findings revision: a number that changes whenever the findings table does

The API keeps answers of the findings list until the findings change (api/cache.py). Who
changes them — publishing, a case action, a script — cannot forget to say so: a trigger on the
table bumps `store_revision`, in the writer's own transaction.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BUMP = "UPDATE store_revision SET revision = revision + 1 WHERE name = 'findings'"


def upgrade() -> None:
    op.create_table(
        "store_revision",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO store_revision (name, revision) VALUES ('findings', 0)")
    if op.get_context().dialect.name == "sqlite":
        for verb in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER findings_revision_{verb.lower()} AFTER {verb} ON findings BEGIN {BUMP}; END")
    else:
        op.execute(f"""
            CREATE FUNCTION findings_revision() RETURNS trigger AS $$
            BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER findings_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON findings
            FOR EACH STATEMENT EXECUTE FUNCTION findings_revision()""")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER findings_revision_{verb}")
    else:
        op.execute("DROP TRIGGER findings_revision ON findings")
        op.execute("DROP FUNCTION findings_revision()")
    op.drop_table("store_revision")
