"""published builds: what the pipeline publishes, versioned by build

Every published table's rows carry the build that wrote them and the build that retired them;
a publication is `building` until one short transaction makes it `published` (see
casework/published.py). The tables published before are rebuilt in that shape, their rows kept
as belonging to the latest publication (with no hash: the next build rewrites them once), and
the marts the service used to read from the warehouse get tables of their own.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import casework.models
import casework.published

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Tables published before this revision, rebuilt versioned (their data columns), and the old
# indexes whose names the new tables take over.
REBUILT = {
    "finding_months": (
        "finding_key",
        "person_no",
        "month",
        "amount",
    ),
    "hold_recommendations": (
        "finding_key",
        "person_no",
        "reason_code",
        "reason_label",
        "hold_from",
        "hold_until",
        "custodial",
    ),
    "settlement_basis": (
        "finding_key",
        "balance_month",
        "account_balance",
        "own_contribution_balance",
        "receiving_at_event",
        "died_in_custody",
    ),
    "person_records": (
        "person_no",
        "person_id",
        "name",
        "id_number",
        "township_code",
        "status",
        "roster_month",
        "basic_pension",
        "account_pension",
        "account_balance",
        "kept",
    ),
    "person_events": (
        "person_id",
        "event_type",
        "event_date",
        "detail",
        "source_ref",
        "link",
    ),
    "policy_parameters": (
        "parameter",
        "effective_from",
        "value",
        "unit",
        "description",
    ),
    "basic_pension_standards": (
        "effective_from",
        "basic_pension",
    ),
    "finding_types": (
        "exception_type",
        "label",
        "has_improper_months",
        "description",
    ),
}
OLD_INDEXES = {
    "person_records": ["ix_person_records_person_id"],
    "person_events": ["ix_person_events_person_id"],
}


def upgrade() -> None:
    # Columns added in place (no table rebuilt: SQLite would have to drop `publications`, which
    # other tables reference).
    op.add_column("publications", sa.Column("status", sa.String(24), nullable=False, server_default="published"))
    op.add_column("publications", sa.Column("switched_at", sa.DateTime(), nullable=True))
    op.add_column("publications", sa.Column("rows_written", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("publications", sa.Column("rows_retired", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE publications SET switched_at = published_at")
    op.create_index("ix_publications_status", "publications", ["status", "id"])
    op.add_column("findings", sa.Column("row_hash", sa.String(32), nullable=True))
    op.add_column("findings", sa.Column("publication_id", sa.Integer(), nullable=True))
    create_issued_files()

    for name in REBUILT:
        op.rename_table(name, f"{name}_v5")
        for index in OLD_INDEXES.get(name, ()):
            op.drop_index(index, table_name=f"{name}_v5")
    create_tables()
    for name, columns in REBUILT.items():
        listed = ", ".join(columns)
        op.execute(
            f"INSERT INTO {name} ({listed}, row_hash, built_in) SELECT {listed}, '', latest.id "
            f"FROM {name}_v5 CROSS JOIN (SELECT max(id) AS id FROM publications) AS latest "
            f"WHERE latest.id IS NOT NULL"
        )
        op.drop_table(f"{name}_v5")


def create_issued_files() -> None:
    """Documents are issued, not fetched: the bytes of each issued document are kept."""
    op.create_table(
        "issued_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_issued_files_subject", "issued_files", ["subject"])
    op.create_index("ix_issued_files_case_id", "issued_files", ["case_id"])
    # Added in place, without a foreign key: SQLite cannot add one to an existing table.
    op.add_column("issued_documents", sa.Column("file_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("published builds cannot be taken back: restore a backup of the store instead")


def create_tables() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "finding_months",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_finding_months_finding_key"), "finding_months", ["finding_key"], unique=False)
    op.create_index(op.f("ix_finding_months_retired_in"), "finding_months", ["retired_in"], unique=False)
    op.create_table(
        "hold_recommendations",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=4), nullable=False),
        sa.Column("reason_label", sa.String(length=64), nullable=False),
        sa.Column("hold_from", sa.String(length=7), nullable=False),
        sa.Column("hold_until", sa.String(length=7), nullable=True),
        sa.Column("custodial", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_hold_recommendations_finding_key"),
        "hold_recommendations",
        ["finding_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_hold_recommendations_person_no"),
        "hold_recommendations",
        ["person_no"],
        unique=False,
    )
    op.create_index(
        op.f("ix_hold_recommendations_retired_in"),
        "hold_recommendations",
        ["retired_in"],
        unique=False,
    )
    op.create_table(
        "settlement_basis",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("balance_month", sa.String(length=7), nullable=True),
        sa.Column("account_balance", casework.models.Money(), nullable=False),
        sa.Column("own_contribution_balance", casework.models.Money(), nullable=False),
        sa.Column("receiving_at_event", sa.Boolean(), nullable=False),
        sa.Column("died_in_custody", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_settlement_basis_finding_key"), "settlement_basis", ["finding_key"], unique=False)
    op.create_index(op.f("ix_settlement_basis_retired_in"), "settlement_basis", ["retired_in"], unique=False)
    op.create_table(
        "person_records",
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("roster_month", sa.String(length=7), nullable=True),
        sa.Column("basic_pension", casework.models.Money(), nullable=True),
        sa.Column("account_pension", casework.models.Money(), nullable=True),
        sa.Column("account_balance", casework.models.Money(), nullable=True),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_records_person_id"), "person_records", ["person_id"], unique=False)
    op.create_index(op.f("ix_person_records_person_no"), "person_records", ["person_no"], unique=False)
    op.create_index(op.f("ix_person_records_retired_in"), "person_records", ["retired_in"], unique=False)
    op.create_table(
        "person_events",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("link", sa.String(length=12), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_events_person_id"), "person_events", ["person_id"], unique=False)
    op.create_index(op.f("ix_person_events_retired_in"), "person_events", ["retired_in"], unique=False)
    op.create_table(
        "person_payments",
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_payments_person_no"), "person_payments", ["person_no"], unique=False)
    op.create_index(op.f("ix_person_payments_retired_in"), "person_payments", ["retired_in"], unique=False)
    op.create_table(
        "accountability_events",
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("person_no", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("event_month", sa.String(length=7), nullable=False),
        sa.Column("due_month", sa.String(length=7), nullable=True),
        sa.Column("report_month", sa.String(length=7), nullable=True),
        sa.Column("report_status", sa.String(length=8), nullable=False),
        sa.Column("report_ref", sa.String(length=120), nullable=True),
        sa.Column("roster_ref", sa.String(length=120), nullable=True),
        sa.Column("attributable_loss", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_accountability_events_event_month"),
        "accountability_events",
        ["event_month"],
        unique=False,
    )
    op.create_index(
        op.f("ix_accountability_events_retired_in"),
        "accountability_events",
        ["retired_in"],
        unique=False,
    )
    op.create_index(
        op.f("ix_accountability_events_township_code"),
        "accountability_events",
        ["township_code"],
        unique=False,
    )
    op.create_table(
        "accountability_township_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("township_name", sa.String(length=32), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("on_time_rate", casework.published.Ratio(), nullable=True),
        sa.Column("attributable_loss", casework.models.Money(), nullable=False),
        sa.Column("loss_rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_accountability_township_months_month"),
        "accountability_township_months",
        ["month"],
        unique=False,
    )
    op.create_index(
        op.f("ix_accountability_township_months_retired_in"),
        "accountability_township_months",
        ["retired_in"],
        unique=False,
    )
    op.create_table(
        "accountability_township_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("improper_months", sa.Integer(), nullable=False),
        sa.Column("overpaid_amount", casework.models.Money(), nullable=False),
        sa.Column("certification_coverage", casework.published.Ratio(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("township_name", sa.String(length=32), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("on_time_rate", casework.published.Ratio(), nullable=True),
        sa.Column("attributable_loss", casework.models.Money(), nullable=False),
        sa.Column("loss_rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_accountability_township_years_retired_in"),
        "accountability_township_years",
        ["retired_in"],
        unique=False,
    )
    op.create_index(
        op.f("ix_accountability_township_years_year"),
        "accountability_township_years",
        ["year"],
        unique=False,
    )
    op.create_table(
        "certification_status",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("person_nos", sa.Text(), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_certification_status_retired_in"),
        "certification_status",
        ["retired_in"],
        unique=False,
    )
    op.create_index(
        "ix_certification_status_year_township",
        "certification_status",
        ["year", "township_code"],
        unique=False,
    )
    op.create_table(
        "benefit_starts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("doc_type", sa.String(length=16), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("village", sa.String(length=64), nullable=True),
        sa.Column("basic_pension", casework.models.Money(), nullable=True),
        sa.Column("account_pension", casework.models.Money(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_benefit_starts_month", "benefit_starts", ["month", "township_code"], unique=False)
    op.create_index(op.f("ix_benefit_starts_retired_in"), "benefit_starts", ["retired_in"], unique=False)
    op.create_table(
        "feed_files",
        sa.Column("feed", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=True),
        sa.Column("rows_loaded", sa.Integer(), nullable=True),
        sa.Column("rows_quarantined", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_feed_files_feed"), "feed_files", ["feed"], unique=False)
    op.create_index(op.f("ix_feed_files_retired_in"), "feed_files", ["retired_in"], unique=False)
    op.create_table(
        "feed_quarantine",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("column_name", sa.String(length=64), nullable=False),
        sa.Column("header", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feed_quarantine_period", "feed_quarantine", ["feed", "period"], unique=False)
    op.create_index(op.f("ix_feed_quarantine_retired_in"), "feed_quarantine", ["retired_in"], unique=False)
    op.create_table(
        "feed_checks",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("expectation", sa.String(length=128), nullable=False),
        sa.Column("column_name", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("unexpected_count", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feed_checks_period", "feed_checks", ["feed", "period"], unique=False)
    op.create_index(op.f("ix_feed_checks_retired_in"), "feed_checks", ["retired_in"], unique=False)
    op.create_table(
        "policy_parameters",
        sa.Column("parameter", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("value", casework.models.Money(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_policy_parameters_parameter"), "policy_parameters", ["parameter"], unique=False)
    op.create_index(op.f("ix_policy_parameters_retired_in"), "policy_parameters", ["retired_in"], unique=False)
    op.create_table(
        "basic_pension_standards",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("basic_pension", casework.models.Money(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_basic_pension_standards_retired_in"),
        "basic_pension_standards",
        ["retired_in"],
        unique=False,
    )
    op.create_table(
        "finding_types",
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("has_improper_months", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_finding_types_retired_in"), "finding_types", ["retired_in"], unique=False)
    op.create_table(
        "townships",
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("township_name", sa.String(length=32), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("built_in", sa.Integer(), nullable=False),
        sa.Column("retired_in", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_townships_retired_in"), "townships", ["retired_in"], unique=False)
    # ### end Alembic commands ###
