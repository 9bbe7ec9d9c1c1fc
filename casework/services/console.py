"""Read-only questions the web console asks: aggregates of the findings a user may see, the
case history with names, payment strips, evidence files, feed quality and township
accountability — all from the case store, as the pipeline published them (never the
warehouse). Nothing here writes; the workflow stays in `casework.services.cases`."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casework.chain import suspect_ids
from casework.models import (
    CASE_STATUS_LABELS,
    PROPOSAL_LABELS,
    ROLE_LABELS,
    AuditEntry,
    Case,
    CaseStatus,
    Demand,
    Finding,
    FindingStatus,
    PayrollHold,
    Proposal,
    ProposalKind,
    Repayment,
    Role,
    User,
)
from casework.published import (
    ALL,
    AccountabilityEvent,
    AccountabilityTownshipMonth,
    AccountabilityTownshipYear,
    EvidenceRow,
    FeedCheck,
    FeedFile,
    FeedLate,
    FeedQuarantine,
    FindingAwaiting,
    FindingMonth,
    FindingMonthTotal,
    FindingTotal,
    FindingType,
    PersonPayment,
    PersonRecord,
    Publication,
    ValueIssue,
    current_build,
)
from casework.services import feed_releases, policy
from casework.services.access import VISIT, findings_scope, mask_id, scope_cases, scope_findings, sees_full_ids
from casework.services.townships import township_name, township_names
from pension_audit.ingest.feeds import (
    FEEDS,
    FEEDS_BY_NAME,
    FILE_REASONS,
    HOLD_REASONS,
    ROW_REASONS,
    Cadence,
    Kind,
)
from pension_audit.settings import BUREAU_TIMEZONE, bureau_today

ZERO = Decimal("0.00")

EVENT_LABELS = {
    "death": "死亡",
    "cremation": "火化",
    "deregistration_death": "户籍注销（死亡）",
    "deregistration": "户籍注销",
    "nationality_loss": "丧失国籍",
    "sentence": "刑事判决",
    "custody": "羁押",
    "commutation": "减刑、假释",
    "acquittal": "宣告无罪",
    "other_pension": "享受其他养老待遇",
    "special_group": "特殊群体认定",
    "military_service": "服兵役",
    "military_discharge": "退役",
    "certification": "资格认证",
    "detention": "羁押（乡镇上报）",
}
ACTION_LABELS = {
    "case_opened": "立案",
    "findings_attached": "并入疑点",
    "status_changed": "状态变更",
    "proposed_suspension": "提出暂停发放",
    "proposed_resumption": "提出恢复发放",
    "proposed_cancellation": "提出注销登记",
    "proposed_offset": "提出清算抵扣",
    "proposed_write_off": "提出核销",
    "proposed_closure": "提出办结",
    "proposed_correction": "提出更正",
    "approved": "复核批准",
    "rejected": "复核驳回",
    "applied_suspension": "暂停发放生效",
    "applied_resumption": "恢复发放生效",
    "applied_cancellation": "注销登记生效",
    "applied_offset": "清算抵扣生效",
    "applied_write_off": "核销生效",
    "applied_closure": "办结生效",
    "applied_correction": "更正生效",
    "basis_changed": "依据已变更",
    "demand_corrected": "更正追缴（返还）金额",
    "supplementary_demand_issued": "补充追缴",
    "hold_released": "解除停发（依据已不存在）",
    "hold_rebased": "停发依据变更（按尚存疑点继续停发）",
    "demand_issued": "下达追缴（返还）通知",
    "repayment_recorded": "登记退还",
    "demand_repaid": "足额退还",
    "visit_recorded": "登记走访",
    "case_closed": "办结",
    "referred": "移交区人社局",
    "demand_referred": "追缴移交",
    "document_issued": "出具文书",
    "document_numbered": "编发文号",
    "document_voided": "作废文书",
    "hold_started": "开始暂停发放",
    "hold_ended": "停发结束",
    "back_pay_recorded": "登记补发",
    "settlement_recorded": "登记清算抵扣结果",
    "demand_written_off": "追缴通知核销",
    "exported": "导出",
    "ids_viewed": "查看身份证号码",
    "refused": "拒绝访问",
    "failed": "请求未能完成（系统错误）",
}
REPORT_STATUS = {"on_time": "按时上报", "late": "迟报", "missed": "漏报", "pending": "待报", "awaiting": "待数据"}


def township_label(names: dict[str, str], code: str | None) -> str:
    return township_name(names, code) or "—"


# ------------------------------------------------------------------------------ dashboard


@dataclass
class Dashboard:
    as_of: str | None
    this_month: str | None
    last_month: str | None
    by_type: list[dict]
    by_township: list[dict]
    trend: list[dict]  # month, count, amount
    open_total: int
    open_amount: Decimal
    cases_by_status: list[tuple[str, int]]
    work_month: str = ""  # the bureau's calendar month (北京时间) of `work`
    work: list[tuple[str, str]] = field(default_factory=list)  # what was done in it: (what, how much)


def dashboard(session: Session, user: User, today: dt.date | None = None) -> Dashboard:
    as_of = dashboard_as_of(session)
    this_month = as_of
    last_month = policy.add_months(as_of, -1) if as_of else None
    scoped = scope_findings(
        select(
            Finding.exception_type,
            Finding.township_code,
            Finding.event_period,
            func.count(),
            func.sum(Finding.overpaid_amount),
        ),
        user,
    ).where(Finding.status == FindingStatus.open)
    rows: list[Any] = list(
        session.execute(  # (type, township, period, count, total)
            scoped.group_by(Finding.exception_type, Finding.township_code, Finding.event_period)
        )
    )
    labels = dict(session.execute(select(FindingType.exception_type, FindingType.label)).all())

    def bucket() -> dict:
        return {"count": 0, "amount": ZERO, "this": 0, "last": 0}

    types: dict[str, dict] = {}
    towns: dict[str, dict] = {}
    months: dict[str, dict] = {}
    for exception_type, township, period, count, total in rows:
        amount = total or ZERO
        for key, table in ((exception_type, types), (township or "", towns)):
            b = table.setdefault(key, bucket())
            b["count"] += count
            b["amount"] += amount
            if period == this_month:
                b["this"] += count
            elif period == last_month:
                b["last"] += count
        m = months.setdefault(period[:7], {"count": 0, "amount": ZERO})
        m["count"] += count
        m["amount"] += amount
    # Counts and money as the warehouse computed them (each record-month once within a row);
    # the counts by event period (本月, 上月) are this page's own. A month's events have no
    # improper months yet, so the money of a month is what the month added to the warehouse's
    # running totals: the improper payments made in that 发放年月 and the fixed amounts of its
    # events (pub_finding_month_totals, as at the month's end less as at the month before).
    scope = findings_scope(user) or ALL
    totals = finding_totals(session, scope)
    added = month_added(session, scope, this_month, last_month) if this_month and last_month else {}
    for code, b in types.items():
        b["count"], b["amount"] = totals.get((scope, code), (0, ZERO))
        b["this_amount"], b["last_amount"] = added.get((scope, code), (ZERO, ZERO))
    for code, b in towns.items():
        b["count"], b["amount"] = totals.get((code, ALL), (0, ZERO))
        b["this_amount"], b["last_amount"] = added.get((code, ALL), (ZERO, ZERO))
    by_type = sorted(
        ({"code": k, "label": labels.get(k, k), **v} for k, v in types.items()), key=lambda r: (-r["amount"], r["code"])
    )
    names = township_names(session)
    by_township = sorted(
        ({"code": k, "label": township_label(names, k) if k else NO_TOWNSHIP, **v} for k, v in towns.items()),
        key=lambda r: (-r["amount"], r["code"]),
    )
    trend = []
    if as_of:
        for i in range(11, -1, -1):
            month = policy.add_months(as_of, -i)
            trend.append({"month": month, **months.get(month, {"count": 0, "amount": ZERO})})
    cases: list[Any] = list(session.execute(scope_cases(select(Case.status, func.count()), user).group_by(Case.status)))
    total_count, total_amount = totals.get((scope, ALL), (0, ZERO))
    return Dashboard(
        as_of,
        this_month,
        last_month,
        by_type,
        by_township,
        trend,
        total_count,
        total_amount,
        [(CASE_STATUS_LABELS[CaseStatus(s)], n) for s, n in sorted(cases)],
        *month_work(session, user, (today or bureau_today()).strftime("%Y-%m")),
    )


def month_added(
    session: Session, scope: str, this_month: str, last_month: str
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(township, type) → (what this month added, what last month added) to the warehouse's
    running totals of the findings' money (pub_finding_month_totals: a later month reads the
    latest row at or before it); for a township's user only that township's rows."""
    before = policy.add_months(last_month, -1)
    query = select(FindingMonthTotal).where(FindingMonthTotal.month <= this_month).order_by(FindingMonthTotal.month)
    if scope != ALL:
        query = query.where(FindingMonthTotal.township_code == scope)
    at: dict[str, dict[tuple[str, str], Decimal]] = {before: {}, last_month: {}, this_month: {}}
    for row in session.scalars(query):
        key = (row.township_code, row.exception_type)
        for month, amounts in at.items():
            if row.month <= month:
                amounts[key] = row.amount
    keys = set(at[this_month])
    return {
        k: (
            at[this_month].get(k, ZERO) - at[last_month].get(k, ZERO),
            at[last_month].get(k, ZERO) - at[before].get(k, ZERO),
        )
        for k in keys
    }


