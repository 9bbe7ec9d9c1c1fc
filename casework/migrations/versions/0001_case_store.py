"""case store

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

import casework.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "basic_pension_standards",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("basic_pension", casework.models.Money(), nullable=False),
        sa.PrimaryKeyConstraint("effective_from"),
    )
    op.create_table(
        "document_numbers",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year"),
    )
    op.create_table(
        "finding_types",
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("has_improper_months", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("exception_type"),
    )
    op.create_table(
        "person_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("link", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_events_person_id"), ["person_id"], unique=False)

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
        sa.PrimaryKeyConstraint("person_no"),
    )
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_records_person_id"), ["person_id"], unique=False)

    op.create_table(
        "policy_parameters",
        sa.Column("parameter", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("value", casework.models.Money(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("parameter", "effective_from"),
    )
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("as_of_month", sa.String(length=7), nullable=False),
        sa.Column("next_pay_month", sa.String(length=7), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "inspector",
                "reviewer",
                "township_officer",
                "hr_bureau",
                "data_engineer",
                "admin",
                name="role",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "suspended",
                "terminated",
                "resumed",
                "settled",
                "recovering",
                "referred",
                "closed",
                name="casestatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("custody_rule", sa.String(length=16), nullable=True),
        sa.Column("needs_decision", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_key"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_township_code"), ["township_code"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_person_id"), ["person_id"], unique=False)

    op.create_table(
        "demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("notice_kind", sa.String(length=16), nullable=False),
        sa.Column("addressee", sa.String(length=64), nullable=False),
        sa.Column("addressee_relation", sa.String(length=32), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "repaid", "written_off", "referred", name="demandstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demands_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_status"), ["status"], unique=False)

    op.create_table(
        "findings",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("exception_label", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("person_no", sa.String(length=20), nullable=True),
        sa.Column("event_period", sa.String(length=7), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("first_improper_month", sa.String(length=7), nullable=True),
        sa.Column("last_improper_month", sa.String(length=7), nullable=True),
        sa.Column("improper_months", sa.Integer(), nullable=False),
        sa.Column("overpaid_amount", casework.models.Money(), nullable=False),
        sa.Column("identity", sa.String(length=8), nullable=False),
        sa.Column("conflict", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "resolved_by_data", name="findingstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_published_at", sa.DateTime(), nullable=False),
        sa.Column("last_published_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("finding_key"),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_event_period"), ["event_period"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_exception_type"), ["exception_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_findings_township_code"), ["township_code"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "suspension",
                "resumption",
                "cancellation",
                "offset",
                "write_off",
                name="proposalkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "rejected", name="proposalstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("staff", sa.JSON(), nullable=False),
        sa.Column("evidence_ref", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_case_id"), ["case_id"], unique=False)

    op.create_table(
        "back_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("back_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_back_payments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "finding_months",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_key"],
            ["findings.finding_key"],
        ),
        sa.PrimaryKeyConstraint("finding_key", "person_no", "month"),
    )
    op.create_table(
        "finding_versions",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("event_period", sa.String(length=7), nullable=False),
        sa.Column("first_improper_month", sa.String(length=7), nullable=True),
        sa.Column("last_improper_month", sa.String(length=7), nullable=True),
        sa.Column("improper_months", sa.Integer(), nullable=False),
        sa.Column("overpaid_amount", casework.models.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_key"],
            ["findings.finding_key"],
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
        ),
        sa.PrimaryKeyConstraint("finding_key", "version"),
    )
    op.create_table(
        "hold_recommendations",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=4), nullable=False),
        sa.Column("reason_label", sa.String(length=64), nullable=False),
        sa.Column("hold_from", sa.String(length=7), nullable=False),
        sa.Column("hold_until", sa.String(length=7), nullable=True),
        sa.Column("custodial", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_key"],
            ["findings.finding_key"],
        ),
        sa.PrimaryKeyConstraint("finding_key", "person_no"),
    )
    op.create_table(
        "payroll_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("person_no", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=4), nullable=False),
        sa.Column("reason_label", sa.String(length=64), nullable=False),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("until_month", sa.String(length=7), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("ended_by_proposal_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_proposal_id"],
            ["proposals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payroll_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payroll_holds_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_payroll_holds_months", ["from_month", "until_month"], unique=False)
        batch_op.create_index(batch_op.f("ix_payroll_holds_person_no"), ["person_no"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("outstanding", casework.models.Money(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("demand_id"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "repayments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("voucher_no", sa.String(length=64), nullable=False),
        sa.Column("amount", casework.models.Money(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("voucher_no"),
    )
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repayments_demand_id"), ["demand_id"], unique=False)

    op.create_table(
        "settlement_basis",
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("balance_month", sa.String(length=7), nullable=True),
        sa.Column("account_balance", casework.models.Money(), nullable=False),
        sa.Column("own_contribution_balance", casework.models.Money(), nullable=False),
        sa.Column("receiving_at_event", sa.Boolean(), nullable=False),
        sa.Column("died_in_custody", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_key"],
            ["findings.finding_key"],
        ),
        sa.PrimaryKeyConstraint("finding_key"),
    )
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("overpaid", casework.models.Money(), nullable=False),
        sa.Column("account_balance", casework.models.Money(), nullable=False),
        sa.Column("balance_offset", casework.models.Money(), nullable=False),
        sa.Column("funeral_subsidy", casework.models.Money(), nullable=False),
        sa.Column("subsidy_offset", casework.models.Money(), nullable=False),
        sa.Column("remaining", casework.models.Money(), nullable=False),
        sa.Column("balance_refund", casework.models.Money(), nullable=False),
        sa.Column("subsidy_payable", casework.models.Money(), nullable=False),
        sa.Column("custody_rule", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlements_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlements_case_id"))

    op.drop_table("settlements")
    op.drop_table("settlement_basis")
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repayments_demand_id"))

    op.drop_table("repayments")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("payroll_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payroll_holds_person_no"))
        batch_op.drop_index("ix_payroll_holds_months")
        batch_op.drop_index(batch_op.f("ix_payroll_holds_case_id"))

    op.drop_table("payroll_holds")
    op.drop_table("hold_recommendations")
    op.drop_table("finding_versions")
    op.drop_table("finding_months")
    with op.batch_alter_table("back_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_back_payments_case_id"))

    op.drop_table("back_payments")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_case_id"))

    op.drop_table("visits")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_case_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_township_code"))
        batch_op.drop_index(batch_op.f("ix_findings_status"))
        batch_op.drop_index(batch_op.f("ix_findings_person_id"))
        batch_op.drop_index(batch_op.f("ix_findings_exception_type"))
        batch_op.drop_index(batch_op.f("ix_findings_event_period"))
        batch_op.drop_index(batch_op.f("ix_findings_case_id"))

    op.drop_table("findings")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demands_status"))
        batch_op.drop_index(batch_op.f("ix_demands_deadline"))
        batch_op.drop_index(batch_op.f("ix_demands_case_id"))

    op.drop_table("demands")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_person_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_case_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_township_code"))
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_person_id"))

    op.drop_table("cases")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("publications")
    op.drop_table("policy_parameters")
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_records_person_id"))

    op.drop_table("person_records")
    with op.batch_alter_table("person_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_events_person_id"))

    op.drop_table("person_events")
    op.drop_table("finding_types")
    op.drop_table("document_numbers")
    op.drop_table("basic_pension_standards")
