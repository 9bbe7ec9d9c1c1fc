"""integrity: the audit log sealed into a chain, and refusing what SQL could still do to it;
sign-in throttling

Every entry gets its MAC (casework.chain), the existing ones chained here in id order with the
deployment's key (handed over by casework.db.migrate). SQLite refuses REPLACE INTO on an
existing entry (its DELETE trigger does not fire for REPLACE) and an entry without a MAC;
PostgreSQL refuses TRUNCATE. Failed sign-ins and the locks they lead to get their tables.
Repayments get the key their voucher is unique by (NFKC, trimmed, case-folded); vouchers
recorded before that collide under it keep theirs apart with '#<id>', for a person to review.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from casework import chain
from casework.services.cases import voucher_key

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REFUSE = "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"


def upgrade() -> None:
    _seal_the_log()
    _sign_in_tables()
    _voucher_keys()


def _seal_the_log() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    op.add_column("audit_log", sa.Column("mac", sa.String(64), nullable=True))
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
        _chain_existing()
        op.execute(f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log {REFUSE}")
        op.execute(f"""CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
                       WHEN NEW.mac IS NULL OR EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) {REFUSE}""")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        _chain_existing()
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        op.alter_column("audit_log", "mac", existing_type=sa.String(64), nullable=False)
        op.execute("""CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")


def _chain_existing() -> None:
    bind = op.get_bind()
    existing = list(chain.entries(bind))
    if not existing:
        return
    config = op.get_context().config
    seal = config.attributes.get("audit_seal") if config is not None else None
    if seal is None:
        raise chain.MissingSeal()
    key, previous = seal.key("audit-log"), ""
    table = sa.table("audit_log", sa.column("id"), sa.column("mac"))
    for entry in existing:
        previous = chain.mac(key, previous, entry)
        bind.execute(sa.update(table).where(table.c.id == entry["id"]).values(mac=previous))


def _sign_in_tables() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
    )
    op.create_index("ix_sign_in_failures_client", "sign_in_failures", ["client", "at"])
    op.create_table(
        "sign_in_locks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sign_in_locks_client", "sign_in_locks", ["client"])


def _voucher_keys() -> None:
    op.add_column("repayments", sa.Column("voucher_key", sa.String(64), nullable=True))
    bind, taken = op.get_bind(), set()
    for repayment_id, voucher_no in bind.execute(sa.text("SELECT id, voucher_no FROM repayments ORDER BY id")):
        key = voucher_key(str(voucher_no))
        key = key if key not in taken else f"{key[:50]}#{repayment_id}"
        taken.add(key)
        bind.execute(
            sa.text("UPDATE repayments SET voucher_key = :key WHERE id = :id"), {"key": key, "id": repayment_id}
        )
    with op.batch_alter_table("repayments") as batch:
        batch.alter_column("voucher_key", existing_type=sa.String(64), nullable=False)
        batch.create_index("ux_repayments_voucher_key", ["voucher_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("repayments") as batch:
        batch.drop_index("ux_repayments_voucher_key")
        batch.drop_column("voucher_key")
    op.drop_table("sign_in_locks")
    op.drop_table("sign_in_failures")
    if op.get_context().dialect.name == "sqlite":
        for trigger in ("no_replace", "no_update", "no_delete"):
            op.execute(f"DROP TRIGGER audit_log_{trigger}")
        with op.batch_alter_table("audit_log") as batch:
            batch.drop_column("mac")
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log {REFUSE}")
    else:
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.drop_column("audit_log", "mac")
