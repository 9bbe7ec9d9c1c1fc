"""The console in a real browser: each role signs in and lands where their work is; a death
case runs from the finding to write-off through the pages alone; each role sees what it may
and nothing else."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Console

# Its tests share a module fixture: one worker runs them all, so it is made once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("web-console")


def status_of(page: Page) -> str:
    return page.get_by_test_id("case-status").inner_text()


def propose(page: Page, kind: str, reason: str, **fields: str) -> None:
    form = page.get_by_test_id(f"propose-{kind}")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("button.primary").click()
    page.wait_for_load_state()


def approve(page: Page, case_url: str, note: str = "复核同意") -> None:
    page.goto(case_url)
    decide = page.locator("form.decide")
    expect(decide).to_have_count(1)
    decide.locator("input[name=note]").fill(note)
    decide.get_by_role("button", name="批准").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_have_text("已批准")


def test_sign_in_refuses_a_wrong_password_in_chinese(sign_in, shot):
    page = sign_in("jingban", "not the password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    assert page.context.cookies() == []
    shot(page, "login-refused")


def test_each_role_lands_on_its_own_work(sign_in, console: Console, shot):
    landings = {
        "jingban": ("/web/dashboard", "工作台"),
        "fuhe": ("/web/dashboard", "工作台"),
        "xiangzhen": ("/web/findings", "疑点清单"),
        "renshe": ("/web/accountability", "乡镇问责"),
        "shuju": ("/web/feeds", "数据源"),
    }
    for username, (path, heading) in landings.items():
        page = sign_in(username)
        assert page.url.endswith(path), (username, page.url)
        expect(page.locator("h1")).to_have_text(heading)
        cookie = next(c for c in page.context.cookies() if c["name"] == "pa_token")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        shot(page, f"landing-{username}")
    page.get_by_role("button", name="退出").click()
    assert page.url.endswith("/web/login")
    page.goto("/web/feeds")
    assert "/web/login?next=" in page.url, "signed out, a page sends you to sign in"


def test_dashboard_shows_money_by_type_and_township_a_trend_and_late_feeds(sign_in, shot):
    page = sign_in("jingban")
    assert int(page.get_by_test_id("open-total").inner_text()) > 0
    expect(page.locator("svg.chart rect.bar")).to_have_count(12)
    expect(page.get_by_role("heading", name="按疑点类型")).to_be_visible()
    expect(page.get_by_role("link", name="死亡后领取")).to_be_visible()
    expect(page.get_by_role("heading", name="数据报送及时性")).to_be_visible()
    assert page.locator("span.tag.bad").count() > 0, "the tiny district has departments that stopped reporting"
    shot(page, "dashboard")


def test_findings_filter_sort_page_and_export(sign_in, console: Console, shot):
    page = sign_in("jingban")
    page.goto("/web/findings")
    everything = int(page.get_by_test_id("total").inner_text())
    page.select_option("select[name=type]", "death")
    page.select_option("select[name=sort]", "-period")
    page.get_by_role("button", name="查询").click()
    deaths = int(page.get_by_test_id("total").inner_text())
    assert 0 < deaths < everything
    types = page.locator("[data-testid=findings] tbody tr td:first-child").all_inner_texts()
    assert set(types) == {"死亡后领取"}
    periods = page.locator("[data-testid=findings] tbody tr td:nth-child(5)").all_inner_texts()
    assert periods == sorted(periods, reverse=True), "a leading minus sorts descending"
    shot(page, "findings-deaths")
    page.select_option("select[name=sort]", "-amount")
    page.get_by_role("button", name="查询").click()
    amounts = [
        Decimal(a.replace(",", ""))
        for a in page.locator("[data-testid=findings] tbody tr td:nth-child(7)").all_inner_texts()
    ]
    assert amounts and amounts == sorted(amounts, reverse=True), "-amount: the largest first"
    month = periods[0]
    for typed in (month.replace("-", "/"), f"{month[:4]}年{int(month[5:])}月"):
        page.fill("input[name=month]", typed)
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_role("alert")).to_have_count(0)
        assert set(page.locator("[data-testid=findings] tbody tr td:nth-child(5)").all_inner_texts()) == {month}
    page.fill("input[name=month]", "2025-13")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("事件期间应为年月")
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"
    if everything > 50:
        page.goto("/web/findings")
        page.get_by_role("link", name="下一页").click()
        expect(page.locator(".lead")).to_contain_text("第 2 /")


def test_a_death_case_from_finding_to_write_off_through_the_pages(sign_in, console: Console, shot):
    jingban = sign_in("jingban")
    jingban.goto("/web/findings?type=death&sort=-amount")
    jingban.locator(f"a[href='/web/persons/{console.person_ref}']").first.click()
    jingban.wait_for_load_state()
    assert jingban.url.endswith(f"/web/persons/{console.person_ref}"), "the URL carries no identity number"
    expect(jingban.get_by_role("heading", name="身份信息")).to_be_visible()
    assert jingban.locator("[data-testid=strip] td.bad").count() > 0, "the improper months stand out"
    evidence = jingban.get_by_test_id("event-evidence").all_inner_texts()
    assert any(re.fullmatch(r"\S+ \d{4}年(\d{1,2}月)? 第\d+行", e) for e in evidence), evidence
    assert not any(re.search(r"[a-z_]+/\d{4}", e) for e in evidence), "no machine references"
    grouped = jingban.get_by_test_id("evidence").first.inner_text()
    assert re.search(r"\d{4}年(\d{1,2}月)?", grouped) and "第" in grouped, grouped
    shot(jingban, "person-before-case")

    jingban.get_by_role("button", name="立案").click()
    jingban.wait_for_load_state()
    case_url = jingban.url.split("?")[0]
    assert re.search(r"/web/cases/\d+$", case_url)
    assert status_of(jingban) == "调查核实中"
    expect(jingban.get_by_role("status")).to_have_text("已立案")
    assert jingban.locator("form.decide").count() == 0, "an inspector approves nothing"
    shot(jingban, "case-opened")

    # The service refuses a hold before the next 发放年月, in its own words, beside the form.
    propose(jingban, "cancellation", "死亡后仍领取待遇，申请注销", from_month="2020-01")
    expect(jingban.get_by_test_id("form-error")).to_contain_text("暂停只能从下一个发放年月")
    expect(jingban.get_by_test_id("propose-cancellation").locator("textarea")).to_have_value(
        "死亡后仍领取待遇，申请注销"
    )
    shot(jingban, "case-form-error")
    propose(jingban, "cancellation", "死亡后仍领取待遇，申请注销", from_month="")
    expect(jingban.get_by_role("status")).to_contain_text("已提出注销登记申请")
    expect(jingban.get_by_test_id("propose-offset")).to_have_count(0)
    expect(jingban.get_by_test_id("next-step")).to_contain_text("复核第")
    expect(jingban.get_by_test_id("not-yet").locator("[data-action=propose_offset]")).to_contain_text(
        "案件已注销时方可"
    )

    # A township officer of the person's township sees the case and may only record a visit.
    xiangzhen = sign_in("xiangzhen")
    xiangzhen.goto(case_url)
    forms = xiangzhen.locator("[data-testid=actions] form")
    expect(forms).to_have_count(1)
    expect(forms.first).to_have_attribute("data-testid", "visit")
    visit = xiangzhen.get_by_test_id("visit")
    visit.locator("[name=visited_on]").fill("2026-01-08")
    expect(visit.get_by_test_id("visit-staff")).not_to_contain_text("外乡镇经办员")
    visit.get_by_label("乡镇经办员").check()
    visit.locator("[name=evidence_ref]").fill("JLY-2026-0108-01")
    visit.get_by_role("button").click()
    expect(xiangzhen.get_by_test_id("form-error")).to_contain_text("两名（含）以上工作人员")
    visit = xiangzhen.get_by_test_id("visit")
    expect(visit.get_by_label("乡镇经办员")).to_be_checked()
    visit.get_by_label("张经办").check()
    visit.get_by_role("button").click()
    expect(xiangzhen.get_by_role("status")).to_have_text("已登记走访")
    expect(xiangzhen.get_by_test_id("visits")).to_contain_text("张经办、乡镇经办员")
    shot(xiangzhen, "case-township-officer")
    other = sign_in("xiangzhen_other")
    other.goto(case_url)
    expect(other.get_by_role("alert")).to_contain_text("未找到该案件")

    fuhe = sign_in("fuhe")
    approve(fuhe, case_url)
    assert status_of(fuhe) == "已注销"
    shot(fuhe, "case-cancelled")

    jingban.goto(case_url)
    propose(jingban, "offset", "注销后结算个人账户及丧葬补助金")
    approve(fuhe, case_url)
    assert status_of(fuhe) == "已清算抵扣"
    remaining = Decimal(fuhe.locator("table.kv b").inner_text().replace(",", ""))
    assert remaining > 0

    jingban.goto(case_url)
    demand = jingban.get_by_test_id("issue-demand")
    demand.locator("[name=addressee]").fill("王某某")
    demand.locator("[name=relation]").fill("法定继承人")
    demand.get_by_role("button").click()
    jingban.wait_for_load_state()
    assert status_of(jingban) == "追缴中"
    expect(jingban.locator(".demand")).to_contain_text("追缴通知")
    # The notice is issued by a named user, then given out as issued.
    expect(jingban.get_by_test_id("notice")).to_have_count(0)
    # Not before the bureau's repayment account is on record: the clerk is told who records it.
    jingban.get_by_test_id("issue-notice").filter(has_text="追缴通知书").click()
    jingban.wait_for_load_state()
    expect(jingban.get_by_test_id("form-error")).to_contain_text("尚未登记")
    admin = sign_in("admin")
    admin.goto("/web/admin/issuer")
    admin.fill("input[name=effective_from]", "2026-01-01")
    admin.fill("input[name=account_name]", "赤峰市松山区社会保险事业管理局")
    admin.fill("input[name=bank]", "中国农业银行赤峰松山支行")
    admin.fill("input[name=account_no]", "0547 0101 0400 0001")
    admin.get_by_role("button", name="登记").click()
    admin.wait_for_load_state()
    expect(admin.locator("body")).to_contain_text("0547010104000001")  # kept without the spaces
    jingban.goto(case_url)
    jingban.get_by_test_id("issue-notice").filter(has_text="追缴通知书").click()
    jingban.wait_for_load_state()
    expect(jingban.get_by_role("status")).to_contain_text("已出具冒领社会保险待遇追缴通知书")
    notice = jingban.get_by_test_id("notice").filter(has_text="追缴通知书")
    expect(notice).to_have_text(re.compile("追缴通知书"))
    pdf = jingban.request.get(notice.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    assert jingban.request.get(notice.get_attribute("href")).body() == pdf.body(), "the same bytes again"
    shot(jingban, "case-demand-issued")

    repay = jingban.locator("[data-testid^=repay-]")
    demand_id = repay.get_attribute("data-testid").split("-")[1]
    for amount, message in (("十元", "退还金额：应为金额"), (f"{remaining + 1}", "退还金额超过尚欠金额")):
        form = jingban.get_by_test_id(f"repay-{demand_id}")
        form.locator("[name=voucher_no]").fill("PZ-2026-001")
        form.locator("[name=amount]").fill(amount)
        form.locator("[name=paid_on]").fill("2026-01-10")
        form.get_by_role("button").click()
        expect(jingban.get_by_test_id("form-error")).to_contain_text(message)
    first = (remaining / 2).quantize(Decimal("0.01"))
    for voucher, amount in (("PZ-2026-001", first), ("PZ-2026-002", remaining - first)):
        form = jingban.get_by_test_id(f"repay-{demand_id}")
        form.locator("[name=voucher_no]").fill(voucher)
        form.locator("[name=amount]").fill(str(amount))
        form.locator("[name=paid_on]").fill("2026-01-10")
        form.get_by_role("button").click()
        expect(jingban.get_by_role("status")).to_have_text("已登记退还")
    expect(jingban.get_by_test_id(f"outstanding-{demand_id}")).to_have_text("0.00")
    expect(jingban.locator(".demand")).to_contain_text("已足额退还")
    shot(jingban, "case-repaid")

    # A reviewer may propose too, but never approve their own proposal: another reviewer does.
    fuhe.goto(case_url)
    propose(fuhe, "write_off", "已按缴存凭证足额退还，申请核销")
    expect(fuhe.locator("form.decide")).to_have_count(0)
    expect(fuhe.get_by_test_id("proposals")).to_contain_text("待他人复核")
    shot(fuhe, "case-own-proposal")
    fuhe2 = sign_in("fuhe2")
    approve(fuhe2, case_url, "凭证核对无误，同意核销")
    assert status_of(fuhe2) == "已办结"
    expect(fuhe2.get_by_test_id("actions")).not_to_contain_text("提出")
    history = fuhe2.get_by_test_id("history").inner_text()
    for step in (
        "立案",
        "提出注销登记",
        "复核批准",
        "提出清算抵扣",
        "下达追缴（返还）通知",
        "登记退还",
        "登记走访",
        "提出核销",
        "核销生效",
        "开始暂停发放",
        "登记清算抵扣结果",
        "案件 ",
    ):
        assert step in history, step
    assert not re.search(r"[a-z]+_[a-z]+|#\d|cases|proposals", history), "no internal names in the history"
    expect(fuhe2.get_by_test_id("history").locator("thead")).to_contain_text("北京时间")
    expect(fuhe2.locator("dl.grid")).not_to_contain_text("版本")
    shot(fuhe2, "case-closed")

    fuhe2.goto("/web/cases")
    expect(fuhe2.locator("table.list")).to_contain_text("已办结")
    shot(fuhe2, "cases")


def test_a_township_officer_sees_only_their_township(sign_in, console: Console, shot):
    page = sign_in("xiangzhen")
    townships = page.locator("[data-testid=findings] tbody tr td:nth-child(4)").all_inner_texts()
    assert townships and len(set(townships)) == 1
    assert page.locator("select[name=township] option").count() == 1
    with duckdb.connect(str(console.home / "warehouse.duckdb"), read_only=True) as con:
        elsewhere = con.execute(
            "SELECT person_id FROM marts.findings WHERE township_code <> ? AND person_id "
            "IS NOT NULL ORDER BY 1 LIMIT 1",
            [console.township],
        ).fetchone()[0]
    response = page.goto(f"/web/persons/{console.ref(elsewhere)}")
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("未找到该人员，或您无权查看")
    expect(page.locator("nav.menu")).not_to_contain_text("数据源")
    shot(page, "township-other-person-404")


def test_the_hr_bureau_reads_accountability_and_drills_into_late_and_missed_reports(sign_in, shot):
    page = sign_in("renshe")
    rows = page.locator("[data-testid=accountability] tbody tr")
    assert rows.count() > 0
    shot(page, "accountability-year")
    page.locator("[data-testid=accountability] a").first.click()
    page.wait_for_load_state()
    statuses = set(page.locator("[data-testid=events] tbody tr td:nth-child(7)").all_inner_texts())
    assert statuses and statuses <= {"迟报", "漏报"}
    shot(page, "accountability-events")
    page.goto("/web/accountability")
    page.select_option("select[name=month]", index=1)
    page.get_by_role("button", name="查询").click()
    # The month is ranked as the year is, by the warehouse's rank: loss, then on-time rate.
    expect(page.locator("[data-testid=accountability] thead")).to_contain_text("排名")
    ranks = [int(r) for r in page.locator("[data-testid=accountability] tbody tr td:first-child").all_inner_texts()]
    assert ranks == sorted(ranks) and ranks[0] == 1
    shot(page, "accountability-month")
    response = page.goto("/web/feeds")
    assert response.status == 403


def test_a_data_engineer_sees_feeds_quality_and_refused_cells_but_no_personal_data(sign_in, console: Console, shot):
    page = sign_in("shuju")
    expect(page.locator("nav.menu a")).to_have_text(["数据源"])
    expect(page.get_by_test_id("freshness")).to_contain_text("逾期")
    # First what needs attention: every file not in force with its cause, feeds late by the calendar.
    expect(page.get_by_test_id("files-not-in-force")).to_contain_text("cdc_deaths/2023-11.xlsx")
    expect(page.get_by_test_id("files-not-in-force")).to_contain_text("文件为空")
    expect(page.get_by_test_id("late-feeds")).to_contain_text("payments")
    shot(page, "feeds")
    with duckdb.connect(str(console.home / "warehouse.duckdb"), read_only=True) as con:
        feed, period, value = con.execute(
            "SELECT feed, period, value FROM meta.quarantine WHERE column_name = 'id_number' "
            "AND length(value) > 8 ORDER BY feed, period LIMIT 1"
        ).fetchone()
    page.locator(f"a[href='/web/feeds/{feed}/{period}']").click()
    page.wait_for_load_state()
    text = page.get_by_test_id("quarantine").inner_text()
    assert value in text, "a refused cell is shown as it arrived: it is what is being diagnosed"
    expect(page.locator("table").last).to_contain_text("阻断")
    shot(page, "feed-period")
    for url in ("/web/findings", f"/web/persons/{console.person_ref}", "/web/dashboard", "/web/cases/1"):
        response = page.goto(url)
        assert response.status == 403, url
        expect(page.get_by_role("alert")).to_contain_text("无权查看个人稽核信息")
    shot(page, "data-engineer-refused")
