"""The console's words for what the store keeps in codes: audit entries, evidence references,
months as people type them, times in 北京时间, chart ticks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from api.schemas import ProposalCreate
from api.web.charts import nice_ticks
from casework.services import console
from casework.services.policy import normal_month, normal_period


def test_history_entries_read_in_chinese():
    assert console.action_words("hold_started") == "开始暂停发放"
    assert console.action_words("settlement_recorded") == "登记清算抵扣结果"
    assert console.action_words("something_new") == "其他操作"
    assert console.object_words("cases", "1", None, {"name": "张三", "status": "open"}) == "案件 1号（张三）"
    assert console.object_words("proposals", "3", None, {"kind": "cancellation"}) == "第 3 号申请（注销登记）"
    hold = {
        "person_no": "P001",
        "reason_code": "1401",
        "reason_label": "死亡",
        "from_month": "2026-02",
        "until_month": None,
    }
    assert console.object_words("payroll_holds", "7", None, hold) == "个人编号 P001 停发（1401 死亡，自 2026-02 起）"
    assert (
        console.object_words("demands", "2", None, {"notice_kind": "recovery", "amount": "1234.5"})
        == "第 2 号追缴通知（1,234.50 元）"
    )
    assert console.status_change("cases", {"status": "open"}, {"status": "terminated"}) == "调查核实中 → 已注销"
    assert console.status_change("cases", {"status": "open"}, {"status": "open"}) == ""


def test_times_are_shown_in_beijing_time():
    assert console.beijing(dt.datetime(2026, 1, 9, 16, 17)).strftime("%Y-%m-%d %H:%M") == "2026-01-10 00:17"


def test_evidence_is_named_by_feed_period_and_row_and_grouped_per_file():
    assert console.evidence_words("payments/2024-02#586") == "待遇发放明细 2024年2月 第586行"
    assert console.evidence_words("other_pensions/2024#3") == "其他养老保险待遇领取人员 2024年 第3行"
    assert console.evidence_words("not a reference") == "not a reference"
    refs = ["payments/2024-03#590", "payments/2024-02#586", "payments/2024-02#12", "cdc_deaths/2024-01#4"]
    groups = console.evidence_groups(refs, {"payments/2024-02#586": "inbox/payments/2024-02.xlsx"})
    assert [g.title for g in groups] == ["死亡人员名单", "待遇发放明细"]
    payments = groups[1]
    assert payments.count == 3 and payments.span == "2024年2月至2024年3月"
    assert [(f.title, f.rows, f.path) for f in payments.files] == [
        ("待遇发放明细 2024年2月", [12, 586], "inbox/payments/2024-02.xlsx"),
        ("待遇发放明细 2024年3月", [590], None),
    ]
    assert payments.files[0].rows_words == "第12行、第586行"


@pytest.mark.parametrize("typed", ["2025-07", "2025/07", "2025年7月", "2025年07月", "２０２５年７月", " 2025.07 "])
def test_months_are_read_as_people_type_them(typed: str):
    assert normal_month(typed) == "2025-07"
    body = ProposalCreate.model_validate({"kind": "suspension", "case_version": 1, "reason": "r", "from_month": typed})
    assert body.from_month == "2025-07"


def test_what_is_not_a_month_stays_as_typed_for_the_check_to_refuse():
    assert normal_month("2025-13") == "2025-13"
    assert normal_month("2025-7") == "2025-7", "one digit after a dash is a slip, not a month"
    assert normal_period("2025年") == "2025"
    with pytest.raises(ValueError):
        ProposalCreate.model_validate({"kind": "suspension", "case_version": 1, "reason": "r", "from_month": "2025/13"})


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        ("8914", [0, 2000, 4000, 6000, 8000, 10000]),
        ("2971", [0, 1000, 2000, 3000]),
        ("209202.89", [0, 50000, 100000, 150000, 200000, 250000]),
        ("0", [0, 1]),
    ],
)
def test_chart_ticks_are_round_numbers(peak: str, ticks: list[int]):
    assert nice_ticks(Decimal(peak)) == [Decimal(t) for t in ticks]


def test_the_api_reads_months_in_queries_as_people_type_them(api):
    plain = api.get("jingban", "/payroll/holds", params={"month": "2026-02"})
    assert plain.status_code == 200, plain.text
    for typed in ("2026/02", "2026年2月"):
        assert api.get("jingban", "/payroll/holds", params={"month": typed}).json() == plain.json()
    period = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]["event_period"]
    listed = api.get("jingban", "/findings", params={"month": period.replace("-", "/")}).json()["items"]
    assert listed and {i["event_period"] for i in listed} == {period}
    assert api.get("jingban", "/payroll/holds", params={"month": "2026/13"}).status_code == 422
