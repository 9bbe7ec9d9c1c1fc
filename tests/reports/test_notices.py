"""The notices a person or family receives, as the bureau issues them: numbered, dated in
Chinese, the amount in figures and in capitals, the ID number masked, the place of the seal;
the 追缴通知书 with its 回执. What the PDF says is read back and compared with the case store."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import func, select

from casework.db import session_factory
from casework.models import AuditEntry, Case, Demand, DocumentNumber, IssuedDocument, Settlement
from reports.chinese import amount_in_capitals, amount_in_figures, mask_id
from tests.api.conftest import Api
from tests.api.test_one_validation import console
from tests.reports.support import (
    ACCOUNT,
    case_now,
    flat,
    get_pdf,
    issue_pdf,
    keep,
    pdf_text,
    record_account,
    settled_demand,
)

OFFICE = "赤峰市松山区社会保险事业管理局"
ISSUED = "2026年1月10日"  # api.clock.day, 2026-01-10: a 成文日期 in Arabic numerals (GB/T 9704-2012)


def test_a_recovery_notice_after_a_death_says_what_the_heir_owes_and_has_a_receipt(api: Api):
    case, demand = settled_demand(api, "death", "林晓梅", "子女（法定继承人）")
    pdf = issue_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    keep(pdf, "recovery-notice")
    text = pdf_text(pdf)
    one = flat(text)
    with session_factory(api.engine)() as s:
        stored = s.get(Demand, demand["id"])
        settlement = s.scalars(select(Settlement).where(Settlement.case_id == case["id"])).one()
        id_number = stored.case.findings[0].id_number
    assert "冒领社会保险待遇追缴通知书" in text
    assert "松社保追字〔2026〕1号" in text
    assert "林晓梅（子女（法定继承人））：" in one
    assert case["name"] in text
    assert mask_id(id_number) in text and id_number not in one, "the ID number is masked"
    assert amount_in_figures(stored.amount) in text
    assert amount_in_capitals(stored.amount) in one
    assert stored.amount == settlement.remaining > 0
    assert f"个人账户中抵扣{amount_in_figures(settlement.balance_offset)}元" in one
    if settlement.subsidy_offset > 0:
        assert f"从丧葬补助金中抵扣{amount_in_figures(settlement.subsidy_offset)}元" in one
    assert f"冒领待遇合计人民币{amount_in_figures(settlement.overpaid)}元" in one
    assert f"{stored.deadline.year}年{stored.deadline.month}月{stored.deadline.day}日前" in one
    assert stored.deadline == dt.date(2026, 1, 10) + dt.timedelta(days=30)
    assert OFFICE in text and ISSUED in text and "（盖章）" in text
    assert "第二十九条" in one and "区人社局" in one
    # The detachable receipt, for the heir's signature.
    assert "冒领社会保险待遇追缴通知书回执" in one and "沿虚线剪下" in one
    assert "签收人（签字）" in one and "送达人（签字，两名以上工作人员在场）" in one
    assert one.count("松社保追字〔2026〕1号") >= 3, "heading, receipt heading and receipt text"
    # GB/T 9704: the issuing office's mark heads it, the 版记 closes it.
    assert one.startswith(f"{OFFICE}松社保追字〔2026〕1号冒领社会保险待遇追缴通知书"), one[:60]
    assert "抄送：" in one and f"{OFFICE}2026年1月10日印发" in one
    # The account to pay into, as the admin recorded it: no blank lines to fill in.
    assert "户名：赤峰市松山区社会保险事业管理局" in one and "开户银行：中国农业银行赤峰松山支行" in one
    assert "账号：05470101040012345" in one
    # Only the facts of a death: no 未按期认证 or other consequence in a death recovery.
    assert "未按期认证" not in one and "存在" not in one.split("冒领待遇合计")[0]
    # The annex reconciles: gross improper amount, less the offsets, is what is demanded.
    annex = one[one.index("冒领待遇明细及金额核算（") :]
    assert f"不当领取金额合计{amount_in_figures(settlement.overpaid)}" in annex
    assert f"减：个人账户余额抵扣{amount_in_figures(settlement.balance_offset)}" in annex
    if settlement.subsidy_offset > 0:
        assert f"减：丧葬补助金抵扣{amount_in_figures(settlement.subsidy_offset)}" in annex
    assert f"本通知应退还金额{amount_in_figures(stored.amount)}" in annex
    assert settlement.overpaid - settlement.balance_offset - settlement.subsidy_offset == stored.amount


def test_a_recovery_notice_keeps_its_number_and_the_next_one_takes_the_next(api: Api):
    _, first = settled_demand(api, "death", "林晓梅", "子女")
    _, second = settled_demand(api, "imprisonment", "服刑人员家属", "配偶")
    issued = issue_pdf(api, "jingban", f"/documents/recovery-notice/{first['id']}")
    assert "〔2026〕1号" in pdf_text(issued)
    again = get_pdf(api, "fuhe", f"/documents/recovery-notice/{first['id']}")
    assert again == issued, "given out again: the very bytes issued, same 文号"
    reissued = api.post("fuhe", f"/documents/recovery-notice/{first['id']}/issue")
    assert reissued.status_code == 200 and get_pdf(api, "fuhe", reissued.json()["url"]) == issued
    text = pdf_text(issue_pdf(api, "jingban", f"/documents/recovery-notice/{second['id']}"))
    assert "松社保追字〔2026〕2号" in text
    assert "被判处刑罚" in flat(text) and "及家属" in flat(text)
    with session_factory(api.engine)() as s:
        assert (
            s.scalar(
                select(DocumentNumber.last_number).where(
                    DocumentNumber.kind == "recovery_notice", DocumentNumber.year == 2026
                )
            )
            == 2
        )
        issued = s.scalars(select(IssuedDocument).order_by(IssuedDocument.number)).all()
        assert [(d.subject, d.document_no) for d in issued] == [
            (f"demand:{first['id']}", "松社保追字〔2026〕1号"),
            (f"demand:{second['id']}", "松社保追字〔2026〕2号"),
        ]
        assert all(d.issued_on == dt.date(2026, 1, 10) for d in issued)
        numbered = s.scalar(select(func.count()).where(AuditEntry.action == "document_numbered"))
        assert numbered == 2, "numbering a notice is in the audit log, once"
        issuing = s.scalars(select(AuditEntry).where(AuditEntry.action == "document_issued")).all()
        assert [(e.actor, e.entity) for e in issuing] == [("jingban", "issued_files")] * 2
    # A return demand is not a recovery notice (and the other way round).
    r = api.get("jingban", f"/documents/return-notice/{first['id']}")
    assert r.status_code == 404 and "recovery-notice" in r.json()["message"]


def test_a_return_notice_after_a_lost_nationality_asks_the_person_to_return_the_rest(api: Api):
    _, demand = settled_demand(api, "nationality", "冯金", "本人")
    assert demand["notice_kind"] == "return"
    pdf = issue_pdf(api, "jingban", f"/documents/return-notice/{demand['id']}")
    keep(pdf, "return-notice")
    text = pdf_text(pdf)
    one = flat(text)
    with session_factory(api.engine)() as s:
        stored = s.get(Demand, demand["id"])
        settlement = stored.case.settlements[-1]
        id_number = stored.case.findings[0].id_number
    assert "社会保险待遇返还通知书" in text and "松社保返字〔2026〕1号" in text
    assert one.startswith("社会保险待遇返还通知书松社保返字〔2026〕1号") or "冯金：" in one
    assert "丧失中华人民共和国国籍" in one
    assert mask_id(id_number) in text and id_number not in one
    assert f"个人账户直接抵扣{amount_in_figures(settlement.balance_offset)}元" in one
    assert amount_in_figures(stored.amount) in text and amount_in_capitals(stored.amount) in one
    assert "第二十八条" in one and "移交有关部门依法处理" in one
    assert OFFICE in text and ISSUED in text and "（盖章）" in text
    assert "回执" not in one, "article 28 asks for no receipt"


def test_a_deregistration_notice_goes_to_the_heir_with_a_deadline(api: Api):
    from tests.reports.support import approve, finding, open_case

    f = finding(api, "death")
    case = open_case(api, f["finding_key"])
    approve(api, case, "cancellation")
    pdf = issue_pdf(api, "jingban", f"/documents/deregistration-notice/{case['id']}")
    keep(pdf, "deregistration-notice")
    text = pdf_text(pdf)
    one = flat(text)
    assert "申请注销登记告知书" in text and "松社保注字〔2026〕1号" in text
    assert f"{f['name']}的指定受益人或法定继承人：" in one
    assert mask_id(f["id_number"]) in text and f["id_number"] not in one
    day = dt.date.fromisoformat(f["event_date"])
    assert f"于{day.year}年{day.month}月{day.day}日死亡" in one
    assert "已自2026年1月起停止发放" in one, "the cancellation's hold starts at the next 发放年月"
    assert "2026年2月9日前" in one and "30日内" in one, "the issuer's deadline from the day it is issued"
    assert "第十九条" in one and "注销登记表" in one
    overpaid = Decimal(f["overpaid_amount"])
    assert f"计人民币{amount_in_figures(overpaid)}元（大写：{amount_in_capitals(overpaid)}）" in one
    assert OFFICE in text and ISSUED in text and "（盖章）" in text
    # Issued once: the same number and date the day after.
    api.clock.day = dt.date(2026, 1, 11)
    again = pdf_text(get_pdf(api, "jingban", f"/documents/deregistration-notice/{case['id']}"))
    assert "松社保注字〔2026〕1号" in again and ISSUED in again
    # A case with nothing to deregister gets no such notice.
    other = open_case(api, finding(api, "imprisonment")["finding_key"])
    r = api.get("jingban", f"/documents/deregistration-notice/{other['id']}")
    assert r.status_code == 409 and r.json()["code"] == "not_applicable"


def test_benefit_notices_go_to_each_new_recipient_of_the_month(api: Api, tiny_district):
    from orchestration.warehouse_queries import read

    starts = read(
        tiny_district.home / "warehouse.duckdb",
        """
        SELECT strftime(month, '%Y-%m'), township_code, count(*) FROM intermediate.int_roster_months
        WHERE month = benefit_start_month AND status = '正常待遇' AND month > DATE '2025-01-01'
        GROUP BY ALL ORDER BY 3 DESC, 1, 2 LIMIT 1""",
    )
    assert starts, "the tiny district has new recipients after its first month"
    month, township, count = starts[0]
    people = read(
        tiny_district.home / "warehouse.duckdb",
        """
        SELECT person_no, name, id_number, basic_pension + account_pension FROM intermediate.int_roster_months
        WHERE month = ? AND benefit_start_month = ? AND status = '正常待遇' AND township_code = ?
        ORDER BY person_no""",
        [dt.date.fromisoformat(month + "-01")] * 2 + [township],
    )
    pdf = issue_pdf(api, "jingban", "/documents/benefit-notice", month=month, township=township)
    keep(pdf, "benefit-notice")
    from pypdf import PdfReader

    pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= count
    for number, (no, name, id_number, monthly) in enumerate(people, 1):
        page = next(p for p in pages if no in p)
        assert f"松社保待字〔2026〕{number}号" in page
        assert f"{name}：" in page and mask_id(id_number) in page and id_number not in page
        assert f"自{int(month[:4])}年{int(month[5:])}月起按月领取待遇" in page
        assert f"月待遇标准人民币{amount_in_figures(monthly)}元（大写：{amount_in_capitals(monthly)}）" in page
        assert "第二十六条" in page and "指定受益人" in page and ISSUED in page and "（盖章）" in page
        assert page.startswith(OFFICE) and f"{OFFICE}{ISSUED}印发" in page, "版头 to 版记 on the notice's own page"
    r = api.get("jingban", "/documents/benefit-notice", params={"month": "2025-03", "township": "150404999"})
    assert r.status_code == 404


def test_a_township_officer_gets_only_their_townships_notices(api: Api):
    township = api.get("xiangzhen", "/findings", params={"exception_type": "death"}).json()["items"][0]["township_code"]
    case, demand = settled_demand(api, "death", "家属", "配偶", township_code=township)
    with session_factory(api.engine)() as s:
        assert s.get(Case, case["id"]).township_code == township
    for url in (f"/documents/recovery-notice/{demand['id']}", f"/documents/deregistration-notice/{case['id']}"):
        assert api.post("xiangzhen", f"{url}/issue").status_code == 403, "a township officer issues no notice"
        issue_pdf(api, "jingban", url)
    for who, status in (("xiangzhen", 200), ("xiangzhen_other", 404), ("renshe", 200), ("shuju", 403)):
        for url in (f"/documents/recovery-notice/{demand['id']}", f"/documents/deregistration-notice/{case['id']}"):
            r = api.get(who, url)
            assert r.status_code == status, (who, url, r.text)
            if status == 404:
                assert r.json() == {"code": "not_found", "message": r.json()["message"]}
                assert "未找到" in r.json()["message"]


def test_asking_for_a_notice_never_numbers_it_only_issuing_does(api: Api, store_settings, tiny_district):
    """A GET before the notice is issued is refused and numbers nothing; once a named user has
    issued it, every GET gives the bytes that were issued, on this host or another."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    _, demand = settled_demand(api, "death", "林晓梅", "子女")
    url = f"/documents/recovery-notice/{demand['id']}"
    for _ in range(3):
        r = api.get("jingban", url)
        assert r.status_code == 404 and r.json()["code"] == "not_issued" and "尚未出具" in r.json()["message"]
    with session_factory(api.engine)() as s:
        assert s.scalar(select(func.count()).select_from(IssuedDocument)) == 0
        assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 0
    issued = api.post("jingban", f"{url}/issue")
    assert issued.status_code == 201 and issued.json()["title"] == "冒领社会保险待遇追缴通知书"
    content = get_pdf(api, "jingban", url)
    another_host = create_app(store_settings.with_overrides(home=tiny_district.home / "elsewhere"))
    with TestClient(another_host) as other:
        token = other.post("/auth/token", data={"username": "fuhe", "password": "correct horse battery"})
        r = other.get(url, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert r.status_code == 200 and r.content == content
    assert r.headers["x-document-sha256"] == issued.json()["sha256"]


def test_a_recovery_notice_is_refused_until_the_admin_records_the_repayment_account(api: Api):
    _, demand = settled_demand(api, "death", "林晓梅", "子女", account=False)
    url = f"/documents/recovery-notice/{demand['id']}"
    r = api.post("jingban", f"{url}/issue")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no_repayment_account" and "收款账户" in r.json()["message"]
    with session_factory(api.engine)() as s:
        assert s.scalar(select(func.count()).select_from(DocumentNumber)) == 0, "no number spent on a refusal"
    # Only the admin records it; it is checked, versioned by date and audited.
    assert api.post("jingban", "/documents/issuer-accounts", ACCOUNT).status_code == 403
    bad = api.post("admin", "/documents/issuer-accounts", {**ACCOUNT, "account_no": "账号待定"})
    assert bad.status_code == 422 and "账号" in bad.json()["message"]
    record_account(api, effective_from="2020-01-01", account_no="111122223333")
    record_account(api, effective_from="2026-01-01", account_no="0547 0101 0400 99999", reason="更换收入户")
    record_account(api, effective_from="2027-01-01", account_no="888877776666")
    listed = api.get("admin", "/documents/issuer-accounts").json()
    assert [a["account_no"] for a in listed] == ["888877776666", "05470101040099999", "111122223333"]
    one = flat(pdf_text(issue_pdf(api, "jingban", url)))
    assert "账号：05470101040099999" in one, "the account in force on the notice's date (2026-01-10)"
    assert "111122223333" not in one and "888877776666" not in one
    with session_factory(api.engine)() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "issuer_account_recorded")).all()
        assert [(e.actor, e.after["account_no"]) for e in entries] == [
            ("admin", "111122223333"),
            ("admin", "05470101040099999"),
            ("admin", "888877776666"),
        ]
        assert entries[1].before["account_no"] == "111122223333" and entries[1].reason == "更换收入户"


