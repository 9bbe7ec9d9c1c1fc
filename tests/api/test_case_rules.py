"""The rules a case must keep, one scenario each, on SQLite and PostgreSQL: four eyes, township
scope, two staff on a visit, referral of an overdue demand, stale versions, the hold list, the
append-only audit log, and errors that speak Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from casework.db import session_factory
from casework.models import Finding, PayrollHold
from tests.api.conftest import Api, later_publication


def open_case(api: Api, exception_type: str, who: str = "jingban") -> dict:
    finding = api.get(who, "/findings", params={"exception_type": exception_type}).json()["items"][0]
    r = api.post(who, "/cases", {"finding_key": finding["finding_key"], "reason": "立案核查"})
    assert r.status_code == 201, r.text
    return r.json()


def propose(api: Api, case: dict, kind: str, who: str = "jingban", **options) -> dict:
    r = api.post(
        who,
        f"/cases/{case['id']}/proposals",
        {"kind": kind, "case_version": case["version"], "reason": "经核实", **options},
    )
    assert r.status_code == 201, r.text
    return r.json()


def decide(api: Api, proposal: dict, who: str = "fuhe", approve: bool = True):
    return api.post(
        who,
        f"/proposals/{proposal['id']}/decision",
        {"approve": approve, "version": proposal["version"], "note": "复核同意" if approve else "驳回"},
    )


def test_whoever_proposes_cannot_approve(api: Api):
    case = open_case(api, "death", who="fuhe")
    proposal = propose(api, case, "cancellation", who="fuhe")
    r = decide(api, proposal, who="fuhe")
    assert r.status_code == 403
    assert r.json()["code"] == "four_eyes"
    assert "不能复核本人" in r.json()["message"]
    assert decide(api, proposal, who="fuhe2").status_code == 200


def test_an_inspector_cannot_approve_at_all(api: Api):
    case = open_case(api, "death")
    proposal = propose(api, case, "cancellation")
    r = decide(api, proposal, who="jingban2")
    assert r.status_code == 403 and r.json()["code"] == "forbidden_role"


def test_a_township_officer_sees_their_township_and_nothing_else(api: Api):
    mine = api.get("xiangzhen", "/findings", params={"size": 500}).json()
    assert mine["total"] > 0
    townships = {f["township_code"] for f in mine["items"]}
    assert len(townships) == 1
    everything = api.get("jingban", "/findings", params={"size": 500}).json()["items"]
    elsewhere = next(f for f in everything if f["township_code"] not in townships and f["person_id"])
    assert api.get("xiangzhen", f"/findings/{elsewhere['finding_key']}").status_code == 404
    assert api.get("xiangzhen", f"/persons/{elsewhere['person_ref']}").status_code == 404
    case = api.post("jingban", "/cases", {"finding_key": elsewhere["finding_key"], "reason": "立案"}).json()
    r = api.get("xiangzhen", f"/cases/{case['id']}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.get("xiangzhen_other", f"/findings/{mine['items'][0]['finding_key']}").status_code == 404
    assert api.get("xiangzhen", f"/findings/{mine['items'][0]['finding_key']}").status_code == 200


def test_a_recovery_visit_needs_two_staff_and_the_recording(api: Api):
    case = open_case(api, "imprisonment")
    one = api.post(
        "jingban",
        f"/cases/{case['id']}/visits",
        {"visited_on": "2026-01-09", "staff": ["jingban", "jingban"], "evidence_ref": "JLY-0001"},
    )
    assert one.status_code == 422 and one.json()["code"] == "too_few_staff"
    assert "两名" in one.json()["message"]
    unrecorded = api.post(
        "jingban",
        f"/cases/{case['id']}/visits",
        {"visited_on": "2026-01-09", "staff": ["jingban", "jingban2"], "evidence_ref": " "},
    )
    assert unrecorded.status_code == 422 and unrecorded.json()["code"] == "no_evidence"
    two = api.post(
        "jingban",
        f"/cases/{case['id']}/visits",
        {"visited_on": "2026-01-09", "staff": ["jingban", "jingban2"], "evidence_ref": "JLY-0001"},
    )
    assert two.status_code == 201, two.text
    assert two.json()["staff"] == ["jingban", "jingban2"]


def test_a_demand_unpaid_past_its_deadline_is_referred_to_the_hr_bureau(api: Api):
    case = open_case(api, "imprisonment")
    approve = decide(api, propose(api, case, "suspension"))
    assert approve.status_code == 200
    case = api.get("jingban", f"/cases/{case['id']}").json()
    demand = api.post(
        "jingban",
        f"/cases/{case['id']}/demands",
        {"case_version": case["version"], "addressee": "服刑人员家属", "relation": "配偶"},
    ).json()
    part = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "PZ-9", "amount": "100.00", "paid_on": "2026-01-10"},
    )
    assert part.status_code == 201
    api.clock.day = dt.date.fromisoformat(demand["deadline"])
    assert api.post("jingban", "/referrals/run").json() == [], "on the deadline day it is not yet overdue"
    api.clock.day += dt.timedelta(days=1)
    referred = api.post("jingban", "/referrals/run").json()
    assert [r["demand_id"] for r in referred] == [demand["id"]]
    assert Decimal(referred[0]["outstanding"]) == Decimal(demand["amount"]) - 100
    assert api.get("renshe", "/referrals").json()[0]["case_id"] == case["id"]
    assert api.get("jingban", f"/cases/{case['id']}").json()["status"] == "referred"
    late = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "PZ-10", "amount": "1.00", "paid_on": "2026-02-10"},
    )
    assert late.status_code == 409


def test_a_stale_version_is_refused_with_409(api: Api):
    case = open_case(api, "death")
    propose(api, case, "cancellation")  # the case's version moves on
    r = api.post("jingban2", f"/cases/{case['id']}/close", {"case_version": case["version"], "reason": "办结"})
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version" and "刷新" in r.json()["message"]


def test_the_hold_list_for_a_month_equals_the_persons_suspended_for_it(api: Api):
    suspended = []
    for exception_type, kind in (
        ("death", "cancellation"),
        ("imprisonment", "suspension"),
        ("uncertified", "suspension"),
    ):
        case = open_case(api, exception_type)
        proposal = propose(api, case, kind)
        assert decide(api, proposal).status_code == 200
        suspended.append(proposal["terms"]["from_month"])
    month = suspended[0]
    with session_factory(api.engine)() as s:
        expected = set(
            s.scalars(
                select(PayrollHold.person_no).where(
                    PayrollHold.from_month <= month,
                    (PayrollHold.until_month.is_(None)) | (PayrollHold.until_month > month),
                )
            )
        )
    listed = api.get("jingban", "/payroll/holds", params={"month": month}).json()
    assert {row["person_no"] for row in listed["held"]} == expected
    assert len(expected) >= 3
    previous = api.get("jingban", "/payroll/holds", params={"month": "2025-06"}).json()
    assert previous["held"] == [], "a hold starts at the next 发放年月, never in the past"
    # Open findings without a decision are listed apart, for review before money leaves.
    assert listed["pending_review"], "the district has open findings no one has decided yet"
    assert not {r["person_no"] for r in listed["pending_review"]} & expected


def test_the_hold_list_downloads_as_csv_and_xlsx(api: Api):
    case = open_case(api, "death")
    proposal = propose(api, case, "cancellation")
    decide(api, proposal)
    month = proposal["terms"]["from_month"]
    csv_text = api.get("jingban", "/payroll/holds", params={"month": month, "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    header, first = csv_text.splitlines()[:2]
    assert header.startswith("section,person_no,person_id,id_number,name,township_code,reason_code")
    assert first.startswith("held,") and ",1401," in first
    xlsx = api.get("jingban", "/payroll/holds", params={"month": month, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(__import__("io").BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["类别", "个人编号", "人员标识"]
    assert sheet[1][0] == "停发"


def test_an_acquitted_detainee_is_back_paid_every_suspended_month_at_its_standard(api: Api):
    from casework.published import PersonRecord

    case = open_case(api, "detention")
    start = propose(api, case, "suspension")
    decide(api, start)
    resume = later_publication(api, 3)
    case = api.get("jingban", f"/cases/{case['id']}").json()
    terms = propose(api, case, "resumption")["terms"]
    held = {h["person_no"] for h in case["holds"]}
    from casework.services.policy import months_from

    months = months_from(start["terms"]["from_month"], resume)
    assert len(months) == 3
    assert [(b["person_no"], b["month"]) for b in terms["back_pay"]] == [(no, m) for no in sorted(held) for m in months]
    with session_factory(api.engine)() as s:
        account = {
            r.person_no: r.account_pension
            for r in s.scalars(select(PersonRecord).where(PersonRecord.person_no.in_(held)))
        }
    for b in terms["back_pay"]:
        assert Decimal(b["amount"]) == Decimal("203.00") + account[b["person_no"]], "2025 standard, still in force"
    assert Decimal(terms["back_pay_total"]) == sum(Decimal(b["amount"]) for b in terms["back_pay"])


def test_a_released_prisoner_is_not_back_paid_the_months_in_custody(api: Api):
    case = open_case(api, "imprisonment")
    start = propose(api, case, "suspension")
    decide(api, start)
    resume = later_publication(api, 2)
    case = api.get("jingban", f"/cases/{case['id']}").json()
    terms = propose(api, case, "resumption")["terms"]
    from casework.services.policy import months_from

    suspended = months_from(start["terms"]["from_month"], resume)
    from casework.published import HoldRecommendation

    with session_factory(api.engine)() as s:
        custody = [
            (r.hold_from, r.hold_until or "9999-12")
            for r in s.scalars(
                select(HoldRecommendation).where(
                    HoldRecommendation.finding_key.in_([f["finding_key"] for f in case["findings"]]),
                    HoldRecommendation.custodial.is_(True),
                )
            )
        ]
    assert custody, "an imprisonment finding carries its custody months"
    in_custody = [m for m in suspended if any(a <= m <= b for a, b in custody)]
    assert terms["custodial_months_excluded"] == in_custody
    paid = {b["month"] for b in terms["back_pay"]}
    assert paid | set(terms["custodial_months_excluded"]) == set(suspended)
    assert not paid & set(terms["custodial_months_excluded"])
    case = api.get("jingban", f"/cases/{case['id']}").json()
    again = api.post(
        "jingban2",
        f"/cases/{case['id']}/proposals",
        {"kind": "resumption", "case_version": case["version"], "reason": "x"},
    )
    assert again.status_code == 409 and again.json()["code"] == "proposal_pending"


def test_the_audit_log_cannot_be_changed_even_in_sql(api: Api):
    open_case(api, "death")
    with api.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0
    for sql in ("UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), api.engine.begin() as c:
            c.execute(text(sql))


def test_every_person_view_shows_the_timeline_with_its_evidence(api: Api):
    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    person = api.get("jingban", f"/persons/{finding['person_ref']}").json()
    assert any(e["event_type"] == "death" and "#" in e["source_ref"] for e in person["events"])
    assert person["records"] and person["improper_money"]
    assert sum(
        Decimal(m["amount"]) for m in person["improper_money"] if m["month"] >= finding["first_improper_month"]
    ) >= Decimal(finding["overpaid_amount"])


def test_errors_are_4xx_with_a_code_and_a_chinese_message(api: Api):
    assert api.client.get("/findings").json() == {"code": "unauthenticated", "message": "请先登录（令牌无效或已过期）"}
    bad = api.client.post("/auth/token", data={"username": "jingban", "password": "wrong password"})
    assert bad.status_code == 401 and bad.json()["message"] == "用户名或密码错误"
    r = api.post("jingban", "/cases", {"finding_key": "", "reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request" and "不能为空" in r.json()["message"]
    r = api.post("jingban", "/cases", {"finding_key": "nope", "reason": "x"})
    assert r.status_code == 404 and "未找到" in r.json()["message"]
    assert api.get("shuju", "/findings").status_code == 403
    assert api.get("jingban", "/payroll/holds", params={"month": "2026-13"}).status_code == 422


def test_published_findings_keep_their_case_when_the_pipeline_publishes_again(api: Api, tiny_district):
    from orchestration.publish import publish

    case = open_case(api, "death")
    summary = publish(api.engine, tiny_district.home / "warehouse.duckdb")
    assert summary.opened == 0 and summary.resolved == 0
    with session_factory(api.engine)() as s:
        assert (
            s.scalar(select(Finding.case_id).where(Finding.finding_key == case["findings"][0]["finding_key"]))
            == case["id"]
        )


def test_a_death_in_custody_leaves_only_the_own_contributions_and_no_funeral_subsidy(api: Api):
    """44号 by default, flagged for a person to decide; 国发〔2014〕8号 when they so decide."""
    from casework.published import SettlementBasis

    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    with session_factory(api.engine, writing=True)() as s, s.begin():
        basis = s.scalar(select(SettlementBasis).where(SettlementBasis.finding_key == finding["finding_key"]))
        basis.died_in_custody = True  # the scenario: this person died while serving a sentence
        own, whole = basis.own_contribution_balance, basis.account_balance
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    assert case["custody_rule"] == "44号" and "服刑期间死亡" in case["needs_decision"]
    decide(api, propose(api, case, "cancellation"))
    case = api.get("jingban", f"/cases/{case['id']}").json()
    by_44 = propose(api, case, "offset")["terms"]
    assert Decimal(by_44["account_balance"]) == own and by_44["funeral_subsidy"] == "0.00"
    assert by_44["custody_rule"] == "44号"
    pending = api.get("jingban", f"/cases/{case['id']}").json()["proposals"][-1]
    assert decide(api, pending, approve=False).json()["status"] == "rejected"
    case = api.get("jingban", f"/cases/{case['id']}").json()
    by_8 = propose(api, case, "offset", custody_rule="国发〔2014〕8号")["terms"]
    assert Decimal(by_8["account_balance"]) == whole and by_8["funeral_subsidy"] == "0.00"


def test_a_death_settles_against_the_balance_of_the_death_month_then_the_funeral_subsidy(api: Api):
    from casework.published import SettlementBasis

    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    with session_factory(api.engine)() as s:
        basis = s.scalar(select(SettlementBasis).where(SettlementBasis.finding_key == finding["finding_key"]))
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    decide(api, propose(api, case, "cancellation"))
    case = api.get("jingban", f"/cases/{case['id']}").json()
    terms = propose(api, case, "offset")["terms"]
    assert terms["balance_month"] == finding["event_period"]
    assert Decimal(terms["account_balance"]) == basis.account_balance
    assert terms["funeral_subsidy"] == ("1000.00" if basis.receiving_at_event else "0.00")
    assert Decimal(terms["overpaid"]) == Decimal(case["overpaid"])


def test_every_hold_a_decision_starts_or_ends_is_in_the_audit_log_with_its_before(api: Api):
    case = open_case(api, "detention")
    decide(api, propose(api, case, "suspension"))
    resume = later_publication(api, 1)
    case = api.get("jingban", f"/cases/{case['id']}").json()
    decide(api, propose(api, case, "resumption"))
    log = api.get("jingban", f"/cases/{case['id']}/audit").json()
    started = [e for e in log if e["action"] == "hold_started"]
    ended = [e for e in log if e["action"] == "hold_ended"]
    assert started and len(ended) == len(started)
    assert all(e["actor"] == "fuhe" and "申请" in e["reason"] for e in started + ended)
    assert all(e["before"]["until_month"] is None and e["after"]["until_month"] == resume for e in ended)
    assert (
        [e["action"] for e in log].count("back_pay_recorded")
        == len(api.get("jingban", f"/cases/{case['id']}").json()["back_payments"])
        > 0
    )


def test_a_key_with_a_control_character_is_refused_not_a_server_error(api: Api):
    # PostgreSQL refuses a NUL inside text; the API says what is wrong before it gets there.
    opened = api.post("jingban", "/cases", {"finding_key": "death:1\x00", "reason": "核查"})
    assert opened.status_code == 422
    assert api.get("jingban", "/findings/death%3A1%00").status_code == 422
    assert api.get("jingban", "/persons/P%00").status_code == 422
