"""What the pipeline publishes into the case store, build by build: the serving contract.

Each table here is a dbt model of `dbt_project/models/published/` (its alias is the table's
name, and its columns are the table's data columns; a test keeps the two equal). The service
reads these and never the warehouse.

A build is one `Publication`. Every row carries the build that wrote it (`built_in`) and the
build that retired it (`retired_in`, empty while it stands). Publishing a build writes only
the rows that changed, tagged with the new build, in short transactions that readers do not
see, and then switches `Publication.status` to published in one short transaction: a reader
sees the whole previous build or the whole new one, never a mix (`current_build` is applied
to every ORM query of these tables). Rows retired two builds ago are deleted.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    FromClause,
    Index,
    Integer,
    ScalarSelect,
    String,
    Text,
    TypeDecorator,
    and_,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

from casework.models import Base, Money, Month, enum_column, utcnow

RATIO_PLACES = Decimal("0.0001")


class Ratio(TypeDecorator):
    """A share to four places (0.8571) as `Decimal`; stored as an integer of ten-thousandths."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | str | None, dialect) -> int | None:
        return None if value is None else int(Decimal(value).quantize(RATIO_PLACES) * 10000)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 10000).quantize(RATIO_PLACES)


class PublicationStatus(enum.StrEnum):
    building = "building"  # its rows are being written; no reader sees them
    published = "published"  # the build readers see (the latest published one)
    abandoned = "abandoned"  # never finished; its rows were removed


class Publication(Base):
    """One build of the warehouse, published into the case store."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus),
        default=PublicationStatus.building,
        server_default=PublicationStatus.published.value,
    )
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # publishing began
    switched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # readers began to see it
    as_of_month: Mapped[str] = mapped_column(Month)  # T, the latest 发放年月 of the build
    next_pay_month: Mapped[str] = mapped_column(Month)  # the first month a hold can stop
    opened: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)  # published rows this build wrote
    rows_retired: Mapped[int] = mapped_column(Integer, default=0)  # and retired
    # The `pension-audit run` that made the build (orchestration/runs.py): its manifest,
    # `<home>/runs/<run_id>/manifest.json`, is kept here too, so the service shows it.
    run_id: Mapped[str | None] = mapped_column(String(32), index=True)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_publications_status", "status", "id"),)


def current_build() -> ScalarSelect[Any]:
    """The build readers see: the latest published one."""
    return select(func.max(Publication.id)).where(Publication.status == PublicationStatus.published).scalar_subquery()


def current_run_id(session: Session) -> str | None:
    """The run whose build readers see (its manifest: `pension-audit runs verify`)."""
    return session.scalar(select(Publication.run_id).where(Publication.id == current_build()))


class Published:
    """A row of a published table, with the builds it stands in."""

    if TYPE_CHECKING:  # what the declarative mapping gives every table class
        __tablename__: Any
        __table__: FromClause

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    row_hash: Mapped[str] = mapped_column(String(32))  # of the data columns, as the build computed it
    built_in: Mapped[int] = mapped_column(Integer)
    retired_in: Mapped[int | None] = mapped_column(Integer, index=True)

    @classmethod
    def in_build(cls, build: Any) -> ColumnElement[bool]:
        return and_(cls.built_in <= build, or_(cls.retired_in.is_(None), cls.retired_in > build))

    @classmethod
    def data_columns(cls) -> list[str]:
        """The columns the dbt model has, in its order."""
        return [c.name for c in cls.__table__.columns if c.name not in VERSIONING]


VERSIONING = ("id", "row_hash", "built_in", "retired_in")


@event.listens_for(Session, "do_orm_execute")
def _current_build_only(state: ORMExecuteState) -> None:
    """Every ORM query of a published table sees the current build and nothing else."""
    if state.is_select and not state.execution_options.get("all_builds", False):
        state.statement = state.statement.options(
            with_loader_criteria(Published, lambda cls: cls.in_build(current_build()), include_aliases=True)
        )


# ------------------------------------------------------------------------------- findings


class FindingMonth(Published, Base):
    """Money one record received for one improper month of a finding."""

    __tablename__ = "finding_months"

    finding_key: Mapped[str] = mapped_column(String(200), index=True)
    person_no: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(Month)
    amount: Mapped[Decimal] = mapped_column(Money)


class HoldRecommendation(Published, Base):
    """The records a finding says must not be paid, and for which months (dbt decides)."""

    __tablename__ = "hold_recommendations"

    finding_key: Mapped[str] = mapped_column(String(200), index=True)
    person_no: Mapped[str] = mapped_column(String(20), index=True)
    reason_code: Mapped[str] = mapped_column(String(4))
    reason_label: Mapped[str] = mapped_column(String(64))
    hold_from: Mapped[str] = mapped_column(Month)
    hold_until: Mapped[str | None] = mapped_column(Month)  # inclusive; open when None
    custodial: Mapped[bool] = mapped_column(Boolean)  # never back-paid


class SettlementBasis(Published, Base):
    """What settling a finding's person offsets against (dbt decides)."""

    __tablename__ = "settlement_basis"

    finding_key: Mapped[str] = mapped_column(String(200), index=True)
    balance_month: Mapped[str | None] = mapped_column(Month)
    account_balance: Mapped[Decimal] = mapped_column(Money)
    own_contribution_balance: Mapped[Decimal] = mapped_column(Money)
    receiving_at_event: Mapped[bool] = mapped_column(Boolean)
    died_in_custody: Mapped[bool] = mapped_column(Boolean)