def test_an_issued_notice_is_voided_with_a_reason_and_replaced_under_a_new_number(api: Api):
    _, demand = settled_demand(api, "death", "林晓梅", "子女")
    url = f"/documents/recovery-notice/{demand['id']}"
    first = api.post("jingban", f"{url}/issue").json()
    original = api.get("jingban", first["url"]).content
    assert "松社保追字〔2026〕1号" in pdf_text(original)
    assert api.post("jingban", f"{first['url']}/void", {"reason": ""}).status_code == 422
    assert api.post("xiangzhen", f"{first['url']}/void", {"reason": "送达地址有误"}).status_code in (403, 404)
    r = api.post("jingban", f"{first['url']}/void", {"reason": "收款账户变更，原通知作废"})
    assert r.status_code == 200, r.text
    assert r.json()["voided_at"] and r.json()["void_reason"] == "收款账户变更，原通知作废"
    assert api.post("jingban", f"{first['url']}/void", {"reason": "再次作废"}).status_code == 409
    # Voided: no longer given out as the notice; kept as it was issued, marked, by its own address.
    gone = api.get("jingban", url)
    assert gone.status_code == 404 and gone.json()["code"] == "not_issued"
    kept = api.get("jingban", first["url"])
    assert kept.content == original and kept.headers["X-Document-Voided"]
    # Issued again: a replacement under the next number, never the voided one's.
    second = api.post("jingban", f"{url}/issue")
    assert second.status_code == 201 and second.json()["replaces"] == first["id"]
    replacement = get_pdf(api, "jingban", url)
    keep(replacement, "recovery-notice-replacement")
    assert "松社保追字〔2026〕2号" in pdf_text(replacement) and "〔2026〕1号" not in pdf_text(replacement)
    with session_factory(api.engine)() as s:
        numbers = s.scalars(select(IssuedDocument).order_by(IssuedDocument.number)).all()
        assert [(d.number, d.voided_at is not None) for d in numbers] == [(1, True), (2, False)]
        voided = s.scalars(select(AuditEntry).where(AuditEntry.action == "document_voided")).one()
        assert voided.actor == "jingban" and "作废：收款账户变更" in voided.reason
        assert "松社保追字〔2026〕1号" in voided.reason and voided.after["voided_at"]


