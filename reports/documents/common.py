"""What every document shares: the document itself (PDF, and XLSX for lists), its refusals, who
may have it, the issuing office, the 文号 of numbered notices, and how a notice states an
event."""

from __future__ import annotations

import calendar
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NotFound, Problem
from casework.models import Case, DocumentNumber, Finding, IssuedDocument, Role, User
from casework.published import FindingMonth
from casework.services import audit
from casework.services.access import require
from casework.services.townships import township_name, township_names
from reports.chinese import numeric_date, numeric_month
from reports.issuers import Issuer, copy_to, issuer_on
from reports.render import render_pdf
from reports.tables import Field, write_xlsx

ZERO = Decimal("0.00")
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NotAvailable(Problem):
    """The document cannot be made from the data there is (yet)."""

    status = 409


class Nothing(Problem):
    """The document would be empty: nobody to notify."""

    status = 404


@dataclass
class Document:
    name: str  # recovery-notice, …
    title: str
    template: str
    context: dict[str, Any]
    filename: str  # without extension
    fields: tuple[Field, ...] = ()  # the list as XLSX, when it is one
    rows: list[tuple] = field(default_factory=list)
    sheet: str = ""
    footer: tuple | None = None  # the XLSX's 合计 row, when the list has one
    numbered: list[IssuedDocument] = field(default_factory=list)  # the 文号 it bears
    township: str | None = None  # the township named in its 抄送
    printed_on: dt.date | None = None  # 印发日期: the day it was issued, or made

    def pdf(self) -> bytes:
        defaults = {
            "document_no": None,
            "copy_to": copy_to(self.name, self.township),
            "printed_on": self.printed_on or beijing_today(),
        }
        return render_pdf(self.template, {"title": self.title, **defaults, **self.context})

    def xlsx(self) -> bytes:
        if not self.fields:
            raise NotAvailable("no_xlsx", f"{self.title}没有 XLSX 格式（通知书只有 PDF）")
        buffer = io.BytesIO()
        write_xlsx(self.fields, self.rows, buffer, self.sheet or self.title[:31], self.footer)
        return buffer.getvalue()


# ----------------------------------------------------------------------------- 文号

# The character after the issuer's abbreviation in each numbered kind's 文号, in GB/T 9704's form
# (the year in 〔〕, the number without 第 or leading zeros): 松社保追字〔2026〕3号.
NUMBERED = {
    "recovery_notice": ("追", "冒领社会保险待遇追缴通知书"),
    "return_notice": ("返", "社会保险待遇返还通知书"),
    "deregistration_notice": ("注", "申请注销登记告知书"),
    "benefit_notice": ("待", "待遇领取告知书"),
    "accountability_report": ("责", "乡镇问责报告"),
}


def beijing_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def format_number(abbreviation: str, character: str, year: int, number: int) -> str:
    """松社保追字〔2026〕3号 (GB/T 9704-2012 7.2.4)."""
    return f"{abbreviation}{character}字〔{year}〕{number}号"


def document_number(
    session: Session,
    kind: str,
    subject: str,
    issued_on: dt.date,
    actor: User,
    case_id: int | None = None,
    person_id: str | None = None,
) -> IssuedDocument:
    """The 文号 of a notice: the one it was first given, or the next of its kind and year (a
    sequence per kind and year in `document_numbers`). Only issuing calls this: a number is
    given by a named user, once, and kept. A voided notice's number stays spent: issuing its
    subject again takes the next number."""
    issued = session.scalar(
        select(IssuedDocument).where(
            IssuedDocument.kind == kind, IssuedDocument.subject == subject, IssuedDocument.voided_at.is_(None)
        )
    )
    if issued is not None:
        return issued
    year = issued_on.year
    sequence = session.get(DocumentNumber, {"kind": kind, "year": year}, with_for_update=True)
    if sequence is None:
        sequence = DocumentNumber(kind=kind, year=year, last_number=0)
        session.add(sequence)
    sequence.last_number += 1
    character, label = NUMBERED[kind]
    number = sequence.last_number
    issued = IssuedDocument(
        kind=kind,
        subject=subject,
        year=year,
        number=number,
        document_no=format_number(issuer(issued_on).abbreviation, character, year, number),
        issued_on=issued_on,
        issued_by=actor.id,
        case_id=case_id,
    )
    session.add(issued)
    audit.record(session, actor, "document_numbered", issued, None, f"{label} {issued.document_no}", case_id, person_id)
    return issued


# ----------------------------------------------------------------------------- access


def issuer(day: dt.date) -> Issuer:
    """The issuing office in force on the day a document bears (reports/issuers.csv)."""
    try:
        return issuer_on(day)
    except LookupError:
        raise NotAvailable("no_issuer", f"{numeric_date(day)}尚无生效的发文机关（reports/issuers.csv）") from None


def allow(user: User | None, action: str) -> None:
    """`user=None` is the command line, which may have everything."""
    if user is not None:
        require(user, action)


def township_scope(user: User | None, township: str | None) -> str | None:
    """The township a document is for: a township officer's own, whatever they ask; another
    township's document does not exist for them."""
    if user is None or user.role != Role.township_officer:
        return township
    if township is not None and township != user.township_code:
        raise NotFound("文书")
    return user.township_code


def known_township(session: Session, township: str) -> str:
    names = township_names(session)
    if township not in names:
        raise NotFound("乡镇（街道）")
    return names[township]


def place(session: Session, code: str | None) -> str:
    """A township's name for a document."""
    return township_name(township_names(session), code)


# ------------------------------------------------------------------ what happened, in words


def event_phrase(finding: Finding) -> str:
    """The event of a finding as a notice states it."""
    day = numeric_date(finding.event_date) if finding.event_date else numeric_month(finding.event_period)
    match finding.exception_type:
        case "death":
            return f"于{day}死亡"
        case "nationality":
            return f"于{day}丧失中华人民共和国国籍"
        case "other_pension":
            scheme = f"（{finding.detail}）" if finding.detail else ""
            return f"自{numeric_month(finding.event_period)}起享受其他社会养老保障待遇{scheme}"
        case "imprisonment":
            sentence = f"（{finding.detail}）" if finding.detail else ""
            return f"被判处刑罚{sentence}，自{day}起羁押、收监执行"
        case "detention":
            return f"于{day}被羁押"
        case "duplicate_enrollment":
            return "重复参保，以多个个人编号同时领取待遇"
        case "duplicate_payment":
            return "同一所属年月的待遇被重复发放"
        case "disbursement_gap":
            said = f"（{finding.detail}）" if finding.detail else ""
            return (
                f"{numeric_month(finding.event_period)}财政拨付的城乡居民基本养老保险待遇资金与实际发放金额不符{said}"
            )
        case _:
            return f"存在{finding.exception_label}情形"


def improper_rows(session: Session, findings: list[Finding]) -> list[dict[str, Any]]:
    """The months money was received that should not have been, each record and month once."""
    keys = [f.finding_key for f in findings]
    if not keys:
        return []
    once: dict[tuple[str, str], Decimal] = {}
    for month in session.scalars(select(FindingMonth).where(FindingMonth.finding_key.in_(keys))):
        once[(month.month, month.person_no)] = month.amount
    return [{"month": m, "person_no": no, "amount": amount} for (m, no), amount in sorted(once.items())]


def person_of(case: Case, findings: list[Finding]) -> dict[str, Any]:
    first = next((f for f in findings if f.id_number), None)
    return {
        "name": case.name or (first.name if first else "") or "",
        "id_number": first.id_number if first else "",
        "person_id": case.person_id,
    }


def month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])
