"""The lists handed to the finance bureau and the payment system, and the monthly inspection
summary: as PDF (tables with borders, ID numbers masked) and as XLSX (Chinese headers, frozen
header row, widths), each row compared with the case store."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from casework.db import session_factory
from casework.models import BackPayment, Demand, Finding, PayrollHold
from casework.published import PersonRecord
from reports.chinese import amount_in_capitals, mask_id
from tests.api.conftest import Api
from tests.reports.support import (
    approve,
    finding,
    flat,
    get_pdf,
    get_xlsx,
    keep,
    later_publication,
    money,
    open_case,
    pdf_text,
    settled_demand,
)


def test_the_suspension_list_of_a_month_lists_every_hold_that_starts_in_it(api: Api):
    month = None
    for exception_type, kind in (
        ("death", "cancellation"),
        ("imprisonment", "suspension"),
        ("uncertified", "suspension"),
    ):
        month = approve(api, open_case(api, finding(api, exception_type)["finding_key"]), kind)["terms"]["from_month"]
    assert month == "2026-01"
    with session_factory(api.engine)() as s:
        holds = s.execute(
            select(PayrollHold, PersonRecord)
            .join(PersonRecord, PersonRecord.person_no == PayrollHold.person_no)
            .where(PayrollHold.from_month == month)
        ).all()
    assert len(holds) >= 3
    pdf = get_pdf(api, "jingban", "/documents/suspension-list", month=month)
    keep(pdf, "suspension-list")
    text = pdf_text(pdf)
    assert "2026年1月城乡居民基本养老保险待遇暂停名单" in text
    lines = {
        line.split()[1]: line
        for line in text.splitlines()
        if line.split()[:1] and line.split()[0].isdigit() and len(line.split()) > 5
    }
    assert set(lines) == {hold.person_no for hold, _ in holds}
    for hold, record in holds:
        line = lines[hold.person_no]
        assert record.name in line and mask_id(record.id_number) in line and record.id_number not in text
        assert hold.reason_code in line and hold.reason_label in line and "2026年1月" in line
        assert ("终止" if hold.reason_code.startswith("14") else "暂停") in line
    assert f"共 {len(holds)} 人" in text
    rows = get_xlsx(api, "jingban", "/documents/suspension-list", month=month)
    assert rows[0] == [
        "序号",
        "个人编号",
        "姓名",
        "证件号码",
        "乡镇(街道)",
        "暂停/终止",
        "原因代码",
        "原因",
        "停发起始年月",
        "案件号",
    ]
    by_no = {row[1]: row for row in rows[1:]}
    assert set(by_no) == set(lines)
    for hold, record in holds:
        assert by_no[hold.person_no][3] == record.id_number, "the payment system's file carries the full ID"
        assert by_no[hold.person_no][6] == hold.reason_code
    # Nothing starts in the month before: an empty list, still a document.
    empty = pdf_text(get_pdf(api, "jingban", "/documents/suspension-list", month="2025-12"))
    assert "本月无新增暂停、终止发放人员" in empty
    # Not for townships, nor the HR bureau.
    assert api.get("xiangzhen", "/documents/suspension-list", params={"month": month}).status_code == 403
    assert api.get("renshe", "/documents/suspension-list", params={"month": month}).json()["code"] == "forbidden_role"


def test_the_resumption_list_carries_the_back_pay_of_each_record(api: Api):
    cases = [open_case(api, finding(api, t)["finding_key"]) for t in ("detention", "imprisonment")]
    for case in cases:
        approve(api, case, "suspension")
    resume = later_publication(api, 3)
    proposals = [approve(api, case, "resumption") for case in cases]
    with session_factory(api.engine)() as s:
        holds = s.scalars(select(PayrollHold).where(PayrollHold.until_month == resume)).all()
        paid = {
            h.person_no: sum(
                b.amount
                for b in s.scalars(
                    select(BackPayment).where(
                        BackPayment.person_no == h.person_no, BackPayment.proposal_id == h.ended_by_proposal_id
                    )
                )
            )
            for h in holds
        }
        names = {r.person_no: r for r in s.scalars(select(PersonRecord).where(PersonRecord.person_no.in_(paid)))}
    assert len(holds) >= 2
    total = sum(paid.values(), Decimal("0.00"))
    assert total == sum(Decimal(p["terms"]["back_pay_total"]) for p in proposals)
    pdf = get_pdf(api, "jingban", "/documents/resumption-list", month=resume)
    keep(pdf, "resumption-list")
    text = pdf_text(pdf)
    assert "2026年4月城乡居民基本养老保险待遇恢复名单" in text
    for no, amount in paid.items():
        line = next(line for line in text.splitlines() if f" {no} " in line)
        assert names[no].name in line and mask_id(names[no].id_number) in line
        assert money(amount) in line and "2026年4月" in line
    assert f"合计（大写：{amount_in_capitals(total)}）" in flat(text) and money(total) in text
    rows = get_xlsx(api, "fuhe", "/documents/resumption-list", month=resume)
    assert rows[0][:4] == ["序号", "个人编号", "姓名", "证件号码"] and rows[0][9] == "补发金额(元)"
    assert {r[1]: Decimal(str(r[9])).quantize(Decimal("0.01")) for r in rows[1:]} == paid
    custodial = proposals[1]["terms"]["custodial_months_excluded"]
    row = next(r for r in rows[1:] if r[1] in {h.person_no for h in holds if h.reason_code == "1202"})
    assert row[10] == len(custodial), "months in custody are never back-paid, and the list says how many"


def test_the_inspection_summary_adds_up_findings_money_and_recovery(api: Api):
    _, demand = settled_demand(api, "death", "家属", "子女")
    r = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "PZ-2026-001", "amount": "100.00", "paid_on": "2026-01-10"},
    )
    assert r.status_code == 201, r.text
    with session_factory(api.engine)() as s:
        findings = s.scalars(select(Finding)).all()
        stored = s.get(Demand, demand["id"])
    deaths = [f for f in findings if f.exception_type == "death"]
    pdf = get_pdf(api, "jingban", "/documents/inspection-summary", month="2026-01")
    keep(pdf, "inspection-summary")
    text = pdf_text(pdf)
    assert "2026年1月城乡居民基本养老保险待遇稽核情况月报" in text and "截至2026年1月末" in text
    assert f"疑点 {len(findings)} 条" in text
    death_line = next(line for line in text.splitlines() if line.startswith("死亡后领取 "))
    figures = death_line.split()[1:]
    assert figures[0] == str(len(deaths)) and figures[1] == str(len({f.person_id for f in deaths}))
    assert figures[3] == money(sum(f.overpaid_amount for f in deaths)), "one type: each finding's own months"
    assert figures[4] == "1" and figures[7] == "100.00" and figures[8] == money(stored.amount - 100)
    assert figures[6] == money(stored.amount)
    total = next(line for line in text.splitlines() if line.startswith("合计 "))
    assert total.split()[1] == str(len(findings)) and total.split()[-2:] == ["100.00", money(stored.amount - 100)]
    rows = get_xlsx(api, "jingban", "/documents/inspection-summary", month="2026-01")
    assert rows[0][:4] == ["分组", "疑点类型/乡镇(街道)", "疑点数", "涉及人数"]
    assert rows[-1][0] == "合计" and rows[-1][2] == len(findings)
    # A township officer sees their township's summary, and no other.
    from casework.services.townships import township_names

    with session_factory(api.engine)() as s:
        names = township_names(s)
    township = api.get("xiangzhen", "/findings", params={"size": 1}).json()["items"][0]["township_code"]
    own = pdf_text(get_pdf(api, "xiangzhen", "/documents/inspection-summary", month="2026-01"))
    assert f"疑点 {sum(f.township_code == township for f in findings)} 条" in own
    assert f"{names[township]}　截至2026年1月末" in own
    assert (
        api.get(
            "xiangzhen", "/documents/inspection-summary", params={"month": "2026-01", "township": "150404001"}
        ).status_code
        == 404
    )