def test_the_admin_records_the_account_on_a_console_page_too(api: Api):
    from tests.api.test_one_validation import console

    admin = console(api, "admin")
    assert "尚未登记收款账户" in admin.get("/web/admin/issuer").text
    bad = admin.post(
        "/web/admin/issuer",
        data={"effective_from": "2026-01-01", "account_name": "松山区社保局", "bank": "农行", "account_no": "待定\x00"},
    )
    assert bad.status_code == 422 and "账号" in bad.text and "松山区社保局" in bad.text, "kept what was typed"
    done = admin.post(
        "/web/admin/issuer",
        data={
            "effective_from": "2026-01-01",
            "account_name": "松山区社保局",
            "bank": "中国农业银行赤峰松山支行",
            "account_no": "0547-0101",
            "reason": "开立收入户",
        },
    )
    assert done.status_code == 303, done.text
    listed = api.get("admin", "/documents/issuer-accounts").json()
    assert [(a["account_no"], a["reason"]) for a in listed] == [("0547-0101", "开立收入户")]
    assert "0547-0101" in admin.get("/web/admin/issuer").text
    assert console(api, "jingban").get("/web/admin/issuer").status_code == 403


def test_a_disbursement_gaps_return_notice_is_addressed_to_a_body_not_a_person(api: Api):
    """A month's money with nobody's benefit in it (拨付与发放不符): the case page asks for the
    body it goes to (乡镇人民政府 or 经办机构), not a person and their relation, and the notice
    is that body's — no person, no ID number, no months — stating the difference."""
    record_account(api)
    gap = api.get("jingban", "/findings", params={"exception_type": "disbursement_gap"}).json()["items"][0]
    case = api.post("jingban", "/cases", {"finding_key": gap["finding_key"], "reason": "核对拨付与发放"}).json()
    web = console(api, "jingban")
    form = web.get(f"/web/cases/{case['id']}").text.split('data-testid="issue-demand"')[1].split("</form>")[0]
    assert "被通知单位" in form and 'name="relation"' not in form and "与当事人关系" not in form
    sent = web.post(
        f"/web/cases/{case['id']}/demands",
        data={"case_version": str(case["version"]), "addressee": "赤峰市松山区大庙镇人民政府"},
    )
    assert sent.status_code == 303, sent.text
    page = web.get(f"/web/cases/{case['id']}").text
    assert "赤峰市松山区大庙镇人民政府，金额" in page, "the body named alone, in no relation to anyone"
    assert "None" not in page and f"<td>{gap['event_period']}</td>" in page, "its one month, nothing more"
    demand = case_now(api, case["id"])["demands"][0]
    pdf = issue_pdf(api, "jingban", f"/documents/return-notice/{demand['id']}")
    keep(pdf, "return-notice-disbursement-gap")
    one = flat(pdf_text(pdf))
    month = gap["event_period"]
    assert "赤峰市松山区大庙镇人民政府：经区社保局核对" in one
    assert f"{int(month[:4])}年{int(month[5:])}月财政拨付的城乡居民基本养老保险待遇资金与实际发放金额不符" in one
    assert "证件号码" not in one and "多领取" not in one and "（被通知单位）" not in one
    assert f"应返还金额合计人民币{amount_in_figures(Decimal(demand['amount']))}元" in one
    assert f"拨付与发放金额差额{amount_in_figures(Decimal(demand['amount']))}" in one


def test_a_persons_demand_without_the_addressees_relation_is_refused(api: Api):
    """A person's case: who the addressee is to the person is part of the notice's 主送."""
    f = api.get("jingban", "/findings", params={"exception_type": "duplicate_payment"}).json()["items"][0]
    case = api.post("jingban", "/cases", {"finding_key": f["finding_key"], "reason": "立案"}).json()
    r = api.post("jingban", f"/cases/{case['id']}/demands", {"case_version": case["version"], "addressee": "王某某"})
    assert r.status_code == 422 and r.json()["code"] == "relation_required", r.text
    assert "与当事人的关系" in r.json()["message"]
