"""The case store: what the bureau decided and did about each finding (SQLAlchemy 2.0).

Findings are registered here by the publishing step (their figures versioned, their case
the service's); what else the pipeline publishes is in `casework.published`. Casework
tables (cases, proposals, holds, settlements, demands, repayments, visits, referrals) are
written only by the service layer, and every change to them is recorded in the append-only
audit log.

Money is stored as integer fen and read back as `Decimal`: exact on SQLite and PostgreSQL.
Months are 'YYYY-MM' text, which sorts as time does.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

FEN = Decimal("0.01")


class Money(TypeDecorator):
    """Yuan as `Decimal` in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect) -> int | None:
        if value is None:
            return None
        amount = Decimal(value)
        if amount != amount.quantize(FEN):
            raise ValueError(f"金额 {value} 超出分位精度")
        return int(amount * 100)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(FEN)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


Month = String(7)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


def enum_column(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their value (readable in SQL), checked by the database."""
    return Enum(
        cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=24, validate_strings=True
    )


class Role(enum.StrEnum):
    inspector = "inspector"  # 区社保局经办
    reviewer = "reviewer"  # 区社保局复核
    township_officer = "township_officer"  # 乡镇社会事务办
    hr_bureau = "hr_bureau"  # 区人社局
    data_engineer = "data_engineer"  # 数据工程师
    admin = "admin"  # 系统管理员


ROLE_LABELS = {
    Role.inspector: "区社保局经办",
    Role.reviewer: "区社保局复核",
    Role.township_officer: "乡镇社会事务办",
    Role.hr_bureau: "区人社局",
    Role.data_engineer: "数据工程师",
    Role.admin: "系统管理员",
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    township_code: Mapped[str | None] = mapped_column(String(9))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SignInFailure(Base):
    """A failed sign-in, kept to throttle guessing (casework.services.signin); the audit log
    has every one too."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))  # as typed: the name need not exist
    client: Mapped[str] = mapped_column(String(64))  # the client's address

    __table_args__ = (Index("ix_sign_in_failures_client", "client", "at"),)


class SignInLock(Base):
    """Sign-ins refused (429) until `until`: for one name from one address, or for every name
    from one address (`username` None). Never for a name from everywhere: nobody can lock
    another person out from elsewhere."""

    __tablename__ = "sign_in_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64), index=True)
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    until: Mapped[dt.datetime] = mapped_column(DateTime)


# -------------------------------------------------- findings, as registered for casework


class StoreRevision(Base):
    """A number per table that changes with every write to it (database triggers, migration
    0005): the findings list's kept answers (api/cache.py) are good while it stands still."""

    __tablename__ = "store_revision"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class FindingStatus(enum.StrEnum):
    open = "open"  # in the latest build
    resolved_by_data = "resolved_by_data"  # gone from a later build: kept, never deleted


class Finding(Base):
    __tablename__ = "findings"

    finding_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    exception_type: Mapped[str] = mapped_column(String(32), index=True)
    exception_label: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    id_number: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(64))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    person_no: Mapped[str | None] = mapped_column(String(20))
    event_period: Mapped[str] = mapped_column(String(7), index=True)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    first_improper_month: Mapped[str | None] = mapped_column(Month)
    last_improper_month: Mapped[str | None] = mapped_column(Month)
    improper_months: Mapped[int] = mapped_column(Integer, default=0)
    overpaid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    identity: Mapped[str] = mapped_column(String(8))
    conflict: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[FindingStatus] = mapped_column(enum_column(FindingStatus), default=FindingStatus.open, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # of the figures, see FindingVersion
    first_published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    row_hash: Mapped[str | None] = mapped_column(String(32))  # of its published row, to skip unchanged
    publication_id: Mapped[int | None] = mapped_column(Integer)  # the build that last changed it
    run_id: Mapped[str | None] = mapped_column(String(32))  # the run whose build last changed it (its manifest)

    case: Mapped[Case | None] = relationship(back_populates="findings")

    # The findings list's default order (largest amount first), read off an index.
    __table_args__ = (Index("ix_findings_amount", "overpaid_amount", "finding_key"),)


class FindingVersion(Base):
    """The figures of a finding as each build gave them: a changed amount never overwrites."""

    __tablename__ = "finding_versions"

    finding_key: Mapped[str] = mapped_column(ForeignKey("findings.finding_key"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    event_period: Mapped[str] = mapped_column(String(7))
    first_improper_month: Mapped[str | None] = mapped_column(Month)
    last_improper_month: Mapped[str | None] = mapped_column(Month)
    improper_months: Mapped[int] = mapped_column(Integer)
    overpaid_amount: Mapped[Decimal] = mapped_column(Money)


# ---------------------------------------------------------------------------------- casework


class CaseStatus(enum.StrEnum):
    open = "open"  # 调查核实中
    suspended = "suspended"  # 已暂停发放
    terminated = "terminated"  # 已注销（终止发放）
    resumed = "resumed"  # 已恢复发放（经核实仍具备资格）
    settled = "settled"  # 已清算抵扣
    recovering = "recovering"  # 追缴中
    referred = "referred"  # 已移交区人社局
    closed = "closed"  # 已办结


CASE_STATUS_LABELS = {
    CaseStatus.open: "调查核实中",
    CaseStatus.suspended: "已暂停发放",
    CaseStatus.terminated: "已注销",
    CaseStatus.resumed: "已恢复发放",
    CaseStatus.settled: "已清算抵扣",
    CaseStatus.recovering: "追缴中",
    CaseStatus.referred: "已移交区人社局",
    CaseStatus.closed: "已办结",
}


class Case(Base):
    """One case per person (or per finding when a finding has no person)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(200), unique=True)  # person_id or finding key
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.open, index=True)
    custody_rule: Mapped[str | None] = mapped_column(String(16))  # '44号' or '国发〔2014〕8号'
    needs_decision: Mapped[str | None] = mapped_column(Text)  # flagged for a person to decide
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    findings: Mapped[list[Finding]] = relationship(back_populates="case", order_by="Finding.finding_key")
    proposals: Mapped[list[Proposal]] = relationship(back_populates="case", order_by="Proposal.id")
    holds: Mapped[list[PayrollHold]] = relationship(back_populates="case", order_by="PayrollHold.id")
    settlements: Mapped[list[Settlement]] = relationship(order_by="Settlement.id")
    demands: Mapped[list[Demand]] = relationship(back_populates="case", order_by="Demand.id")
    visits: Mapped[list[Visit]] = relationship(order_by="Visit.id")
    back_payments: Mapped[list[BackPayment]] = relationship(order_by="BackPayment.id")
    basis_changes: Mapped[list[BasisChange]] = relationship(order_by="BasisChange.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BasisChange(Base):
    """依据已变更: a later build changed the figures of a finding under this case, removed it
    (resolved by data) or brought it back, and names the files that came with that build.
    Written by the publishing step, never by the service; nothing that concerns money follows
    from it by itself. When a hold, a settlement, a demand or an issued notice rested on the
    earlier figures (`needs_correction`), it stands until a correction proposal covering it is
    approved (`corrected_by`); otherwise it is shown and nothing waits on it."""

    __tablename__ = "basis_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    finding_key: Mapped[str] = mapped_column(ForeignKey("findings.finding_key"))
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    kind: Mapped[str] = mapped_column(String(16))  # 'changed' | 'resolved' | 'reopened'
    before: Mapped[dict[str, Any]] = mapped_column(JSON)  # the figures (and status) before
    after: Mapped[dict[str, Any]] = mapped_column(JSON)  # … and after
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the file versions that build read anew
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    needs_correction: Mapped[bool] = mapped_column(Boolean, default=False)
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))

    @property
    def pending(self) -> bool:
        return self.needs_correction and self.corrected_by is None


BASIS_CHANGE_LABELS = {"changed": "金额或月份变更", "resolved": "疑点已消除", "reopened": "疑点重新出现"}


class ProposalKind(enum.StrEnum):
    suspension = "suspension"  # 暂停发放
    resumption = "resumption"  # 恢复发放（补发）
    cancellation = "cancellation"  # 注销（终止发放）
    offset = "offset"  # 清算抵扣
    write_off = "write_off"  # 核销
    closure = "closure"  # 办结（尚有欠款、未下达通知的金额或未了结的疑点）
    correction = "correction"  # 更正（疑点依据已变更：调整结算、通知金额，作废重出文书，解除停发）


PROPOSAL_LABELS = {
    ProposalKind.suspension: "暂停发放",
    ProposalKind.resumption: "恢复发放",
    ProposalKind.cancellation: "注销登记",
    ProposalKind.offset: "清算抵扣",
    ProposalKind.write_off: "核销",
    ProposalKind.closure: "办结",
    ProposalKind.correction: "更正",
}


class ProposalStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Proposal(Base):
    """A decision one person proposes and another approves or rejects (article 40)."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind))
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.pending)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # months, amounts, demand id…
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    case: Mapped[Case] = relationship(back_populates="proposals")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PayrollHold(Base):
    """A record not to be paid from `from_month` (暂停 12xx or 终止 14xx) until `until_month`
    (exclusive; open while None)."""

    __tablename__ = "payroll_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(32))
    person_no: Mapped[str] = mapped_column(String(20), index=True)
    reason_code: Mapped[str] = mapped_column(String(4))
    reason_label: Mapped[str] = mapped_column(String(64))
    from_month: Mapped[str] = mapped_column(Month)
    until_month: Mapped[str | None] = mapped_column(Month)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    ended_by_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))

    case: Mapped[Case] = relationship(back_populates="holds")

    __table_args__ = (Index("ix_payroll_holds_months", "from_month", "until_month"),)


