"""资格认证报告书 (article 26): of a township's recipients on the November roster of a year, who
was certified by the close and who was not, and why as far as the data tells — as the
warehouse decided it (certification_status); the coverage is the accountability mart's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import User
from casework.published import AccountabilityTownshipYear, CertificationStatus, PolicyParameter
from reports.chinese import mask_id, numeric_date
from reports.documents.common import (
    Document,
    NotAvailable,
    allow,
    issuer,
    known_township,
    month_end,
    township_scope,
)
from reports.tables import Field

CERTIFICATION_FIELDS = (
    Field("seq", "序号", "", 6),
    Field("status", "认证情况", "", 9),
    Field("name", "姓名", "", 12),
    Field("person_nos", "个人编号", "", 13),
    Field("id_number", "证件号码", "", 21),
    Field("village", "村(居)", "", 14),
    Field("certified_on", "认证日期", "", 11),
    Field("method", "认证方式", "", 14),
    Field("reason", "未认证原因", "", 40),
)


def close_month(session: Session, year: int) -> int:
    """The month certification closes in (certification_close_month, in force at the year's end)."""
    value = session.scalar(
        select(PolicyParameter.value)
        .where(
            PolicyParameter.parameter == "certification_close_month",
            PolicyParameter.effective_from <= dt.date(year, 12, 31),
        )
        .order_by(PolicyParameter.effective_from.desc())
    )
    if value is None:
        raise NotAvailable("policy_missing", "政策参数 certification_close_month 没有生效值：请先发布稽核结果")
    return int(value)


def certification_report(session: Session, user: User | None, year: int, township: str) -> Document:
    allow(user, "read")
    township = township_scope(user, township) or township
    name = known_township(session, township)
    close = month_end(f"{year}-{close_month(session, year):02d}")
    people = list(
        session.scalars(
            select(CertificationStatus)
            .where(CertificationStatus.year == year, CertificationStatus.township_code == township)
            .order_by(CertificationStatus.village, CertificationStatus.person_nos)
        )
    )
    if not people and not session.scalar(
        select(CertificationStatus.year).where(CertificationStatus.year == year).limit(1)
    ):
        raise NotAvailable("no_roster", f"{year}年{close.month}月的参保名册尚未载入，不能出具该年度资格认证报告书")
    coverage = session.scalar(
        select(AccountabilityTownshipYear.certification_coverage).where(
            AccountabilityTownshipYear.year == year, AccountabilityTownshipYear.township_code == township
        )
    )
    certified = [p for p in people if p.certified]
    uncertified = [p for p in people if not p.certified]
    xlsx = [
        (
            i,
            "已认证",
            p.name,
            p.person_nos,
            mask_id(p.id_number or ""),
            p.village,
            numeric_date(p.certified_on),
            p.method or "",
            "",
        )
        for i, p in enumerate(certified, 1)
    ] + [
        (
            len(certified) + i,
            "未认证",
            p.name,
            p.person_nos,
            mask_id(p.id_number or ""),
            p.village,
            "",
            "",
            p.reason or "",
        )
        for i, p in enumerate(uncertified, 1)
    ]
    context = {
        "year": year,
        "township": name,
        "township_code": township,
        "close": close,
        "roster_month": f"{year}-{close.month:02d}",
        "persons": len(people),
        "certified": certified,
        "uncertified": uncertified,
        "coverage": coverage if coverage is not None else (Decimal(len(certified)) / len(people) if people else None),
        "issuer": issuer(close),
    }
    title = f"{name}{year}年度城乡居民基本养老保险领取待遇人员资格认证报告书"
    return Document(
        "certification-report",
        title,
        "certification_report.html",
        context,
        f"certification-report-{year}-{township}",
        CERTIFICATION_FIELDS,
        xlsx,
        f"{year}资格认证",
    )
