"""乡镇问责报告 (article 31), for the 区人社局: per township and period the figures of the
accountability marts, in the marts' ranking (attributable loss, then on-time rate, lowest
first); what was recovered in the period, what is still outstanding at its end and how many
demands were referred in it (the case store, by the case's township); two charts; and every
late or missed report behind the figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.errors import Forbidden
from casework.models import Case, Demand, Referral, Repayment, Role, User
from casework.published import (
    ALL,
    AccountabilityEvent,
    AccountabilityTotal,
    AccountabilityTownshipMonth,
    AccountabilityTownshipYear,
    FindingType,
)
from casework.services import policy
from reports import charts
from reports.chinese import numeric_month
from reports.documents.common import ZERO, Document, NotAvailable, issuer, month_end, place
from reports.documents.inspection_summary import month_totals
from reports.tables import Field

ACCOUNTABILITY_READERS = {Role.hr_bureau, Role.inspector, Role.reviewer, Role.admin}
ACCOUNTABILITY_FIELDS = (
    Field("rank", "排名", "", 6),
    Field("township_code", "乡镇(街道)代码", "", 12),
    Field("township_name", "乡镇(街道)", "", 14),
    Field("recipients", "领取待遇人数", "", 10),
    Field("events", "应报事件", "", 9),
    Field("on_time", "按时上报", "", 9),
    Field("late", "迟报", "", 7),
    Field("missed", "漏报", "", 7),
    Field("pending", "待报", "", 7),
    Field("awaiting", "待数据", "", 8),
    Field("on_time_rate", "按时上报率", "", 10),
    Field("improper_months", "不当发放月数", "", 11),
    Field("overpaid", "不当发放金额(元)", "", 14),
    Field("attributable_loss", "可归责损失(元)", "", 14),
    Field("recovered", "已追回(元)", "", 12),
    Field("outstanding", "尚欠(元)", "", 12),
    Field("referrals", "移交区人社局(件)", "", 12),
    Field("certification_coverage", "认证覆盖率", "", 10),
)
STATUS_LABELS = {"on_time": "按时", "late": "迟报", "missed": "漏报", "pending": "待报", "awaiting": "待数据"}
EVENT_LABELS = {"death": "死亡", "sentence": "收监执行"}


def share(rate: Decimal | None) -> float | None:
    """A rate as a spreadsheet or a chart takes it (a share, not money)."""
    return None if rate is None else float(rate)


SHARES = {"on_time_rate", "certification_coverage"}


def _xlsx_line(line: dict[str, Any]) -> tuple:
    """A township's line, or the 合计, as the XLSX lists it (ACCOUNTABILITY_FIELDS' order)."""
    return tuple(share(line[f.name]) if f.name in SHARES else line[f.name] for f in ACCOUNTABILITY_FIELDS)


def _year_rows(session: Session, year: int) -> list[dict[str, Any]]:
    return [
        {
            "township_code": r.township_code,
            "township_name": r.township_name,
            "recipients": r.recipients,
            "events": r.events,
            "on_time": r.on_time,
            "late": r.late,
            "missed": r.missed,
            "pending": r.pending,
            "awaiting": r.awaiting,
            "awaiting_inputs": r.awaiting_inputs,
            "on_time_rate": r.on_time_rate,
            "improper_months": r.improper_months,
            "overpaid": r.overpaid_amount,
            "attributable_loss": r.attributable_loss,
            "certification_coverage": r.certification_coverage,
            "rank": r.loss_rank,
        }
        for r in session.scalars(
            select(AccountabilityTownshipYear)
            .where(AccountabilityTownshipYear.year == year)
            .order_by(AccountabilityTownshipYear.loss_rank, AccountabilityTownshipYear.township_code)
        )
    ]


def _month_rows(session: Session, month: str) -> list[dict[str, Any]]:
    return [
        {
            "township_code": r.township_code,
            "township_name": r.township_name,
            "recipients": None,
            "events": r.events,
            "on_time": r.on_time,
            "late": r.late,
            "missed": r.missed,
            "pending": r.pending,
            "awaiting": r.awaiting,
            "awaiting_inputs": r.awaiting_inputs,
            "on_time_rate": r.on_time_rate,
            "improper_months": None,
            "overpaid": None,
            "attributable_loss": r.attributable_loss,
            "certification_coverage": None,
            "rank": r.loss_rank,
        }
        for r in session.scalars(
            select(AccountabilityTownshipMonth)
            .where(AccountabilityTownshipMonth.month == month)
            .order_by(AccountabilityTownshipMonth.loss_rank, AccountabilityTownshipMonth.township_code)
        )
    ]


def _late_and_missed(session: Session, first: str, last: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every late or missed report of events in [first, last], by township in the ranking's order."""
    events = session.scalars(
        select(AccountabilityEvent)
        .where(
            AccountabilityEvent.report_status.in_(("late", "missed")),
            AccountabilityEvent.event_month >= first,
            AccountabilityEvent.event_month <= last,
        )
        .order_by(AccountabilityEvent.township_code, AccountabilityEvent.event_date, AccountabilityEvent.person_no)
    )
    behind: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        behind.setdefault(e.township_code or "", []).append(
            {
                "event": EVENT_LABELS.get(e.event_type, e.event_type),
                "name": e.name or "",
                "id_number": e.id_number or "",
                "person_no": e.person_no,
                "event_date": e.event_date,
                "due_month": e.due_month,
                "report_month": e.report_month,
                "status": STATUS_LABELS[e.report_status],
                "loss": e.attributable_loss,
                "roster_ref": e.roster_ref,
                "report_ref": e.report_ref or "",
            }
        )
    names = {r["township_code"]: r["township_name"] for r in rows}
    ranks = {r["township_code"]: r["rank"] for r in rows}
    return [
        {
            "code": code,
            "name": names.get(code) or place(session, code),
            "rank": ranks.get(code),
            "events": behind[code],
            "loss": sum((e["loss"] for e in behind[code]), ZERO),
        }
        for code in sorted(behind, key=lambda c: (ranks.get(c, len(rows) + 1), c))
    ]