def utc_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """A calendar month in 北京时间 as naive UTC bounds [start, end), as times are stored."""
    zone = ZoneInfo(BUREAU_TIMEZONE)
    following = policy.add_months(month, 1)

    def utc(m: str) -> dt.datetime:
        return dt.datetime(int(m[:4]), int(m[5:7]), 1, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)

    return utc(month), utc(following)


def month_work(session: Session, user: User, month: str) -> tuple[str, list[tuple[str, str]]]:
    """What the bureau did in a calendar month (北京时间), in the user's cases: cases opened,
    records held (暂停、终止 approved), demands issued and their money, money repaid."""
    start, end = utc_bounds(month)
    first, last = policy.first_day(month), policy.first_day(policy.add_months(month, 1)) - dt.timedelta(days=1)

    def one(query: Any) -> Any:
        return session.scalar(scope_cases(query, user))

    opened = one(select(func.count(Case.id)).where(Case.opened_at >= start, Case.opened_at < end))
    held = one(
        select(func.count(PayrollHold.id))
        .join(Case, Case.id == PayrollHold.case_id)
        .join(Proposal, Proposal.id == PayrollHold.proposal_id)
        .where(Proposal.decided_at >= start, Proposal.decided_at < end)
    )
    issued = Demand.issued_on.between(first, last)
    demands = one(select(func.count(Demand.id)).join(Case, Case.id == Demand.case_id).where(issued))
    demanded = one(select(func.sum(Demand.amount)).join(Case, Case.id == Demand.case_id).where(issued))
    repaid = one(
        select(func.sum(Repayment.amount))
        .join(Demand, Demand.id == Repayment.demand_id)
        .join(Case, Case.id == Demand.case_id)
        .where(Repayment.paid_on.between(first, last))
    )
    return month, [
        ("立案", f"{opened} 件"),
        ("暂停、终止发放", f"{held} 条记录"),
        ("下达追缴、返还通知", f"{demands} 份，{money_text(demanded or ZERO)} 元"),
        ("追回", f"{money_text(repaid or ZERO)} 元"),
    ]


