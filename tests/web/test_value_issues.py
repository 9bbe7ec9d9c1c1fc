"""Value issues (unreadable values in columns no rule reads; the row loaded) reach the data
engineer's 数据源 pages through the case store: counted per feed period on the overview, and
listed on the feed period's page with their Chinese column header and reason, each value exactly
as it arrived. On the tiny district, whose generator plants them (truth.json lists them)."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from api.web.as_arrived import LOOK_ALIKES, WHITESPACE
from casework.db import session_factory
from casework.published import ValueIssue
from pension_audit.ingest.feeds import FEEDS_BY_NAME, ROW_REASONS
from tests.conftest import BuiltDistrict
from tests.web.conftest import Console

# Its tests share a module fixture: one worker runs them all, so it is made once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("web-value-issues")


def planted(district: BuiltDistrict) -> dict[tuple[str, str], set[tuple[int, str, str]]]:
    """Per feed period, the value issues the generator planted: (row, column, reason)."""
    out: dict[tuple[str, str], set[tuple[int, str, str]]] = {}
    for f in district.truth["files"].values():
        for v in f["value_issues"]:
            out.setdefault((f["feed"], f["period"]), set()).add((v["row"], v["column"], v["reason"]))
    return out


def arrived(console: Console, feed: str, period: str) -> dict[tuple[int, str], tuple[str, str | None]]:
    """The warehouse's value issues of the period: (row, column) → (header, value as it arrived)."""
    with duckdb.connect(str(console.home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT row_number, column_name, header, value FROM meta.value_issues WHERE feed = ? AND period = ?",
            [feed, period],
        ).fetchall()
    return {(row, column): (header, value) for row, column, header, value in rows}


def test_the_store_holds_exactly_the_planted_value_issues(tiny_district, console: Console):
    with session_factory(console.engine)() as s:
        held = {(v.feed, v.period, v.row_number, v.column_name, v.reason) for v in s.scalars(select(ValueIssue))}
        assert s.scalar(select(func.count()).select_from(ValueIssue)) == len(held)
    expected = {(feed, period, *issue) for (feed, period), issues in planted(tiny_district).items() for issue in issues}
    assert expected and held == expected


def test_the_feed_period_page_shows_each_value_issue_as_it_arrived(tiny_district, console: Console, sign_in, shot):
    page = sign_in("shuju")
    issues = planted(tiny_district)
    # The overview counts them per feed period.
    for (feed, period), expected in issues.items():
        row = page.locator("[data-testid=feed-periods] tbody tr").filter(
            has=page.locator(f"a[href='/web/feeds/{feed}/{period}']")
        )
        expect(row.get_by_test_id("value-issue-count")).to_have_text(str(len(expected)))
    shot(page, "feeds-value-issues")
    for (feed, period), expected in sorted(issues.items()):
        page.goto(f"/web/feeds/{feed}/{period}")
        table = page.get_by_test_id("value-issues")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(len(expected))
        values = arrived(console, feed, period)
        shown = set()
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            row, column = int(cells.nth(0).inner_text()), cells.nth(1).inner_text()
            header, value = values[(row, column)]
            reason = next(r for n, c, r in expected if (n, c) == (row, column))
            assert cells.nth(2).inner_text() == header == FEEDS_BY_NAME[feed].column(column).header
            assert cells.nth(4).inner_text() == ROW_REASONS[reason]
            # The value exactly as it arrived: whitespace visible, look-alikes marked, nothing retyped.
            cell = cells.nth(3)
            assert value is not None and cell.text_content() == "".join(WHITESPACE.get(c, c) for c in value)
            marked = sum(c in LOOK_ALIKES or 0xFF01 <= ord(c) <= 0xFF5E for c in value)
            expect(cell.locator("mark.lookalike")).to_have_count(marked)
            expect(cell.locator("mark.ws")).to_have_count(sum(c in WHITESPACE for c in value))
            shown.add((row, column, reason))
        assert shown == expected, (feed, period)
    shot(page, "feed-period-value-issues")
