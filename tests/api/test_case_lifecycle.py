"""Each finding type, from finding to the end of its case, through the API alone, on SQLite
and PostgreSQL: open, propose, approve (someone else), hold the payroll, settle, demand, repay,
write off — each step as the procedure calls for it for that type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.conftest import Api

# What the procedure does with each type (docs/rules.md "Settlement and recovery").
PLANS = {
    "death": ["cancellation", "offset", "demand", "repay", "write_off"],
    "nationality": ["cancellation", "offset", "demand", "repay", "write_off"],
    "other_pension": ["cancellation", "offset", "demand", "repay", "write_off"],
    "imprisonment": ["suspension", "demand", "repay", "write_off"],
    "detention": ["suspension", "resumption", "close"],
    "uncertified": ["suspension", "resumption", "close"],
    "duplicate_enrollment": ["cancellation", "demand", "repay", "write_off"],
    "duplicate_payment": ["demand", "repay", "write_off"],
    "subsidy_ineligible": ["demand", "repay", "write_off"],
    "cash_collection": ["demand", "repay", "write_off"],
    "contribution_unmatched": ["demand", "repay", "write_off"],
    "disbursement_gap": ["demand", "repay", "write_off"],
    "subsidy_missed": ["close"],
}
HOLD_CODES = {
    "death": {"1401"},
    "nationality": {"1402"},
    "other_pension": {"1407", "1499"},
    "imprisonment": {"1202"},
    "detention": {"1299"},
    "uncertified": {"1201"},
    "duplicate_enrollment": {"1499"},
}


def first_finding(api: Api, exception_type: str) -> dict:
    """A finding of the type whose person has no other finding (a case gathers them all)."""
    r = api.get("jingban", "/findings", params={"exception_type": exception_type, "sort": "-amount"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, f"the tiny district plants {exception_type}"
    for item in items:
        if (
            item["person_id"] is None
            or api.get("jingban", "/findings", params={"person": item["person_ref"]}).json()["total"] == 1
        ):
            return item
    return items[0]


def approve(api: Api, case: dict, kind: str, reason: str, **options) -> dict:
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": kind, "case_version": case["version"], "reason": reason, **options},
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    r = api.post(
        "fuhe",
        f"/proposals/{proposal['id']}/decision",
        {"approve": True, "version": proposal["version"], "note": "复核同意"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    return proposal


def case_now(api: Api, case_id: int) -> dict:
    r = api.get("jingban", f"/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("exception_type", sorted(PLANS))
def test_a_finding_runs_its_whole_case_through_the_api(api: Api, exception_type: str):
    finding = first_finding(api, exception_type)
    r = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "数据比对发现疑点，立案核查"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "open"
    assert finding["finding_key"] in {f["finding_key"] for f in case["findings"]}
    demand = None

    for step in PLANS[exception_type]:
        case = case_now(api, case["id"])
        if step in ("suspension", "cancellation"):
            proposal = approve(api, case, step, "经核实应停止发放")
            case = case_now(api, case["id"])
            assert case["status"] == ("suspended" if step == "suspension" else "terminated")
            held = {h["person_no"]: h for h in case["holds"] if h["until_month"] is None}
            assert held and {h["reason_code"] for h in held.values()} <= HOLD_CODES[exception_type]
            month = proposal["terms"]["from_month"]
            r = api.get("jingban", "/payroll/holds", params={"month": month})
            assert r.status_code == 200, r.text
            listed = {row["person_no"]: row for row in r.json()["held"]}
            for no, hold in held.items():
                assert listed[no]["reason_code"] == hold["reason_code"]
                assert listed[no]["case_id"] == case["id"]
            if exception_type == "duplicate_enrollment":
                assert set(held) == {finding["person_no"]}, "only the extra record stops"
        elif step == "resumption":
            proposal = approve(api, case, "resumption", "经核实仍具备领取资格，恢复发放")
            case = case_now(api, case["id"])
            assert case["status"] == "resumed"
            assert all(h["until_month"] == proposal["terms"]["resume_month"] for h in case["holds"])
        elif step == "offset":
            proposal = approve(api, case, "offset", "注销后结算个人账户")
            t = proposal["terms"]
            owed, balance, subsidy = (
                Decimal(t["overpaid"]),
                Decimal(t["account_balance"]),
                Decimal(t["funeral_subsidy"]),
            )
            assert owed == Decimal(case["overpaid"]) > 0
            assert Decimal(t["balance_offset"]) == min(owed, balance)
            assert Decimal(t["subsidy_offset"]) == min(owed - Decimal(t["balance_offset"]), subsidy)
            assert (Decimal(t["balance_offset"]) + Decimal(t["subsidy_offset"]) + Decimal(t["remaining"])) == owed
            if exception_type != "death":
                assert subsidy == 0, "a funeral subsidy only follows a death"
            case = case_now(api, case["id"])
            if Decimal(t["remaining"]) == 0:
                assert case["status"] == "closed"
                break
            assert case["status"] == "settled"
        elif step == "demand":
            r = api.post(
                "jingban",
                f"/cases/{case['id']}/demands",
                {"case_version": case["version"], "addressee": "王某某", "relation": "法定继承人"},
            )
            assert r.status_code == 201, r.text
            demand = r.json()
            expected = (
                Decimal(case["settlements"][-1]["remaining"]) if case["settlements"] else Decimal(case["overpaid"])
            )
            assert Decimal(demand["amount"]) == expected > 0
            assert demand["notice_kind"] == ("recovery" if exception_type in ("death", "imprisonment") else "return")
            assert demand["deadline"] == "2026-02-09", "30 days, from the policy parameters"
        elif step == "repay":
            amount = Decimal(demand["amount"])
            first = (amount / 2).quantize(Decimal("0.01"))
            for voucher, part in (("PZ-001", first), ("PZ-002", amount - first)):
                if part > 0:
                    r = api.post(
                        "jingban",
                        f"/demands/{demand['id']}/repayments",
                        {"voucher_no": f"{voucher}-{case['id']}", "amount": str(part), "paid_on": "2026-01-10"},
                    )
                    assert r.status_code == 201, r.text
            demand = api.get("jingban", f"/demands/{demand['id']}").json()
            assert demand["status"] == "repaid" and Decimal(demand["outstanding"]) == 0
        elif step == "write_off":
            approve(api, case, "write_off", "已按缴存凭证足额退还，申请核销", demand_id=demand["id"])
            case = case_now(api, case["id"])
            assert case["status"] == "closed"
            assert case["demands"][-1]["status"] == "written_off"
        elif step == "close":  # findings still open: closing them takes a second person
            r = api.post(
                "jingban", f"/cases/{case['id']}/close", {"case_version": case["version"], "reason": "核查完毕"}
            )
            assert r.status_code == 409 and r.json()["code"] == "closure_needs_review", r.text
            approve(api, case, "closure", "核查完毕，申请办结")
            assert case_now(api, case["id"])["status"] == "closed"

    # Every change is in the case's audit log, in order, with who and why.
    log = api.get("jingban", f"/cases/{case['id']}/audit").json()
    assert log[0]["action"] == "case_opened"
    assert {"fuhe", "jingban"} <= {e["actor"] for e in log} or PLANS[exception_type][0] in ("demand", "close")
    assert [e["id"] for e in log] == sorted(e["id"] for e in log)