# -------------------------------------------------------------------------------- persons


class PersonRecord(Published, Base):
    """A roster record (个人编号) of a person with findings, as on its latest roster up to T."""

    __tablename__ = "person_records"

    person_no: Mapped[str] = mapped_column(String(20), index=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    township_code: Mapped[str | None] = mapped_column(String(9))
    status: Mapped[str | None] = mapped_column(String(16))
    roster_month: Mapped[str | None] = mapped_column(Month)
    basic_pension: Mapped[Decimal | None] = mapped_column(Money)
    account_pension: Mapped[Decimal | None] = mapped_column(Money)
    account_balance: Mapped[Decimal | None] = mapped_column(Money)
    kept: Mapped[bool] = mapped_column(Boolean)


class PersonEvent(Published, Base):
    """A person's timeline (deaths, sentences, certifications…) with each evidence row."""

    __tablename__ = "person_events"

    person_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    detail: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str] = mapped_column(String(120))
    link: Mapped[str | None] = mapped_column(String(12))


class PersonPayment(Published, Base):
    """What a record of a person with findings received for a month (成功 rows): the payment strip."""

    __tablename__ = "person_payments"

    person_no: Mapped[str] = mapped_column(String(20), index=True)
    month: Mapped[str] = mapped_column(Month)
    amount: Mapped[Decimal] = mapped_column(Money)


# ------------------------------------------------------------------------- accountability


class AccountabilityEvent(Published, Base):
    """An event a township had to report (article 31) and how it was reported."""

    __tablename__ = "accountability_events"

    event_type: Mapped[str] = mapped_column(String(16))
    finding_key: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(32))
    person_no: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    event_month: Mapped[str] = mapped_column(Month, index=True)
    due_month: Mapped[str | None] = mapped_column(Month)
    report_month: Mapped[str | None] = mapped_column(Month)
    report_status: Mapped[str] = mapped_column(String(8))
    awaiting_inputs: Mapped[str | None] = mapped_column(Text)  # what an awaiting event waits for
    report_ref: Mapped[str | None] = mapped_column(String(120))
    roster_ref: Mapped[str | None] = mapped_column(String(120))
    attributable_loss: Mapped[Decimal] = mapped_column(Money)


class _TownshipFigures:
    """What the accountability marts count for a township and period."""

    township_code: Mapped[str] = mapped_column(String(9))
    township_name: Mapped[str] = mapped_column(String(32))
    events: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    missed: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    awaiting: Mapped[int] = mapped_column(Integer)  # awaiting data: not counted (待数据)
    awaiting_inputs: Mapped[str | None] = mapped_column(Text)  # the feed-periods they wait for
    on_time_rate: Mapped[Decimal | None] = mapped_column(Ratio)  # none while any event awaits data
    attributable_loss: Mapped[Decimal] = mapped_column(Money)
    loss_rank: Mapped[int] = mapped_column(Integer)  # by attributable loss, then on-time rate


class AccountabilityTownshipMonth(Published, _TownshipFigures, Base):
    __tablename__ = "accountability_township_months"

    month: Mapped[str] = mapped_column(Month, index=True)