def money_text(amount: Decimal) -> str:
    return f"{amount:,.2f}"


NO_TOWNSHIP = "（无乡镇：疑点未能归属乡镇）"


def list_total(
    session: Session,
    user: User,
    exception_type: str | None,
    township: str | None,
    status: FindingStatus | None,
    narrowed: bool,
) -> tuple[int, Decimal] | None:
    """The published total of a findings list filtered by type and township only (open
    findings), as the dashboard shows it; None for a list narrowed otherwise (by period,
    amount, person, or findings no longer open), whose total the warehouse did not compute."""
    if narrowed or status != FindingStatus.open:
        return None
    scope = findings_scope(user) or township or ALL
    if township and scope != township:
        return 0, ZERO
    return finding_totals(session, scope).get((scope, exception_type or ALL), (0, ZERO))


def finding_totals(session: Session, scope: str = ALL) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """The published totals, (township, type) → (findings, amount), ALL standing for all of
    them; for a township's user (`scope` their township) only that township's rows."""
    query = select(FindingTotal)
    if scope != ALL:
        query = query.where(FindingTotal.township_code == scope)
    return {(t.township_code, t.exception_type): (t.findings, t.amount) for t in session.scalars(query)}


# ---------------------------------------------------------------------------------- feeds


@dataclass
class Freshness:
    feed: str
    title: str
    sender: str
    cadence: str
    latest: str | None
    expected: str
    behind: int  # periods late (0: up to date)


def expected_period(cadence: Cadence, as_of: str) -> str:
    """A monthly feed should have reached the as-of month; a yearly one, the year before."""
    return as_of if cadence is Cadence.MONTHLY else str(int(as_of[:4]) - 1)


def feed_freshness(session: Session, as_of: str | None) -> list[Freshness] | None:
    rows = (
        session.execute(
            select(FeedFile.feed, func.max(FeedFile.period))
            .where(FeedFile.status == "loaded", FeedFile.feed.is_not(None))
            .group_by(FeedFile.feed)
        )
        .tuples()
        .all()
    )
    latest = dict(rows)
    if as_of is None:
        as_of = latest.get("payments")
    if as_of is None:
        return None
    out = []
    for feed in FEEDS:
        expected = expected_period(feed.cadence, as_of)
        have = latest.get(feed.name)
        if have is None:
            behind = 99
        elif feed.cadence is Cadence.MONTHLY:
            behind = max(0, _month_index(expected) - _month_index(have))
        else:
            behind = max(0, int(expected) - int(have[:4]))
        out.append(
            Freshness(
                feed.name,
                feed.title,
                feed.sender,
                "月报" if feed.cadence is Cadence.MONTHLY else "年报",
                have,
                expected,
                behind,
            )
        )
    return sorted(out, key=lambda f: (-f.behind, f.feed))


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7])


@dataclass
class FeedPeriod:
    feed: str
    period: str | None
    files: int
    failed: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    checks_failed: int
    checks: int
    value_issues: int = 0


def feed_periods(session: Session) -> list[FeedPeriod]:
    loaded = FeedFile.status == "loaded"
    files = (
        session.execute(
            select(
                FeedFile.feed,
                FeedFile.period,
                func.count().filter(loaded),
                func.count().filter(FeedFile.status == "failed"),
                func.coalesce(func.sum(FeedFile.rows_read).filter(loaded), 0),
                func.coalesce(func.sum(FeedFile.rows_loaded).filter(loaded), 0),
                func.coalesce(func.sum(FeedFile.rows_quarantined).filter(loaded), 0),
            )
            .where(FeedFile.status != "replaced", FeedFile.feed.is_not(None), FeedFile.period.is_not(None))
            .group_by(FeedFile.feed, FeedFile.period)
        )
        .tuples()
        .all()
    )
    checks = {
        (feed, period): (failed, total)
        for feed, period, failed, total in session.execute(
            select(
                FeedCheck.feed, FeedCheck.period, func.count().filter(FeedCheck.success.is_(False)), func.count()
            ).group_by(FeedCheck.feed, FeedCheck.period)
        ).tuples()
    }
    issues = {
        (feed, period): n
        for feed, period, n in session.execute(
            select(ValueIssue.feed, ValueIssue.period, func.count()).group_by(ValueIssue.feed, ValueIssue.period)
        ).tuples()
    }
    periods = [
        FeedPeriod(
            str(feed),
            period,
            n,
            failed,
            read or 0,
            rows or 0,
            quarantined or 0,
            *checks.get((str(feed), str(period)), (0, 0)),
            issues.get((str(feed), str(period)), 0),
        )
        for feed, period, n, failed, read, rows, quarantined in files
    ]
    return sorted(periods, key=lambda p: (p.feed, [-ord(c) for c in p.period or ""]))