def _nothing_recovered() -> dict[str, Any]:
    return {"recovered": ZERO, "outstanding": ZERO, "referrals": 0}


def _recovery_by_township(session: Session, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Per case township: repayments paid in [start, end]; demands issued by `end` and not repaid
    by then; referrals made in [start, end]."""
    out: dict[str, dict[str, Any]] = {}

    def slot(code: str | None) -> dict[str, Any]:
        return out.setdefault(code or "", _nothing_recovered())

    for repayment, code in session.execute(
        select(Repayment, Case.township_code)
        .join(Demand, Demand.id == Repayment.demand_id)
        .join(Case, Case.id == Demand.case_id)
        .where(Repayment.paid_on.between(start, end))
    ):
        slot(code)["recovered"] += repayment.amount
    for demand in session.scalars(select(Demand).where(Demand.issued_on <= end)):
        repaid = sum((r.amount for r in demand.repayments if r.paid_on <= end), ZERO)
        slot(demand.case.township_code)["outstanding"] += demand.amount - repaid
    for _referral, code in session.execute(
        select(Referral, Case.township_code)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.referred_on.between(start, end))
    ):
        slot(code)["referrals"] += 1
    return out


def _charts(
    session: Session, rows: list[dict[str, Any]], label: str, year: int | None, months: list[str]
) -> dict[str, str]:
    monthly = dict(
        session.execute(
            select(AccountabilityTownshipMonth.month, func.sum(AccountabilityTownshipMonth.attributable_loss))
            .where(AccountabilityTownshipMonth.month.between(months[0], months[-1]))
            .group_by(AccountabilityTownshipMonth.month)
        )
        .tuples()
        .all()
    )
    rates = charts.on_time_rates(
        [(r["township_name"], share(r["on_time_rate"])) for r in rows], f"{label}各乡镇（街道）按时上报率"
    )
    losses = charts.losses_by_month(
        [(f"{int(m[5:])}月" if year is not None else f"{m[2:4]}/{m[5:]}", monthly.get(m) or ZERO) for m in months],
        f"可归责损失（按事件月份）{'' if year is not None else '，近12个月'}",
    )
    return {"rate_chart": charts.data_uri(rates), "loss_chart": charts.data_uri(losses)}


def _finding_figures(session: Session, last: str) -> dict[str, Any]:
    """The district's findings and their money as at the end of `last` (capped at the build's
    as-of month), by type and in all, as the warehouse counts them (pub_finding_month_totals):
    the same figures as the dashboard, the findings list and the 稽核情况月报."""
    totals = month_totals(session, last)
    labels = {t.exception_type: t.label for t in session.scalars(select(FindingType))}
    types: list[dict[str, Any]] = [
        {
            "label": labels.get(code, code),
            "findings": t.findings,
            "persons": t.persons,
            "improper_months": t.improper_months,
            "amount": t.amount,
        }
        for (town, code), t in totals.items()
        if town == ALL and code != ALL
    ]
    types.sort(key=lambda r: (-int(r["findings"]), str(r["label"])))
    total = totals.get((ALL, ALL))
    return {
        "findings_as_at": last,
        "finding_types": types,
        "finding_total": {
            "findings": total.findings if total else 0,
            "persons": total.persons if total else 0,
            "improper_months": total.improper_months if total else 0,
            "amount": total.amount if total else ZERO,
        },
    }


def _district_line(session: Session, period: str, recovery: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The 合计 under the township table: the warehouse's district line for the period
    (pub_accountability_totals: persons and record-months once, the district's own rates), never
    the townships' rows added up; the money the case store holds, over every case."""
    line = session.scalar(select(AccountabilityTotal).where(AccountabilityTotal.period == period))
    if line is None:
        raise NotAvailable("no_data", f"尚未发布{period}的乡镇问责合计")
    return {
        "recipients": line.recipients,
        "events": line.events,
        "on_time": line.on_time,
        "late": line.late,
        "missed": line.missed,
        "pending": line.pending,
        "awaiting": line.awaiting,
        "on_time_rate": line.on_time_rate,
        "improper_months": line.improper_months,
        "overpaid": line.overpaid_amount,
        "attributable_loss": line.attributable_loss,
        "certification_coverage": line.certification_coverage,
        "recovered": sum((t["recovered"] for t in recovery.values()), ZERO),
        "outstanding": sum((t["outstanding"] for t in recovery.values()), ZERO),
        "referrals": sum(t["referrals"] for t in recovery.values()),
    }


