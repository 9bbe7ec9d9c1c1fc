"""Policy values as the case store holds them (published from the warehouse's seeds), and
month arithmetic on 'YYYY-MM' text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Conflict
from casework.published import BasicPensionStandard, PolicyParameter, Publication, current_build

FUNERAL_SUBSIDY = "funeral_subsidy"
RECOVERY_DEADLINE_DAYS = "recovery_deadline_days"


def terminates(reason_code: str) -> bool:
    """Whether a suspension reason code ends the entitlement (终止, 14xx) rather than pausing it
    (暂停, 12xx): the code family's own scheme (docs/rules.md)."""
    return reason_code.startswith("14")


def hold_kind(reason_code: str) -> str:
    return "终止" if terminates(reason_code) else "暂停"


def hold_precedence(reason_code: str) -> tuple[bool, str]:
    """Which reason a record is held on when several apply: a termination before a
    suspension, then the lowest code."""
    return (not terminates(reason_code), reason_code)


def parameter(session: Session, name: str, on: dt.date) -> Decimal:
    value = session.scalar(
        select(PolicyParameter.value)
        .where(PolicyParameter.parameter == name, PolicyParameter.effective_from <= on)
        .order_by(PolicyParameter.effective_from.desc())
        .limit(1)
    )
    if value is None:
        raise Conflict("policy_missing", f"政策参数 {name} 在 {on} 没有生效值，请先发布稽核结果")
    return value


def basic_pension(session: Session, month: str) -> Decimal:
    value = session.scalar(
        select(BasicPensionStandard.basic_pension)
        .where(BasicPensionStandard.effective_from <= first_day(month))
        .order_by(BasicPensionStandard.effective_from.desc())
        .limit(1)
    )
    if value is None:
        raise Conflict("policy_missing", f"{month} 没有生效的基础养老金标准")
    return value


def latest_publication(session: Session) -> Publication:
    """The build readers see (the latest published)."""
    found = session.scalar(select(Publication).where(Publication.id == current_build()))
    if found is None:
        raise Conflict("not_published", "尚未发布稽核结果：请先运行 pension-audit run")
    return found


def first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from(start: str, stop: str) -> list[str]:
    """start, …, the month before stop."""
    months, month = [], start
    while month < stop:
        months.append(month)
        month = add_months(month, 1)
    return months


# 2025-07, 2025/07, 2025.07 (two digits: "2025-7" is a typing slip, refused), 2025年7月.
MONTH_FORMS = re.compile(r"^\s*(\d{4})\s*(?:[-/.](\d{2})|年\s*(\d{1,2})\s*月)\s*$")
YEAR_FORM = re.compile(r"^\s*(\d{4})\s*年?\s*$")


def normal_month(text: str) -> str:
    """A month as people type it — 2025-07, 2025/07, 2025.07, 2025年7月, full-width digits
    too — as 'YYYY-MM'; anything else comes back as it was (trimmed), for the caller's check
    to refuse."""
    text = unicodedata.normalize("NFKC", text).strip()
    m = MONTH_FORMS.match(text)
    if m and 1 <= int(month := m[2] or m[3]) <= 12:
        return f"{m[1]}-{int(month):02d}"
    return text


def normal_period(text: str) -> str:
    """A month as `normal_month` reads it, or a year (2025, 2025年) as 'YYYY'."""
    text = normal_month(text)
    m = YEAR_FORM.match(text)
    return m[1] if m else text