def unplaced_files(session: Session) -> list[dict]:
    """Files refused before a feed and period could be read from their name."""
    rows = session.scalars(
        select(FeedFile)
        .where(FeedFile.status == "failed", or_(FeedFile.feed.is_(None), FeedFile.period.is_(None)))
        .order_by(FeedFile.path)
    ).all()
    return [
        {
            "path": f.path,
            "reason": FILE_REASONS.get(f.reason or "", f.reason or ""),
            "message": f.message or "",
            "at": f.ingested_at.strftime("%Y-%m-%d %H:%M"),
        }
        for f in rows
    ]


@dataclass
class FeedAttention:
    """What needs the data engineer first: files not in force (failed, held) with their cause,
    feed-periods late by the calendar, and findings awaiting that data."""

    files: list[dict]
    late: list[dict]
    awaiting_count: int
    awaiting: list[dict]


NOT_IN_FORCE = ("failed", "held")
# The quality checks by name, in Chinese, and their level: structural checks block the period.
CHECK_NAMES = {
    "expect_table_columns_to_match_set": "列齐全",
    "expect_column_values_to_not_be_null": "不得为空",
    "expect_column_values_to_be_unique": "不得重复",
    "expect_column_values_to_be_in_set": "取值在范围内",
    "expect_column_values_to_match_regex": "格式正确",
    "expect_column_values_to_be_between": "数值、日期合理",
    "expect_column_pair_values_a_to_be_greater_than_b": "行数未骤降",
    "expect_table_row_count_to_be_between": "行数合理",
    "expect_compound_columns_to_be_unique": "组合不得重复",
}
CHECK_LEVELS = {"structural": "阻断", "warn": "警告"}
LATE_STATUS_WORDS = {"missing": "未收到", "failed": "未能载入", "held": "暂缓载入"}


def feed_attention(session: Session, limit: int = 200) -> FeedAttention:
    files = session.scalars(
        select(FeedFile)
        .where(FeedFile.status.in_(NOT_IN_FORCE))
        .order_by(FeedFile.status.desc(), FeedFile.feed, FeedFile.period, FeedFile.path)
    ).all()
    late = session.scalars(select(FeedLate).order_by(FeedLate.feed, FeedLate.period)).all()
    awaiting = session.scalars(
        select(FindingAwaiting)
        .order_by(FindingAwaiting.exception_type, FindingAwaiting.event_period, FindingAwaiting.finding_key)
        .limit(limit)
    ).all()
    count = session.scalar(select(func.count()).select_from(FindingAwaiting)) or 0
    return FeedAttention(
        [
            {
                "path": f.path,
                "feed": f.feed,
                "period": f.period,
                "status": FILE_STATUS_WORDS.get(f.status, f.status),
                "held": f.status == "held",
                "reason": FILE_REASONS.get(f.reason or "", f.reason or ""),
                "message": f.message or "",
                "at": f.ingested_at.strftime("%Y-%m-%d %H:%M"),
            }
            for f in files
        ],
        [
            {
                "feed": x.feed,
                "title": FEEDS_BY_NAME[x.feed].title if x.feed in FEEDS_BY_NAME else x.feed,
                "period": x.period,
                "due_on": x.due_on.isoformat(),
                "status": LATE_STATUS_WORDS.get(x.status, x.status),
                "message": x.message or "",
            }
            for x in late
        ],
        count,
        [
            {
                "label": a.exception_label,
                "name": a.name or "",
                "township": a.township_code or "",
                "person_no": a.person_no or "",
                "event_period": a.event_period or "",
                "missing": a.missing_inputs,
            }
            for a in awaiting
        ],
    )


@dataclass
class FeedPeriodDetail:
    feed: str
    title: str
    period: str
    files: list[dict]
    quarantine: list[dict]
    reasons: list[tuple[str, int]]
    checks: list[dict]
    value_issues: list[dict]


FILE_STATUS_WORDS = {
    "loaded": "已载入",
    "replaced": "已被替换",
    "failed": "未载入",
    "held": "暂缓载入",
    "released": "已放行",
}


