"""The dashboard's 本月 figures show what a month can know. A month's deaths and sentences have
no improper months yet, so the money of a month is what it added to the warehouse's running
totals: the improper payments made in that 发放年月 and the fixed amounts of its events. Beside
them, what the bureau did in the calendar month: cases opened, records held, demands issued,
money repaid."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from casework.db import session_factory
from casework.models import Finding
from casework.published import FindingMonth
from casework.services import policy
from casework.services.policy import latest_publication
from pension_audit.settings import bureau_today
from tests.api.conftest import Api
from tests.api.test_one_validation import console
from tests.reports.support import settled_demand

ZERO = Decimal("0.00")


def event_month(f: Finding) -> str:
    if f.event_date is not None:
        return f.event_date.strftime("%Y-%m")
    return f.event_period if len(f.event_period) == 7 else f"{f.event_period}-12"


def as_at(api: Api, month: str) -> dict[str, Decimal]:
    """Type → the findings' money as at the end of `month`: of the findings whose event falls in
    or before it, each record's improper month up to it once within the type, and the amounts
    of findings without improper months, counted from the store's own rows."""
    with session_factory(api.engine)() as s:
        findings = {f.finding_key: f for f in s.scalars(select(Finding)) if event_month(f) <= month}
        rows = s.execute(
            select(FindingMonth.finding_key, FindingMonth.person_no, FindingMonth.month, FindingMonth.amount)
        ).all()
        everything = set(s.scalars(select(Finding.finding_key)))
    with_months = {key for key, *_ in rows}
    once: dict[str, dict[tuple[str, str], Decimal]] = {}
    for key, no, paid, amount in rows:
        if key in findings and paid <= month:
            once.setdefault(findings[key].exception_type, {})[(no, paid)] = amount
    out = {t: sum(m.values(), ZERO) for t, m in once.items()}
    for key, f in findings.items():
        if key not in with_months and key in everything:
            out[f.exception_type] = out.get(f.exception_type, ZERO) + f.overpaid_amount
    return out


def added_in(api: Api, month: str) -> dict[str, Decimal]:
    """Type → what `month` added to the running totals."""
    now, before = as_at(api, month), as_at(api, policy.add_months(month, -1))
    return {t: now.get(t, ZERO) - before.get(t, ZERO) for t in set(now) | set(before)}


def cells(page: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-type="{code}">.*?</tr>', page, re.DOTALL)[0]
    return re.findall(r'<td class="n">([^<]*)</td>', row)


def test_this_months_columns_show_what_the_month_added_and_what_was_done(api: Api):
    api.clock.day = bureau_today()  # the calendar month of the cases' own timestamps
    case, demand = settled_demand(api, "imprisonment", "服刑人员家属", "配偶")
    r = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "PZ-1", "amount": "100.00", "paid_on": api.clock.day.isoformat()},
    )
    assert r.status_code == 201, r.text
    with session_factory(api.engine)() as s:
        as_of = latest_publication(s).as_of_month
    page = console(api, "jingban").get("/web/dashboard").text

    this, last = added_in(api, as_of), added_in(api, policy.add_months(as_of, -1))
    assert sum(this.values(), ZERO) > 0, "the month's money is no longer always 0"
    for code in set(this) | set(last):
        if f'data-type="{code}"' in page:
            shown = cells(page, code)
            assert Decimal(shown[4].replace(",", "")) == this.get(code, ZERO), f"本月新增金额 {code}"
            assert Decimal(shown[5].replace(",", "")) == last.get(code, ZERO), f"上月新增金额 {code}"
    assert "本月新增金额" in page and 'data-testid="month-note"' in page

    work = page.split('data-testid="month-work"')[1].split("</section>")[0]
    month = api.clock.day
    assert f"本月办理（{month.year}年{month.month}月" in work
    assert re.search(r"<td>立案</td><td class=\"n\">1 件</td>", work), work
    assert re.search(r"<td>暂停、终止发放</td><td class=\"n\">[1-9]\d* 条记录</td>", work), work
    assert f"1 份，{Decimal(demand['amount']):,.2f} 元" in work
    assert '<td>追回</td><td class="n">100.00 元</td>' in work

    # A township officer's month is their township's alone: another township's case is not theirs.
    theirs = console(api, "xiangzhen_other").get("/web/dashboard").text
    if case["township_code"] != api.get("xiangzhen_other", "/auth/me").json().get("township_code"):
        assert '<td>立案</td><td class="n">0 件</td>' in theirs.split('data-testid="month-work"')[1]
