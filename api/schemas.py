"""What the API accepts and returns. Money is a decimal string to the fen; months 'YYYY-MM'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    model_validator,
)

from casework.models import (
    CaseStatus,
    DemandStatus,
    FindingStatus,
    ProposalKind,
    ProposalStatus,
    Role,
)
from casework.services.cases import normal_voucher
from casework.services.payroll import HoldRow
from casework.services.policy import normal_month, normal_period

# The shapes of a month, a period and a township code, for every form, query and command.
MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"  # a month: 2000-01 … 2099-12
PERIOD_PATTERN = r"^20\d{2}(-(0[1-9]|1[0-2]))?$"  # an event period: a month as above, or a year
TOWNSHIP_PATTERN = r"^\d{9}$"  # a township (乡镇、街道) code
# Keys and IDs in paths: no control characters (PostgreSQL refuses a NUL in text).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


def _printable(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("含有控制字符")
    return value


Text = Annotated[str, AfterValidator(_printable)]
ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Reason = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_printable)]
# A month as people type it (2026-01, 2026/01, 2026年1月) is read as 'YYYY-MM'.
Month = Annotated[
    str,
    BeforeValidator(lambda v: normal_month(v) if isinstance(v, str) else v),
    Field(pattern=MONTH_PATTERN, examples=["2026-01"]),
]
# An event period: a month as above, or a year (2025, 2025年).
Period = Annotated[
    str,
    BeforeValidator(lambda v: normal_period(v) if isinstance(v, str) else v),
    Field(pattern=PERIOD_PATTERN, examples=["2025-07"]),
]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=11, decimal_places=2)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]

T = TypeVar("T")


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    code: str
    message: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    username: str
    display_name: str
    role: Role
    township_code: str | None


Password = Annotated[str, Field(min_length=1, max_length=128)]  # the rules: casework.services.users


class SignIn(BaseModel):
    """The sign-in form (OAuth2's password flow; the other fields it may carry are ignored)."""

    username: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
    password: Password


class UserCreate(BaseModel):
    username: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    display_name: ShortText
    role: Role
    township_code: Annotated[str | None, Field(pattern=TOWNSHIP_PATTERN)] = None
    password: Password


class PasswordChange(BaseModel):
    password: Password


class SignInLockOut(Orm):
    id: int
    username: str | None  # None: every name from the address
    client: str
    locked_at: dt.datetime
    until: dt.datetime


class UserOut(Orm):
    id: int
    username: str
    display_name: str
    role: Role
    township_code: str | None
    active: bool


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


class Referenced(Orm):
    """A record about a person, with the person's reference for URLs (/persons/{person_ref}):
    filled in when validated with the context {"refs": PersonRefs}."""

    person_id: str | None
    person_ref: str | None = None

    @model_validator(mode="after")
    def _reference(self, info: ValidationInfo) -> Referenced:
        refs = (info.context or {}).get("refs")
        if refs is not None and self.person_ref is None:
            self.person_ref = refs.ref(self.person_id)
        return self


class FindingOut(Referenced):
    finding_key: str
    exception_type: str
    exception_label: str
    id_number: str | None
    name: str | None
    township_code: str | None
    person_no: str | None
    event_period: str
    event_date: dt.date | None
    first_improper_month: str | None
    last_improper_month: str | None
    improper_months: int
    overpaid_amount: Decimal
    identity: str
    status: FindingStatus
    version: int
    case_id: int | None


class FindingMonthOut(Orm):
    person_no: str
    month: str
    amount: Decimal


class FindingVersionOut(Orm):
    version: int
    publication_id: int
    event_period: str
    first_improper_month: str | None
    last_improper_month: str | None
    improper_months: int
    overpaid_amount: Decimal


class FindingDetail(FindingOut):
    conflict: str | None
    evidence: list[str]
    detail: str | None
    first_published_at: dt.datetime
    last_published_at: dt.datetime
    resolved_at: dt.datetime | None
    months: list[FindingMonthOut] = []
    versions: list[FindingVersionOut] = []


class PersonRecordOut(Orm):
    person_no: str
    township_code: str | None
    status: str | None
    roster_month: str | None
    basic_pension: Decimal | None
    account_pension: Decimal | None
    account_balance: Decimal | None
    kept: bool


class PersonEventOut(Orm):
    event_type: str
    event_date: dt.date | None
    detail: str | None
    source_ref: str
    link: str | None


class CaseBrief(Orm):
    id: int
    status: CaseStatus
    township_code: str | None
    version: int


class PersonOut(BaseModel):
    person_id: str
    person_ref: str
    name: str | None
    id_number: str | None
    township_code: str | None
    records: list[PersonRecordOut]
    events: list[PersonEventOut]
    findings: list[FindingOut]
    improper_money: list[FindingMonthOut]
    cases: list[CaseBrief]


class ProposalOut(Orm):
    id: int
    case_id: int
    kind: ProposalKind
    status: ProposalStatus
    terms: dict[str, Any]
    reason: str
    proposed_by: int
    proposed_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None
    decision_note: str | None
    version: int


class HoldOut(Orm):
    id: int
    person_no: str
    reason_code: str
    reason_label: str
    from_month: str
    until_month: str | None
    proposal_id: int


class SettlementOut(Orm):
    id: int
    overpaid: Decimal
    account_balance: Decimal
    balance_offset: Decimal
    funeral_subsidy: Decimal
    subsidy_offset: Decimal
    remaining: Decimal
    balance_refund: Decimal
    subsidy_payable: Decimal
    custody_rule: str | None


class RepaymentOut(Orm):
    id: int
    demand_id: int
    voucher_no: str
    amount: Decimal
    paid_on: dt.date
    recorded_by: int


class DemandOut(Orm):
    id: int
    case_id: int
    notice_kind: str
    addressee: str
    addressee_relation: str
    amount: Decimal
    repaid: Decimal
    outstanding: Decimal
    issued_on: dt.date
    deadline: dt.date
    status: DemandStatus
    repayments: list[RepaymentOut]


class VisitOut(Orm):
    id: int
    visited_on: dt.date
    staff: list[str]
    evidence_ref: str
    note: str | None


class BackPaymentOut(Orm):
    person_no: str
    month: str
    amount: Decimal


class BasisChangeOut(Orm):
    """依据已变更: a finding under the case changed with a later build."""

    id: int
    finding_key: str
    kind: str  # changed | resolved | reopened
    kind_label: str
    before: dict[str, Any]
    after: dict[str, Any]
    files: list[dict[str, Any]]  # the file versions the build read anew: feed, period, path, file_hash
    publication_id: int
    detected_at: dt.datetime
    needs_correction: bool  # a hold, a settlement, a demand or a notice rested on the earlier figures
    corrected_by: int | None  # the approved correction proposal


class CaseOut(Referenced):
    id: int
    name: str | None
    township_code: str | None
    status: CaseStatus
    status_label: str
    custody_rule: str | None
    needs_decision: str | None
    opened_at: dt.datetime
    version: int
    overpaid: Decimal
    findings: list[FindingOut]
    proposals: list[ProposalOut]
    holds: list[HoldOut]
    settlements: list[SettlementOut]
    demands: list[DemandOut]
    visits: list[VisitOut]
    back_payments: list[BackPaymentOut]
    basis_changed: bool  # 依据已变更 and not yet corrected
    basis_changes: list[BasisChangeOut]
    allowed_actions: list[str]


class CaseOpen(BaseModel):
    finding_key: ShortText
    reason: Reason


class ProposalCreate(BaseModel):
    kind: ProposalKind
    case_version: Version
    reason: Reason
    from_month: Month | None = None  # suspension / cancellation: default the next 发放年月
    resume_month: Month | None = None  # resumption: default the next 发放年月
    custody_rule: Annotated[str, Field(max_length=16), AfterValidator(_printable)] | None = None  # offset
    demand_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None  # write-off

    def options(self) -> dict[str, Any]:
        """What the proposal's terms are computed from, beyond its kind."""
        return self.model_dump(include={"from_month", "resume_month", "custody_rule", "demand_id"}, exclude_none=True)


class Decision(BaseModel):
    approve: bool
    version: Version
    note: Annotated[str, Field(max_length=2000), AfterValidator(_printable)] | None = None

    @model_validator(mode="after")
    def _rejection_says_why(self) -> Decision:
        if not self.approve and not (self.note or "").strip():
            raise ValueError("驳回时请填写复核意见")
        return self


class DemandCreate(BaseModel):
    case_version: Version
    addressee: ShortText
    # How the addressee stands to the person; not asked of a body (a case with no person)
    relation: Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_printable)] | None = None
    reason: Annotated[str, Field(max_length=2000), AfterValidator(_printable)] | None = None