def feed_period_detail(session: Session, feed: str, period: str) -> FeedPeriodDetail | None:
    if feed not in FEEDS_BY_NAME or not feed_releases.PERIOD.fullmatch(period):
        return None  # no feed or period (a NUL in it is not even asked of PostgreSQL)
    files = session.scalars(
        select(FeedFile).where(FeedFile.feed == feed, FeedFile.period == period).order_by(FeedFile.ingested_at)
    ).all()
    quarantine = session.scalars(
        select(FeedQuarantine)
        .where(FeedQuarantine.feed == feed, FeedQuarantine.period == period)
        .order_by(FeedQuarantine.row_number, FeedQuarantine.column_name)
    ).all()
    checks = session.scalars(
        select(FeedCheck)
        .where(FeedCheck.feed == feed, FeedCheck.period == period)
        .order_by(FeedCheck.success, FeedCheck.severity, FeedCheck.expectation, FeedCheck.column_name)
    ).all()
    issues = session.scalars(
        select(ValueIssue)
        .where(ValueIssue.feed == feed, ValueIssue.period == period)
        .order_by(ValueIssue.row_number, ValueIssue.column_name)
    ).all()
    reasons: dict[str, int] = {}
    for q in quarantine:
        label = ROW_REASONS.get(q.reason, q.reason)
        reasons[label] = reasons.get(label, 0) + 1
    return FeedPeriodDetail(
        feed,
        FEEDS_BY_NAME[feed].title,
        period,
        [
            {
                "path": f.path,
                "status": FILE_STATUS_WORDS.get(f.status, f.status),
                "held": f.status == "held",
                "encoding": f.encoding or "",
                "rows_read": f.rows_read,
                "rows_loaded": f.rows_loaded,
                "rows_quarantined": f.rows_quarantined,
                "reason": (FILE_REASONS | HOLD_REASONS).get(f.reason or "", f.reason or ""),
                "message": f.message or "",
                "at": f.ingested_at.strftime("%Y-%m-%d %H:%M:%S"),
            }
            for f in files
        ],
        [
            {
                "row": q.row_number,
                "column": q.column_name,
                "header": q.header or "",
                "value": "" if q.value is None else q.value,
                "reason": ROW_REASONS.get(q.reason, q.reason),
            }
            for q in quarantine
        ],
        sorted(reasons.items(), key=lambda kv: -kv[1]),
        [
            {
                "expectation": c.expectation,
                "name": CHECK_NAMES.get(c.expectation, c.expectation),
                "level": CHECK_LEVELS.get(c.severity, c.severity),
                "column": c.column_name or "",
                "severity": c.severity,
                "success": c.success,
                "unexpected": c.unexpected_count,
                "description": c.description or "",
            }
            for c in checks
        ],
        [
            {
                "row": v.row_number,
                "column": v.column_name,
                "header": v.header or "",
                "value": v.value,
                "reason": ROW_REASONS.get(v.reason, v.reason),
            }
            for v in issues
        ],
    )


# ------------------------------------------------------------------------- accountability


def accountability_years(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(AccountabilityTownshipYear.year).distinct().order_by(AccountabilityTownshipYear.year.desc())
        )
    )


def accountability_months(session: Session, year: int) -> list[str]:
    return list(
        session.scalars(
            select(AccountabilityTownshipMonth.month)
            .distinct()
            .where(AccountabilityTownshipMonth.month.startswith(f"{year}-"))
            .order_by(AccountabilityTownshipMonth.month)
        )
    )


def accountability_year(session: Session, year: int) -> list[AccountabilityTownshipYear]:
    """Every township's figures for the year, in the ranking's order (the mart's rank)."""
    return list(
        session.scalars(
            select(AccountabilityTownshipYear)
            .where(AccountabilityTownshipYear.year == year)
            .order_by(AccountabilityTownshipYear.loss_rank, AccountabilityTownshipYear.township_code)
        )
    )


def accountability_month(session: Session, month: str) -> list[AccountabilityTownshipMonth]:
    """Every township's figures for the month, in the ranking's order (the mart's rank)."""
    return list(
        session.scalars(
            select(AccountabilityTownshipMonth)
            .where(AccountabilityTownshipMonth.month == month)
            .order_by(AccountabilityTownshipMonth.loss_rank, AccountabilityTownshipMonth.township_code)
        )
    )


def accountability_events(session: Session, township: str | None, year: int | None, month: str | None) -> list[dict]:
    """The late and missed reports behind a township's figures, and the events awaiting data (a
    township report of their window has not arrived: not counted until it does)."""
    query = select(AccountabilityEvent).where(AccountabilityEvent.report_status.in_(("late", "missed", "awaiting")))
    if township:
        query = query.where(AccountabilityEvent.township_code == township)
    if month:
        query = query.where(AccountabilityEvent.event_month == month)
    elif year:
        query = query.where(AccountabilityEvent.event_month.startswith(f"{year}-"))
    events = session.scalars(
        query.order_by(
            AccountabilityEvent.township_code, AccountabilityEvent.event_month, AccountabilityEvent.person_id
        )
    ).all()
    names = township_names(session)
    return [
        {
            "event_type": EVENT_LABELS.get(e.event_type, e.event_type),
            "finding_key": e.finding_key,
            "person_id": e.person_id,
            "person_no": e.person_no,
            "name": e.name,
            "township": township_label(names, e.township_code),
            "event_date": e.event_date,
            "event_month": e.event_month,
            "due_month": e.due_month,
            "report_month": e.report_month,
            "status": REPORT_STATUS.get(e.report_status, e.report_status),
            "status_code": e.report_status,
            "awaiting_inputs": e.awaiting_inputs,
            "report_ref": e.report_ref,
            "roster_ref": e.roster_ref,
            "loss": e.attributable_loss,
        }
        for e in events
    ]