class BackPayment(Base):
    """Back pay on resumption: the suspended months at the standard of each, never a
    custodial month (article 27)."""

    __tablename__ = "back_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_no: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(Month)
    amount: Mapped[Decimal] = mapped_column(Money)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))


class Settlement(Base):
    """The account settlement of a case: overpayment offset against the balance, then the
    funeral subsidy; the rest is demanded (articles 20, 28, 29)."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    overpaid: Mapped[Decimal] = mapped_column(Money)
    account_balance: Mapped[Decimal] = mapped_column(Money)  # what the rule leaves to offset
    balance_offset: Mapped[Decimal] = mapped_column(Money)
    funeral_subsidy: Mapped[Decimal] = mapped_column(Money)
    subsidy_offset: Mapped[Decimal] = mapped_column(Money)
    remaining: Mapped[Decimal] = mapped_column(Money)
    balance_refund: Mapped[Decimal] = mapped_column(Money)  # balance left to heirs / the person
    subsidy_payable: Mapped[Decimal] = mapped_column(Money)
    custody_rule: Mapped[str | None] = mapped_column(String(16))


class DemandStatus(enum.StrEnum):
    open = "open"  # 待退还
    repaid = "repaid"  # 已足额退还，待核销
    written_off = "written_off"  # 已核销
    referred = "referred"  # 逾期未退还，已移交区人社局
    withdrawn = "withdrawn"  # 依据已不存在，经更正撤销（已退还的应予退回）


class Demand(Base):
    """A recovery demand (追缴通知书, article 29) or return notice (返还通知书, article 28)."""

    __tablename__ = "demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    notice_kind: Mapped[str] = mapped_column(String(16))  # 'recovery' 追缴 | 'return' 返还
    addressee: Mapped[str] = mapped_column(String(64))
    addressee_relation: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[DemandStatus] = mapped_column(enum_column(DemandStatus), default=DemandStatus.open, index=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="demands")
    repayments: Mapped[list[Repayment]] = relationship(order_by="Repayment.id")

    @property
    def repaid(self) -> Decimal:
        return sum((r.amount for r in self.repayments), Decimal("0.00"))

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.repaid


class Repayment(Base):
    """Money returned against a demand, recorded from its deposit voucher (缴存凭证)."""

    __tablename__ = "repayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    voucher_no: Mapped[str] = mapped_column(String(64), unique=True)  # NFKC, trimmed
    voucher_key: Mapped[str] = mapped_column(String(64))  # case-folded: one voucher, however typed
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ux_repayments_voucher_key", "voucher_key", unique=True),)


class Referral(Base):
    """An overdue demand handed to the 区人社局 (article 29.4)."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    referred_on: Mapped[dt.date] = mapped_column(Date)
    outstanding: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)