def _voucher(value: str) -> str:
    """A deposit voucher's number as it is kept: NFKC (full-width to half-width) and trimmed."""
    value = normal_voucher(_printable(value))
    if not 1 <= len(value) <= 64:
        raise ValueError("应为 1 至 64 个字符")
    return value


class RepaymentCreate(BaseModel):
    voucher_no: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_voucher)]
    amount: Amount
    paid_on: Day


class VisitCreate(BaseModel):
    visited_on: Day
    staff: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=20)]
    evidence_ref: Annotated[str, Field(max_length=200), AfterValidator(_printable)]
    note: Annotated[str, Field(max_length=2000), AfterValidator(_printable)] | None = None


class CaseClose(BaseModel):
    case_version: Version
    reason: Reason


class AuditOut(Orm):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    case_id: int | None
    person_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    intact: bool = True  # its MAC follows from the entry before it: not forged nor changed


class ReferralOut(Orm):
    id: int
    demand_id: int
    case_id: int
    referred_on: dt.date
    outstanding: Decimal
    reason: str


class HoldList(BaseModel):
    month: str
    held: list[HoldRow]
    pending_review: list[HoldRow]


class IssuedOut(Orm):
    """A document as it was issued: where to get it again, and its fingerprint."""

    id: int
    kind: str
    subject: str
    title: str
    filename: str
    sha256: str
    township_code: str | None
    case_id: int | None
    issued_by: int
    issued_at: dt.datetime
    voided_at: dt.datetime | None = None
    void_reason: str | None = None
    replaces: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        return f"/documents/issued/{self.id}"


class VoidIn(BaseModel):
    """作废 an issued notice: why (kept in the audit log)."""

    reason: Annotated[str, Field(min_length=2, max_length=500), AfterValidator(_printable)]


class IssuerAccountIn(BaseModel):
    """The account repayments are made to (指定账户), in force from a day."""

    effective_from: Day
    account_name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_printable)]
    bank: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_printable)]
    account_no: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_printable)]
    reason: Annotated[str, Field(max_length=500), AfterValidator(_printable)] | None = None


class IssuerAccountOut(Orm):
    id: int
    effective_from: dt.date
    account_name: str
    bank: str
    account_no: str
    recorded_by: int
    recorded_at: dt.datetime
    reason: str | None