class AccountabilityTownshipYear(Published, _TownshipFigures, Base):
    __tablename__ = "accountability_township_years"

    year: Mapped[int] = mapped_column(Integer, index=True)
    recipients: Mapped[int] = mapped_column(Integer)
    improper_months: Mapped[int] = mapped_column(Integer)
    overpaid_amount: Mapped[Decimal] = mapped_column(Money)
    certification_coverage: Mapped[Decimal | None] = mapped_column(Ratio)


class AccountabilityTotal(Published, Base):
    """The district's line under the township tables (合计), per year ('YYYY') or event month
    ('YYYY-MM'), computed once in the warehouse: persons and record-months counted once, the
    rates the district's own. A month's line has no recipients, improper months or coverage."""

    __tablename__ = "accountability_totals"

    period: Mapped[str] = mapped_column(String(7), index=True)
    recipients: Mapped[int | None] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    missed: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    awaiting: Mapped[int] = mapped_column(Integer)
    on_time_rate: Mapped[Decimal | None] = mapped_column(Ratio)
    attributable_loss: Mapped[Decimal] = mapped_column(Money)
    improper_months: Mapped[int | None] = mapped_column(Integer)
    overpaid_amount: Mapped[Decimal | None] = mapped_column(Money)
    certification_coverage: Mapped[Decimal | None] = mapped_column(Ratio)


class CertificationStatus(Published, Base):
    """A recipient on a township's November roster: certified in the year, or why not (article 26)."""

    __tablename__ = "certification_status"

    year: Mapped[int] = mapped_column(Integer)
    township_code: Mapped[str] = mapped_column(String(9))
    person_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    person_nos: Mapped[str] = mapped_column(Text)
    village: Mapped[str] = mapped_column(String(64))
    certified: Mapped[bool] = mapped_column(Boolean)
    certified_on: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_certification_status_year_township", "year", "township_code"),)


class BenefitStart(Published, Base):
    """A record that starts receiving in a month (article 21: a 待遇领取告知书 is due)."""

    __tablename__ = "benefit_starts"

    month: Mapped[str] = mapped_column(Month)
    person_no: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    doc_type: Mapped[str | None] = mapped_column(String(16))
    township_code: Mapped[str | None] = mapped_column(String(9))
    village: Mapped[str | None] = mapped_column(String(64))
    basic_pension: Mapped[Decimal | None] = mapped_column(Money)
    account_pension: Mapped[Decimal | None] = mapped_column(Money)

    __table_args__ = (Index("ix_benefit_starts_month", "month", "township_code"),)


# ---------------------------------------------------------------------------------- feeds


class FeedFile(Published, Base):
    """A file version the loader saw, and what became of it (the file log)."""

    __tablename__ = "feed_files"

    feed: Mapped[str | None] = mapped_column(String(32), index=True)
    period: Mapped[str | None] = mapped_column(String(7))
    path: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(16))
    rows_read: Mapped[int | None] = mapped_column(Integer)
    rows_loaded: Mapped[int | None] = mapped_column(Integer)
    rows_quarantined: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class FeedQuarantine(Published, Base):
    """A value refused at ingestion, as it arrived (or a department row no person matched)."""

    __tablename__ = "feed_quarantine"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    file_hash: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(String(64))
    header: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_feed_quarantine_period", "feed", "period"),)


class ValueIssue(Published, Base):
    """A value that could not be read in a column no rule reads, as it arrived: the row loaded
    with the cell empty (the loaded version of a feed period)."""

    __tablename__ = "value_issues"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    file_hash: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(String(64))
    header: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_value_issues_period", "feed", "period"),)


class IdentityStat(Published, Base):
    """Match quality of a feed's period: how its source rows found their person (the dbt model
    identity_match_stats says what each count means)."""

    __tablename__ = "identity_stats"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    source_rows: Mapped[int] = mapped_column(Integer)
    exact: Mapped[int] = mapped_column(Integer)
    upgraded_15: Mapped[int] = mapped_column(Integer)
    check_digit: Mapped[int] = mapped_column(Integer)
    fuzzy: Mapped[int] = mapped_column(Integer)
    by_person_no: Mapped[int] = mapped_column(Integer)
    unresolved: Mapped[int] = mapped_column(Integer)
    not_enrolled: Mapped[int] = mapped_column(Integer)
    unlinked: Mapped[int] = mapped_column(Integer)