class Visit(Base):
    """A recovery visit: two or more staff present and a recording kept (article 30)."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    staff: Mapped[list[Any]] = mapped_column(JSON)  # usernames, two or more, distinct
    evidence_ref: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AuditEntry(Base):
    """Append-only: who changed what, when, the record before and after, and why (article 16).
    The database refuses UPDATE, DELETE, REPLACE and TRUNCATE on this table (triggers in the
    migrations); each entry's MAC chains it to the one before (casework.chain)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or 'system' for publishing
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    mac: Mapped[str] = mapped_column(String(64))  # HMAC over this entry and the previous MAC


class DocumentNumber(Base):
    """文号 sequences per document kind and year (issue 5 numbers its notices here)."""

    __tablename__ = "document_numbers"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Session, "before_flush")
def _audit_log_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("审计日志只能追加，不能修改或删除")


class IssuedFile(Base):
    """A document as it left the bureau: the exact bytes issued, kept so that it can be given out
    again, byte for byte, on any host. Issued by a named user (or the command line on their
    behalf); never rendered again once issued."""

    __tablename__ = "issued_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # the document's name: recovery-notice, benefit-notice, …
    subject: Mapped[str] = mapped_column(String(200), index=True)  # 'demand:12', 'benefit:2025-03:150404101'
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    township_code: Mapped[str | None] = mapped_column(String(9))  # whose it is, for township scope
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # 作废: a voided file is kept, as it left the bureau, and no longer given out as the notice;
    # its 文号 is never given again. A new issue of the same subject replaces it.
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[int | None] = mapped_column(Integer)  # the voided IssuedFile this one replaces
    run_id: Mapped[str | None] = mapped_column(String(32))  # the run whose build it was made from