# -------------------------------------------------------------------------------- persons


@dataclass
class Strip:
    months: list[str]
    rows: list[dict] = field(default_factory=list)  # person_no, cells: [{month, amount, improper}]


def payment_strip(session: Session, person_nos: list[str], improper: list[FindingMonth], as_of: str | None) -> Strip:
    """Month by month, per roster record: what was paid (成功 rows, as published) and which
    months a finding calls improper."""
    paid: dict[tuple[str, str], Decimal] = {}
    if person_nos:
        paid = {
            (p.person_no, p.month): p.amount
            for p in session.scalars(select(PersonPayment).where(PersonPayment.person_no.in_(person_nos)))
        }
    bad = {(fm.person_no, fm.month): fm.amount for fm in improper}
    all_months = {m for _, m in paid} | {m for _, m in bad}
    if not all_months:
        return Strip([])
    first, last = min(all_months), max(all_months | ({as_of} if as_of else set()))
    months = policy.months_from(first, policy.add_months(last, 1))[-36:]
    numbers = sorted({no for no, _ in paid} | {no for no, _ in bad} | set(person_nos))
    strip = Strip(months)
    for no in numbers:
        cells = []
        for m in months:
            amount = paid.get((no, m))
            cells.append(
                {
                    "month": m,
                    "amount": amount if amount is not None else bad.get((no, m)),
                    "improper": (no, m) in bad,
                    "improper_amount": bad.get((no, m)),
                }
            )
        strip.rows.append({"person_no": no, "cells": cells})
    return strip


EVIDENCE_REF = re.compile(r"^(?P<feed>[a-z_]+)/(?P<period>\d{4}(?:-\d{2})?)#(?P<row>\d+)$")


def period_words(period: str) -> str:
    """2024-02 → 2024年2月; 2024 → 2024年."""
    if re.fullmatch(r"\d{4}-\d{2}", period):
        return f"{period[:4]}年{int(period[5:7])}月"
    return f"{period}年" if re.fullmatch(r"\d{4}", period) else period


def evidence_words(ref: str) -> str:
    """An evidence row as a clerk names it: payments/2024-02#586 → 待遇发放明细 2024年2月 第586行."""
    m = EVIDENCE_REF.match(ref or "")
    if m is None:
        return ref or "—"
    feed = FEEDS_BY_NAME.get(m["feed"])
    return f"{feed.title if feed else m['feed']} {period_words(m['period'])} 第{m['row']}行"


@dataclass
class EvidenceFile:
    """The evidence rows from one file (one feed's period), in row order."""

    feed: str
    period: str
    title: str  # 待遇发放明细 2024年2月
    path: str | None  # the file they were loaded from
    rows: list[int]

    @property
    def rows_words(self) -> str:
        return "、".join(f"第{r}行" for r in self.rows)

    @property
    def refs(self) -> list[tuple[str, int]]:
        """(feed/period#row, row) of each row, in order: what opens each."""
        return [(f"{self.feed}/{self.period}#{r}", r) for r in self.rows]


@dataclass
class EvidenceFeed:
    """The evidence rows of one feed, grouped per file."""

    feed: str
    title: str
    files: list[EvidenceFile]

    @property
    def count(self) -> int:
        return sum(len(f.rows) for f in self.files)

    @property
    def span(self) -> str:
        first, last = self.files[0].period, self.files[-1].period
        return period_words(first) if first == last else f"{period_words(first)}至{period_words(last)}"


def evidence_groups(refs: list[str], files: dict[str, str]) -> list[EvidenceFeed]:
    """Evidence references grouped per feed, then per file (period), rows in order; `files`
    maps a reference to its file (`evidence_files`)."""
    by_file: dict[tuple[str, str], EvidenceFile] = {}
    others = []
    for ref in sorted(set(refs)):
        m = EVIDENCE_REF.match(ref)
        if m is None:
            others.append(ref)
            continue
        feed = FEEDS_BY_NAME.get(m["feed"])
        group = by_file.setdefault(
            (m["feed"], m["period"]),
            EvidenceFile(
                m["feed"],
                m["period"],
                f"{feed.title if feed else m['feed']} {period_words(m['period'])}",
                files.get(ref),
                [],
            ),
        )
        group.rows.append(int(m["row"]))
        group.path = group.path or files.get(ref)
    feeds: dict[str, EvidenceFeed] = {}
    for (feed_name, _), group in sorted(by_file.items()):
        group.rows.sort()
        feed = FEEDS_BY_NAME.get(feed_name)
        feeds.setdefault(feed_name, EvidenceFeed(feed_name, feed.title if feed else feed_name, [])).files.append(group)
    out = list(feeds.values())
    if others:
        out.append(EvidenceFeed("", "其他证据", [EvidenceFile("", "", ref, None, []) for ref in others]))
    return out