def may_read_accountability(user: User | None) -> None:
    if user is not None and user.role not in ACCOUNTABILITY_READERS:
        raise Forbidden("forbidden_role", "您的岗位无权查看乡镇问责报告")


def accountability_report(session: Session, user: User | None, year: int | None, month: str | None) -> Document:
    may_read_accountability(user)
    if (year is None) == (month is None):
        raise NotAvailable("period_required", "请指定年度（--year）或月份（--month）之一")
    if year is not None:
        start, end, first, last = dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}-01", f"{year}-12"
        rows, period, label = _year_rows(session, year), str(year), f"{year}年度"
        chart_months = [f"{year}-{m:02d}" for m in range(1, 13)]
    elif month is not None:
        start, end, first, last = policy.first_day(month), month_end(month), month, month
        rows, period, label = _month_rows(session, month), month, numeric_month(month)
        chart_months = [policy.add_months(month, -i) for i in range(11, -1, -1)]
    if not rows:
        raise NotAvailable("no_data", f"尚未发布{label}的乡镇问责数据")
    recovery = _recovery_by_township(session, start, end)
    for r in rows:
        r.update(recovery.get(r["township_code"]) or _nothing_recovered())
    totals = _district_line(session, period, recovery)
    totals["awaiting_inputs"] = "；".join(sorted({r["awaiting_inputs"] for r in rows if r["awaiting_inputs"]}))
    xlsx = [_xlsx_line(r) for r in rows]
    # The XLSX ends with the PDF's 合计: the warehouse's district line, never the rows added up.
    footer = _xlsx_line({**totals, "rank": "合计", "township_code": None, "township_name": None})
    context = {
        "year": year,
        "month": month,
        "label": label,
        "rows": rows,
        "totals": totals,
        "late_missed": _late_and_missed(session, first, last, rows),
        **_finding_figures(session, last),
        **_charts(session, rows, label, year, chart_months),
        "issuer": issuer(end),
    }
    title = f"{label}乡镇（街道）领取待遇人员死亡、羁押、判刑情况上报问责报告"
    return Document(
        "accountability-report",
        title,
        "accountability_report.html",
        context,
        f"accountability-report-{period}",
        ACCOUNTABILITY_FIELDS,
        xlsx,
        f"{period}乡镇问责",
        footer,
    )