class IssuerAccount(Base):
    """The account repayments are made to (articles 28–29: 指定账户), issuer data versioned by
    date: the one in force on a day has the latest effective_from on or before it (the latest
    recorded on equal days). Recorded by the admin, each entry audited; never changed in place."""

    __tablename__ = "issuer_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(Date, index=True)
    account_name: Mapped[str] = mapped_column(String(100))  # 户名
    bank: Mapped[str] = mapped_column(String(100))  # 开户银行
    account_no: Mapped[str] = mapped_column(String(40))  # 账号
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class IssuedDocument(Base):
    """A numbered notice: its 文号 and date, given once (issue 5) and kept with the file it was
    issued in. One per document kind and subject (a demand, a case, a roster record); the
    numbers come from `DocumentNumber`."""

    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # recovery_notice, return_notice, …
    subject: Mapped[str] = mapped_column(String(200))  # 'demand:12', 'case:5', 'record:1504…'
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    document_no: Mapped[str] = mapped_column(String(64))  # 松社保追字〔2026〕3号 (GB/T 9704; 第 before migration 0009)
    issued_on: Mapped[dt.date] = mapped_column(Date)  # the date the document bears
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the command line
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    file_id: Mapped[int | None] = mapped_column(Integer)  # the IssuedFile whose bytes it left in
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # its file voided: the number stays spent
    run_id: Mapped[str | None] = mapped_column(String(32))  # the run whose build it was issued on

    # One standing (not voided) number per kind and subject; a number once given is never given again.
    __table_args__ = (
        Index(
            "ux_issued_documents_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("voided_at IS NULL"),
            postgresql_where=text("voided_at IS NULL"),
        ),
        Index("ux_issued_documents_number", "kind", "year", "number", unique=True),
    )


class FeedRelease(Base):
    """A data engineer's request, from the console, to release a held file (feed, period): the
    next `pension-audit run` applies it to the warehouse before loading (as the command
    `pension-audit release` does) and records what came of it."""

    __tablename__ = "feed_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    path: Mapped[str] = mapped_column(Text)  # the held file the request was made for
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # None: pending
    outcome: Mapped[str | None] = mapped_column(Text)  # what the run did: released, or why not

    __table_args__ = (Index("ix_feed_releases_pending", "applied_at"),)