def evidence_files(session: Session, refs: list[str]) -> dict[str, str]:
    """source_ref 'feed/period#row' -> the file it was loaded from."""
    pairs: set[tuple[str, ...]] = {tuple(ref.split("#", 1)[0].split("/", 1)) for ref in refs if "/" in ref}
    if not pairs:
        return {}
    feeds = sorted({feed for feed, _ in pairs})
    paths: dict[tuple[str, ...], str] = {
        (f.feed or "", f.period or ""): f.path
        for f in session.scalars(select(FeedFile).where(FeedFile.status == "loaded", FeedFile.feed.in_(feeds)))
    }
    out = {}
    for ref in refs:
        key = tuple(ref.split("#", 1)[0].split("/", 1))
        if key in paths:
            out[ref] = paths[key]
    return out


@dataclass
class EvidenceRowView:
    """A source row a finding cites, as it arrived: every declared column as text."""

    feed: str
    period: str
    row: int
    words: str  # 待遇发放明细 2024年2月 第586行
    path: str | None  # the file it was loaded from
    file_hash: str
    cells: list[tuple[str, str | None]]  # (header, cell as it arrived)


def evidence_row(session: Session, user: User, feed: str, period: str, row: int) -> EvidenceRowView | None:
    """The row as it arrived, if a published finding cites it and the user may see it: a
    township officer only rows their township's findings cite (else None: not there for them).
    Identity numbers are masked for the roles that see them masked, cell by cell as they came
    (spaces and full-width characters kept, the length too). An address that is no evidence
    reference (an unknown feed, a period that is none, a row no file has) is not there either."""
    if feed not in FEEDS_BY_NAME or not EVIDENCE_REF.fullmatch(f"{feed}/{period}#{row}") or not 1 <= row < 2**31:
        return None
    query = select(EvidenceRow).where(
        EvidenceRow.feed == feed, EvidenceRow.period == period, EvidenceRow.row_number == row
    )
    township = findings_scope(user)
    if township is not None:
        query = query.where(EvidenceRow.township_code == township)
    found = session.scalars(query.limit(1)).first()
    if found is None:
        return None
    declared = FEEDS_BY_NAME.get(feed)
    ids = (
        {c.header for c in declared.columns if c.kind in (Kind.ID, Kind.DOC_ID, Kind.DISABILITY_CERT)}
        if declared
        else set()
    )
    arrived: dict[str, Any] = json.loads(found.arrived)
    cells: list[tuple[str, str | None]] = []
    for header, value in arrived.items():
        text = None if value is None else str(value)
        if text is not None and header in ids and not sees_full_ids(user):
            text = mask_id(text)
        cells.append((header, text))
    path = session.scalar(
        select(FeedFile.path).where(
            FeedFile.feed == feed, FeedFile.period == period, FeedFile.file_hash == found.file_hash
        )
    )
    ref = f"{feed}/{period}#{row}"
    return EvidenceRowView(feed, period, row, evidence_words(ref), path, found.file_hash, cells)


def openable_evidence(session: Session, user: User, refs: list[str] | set[str]) -> set[str]:
    """Of these references, the rows the user can open (published, within their township)."""
    parts = [m for ref in refs if (m := EVIDENCE_REF.match(ref or ""))]
    if not parts:
        return set()
    query = select(EvidenceRow.feed, EvidenceRow.period, EvidenceRow.row_number).where(
        EvidenceRow.feed.in_({m["feed"] for m in parts}),
        EvidenceRow.period.in_({m["period"] for m in parts}),
        EvidenceRow.row_number.in_({int(m["row"]) for m in parts}),
    )
    township = findings_scope(user)
    if township is not None:
        query = query.where(EvidenceRow.township_code == township)
    return {f"{feed}/{period}#{row}" for feed, period, row in session.execute(query)}


# ---------------------------------------------------------------------------------- cases


def case_history(session: Session, case_id: int) -> list[dict]:
    """The case's audit entries as a clerk reads them: who (by name), what was done and to
    what (in words), when (北京时间), why."""
    entries = session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)).all()
    names = dict(session.execute(select(User.username, User.display_name)).all())
    suspect = suspect_ids(session.connection(), [e.id for e in entries])
    return [
        {
            "at": beijing(e.at),
            "intact": e.id not in suspect,
            "actor": names.get(e.actor, "系统" if e.actor == "system" else e.actor),
            "action": action_words(e.action),
            "object": object_words(e.entity, e.entity_id, e.before, e.after),
            "change": status_change(e.entity, e.before, e.after),
            "reason": e.reason,
        }
        for e in entries
    ]


def beijing(at: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC, as `utcnow` writes it) in 北京时间 (zone-aware)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(ZoneInfo(BUREAU_TIMEZONE))


def action_words(action: str) -> str:
    return ACTION_LABELS.get(action, "其他操作")


ENTITY_WORDS = {
    "cases": "案件",
    "proposals": "申请",
    "payroll_holds": "停发记录",
    "back_payments": "补发记录",
    "settlements": "清算抵扣",
    "demands": "通知",
    "repayments": "退还",
    "referrals": "移交",
    "visits": "走访",
    "issued_documents": "文书",
    "issued_files": "文书文件",
    "findings": "疑点",
    "users": "用户",
}


