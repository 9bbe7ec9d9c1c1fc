"""One set of figures: the money of the open findings is computed once, in the warehouse
(pub_finding_totals), each person's record-month counted once within a total, and the
dashboard, the findings list and its Excel export show those same figures. Checked here
against a count of the case store's own finding months, made independently in Python."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from python_calamine import CalamineWorkbook
from sqlalchemy import select

from casework.db import session_factory
from casework.models import Finding, FindingStatus
from casework.published import FindingMonth
from tests.api.conftest import Api

ZERO = Decimal("0.00")


def expected(api: Api) -> dict[tuple[str, str], tuple[int, Decimal]]:
    """(township, type) → (findings, amount), '*' for all, counted from the store's rows."""
    with session_factory(api.engine)() as s:
        findings = s.scalars(select(Finding).where(Finding.status == FindingStatus.open)).all()
        months: dict[str, list[tuple[str, str, Decimal]]] = {}
        for key, no, month, amount in s.execute(
            select(FindingMonth.finding_key, FindingMonth.person_no, FindingMonth.month, FindingMonth.amount)
        ):
            months.setdefault(key, []).append((no, month, amount))
    scopes: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        town = f.township_code or ""
        for scope in ((town, f.exception_type), ("*", f.exception_type), (town, "*"), ("*", "*")):
            scopes.setdefault(scope, []).append(f)
    out = {}
    for scope, members in scopes.items():
        once = {(no, month): amount for f in members for no, month, amount in months.get(f.finding_key, [])}
        fixed = sum((f.overpaid_amount for f in members if f.finding_key not in months), ZERO)
        out[scope] = (len(members), sum(once.values(), ZERO) + fixed)
    return out


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_dashboard_list_and_export_show_the_same_figures(api: Api):
    figures = expected(api)
    total_count, total_amount = figures[("*", "*")]
    naive = sum((f for (town, t), (_, f) in figures.items() if town == "*" and t != "*"), ZERO)
    assert naive >= total_amount, "types may add up to more than the total, never less"

    page = api.get("jingban", "/web/dashboard").text
    assert int(re.search(r'data-testid="open-total">(\d+)<', page)[1]) == total_count
    assert money(re.search(r'data-testid="open-amount">([\d,.]+)<', page)[1]) == total_amount
    assert "各类型金额之和可能大于" in page
    for (town, exception_type), (count, amount) in figures.items():
        if town != "*" or exception_type == "*":
            continue
        row = re.search(rf'<tr data-type="{exception_type}">.*?</tr>', page, re.DOTALL)[0]
        cells = re.findall(r'<td class="n">([^<]*)</td>', row)
        assert (int(cells[0]), money(cells[1])) == (count, amount), exception_type

        listed = api.get("jingban", "/web/findings", params={"type": exception_type, "status": "open"}).text
        assert int(re.search(r'data-testid="total">(\d+)<', listed)[1]) == count
        assert money(re.search(r'data-testid="list-amount">([\d,.]+)<', listed)[1]) == amount, exception_type

    listed = api.get("jingban", "/web/findings", params={"status": "open"}).text
    assert money(re.search(r'data-testid="list-amount">([\d,.]+)<', listed)[1]) == total_amount
    r = api.get("jingban", "/web/findings/export.xlsx", params={"status": "open"})
    assert r.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    last = rows[-1]
    assert str(last[0]).startswith(f"合计 {total_count} 条") and Decimal(f"{last[9]:.2f}") == total_amount
    assert len(rows) == 1 + total_count + 1, "header, every open finding, the total"


def test_every_exported_row_carries_the_person_number_the_person_page_shows(api: Api):
    r = api.get("jingban", "/web/findings/export.xlsx", params={"type": "death"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    header, body = rows[0], [row for row in rows[1:] if not str(row[0]).startswith("合计")]
    column = header.index("个人编号")
    assert body and all(str(row[column]).strip() for row in body), "every death has a roster record"
