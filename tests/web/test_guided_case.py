"""The case of each finding type that opens one, walked from its finding to closure through the
pages only, by following what the case page names as the next step. At every step the page offers only what the rules
allow (the API's allowed_actions, computed by the same function), says why the rest cannot be
done yet, and the step it names succeeds when its form is sent."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from casework.db import session_factory
from casework.models import Finding, FindingStatus
from tests.web.conftest import Console, death_findings

# Its tests share one costly fixture: one worker runs them all, so it is built once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("guided-case")

# The finding types whose case runs on a person's benefit, and the step each case starts with:
# a death, a lost nationality, another pension or a second enrolment ends a record (注销, then
# 清算抵扣); a sentence, a detention or a missed certification holds it (暂停, and for a sentence
# served, 恢复 with back pay); a payment made twice is demanded back at once.
FIRST_STEP = {
    "death": "提出注销登记申请",
    "nationality": "提出注销登记申请",
    "other_pension": "提出注销登记申请",
    "imprisonment": "提出暂停发放申请",
    "detention": "提出暂停发放申请",
    "duplicate_enrollment": "提出注销登记申请",
    "duplicate_payment": "下达追缴（返还）通知",
    "uncertified": "提出暂停发放申请",
    "subsidy_ineligible": "下达追缴（返还）通知",
    "subsidy_missed": "提出办结申请",
    "cash_collection": "下达追缴（返还）通知",
    "contribution_unmatched": "下达追缴（返还）通知",
    # A township's disbursement short of what it drew: no person page; its case is opened from
    # the row of the findings list.
    "disbursement_gap": "下达追缴（返还）通知",
}

# The next step as the page names it → the form that takes it.
FORMS = {
    "提出注销登记申请": "propose-cancellation",
    "提出暂停发放申请": "propose-suspension",
    "提出恢复发放申请": "propose-resumption",
    "提出清算抵扣申请": "propose-offset",
    "下达追缴（返还）通知": "issue-demand",
    "登记退还": "repay-",
    "提出核销申请": "propose-write_off",
    "办结": "close",
    "提出办结申请": "propose-closure",
}


def offered(page: Page) -> list[str]:
    return page.locator("[data-testid=actions] form").evaluate_all("fs => fs.map(f => f.dataset.testid)")


def not_yet(page: Page) -> dict[str, str]:
    items = page.locator("[data-testid=not-yet] li")
    return {items.nth(i).get_attribute("data-action"): items.nth(i).inner_text() for i in range(items.count())}


def api_allowed(page: Page, case_url: str) -> list[str]:
    case_id = case_url.rsplit("/", 1)[1]
    r = page.request.get(f"/cases/{case_id}")
    assert r.ok, r.text()
    return r.json()["allowed_actions"]


def form_action(testid: str) -> str:
    if testid.startswith("propose-"):
        return "propose_" + testid.removeprefix("propose-")
    if testid.startswith("repay-"):
        return "record_repayment"
    return {"issue-demand": "issue_demand", "close": "close", "visit": "record_visit"}[testid]


def a_finding_to_walk(console: Console, kind: str) -> Finding:
    """An open finding of the type, of a person with no other finding and no case yet (a death
    with money left to demand once the account and subsidy are offset)."""
    if kind == "death":
        return next(f for f in death_findings(console.engine) if f.finding_key != console.death_key)
    with session_factory(console.engine)() as s:
        if kind == "disbursement_gap":  # a township's month: no person, and a case of its own
            found = s.scalars(
                select(Finding)
                .where(Finding.exception_type == kind, Finding.status == FindingStatus.open, Finding.case_id.is_(None))
                .order_by(Finding.overpaid_amount.desc(), Finding.finding_key)
            ).first()
            if found is None:
                pytest.fail("the tiny district has no disbursement gap without a case")
            return found
        single = select(Finding.person_id).group_by(Finding.person_id).having(func.count() == 1)
        found = s.scalars(
            select(Finding)
            .where(
                Finding.exception_type == kind,
                Finding.status == FindingStatus.open,
                Finding.case_id.is_(None),
                Finding.person_id.in_(single),
                Finding.person_id != console.person_id,
            )
            .order_by(Finding.overpaid_amount.desc(), Finding.finding_key)
        ).first()
    if found is None:
        pytest.fail(f"the tiny district has no {kind} finding of a person alone")
    return found


@pytest.mark.parametrize("kind", list(FIRST_STEP))
def test_each_case_follows_the_pages_next_steps_to_closure(kind: str, sign_in, console: Console, shot):
    finding = a_finding_to_walk(console, kind)
    jingban, fuhe = sign_in("jingban"), sign_in("fuhe")
    if finding.person_id is None:  # no person page: the case opens from the findings list's row
        jingban.goto(f"/web/findings?exception_type={kind}")
        row = jingban.locator("[data-testid=findings] tbody tr").filter(
            has=jingban.locator(f"input[name=finding_key][value='{finding.finding_key}']")
        )
        expect(row).to_have_count(1)
        shot(jingban, f"guide-{kind}-findings")
        row.get_by_role("button", name="立案").click()
    else:
        jingban.goto(f"/web/persons/{console.ref(finding.person_id)}")
        shot(jingban, f"guide-{kind}-person")
        jingban.get_by_role("button", name="立案").click()
    jingban.wait_for_load_state()
    expect(jingban.get_by_role("status")).to_have_text("已立案")
    case_url = jingban.url.split("?")[0]
    walked = []
    for n in range(16):
        jingban.goto(case_url)
        status = jingban.get_by_test_id("case-status").inner_text()
        next_step = jingban.get_by_test_id("next-step").inner_text()
        shot(jingban, f"guide-{kind}-{n:02d}-{status}")
        # What the page offers is what the rules allow, and nothing it offers is also "not yet".
        forms = offered(jingban)
        allowed = api_allowed(jingban, case_url)
        assert sorted({form_action(f) for f in forms}) == sorted(a for a in allowed if a != "decide"), (forms, allowed)
        assert not set(map(form_action, forms)) & set(not_yet(jingban)), (forms, not_yet(jingban))
        if status == "已办结":
            assert next_step == "本案已办结。"
            break
        if next_step.startswith("复核第"):
            assert "decide" not in allowed, "an inspector reviews nothing"
            fuhe.goto(case_url)
            assert "decide" in api_allowed(fuhe, case_url)
            expect(fuhe.get_by_test_id("next-step")).to_have_text(next_step.split("（")[0].rstrip("。") + "。")
            decide = fuhe.locator("form.decide")
            decide.locator("input[name=note]").fill("复核同意")
            decide.get_by_role("button", name="批准").click()
            fuhe.wait_for_load_state()
            expect(fuhe.get_by_role("status")).to_have_text("已批准")
            walked.append("复核")
            continue
        words = max((w for w in FORMS if next_step.startswith(w)), key=len)
        testid = FORMS[words]
        form = (
            jingban.locator(f"[data-testid^='{testid}']").first
            if testid.endswith("-")
            else jingban.get_by_test_id(testid)
        )
        expect(form).to_be_visible()
        if testid == "issue-demand" and finding.person_id is None:  # a body's notice: no relation asked
            expect(form.locator("[name=relation]")).to_have_count(0)
            form.locator("[name=addressee]").fill("大庙镇人民政府")
        elif testid == "issue-demand":
            form.locator("[name=addressee]").fill("李某某")
            form.locator("[name=relation]").fill("法定继承人")
        elif testid == "repay-":
            owed = form.locator("h3").inner_text()
            amount = Decimal(re.search(r"尚欠 ([\d,]+\.\d{2}) 元", owed)[1].replace(",", ""))
            form.locator("[name=voucher_no]").fill(f"PZ-GUIDE-{kind}-{n}")  # a voucher is used once
            form.locator("[name=amount]").fill(str(amount))
            form.locator("[name=paid_on]").fill("2026-01-10")
        if form.locator("textarea[name=reason]").count():
            form.locator("textarea[name=reason]").fill(f"按页面提示：{words}")
        form.locator("button").last.click()
        jingban.wait_for_load_state()
        expect(jingban.get_by_test_id("form-error")).to_have_count(0)
        expect(jingban.get_by_role("status")).to_be_visible()
        walked.append(words)
    else:
        raise AssertionError(f"the pages never led to closure: {walked}")
    assert walked[0] == FIRST_STEP[kind], walked
    if kind == "death":
        assert "下达追缴（返还）通知" in walked and "提出核销申请" in walked, walked
    if kind == "imprisonment":
        assert "提出恢复发放申请" in walked, "a sentence served: resumption with back pay"
    history = jingban.get_by_test_id("history").inner_text()
    assert "案件 " in history
    if FIRST_STEP[kind] in ("提出注销登记申请", "提出暂停发放申请"):  # the types that stop a benefit
        assert "开始暂停发放" in history
    shot(jingban, f"guide-{kind}-closed")


def test_unknown_console_addresses_answer_with_a_page(sign_in, shot):
    page = sign_in("jingban")
    for url, status in (("/web/no-such-page", 404), ("/web/cases/abc", 404), ("/web/cases/1/close", 405)):
        response = page.goto(url)
        assert response.status == status, url
        assert response.headers["content-type"].startswith("text/html"), url
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.locator("nav.menu")).to_contain_text("疑点清单")
    shot(page, "unknown-page")