def object_words(entity: str, entity_id: str, before: dict | None, after: dict | None) -> str:
    """What an entry acted on, in words: 案件 1号（张三）, 第 3 号申请（注销登记）…"""
    r = after or before or {}

    def money(key: str) -> str:
        return f"{Decimal(str(r[key])):,.2f} 元" if r.get(key) is not None else ""

    if entity == "cases":
        return f"案件 {entity_id}号" + (f"（{r['name']}）" if r.get("name") else "")
    if entity == "proposals":
        kind = PROPOSAL_LABELS.get(ProposalKind(r["kind"])) if r.get("kind") in ProposalKind.__members__ else ""
        return f"第 {entity_id} 号申请" + (f"（{kind}）" if kind else "")
    if entity == "payroll_holds":
        span = f"自 {r.get('from_month')}" + (f" 至 {r['until_month']}" if r.get("until_month") else " 起")
        return (
            f"个人编号 {r.get('person_no', '')} 停发（{r.get('reason_code', '')} {r.get('reason_label', '')}，{span}）"
        )
    if entity == "back_payments":
        return f"个人编号 {r.get('person_no', '')} {r.get('month', '')} 补发 {money('amount')}"
    if entity == "settlements":
        return f"清算抵扣：冒领 {money('overpaid')}，抵扣后尚需追缴 {money('remaining')}"
    if entity == "demands":
        kind = "追缴通知" if r.get("notice_kind") == "recovery" else "返还通知"
        return f"第 {entity_id} 号{kind}（{money('amount')}）"
    if entity == "repayments":
        return f"退还 {money('amount')}（缴存凭证 {r.get('voucher_no', '')}）"
    if entity == "referrals":
        return f"移交区人社局（尚欠 {money('outstanding')}）"
    if entity == "visits":
        return f"{r.get('visited_on', '')} 追缴走访"
    if entity == "issued_documents":
        return f"文书 {r.get('document_no', '')}".strip()
    return ENTITY_WORDS.get(entity, "记录")


def status_change(entity: str, before: dict | None, after: dict | None) -> str:
    """A case's status before and after the entry, when it changed: 调查核实中 → 已注销."""
    if entity != "cases" or not after or after.get("status") not in CaseStatus.__members__:
        return ""
    new = CASE_STATUS_LABELS[CaseStatus(after["status"])]
    old = str((before or {}).get("status"))
    if old in CaseStatus.__members__ and old != after["status"]:
        return f"{CASE_STATUS_LABELS[CaseStatus(old)]} → {new}"
    return "" if before else new


def visit_staff(session: Session, township_code: str | None) -> list[tuple[str, str, str]]:
    """Who may be named present at a recovery visit to a case of this township (article 30):
    the bureau's active staff and the township's officers, as (user name, name, post)."""
    rows = session.execute(
        select(User.username, User.display_name, User.role, User.township_code)
        .where(User.active.is_(True), User.role.in_(sorted(VISIT)))
        .order_by(User.role, User.display_name)
    ).all()
    return [
        (username, name, ROLE_LABELS[Role(role)])
        for username, name, role, township in rows
        if role != Role.township_officer or township == township_code
    ]


def person_numbers(session: Session, person_ids: list[str]) -> dict[str, str]:
    """Person → their 个人编号 as the person page shows them (the kept record first), for the
    findings that carry none themselves (a death reported by another department)."""
    numbers: dict[str, list[str]] = {}
    for i in range(0, len(person_ids), 500):
        rows = session.execute(
            select(PersonRecord.person_id, PersonRecord.person_no)
            .where(PersonRecord.person_id.in_(person_ids[i : i + 500]))
            .order_by(PersonRecord.person_id, PersonRecord.kept.desc(), PersonRecord.person_no)
        )
        for person_id, person_no in rows:
            if person_no not in numbers.setdefault(person_id, []):
                numbers[person_id].append(person_no)
    return {person_id: "、".join(nos) for person_id, nos in numbers.items()}


def display_names(session: Session) -> dict[str, str]:
    """User name → the person's name."""
    return dict(session.execute(select(User.username, User.display_name)).all())


def user_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.display_name)).all())


def case_list(session: Session, user: User, status: str | None, page: int, size: int) -> tuple[list[Case], int]:
    query = scope_cases(select(Case), user)
    if status:
        query = query.where(Case.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Case.updated_at.desc(), Case.id.desc()).offset((page - 1) * size).limit(size)
    ).all()
    return list(rows), total


def finding_types(session: Session) -> list[tuple[str, str]]:
    return list(
        session.execute(
            select(FindingType.exception_type, FindingType.label).order_by(FindingType.exception_type)
        ).all()
    )


def today_month(today: dt.date) -> str:
    return policy.month_of(today)


def dashboard_as_of(session: Session) -> str | None:
    """T, the as-of month of the build readers see (None before the first)."""
    return session.scalar(select(Publication.as_of_month).where(Publication.id == current_build()))


def feed_titles() -> dict[str, tuple[str, str]]:
    return {f.name: (f.title, f.sender) for f in FEEDS}
