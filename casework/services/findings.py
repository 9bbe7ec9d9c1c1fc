"""Findings and persons as each role may see them: lists with filters and pages, one finding
with its evidence, and a person with records, timeline and money by month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import UnaryExpression, func, select
from sqlalchemy.orm import Session, load_only

from casework.errors import NotFound
from casework.models import AuditEntry, Case, Finding, FindingStatus, FindingVersion, User
from casework.published import FindingMonth, PersonEvent, PersonRecord
from casework.services.access import (
    mask_ids,
    require,
    scope_cases,
    scope_findings,
    sees_full_ids,
    sees_township,
)


@dataclass(frozen=True)
class FindingFilter:
    exception_type: str | None = None
    township_code: str | None = None
    month: str | None = None  # event period, 'YYYY-MM' (or 'YYYY' for yearly findings)
    status: FindingStatus | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    person_id: str | None = None


# What a list shows of a finding (the API's FindingOut, the console's table and export): the
# evidence, texts and timestamps stay unread until a finding is opened.
LISTED = (
    Finding.finding_key,
    Finding.exception_type,
    Finding.exception_label,
    Finding.person_id,
    Finding.id_number,
    Finding.name,
    Finding.township_code,
    Finding.person_no,
    Finding.event_period,
    Finding.event_date,
    Finding.first_improper_month,
    Finding.last_improper_month,
    Finding.improper_months,
    Finding.overpaid_amount,
    Finding.identity,
    Finding.status,
    Finding.version,
    Finding.case_id,
)

# A leading minus means descending, as everywhere: `-amount` is the largest amount first.
SORTS: dict[str, UnaryExpression[Any]] = {
    "-amount": Finding.overpaid_amount.desc(),
    "amount": Finding.overpaid_amount.asc(),
    "-period": Finding.event_period.desc(),
    "period": Finding.event_period.asc(),
    "type": Finding.exception_type.asc(),
    "-type": Finding.exception_type.desc(),
    "township": Finding.township_code.asc(),
    "-township": Finding.township_code.desc(),
}
DEFAULT_SORT = "-amount"


def list_findings(
    session: Session, user: User, f: FindingFilter, page: int, size: int, sort: str = DEFAULT_SORT
) -> tuple[list[Finding], int]:
    query = scope_findings(select(Finding), user)
    if f.exception_type:
        query = query.where(Finding.exception_type == f.exception_type)
    if f.township_code:
        query = query.where(Finding.township_code == f.township_code)
    if f.month:
        query = query.where(Finding.event_period == f.month)
    if f.status:
        query = query.where(Finding.status == f.status)
    if f.min_amount is not None:
        query = query.where(Finding.overpaid_amount >= f.min_amount)
    if f.max_amount is not None:
        query = query.where(Finding.overpaid_amount <= f.max_amount)
    if f.person_id is not None:
        query = query.where(Finding.person_id == f.person_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(load_only(*LISTED))
        .order_by(SORTS.get(sort, SORTS[DEFAULT_SORT]), Finding.finding_key)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), total or 0


def get_finding(session: Session, user: User, key: str) -> Finding:
    """By its key; for a user who sees identity numbers masked, by the key as they see it."""
    require(user, "read")
    finding = session.get(Finding, key)
    if finding is None and not sees_full_ids(user):
        finding = _by_masked_key(session, user, key)
    if finding is None or not sees_township(user, finding.township_code):
        raise NotFound("疑点")
    return finding


def finding_months(session: Session, key: str) -> list[FindingMonth]:
    return list(
        session.scalars(
            select(FindingMonth)
            .where(FindingMonth.finding_key == key)
            .order_by(FindingMonth.month, FindingMonth.person_no)
        )
    )


def _by_masked_key(session: Session, user: User, key: str) -> Finding | None:
    """Keys embed identity numbers (`death:<id>`): those who see them masked name a finding by the
    masked key. Among their findings that begin alike, the one key that masks to it."""
    if "*" not in key:
        return None
    candidates = session.scalars(
        scope_findings(select(Finding), user).where(
            Finding.finding_key.startswith(key.split("*", 1)[0], autoescape=True)
        )
    )
    matches = [f for f in candidates if mask_ids(f.finding_key) == key]
    return matches[0] if len(matches) == 1 else None


def finding_versions(session: Session, key: str) -> list[FindingVersion]:
    return list(
        session.scalars(
            select(FindingVersion).where(FindingVersion.finding_key == key).order_by(FindingVersion.version)
        )
    )


@dataclass
class PersonView:
    person_id: str
    name: str | None
    id_number: str | None
    township_code: str | None
    records: list[PersonRecord]
    events: list[PersonEvent]
    findings: list[Finding]
    money: list[FindingMonth]
    cases: list[Case]


def person_view(session: Session, user: User, person_id: str) -> PersonView:
    """Visible when the user sees at least one of the person's findings."""
    findings = session.scalars(
        scope_findings(select(Finding), user)
        .where(Finding.person_id == person_id)
        .order_by(Finding.event_period, Finding.finding_key)
    ).all()
    if not findings:
        raise NotFound("人员")
    keys = [f.finding_key for f in findings]
    records = session.scalars(
        select(PersonRecord).where(PersonRecord.person_id == person_id).order_by(PersonRecord.person_no)
    ).all()
    events = session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == person_id).order_by(PersonEvent.event_date, PersonEvent.id)
    ).all()
    money = session.scalars(
        select(FindingMonth)
        .where(FindingMonth.finding_key.in_(keys))
        .order_by(FindingMonth.month, FindingMonth.person_no)
    ).all()
    cases = session.scalars(scope_cases(select(Case), user).where(Case.person_id == person_id)).all()
    first = findings[0]
    return PersonView(
        person_id,
        first.name,
        first.id_number,
        first.township_code,
        list(records),
        list(events),
        list(findings),
        list(money),
        list(cases),
    )


def audit_entries(
    session: Session, *, case_id: int | None = None, person_id: str | None = None, case_ids: list[int] | None = None
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    if person_id is not None:
        query = query.where(AuditEntry.person_id == person_id)
    return list(session.scalars(query))
