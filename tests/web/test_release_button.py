"""The 放行 button of the 数据源 page, in a real browser: a data engineer releases a held file
(recorded once, audited, the page then says it is requested); a clerk (区社保局经办) sees no
button and is refused if they post anyway; a period with nothing held, an unknown feed, a second
request for the same file and a post from another site are all refused, and none records a
release. Over the tiny district's case store, with the build's file log saying one payments file
was held (a re-sent December file cut short)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from casework.db import session_factory, transaction
from casework.models import AuditEntry, FeedRelease
from casework.published import FeedFile, current_build
from tests.web.conftest import Console

# Its tests share a module fixture: one worker runs them all, so it is made once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("web-release-button")

FEED, PERIOD = "payments", "2025-12"
PAGE = f"/web/feeds/{FEED}/{PERIOD}"


@pytest.fixture(scope="module")
def held(console: Console) -> Console:
    """The published build's file log gains the held re-send of December's payments."""
    with transaction(session_factory(console.engine, writing=True)) as s:
        s.add(
            FeedFile(
                feed=FEED,
                period=PERIOD,
                path=f"{FEED}/{PERIOD}.csv",
                file_hash="resent-cut-short",
                status="held",
                rows_read=9,
                rows_loaded=0,
                rows_quarantined=0,
                reason="too_few_rows",
                message=f"{FEED}/{PERIOD}.csv：可读行数远低于本数据源的历史，暂缓载入",
                ingested_at=dt.datetime(2026, 1, 6, 9, 0),
                row_hash="resent-cut-short",
                built_in=s.scalar(select(current_build())),
            )
        )
    return console


def releases(console: Console) -> list[tuple[str, str, int]]:
    with session_factory(console.engine)() as s:
        return [(r.feed, r.period, r.requested_by) for r in s.scalars(select(FeedRelease))]


def test_a_clerk_sees_no_button_and_is_refused_if_they_post(held: Console, sign_in, shot):
    page = sign_in("jingban")
    page.goto(PAGE)
    expect(page.get_by_text("可读行数骤减").first).to_be_visible()
    expect(page.get_by_test_id("release")).to_have_count(0)
    shot(page, "release-clerk")
    forged = page.request.post(f"{PAGE}/release")
    assert forged.status == 403 and "放行暂缓载入的文件" in forged.text()
    assert releases(held) == []


def test_hostile_posts_record_nothing(held: Console, sign_in):
    page = sign_in("shuju")
    page.goto(PAGE)
    for where in (f"/web/feeds/{FEED}/2025-11", "/web/feeds/nosuch/2025-12", f"/web/feeds/{FEED}/2025-13"):
        answer = page.request.post(f"{where}/release")
        assert answer.status == 404, (where, answer.status)
    # From another site, with the engineer's cookie: refused before anything runs.
    forged = page.request.post(f"{PAGE}/release", headers={"Origin": "https://evil.example"})
    assert forged.status == 403 and "已拒绝来自其他网站的提交" in forged.text()
    assert releases(held) == []


def test_a_data_engineer_releases_once_and_it_is_audited(held: Console, sign_in, shot):
    first, second = sign_in("shuju"), sign_in("shuju")
    for page in (first, second):
        page.goto(PAGE)
        expect(page.get_by_test_id("release").get_by_role("button", name="放行")).to_be_visible()
    first.get_by_test_id("release").get_by_role("button", name="放行").click()
    expect(first.get_by_role("status")).to_contain_text("已申请放行")
    expect(first.get_by_test_id("release-pending")).to_be_visible()
    expect(first.get_by_test_id("release")).to_have_count(0)
    shot(first, "release-requested")
    # The same file from a page opened before: a second request is refused, on the page.
    second.get_by_test_id("release").get_by_role("button", name="放行").click()
    expect(second.get_by_role("alert")).to_contain_text("已申请放行")
    with session_factory(held.engine)() as s:
        (release,) = s.scalars(select(FeedRelease)).all()
        assert (release.feed, release.period, release.path, release.applied_at) == (
            FEED,
            PERIOD,
            f"{FEED}/{PERIOD}.csv",
            None,
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "request_release", AuditEntry.actor == "shuju")
        )
        assert audited == 1
