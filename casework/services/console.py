"""Read-only questions the web console asks: aggregates of the findings a user may see, the
case history with names, and, from the warehouse's read-only snapshot, what only it holds
(payment strips, evidence files, feed quality, township accountability). Nothing here
writes; the workflow stays in `casework.services.cases`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Self

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.models import (
    CASE_STATUS_LABELS,
    AuditEntry,
    Case,
    CaseStatus,
    Finding,
    FindingMonth,
    FindingStatus,
    FindingType,
    Publication,
    User,
)
from casework.services import policy
from casework.services.access import scope_cases, scope_findings
from casework.services.townships import township_names
from pension_audit.ingest.feeds import (
    FEEDS,
    FEEDS_BY_NAME,
    FILE_REASONS,
    ROW_REASONS,
    Cadence,
    Kind,
)

ZERO = Decimal("0.00")

EVENT_LABELS = {
    "death": "死亡", "cremation": "火化", "deregistration_death": "户籍注销（死亡）",
    "deregistration": "户籍注销", "nationality_loss": "丧失国籍", "sentence": "刑事判决",
    "custody": "羁押", "commutation": "减刑、假释", "acquittal": "宣告无罪",
    "other_pension": "享受其他养老待遇", "special_group": "特殊群体认定",
    "military_service": "服兵役", "military_discharge": "退役", "certification": "资格认证",
    "detention": "羁押（乡镇上报）",
}
ACTION_LABELS = {
    "case_opened": "立案", "findings_attached": "并入疑点", "status_changed": "状态变更",
    "proposed_suspension": "提出暂停发放", "proposed_resumption": "提出恢复发放",
    "proposed_cancellation": "提出注销登记", "proposed_offset": "提出清算抵扣",
    "proposed_write_off": "提出核销", "approved": "复核批准", "rejected": "复核驳回",
    "applied_suspension": "暂停发放生效", "applied_resumption": "恢复发放生效",
    "applied_cancellation": "注销登记生效", "applied_offset": "清算抵扣生效",
    "applied_write_off": "核销生效", "demand_issued": "下达追缴（返还）通知",
    "repayment_recorded": "登记退还", "demand_repaid": "足额退还", "visit_recorded": "登记走访",
    "case_closed": "办结", "referred": "移交区人社局", "demand_referred": "追缴移交",
    "document_issued": "出具文书",
}
REPORT_STATUS = {"on_time": "按时上报", "late": "迟报", "missed": "漏报", "pending": "待报"}


def township_label(code: str | None) -> str:
    if not code:
        return "—"
    return township_names().get(code, code)


class Warehouse:
    """One short read-only connection to the warehouse per page (a connect costs more than the
    queries of a page), closed when the page is rendered: the pipeline writes the file in place
    and must find no reader holding it. Every question answers None when there is no warehouse,
    or it is being rebuilt: the page says 暂无数据."""

    def __init__(self, path: Path):
        self.path = path
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def rows(self, sql: str, params: list | None = None) -> list[tuple] | None:
        if not self.path.exists():
            return None
        try:
            if self.con is None:
                self.con = duckdb.connect(str(self.path), read_only=True, config={
                    "autoinstall_known_extensions": False, "autoload_known_extensions": False})
            return self.con.execute(sql, params).fetchall()
        except duckdb.Error:
            return None


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


def dashboard(session: Session, user: User) -> Dashboard:
    publication = session.scalar(select(Publication).order_by(Publication.id.desc()).limit(1))
    as_of = publication.as_of_month if publication else None
    this_month = as_of
    last_month = policy.add_months(as_of, -1) if as_of else None
    scoped = scope_findings(select(Finding.exception_type, Finding.township_code, Finding.event_period,
                                   func.count(), func.sum(Finding.overpaid_amount)),
                            user).where(Finding.status == FindingStatus.open)
    rows = session.execute(scoped.group_by(Finding.exception_type, Finding.township_code,
                                           Finding.event_period)).all()
    labels = dict(session.execute(select(FindingType.exception_type, FindingType.label)).all())

    def bucket() -> dict:
        return {"count": 0, "amount": ZERO, "this": 0, "this_amount": ZERO, "last": 0, "last_amount": ZERO}

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
                b["this_amount"] += amount
            elif period == last_month:
                b["last"] += count
                b["last_amount"] += amount
        m = months.setdefault(period[:7], {"count": 0, "amount": ZERO})
        m["count"] += count
        m["amount"] += amount
    by_type = sorted(({"code": k, "label": labels.get(k, k), **v} for k, v in types.items()),
                     key=lambda r: (-r["amount"], r["code"]))
    by_township = sorted(({"code": k, "label": township_label(k) if k else "（无乡镇）", **v}
                          for k, v in towns.items()), key=lambda r: (-r["amount"], r["code"]))
    trend = []
    if as_of:
        for i in range(11, -1, -1):
            month = policy.add_months(as_of, -i)
            trend.append({"month": month, **months.get(month, {"count": 0, "amount": ZERO})})
    cases = session.execute(scope_cases(select(Case.status, func.count()), user).group_by(Case.status)).all()
    return Dashboard(as_of, this_month, last_month, by_type, by_township, trend,
                     sum(t["count"] for t in by_type), sum((t["amount"] for t in by_type), ZERO),
                     [(CASE_STATUS_LABELS[CaseStatus(s)], n) for s, n in sorted(cases)])


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


def feed_freshness(wh: Warehouse, as_of: str | None) -> list[Freshness] | None:
    rows = wh.rows("""
        SELECT feed, max(period) FROM meta.file_log WHERE status = 'loaded' AND feed IS NOT NULL
        GROUP BY feed""")
    if rows is None:
        return None
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
        out.append(Freshness(feed.name, feed.title, feed.sender, "月报" if feed.cadence is Cadence.MONTHLY
                             else "年报", have, expected, behind))
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


def feed_periods(wh: Warehouse) -> list[FeedPeriod] | None:
    rows = wh.rows("""
        WITH files AS (
            SELECT feed, period, count(*) FILTER (WHERE status = 'loaded') AS files,
                   count(*) FILTER (WHERE status = 'failed') AS failed,
                   coalesce(sum(rows_read) FILTER (WHERE status = 'loaded'), 0) AS rows_read,
                   coalesce(sum(rows_loaded) FILTER (WHERE status = 'loaded'), 0) AS rows_loaded,
                   coalesce(sum(rows_quarantined) FILTER (WHERE status = 'loaded'), 0) AS rows_quarantined
            FROM meta.file_log WHERE status <> 'replaced' AND feed IS NOT NULL AND period IS NOT NULL
            GROUP BY feed, period),
        checks AS (
            SELECT feed, period, count(*) FILTER (WHERE NOT success) AS failed, count(*) AS n
            FROM meta.check_results GROUP BY feed, period)
        SELECT f.feed, f.period, f.files, f.failed, f.rows_read, f.rows_loaded, f.rows_quarantined,
               coalesce(c.failed, 0), coalesce(c.n, 0)
        FROM files f LEFT JOIN checks c USING (feed, period)
        ORDER BY f.feed, f.period DESC""")
    if rows is None:
        return None
    return [FeedPeriod(*r) for r in rows]


def unplaced_files(wh: Warehouse) -> list[dict]:
    """Files refused before a feed and period could be read from their name."""
    rows = wh.rows("""
        SELECT path, coalesce(reason, ''), coalesce(message, ''), strftime(ingested_at, '%Y-%m-%d %H:%M')
        FROM meta.file_log WHERE status = 'failed' AND (feed IS NULL OR period IS NULL) ORDER BY path""")
    return [{"path": p, "reason": FILE_REASONS.get(r, r), "message": m, "at": a} for p, r, m, a in rows or []]


PERSONAL_KINDS = (Kind.ID, Kind.DOC_ID, Kind.DISABILITY_CERT, Kind.NAME, Kind.PERSON_NO, Kind.CASE_NO)


def mask(value: str | None, feed: str, column: str) -> str:
    """What a data engineer may see of a refused value: its shape, not the person. Identifiers
    keep their first six and last two characters (region and check digit), names only their
    length; dates, amounts and codes show as sent."""
    if value is None:
        return ""
    text = str(value)
    try:
        kind = FEEDS_BY_NAME[feed].column(column).kind
    except KeyError:
        kind = Kind.ID  # unknown: treat as personal
    if kind not in PERSONAL_KINDS:
        return text
    if kind is Kind.NAME or len(text) <= 8:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 8) + text[-2:]


@dataclass
class FeedPeriodDetail:
    feed: str
    title: str
    period: str
    files: list[dict]
    quarantine: list[dict]
    reasons: list[tuple[str, int]]
    checks: list[dict]


def feed_period_detail(wh: Warehouse, feed: str, period: str) -> FeedPeriodDetail | None:
    if feed not in FEEDS_BY_NAME:
        return None
    files = wh.rows("""
        SELECT path, status, coalesce(encoding, ''), rows_read, rows_loaded, rows_quarantined,
               coalesce(reason, ''), coalesce(message, ''), strftime(ingested_at, '%Y-%m-%d %H:%M:%S')
        FROM meta.file_log WHERE feed = ? AND period = ? ORDER BY ingested_at""", [feed, period])
    if files is None:
        return None
    quarantine = wh.rows("""
        SELECT row_number, column_name, coalesce(header, ''), value, reason FROM meta.quarantine
        WHERE feed = ? AND period = ? ORDER BY row_number, column_name""", [feed, period]) or []
    checks = wh.rows("""
        SELECT expectation, coalesce(column_name, ''), severity, success, unexpected_count,
               coalesce(description, '')
        FROM meta.check_results WHERE feed = ? AND period = ? ORDER BY success, severity, expectation,
        column_name""", [feed, period]) or []
    status_words = {"loaded": "已载入", "replaced": "已被替换", "failed": "未载入"}
    reasons: dict[str, int] = {}
    for r in quarantine:
        label = ROW_REASONS.get(r[4], r[4])
        reasons[label] = reasons.get(label, 0) + 1
    return FeedPeriodDetail(
        feed, FEEDS_BY_NAME[feed].title, period,
        [{"path": p, "status": status_words.get(s, s), "encoding": e, "rows_read": rr, "rows_loaded": rl,
          "rows_quarantined": rq, "reason": FILE_REASONS.get(reason, reason), "message": m, "at": at}
         for p, s, e, rr, rl, rq, reason, m, at in files],
        [{"row": n, "column": c, "header": h, "value": mask(v, feed, c), "reason": ROW_REASONS.get(r, r)}
         for n, c, h, v, r in quarantine],
        sorted(reasons.items(), key=lambda kv: -kv[1]),
        [{"expectation": e, "column": c, "severity": s, "success": ok, "unexpected": u, "description": d}
         for e, c, s, ok, u, d in checks])


# ------------------------------------------------------------------------- accountability


ACCOUNTABILITY_COLUMNS = ("township_code", "township_name", "events", "on_time", "late", "missed",
                          "pending", "attributable_loss")


def accountability_years(wh: Warehouse) -> list[int] | None:
    rows = wh.rows("SELECT DISTINCT year FROM marts.accountability_township_year ORDER BY 1 DESC")
    return None if rows is None else [r[0] for r in rows]


def accountability_months(wh: Warehouse, year: int) -> list[str]:
    rows = wh.rows("""SELECT DISTINCT strftime(month, '%Y-%m') FROM marts.accountability_township_month
                               WHERE year(month) = ? ORDER BY 1""", [year])
    return [r[0] for r in rows or []]


def accountability_year(wh: Warehouse, year: int) -> list[dict] | None:
    rows = wh.rows("""
        SELECT township_code, township_name, recipients, events, on_time, late, missed, pending,
               on_time_rate, attributable_loss, improper_months, overpaid_amount, certification_coverage,
               loss_rank
        FROM marts.accountability_township_year WHERE year = ? ORDER BY loss_rank, township_code""", [year])
    if rows is None:
        return None
    keys = ("township_code", "township_name", "recipients", "events", "on_time", "late", "missed", "pending",
            "on_time_rate", "attributable_loss", "improper_months", "overpaid_amount",
            "certification_coverage", "rank")
    return [dict(zip(keys, r)) for r in rows]


def accountability_month(wh: Warehouse, month: str) -> list[dict] | None:
    rows = wh.rows("""
        SELECT township_code, township_name, events, on_time, late, missed, pending, attributable_loss
        FROM marts.accountability_township_month WHERE strftime(month, '%Y-%m') = ?
        ORDER BY attributable_loss DESC, township_code""", [month])
    if rows is None:
        return None
    return [dict(zip(ACCOUNTABILITY_COLUMNS, r)) for r in rows]


def accountability_events(wh: Warehouse, session: Session, township: str | None, year: int | None,
                          month: str | None) -> list[dict] | None:
    """The late and missed reports behind a township's figures, with the person's name from
    the case store."""
    where, params = ["report_status IN ('late', 'missed')"], []
    if township:
        where.append("township_code = ?")
        params.append(township)
    if month:
        where.append("strftime(event_month, '%Y-%m') = ?")
        params.append(month)
    elif year:
        where.append("year(event_month) = ?")
        params.append(year)
    rows = wh.rows(f"""
        SELECT event_type, finding_key, person_id, person_no, township_code, event_date,
               strftime(event_month, '%Y-%m'), strftime(due_month, '%Y-%m'),
               strftime(report_month, '%Y-%m'), report_status, report_ref, roster_ref, attributable_loss
        FROM marts.accountability_events WHERE {' AND '.join(where)}
        ORDER BY township_code, event_month, person_id""", params)
    if rows is None:
        return None
    keys = [r[1] for r in rows]
    names = dict(session.execute(select(Finding.finding_key, Finding.name)
                                 .where(Finding.finding_key.in_(keys))).tuples().all())
    return [{"event_type": EVENT_LABELS.get(t, t), "finding_key": k, "person_id": pid, "person_no": no,
             "name": names.get(k), "township": township_label(code), "event_date": d, "event_month": em,
             "due_month": due, "report_month": rm, "status": REPORT_STATUS.get(s, s), "status_code": s,
             "report_ref": rref, "roster_ref": roster, "loss": loss}
            for t, k, pid, no, code, d, em, due, rm, s, rref, roster, loss in rows]


# -------------------------------------------------------------------------------- persons


@dataclass
class Strip:
    months: list[str]
    rows: list[dict] = field(default_factory=list)  # person_no, cells: [{month, amount, improper}]


def payment_strip(wh: Warehouse, person_nos: list[str], improper: list[FindingMonth],
                  as_of: str | None) -> Strip:
    """Month by month, per roster record: what was paid (成功 rows, from the warehouse's
    snapshot) and which months a finding calls improper. Without a warehouse, the improper
    months alone."""
    paid: dict[tuple[str, str], Decimal] = {}
    if person_nos:
        marks = ", ".join("?" for _ in person_nos)
        rows = wh.rows(f"""
            SELECT person_no, strftime(for_month, '%Y-%m'), sum(amount) FROM raw.payments
            WHERE person_no IN ({marks}) AND pay_status = '成功' GROUP BY ALL""", list(person_nos))
        paid = {(no, m): amount for no, m, amount in rows or []}
    bad = {}
    for fm in improper:
        bad[(fm.person_no, fm.month)] = fm.amount
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
            cells.append({"month": m, "amount": amount if amount is not None else bad.get((no, m)),
                          "improper": (no, m) in bad, "improper_amount": bad.get((no, m))})
        strip.rows.append({"person_no": no, "cells": cells})
    return strip


def evidence_files(wh: Warehouse, refs: list[str]) -> dict[str, str]:
    """source_ref 'feed/period#row' -> the file it was loaded from."""
    pairs = {tuple(ref.split("#", 1)[0].split("/", 1)) for ref in refs if "/" in ref}
    if not pairs:
        return {}
    rows = wh.rows("SELECT feed, period, path FROM meta.file_log WHERE status = 'loaded'") or []
    paths = {(f, p): path for f, p, path in rows}
    out = {}
    for ref in refs:
        key = tuple(ref.split("#", 1)[0].split("/", 1))
        if key in paths:
            out[ref] = paths[key]
    return out


# ---------------------------------------------------------------------------------- cases


def case_history(session: Session, case_id: int) -> list[dict]:
    entries = session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                              .order_by(AuditEntry.id)).all()
    names = dict(session.execute(select(User.username, User.display_name)).all())
    return [{"at": e.at, "actor": names.get(e.actor, "系统" if e.actor == "system" else e.actor),
             "action": ACTION_LABELS.get(e.action, e.action), "entity": e.entity, "entity_id": e.entity_id,
             "reason": e.reason, "status": (e.after or {}).get("status")} for e in entries]


def user_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.display_name)).all())


def case_list(session: Session, user: User, status: str | None, page: int, size: int) -> tuple[list[Case], int]:
    query = scope_cases(select(Case), user)
    if status:
        query = query.where(Case.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Case.updated_at.desc(), Case.id.desc())
                           .offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def finding_types(session: Session) -> list[tuple[str, str]]:
    return list(session.execute(select(FindingType.exception_type, FindingType.label)
                                .order_by(FindingType.exception_type)).all())


def today_month(today: dt.date) -> str:
    return policy.month_of(today)


def dashboard_as_of(session: Session) -> str | None:
    """T, the as-of month of the latest publishing (None before the first)."""
    return session.scalar(select(Publication.as_of_month).order_by(Publication.id.desc()).limit(1))


def feed_titles() -> dict[str, tuple[str, str]]:
    return {f.name: (f.title, f.sender) for f in FEEDS}