class FeedCheck(Published, Base):
    """One quality check's result for the loaded version of a feed period."""

    __tablename__ = "feed_checks"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    file_hash: Mapped[str] = mapped_column(String(64))
    expectation: Mapped[str] = mapped_column(String(128))
    column_name: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    success: Mapped[bool] = mapped_column(Boolean)
    unexpected_count: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_feed_checks_period", "feed", "period"),)


class EvidenceRow(Published, Base):
    """A source row a finding cites, exactly as it arrived (`arrived`: a JSON object of header →
    cell text), once per township of the findings citing it ('' for none): what a township
    officer may open is what their township's findings cite."""

    __tablename__ = "evidence_rows"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    file_hash: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    township_code: Mapped[str] = mapped_column(String(9))
    arrived: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_evidence_rows_row", "feed", "period", "row_number"),)


class FeedLate(Published, Base):
    """A feed-period past its due date that has not arrived (none, failed or held): the calendar."""

    __tablename__ = "feed_calendar"

    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)


class FindingAwaiting(Published, Base):
    """A finding whose decision waits for a due feed-period that has not arrived."""

    __tablename__ = "findings_awaiting"

    finding_key: Mapped[str] = mapped_column(String(200))
    exception_type: Mapped[str] = mapped_column(String(32))
    exception_label: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(64))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    person_no: Mapped[str | None] = mapped_column(String(16))
    event_period: Mapped[str | None] = mapped_column(String(7))
    missing_count: Mapped[int] = mapped_column(Integer)
    missing_inputs: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- policy, places


class PolicyParameter(Published, Base):
    """A policy value, versioned by the date it takes effect."""

    __tablename__ = "policy_parameters"

    parameter: Mapped[str] = mapped_column(String(64), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(Text)


class BasicPensionStandard(Published, Base):
    """The monthly 基础养老金 standard, versioned by the date it takes effect."""

    __tablename__ = "basic_pension_standards"

    effective_from: Mapped[dt.date] = mapped_column(Date)
    basic_pension: Mapped[Decimal] = mapped_column(Money)


class FindingType(Published, Base):
    """A finding type: its label, and whether it has improper months."""

    __tablename__ = "finding_types"

    exception_type: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(32))
    has_improper_months: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str | None] = mapped_column(Text)


class Township(Published, Base):
    """A township (乡镇、街道) of the district."""

    __tablename__ = "townships"

    township_code: Mapped[str] = mapped_column(String(9))
    township_name: Mapped[str] = mapped_column(String(32))


class FindingTotal(Published, Base):
    """The open findings and their money, computed once in the warehouse, per township and
    type ('*': all of them; '': findings of no township). Each record-month's money counts once
    within its row: overlapping findings of one person never count a month twice, so the
    types of a township may add up to more than its all-types row; amounts of findings without
    improper months (cash, contributions, disbursement gaps) count once each."""

    __tablename__ = "finding_totals"

    township_code: Mapped[str] = mapped_column(String(9))
    exception_type: Mapped[str] = mapped_column(String(32))
    findings: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class FindingMonthTotal(Published, Base):
    """The findings and their money as at the end of a month (the 稽核情况月报, the 乡镇问责报告),
    computed once in the warehouse: per month, township and type ('*': all of them; '': no
    township), the findings whose event falls in or before the month and their improper months
    up to it, each record-month once within its row (as FindingTotal). Rows exist for the months
    in which something changes; a later month reads the latest row at or before it."""

    __tablename__ = "finding_month_totals"

    month: Mapped[str] = mapped_column(String(7))
    township_code: Mapped[str] = mapped_column(String(9))
    exception_type: Mapped[str] = mapped_column(String(32))
    findings: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    improper_months: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


ALL = "*"  # a FindingTotal row over every township, or every type

# The published tables, each named as its dbt model's alias, in the order they are published.
PUBLISHED_TABLES: tuple[type[Published], ...] = (
    FindingMonth,
    HoldRecommendation,
    SettlementBasis,
    PersonRecord,
    PersonEvent,
    PersonPayment,
    AccountabilityEvent,
    AccountabilityTownshipMonth,
    AccountabilityTownshipYear,
    AccountabilityTotal,
    CertificationStatus,
    BenefitStart,
    FeedFile,
    FeedQuarantine,
    FeedCheck,
    PolicyParameter,
    BasicPensionStandard,
    FindingType,
    Township,
    FindingTotal,
    FindingMonthTotal,
    FeedLate,
    FindingAwaiting,
    ValueIssue,
    IdentityStat,
    EvidenceRow,
)
