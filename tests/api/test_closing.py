"""Every path to a closed case has four eyes, on SQLite and PostgreSQL: closing a case that
still has money owed, money not yet demanded or findings open is a proposal another person
approves; one person alone closes only a case that gives nothing up."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from casework.db import session_factory
from casework.models import Finding, FindingStatus
from casework.published import SettlementBasis
from tests.api.conftest import Api
from tests.api.test_case_rules import decide, open_case, propose


def fresh(api: Api, case: dict) -> dict:
    return api.get("jingban", f"/cases/{case['id']}").json()


def close(api: Api, case: dict, who: str = "jingban"):
    return api.post(who, f"/cases/{case['id']}/close", {"case_version": case["version"], "reason": "办结"})


def test_one_inspector_cannot_close_an_open_case_with_money_owed(api: Api):
    case = open_case(api, "death")
    assert Decimal(case["overpaid"]) > 0
    assert "close" not in case["allowed_actions"] and "propose_closure" in case["allowed_actions"]
    refused = close(api, case)
    assert refused.status_code == 409 and refused.json()["code"] == "closure_needs_review"
    assert "未追回" in refused.json()["message"] and "复核" in refused.json()["message"]
    assert fresh(api, case)["status"] == "open"


def test_a_closure_proposal_closes_the_case_only_when_someone_else_approves(api: Api):
    case = open_case(api, "death", who="fuhe")
    proposal = propose(api, case, "closure", who="fuhe")
    assert any("未追回" in r for r in proposal["terms"]["reasons"])
    assert proposal["terms"]["open_findings"]
    assert decide(api, proposal, who="fuhe").status_code == 403, "not by whoever proposed it"
    assert fresh(api, case)["status"] == "open"
    assert decide(api, proposal, who="fuhe2").status_code == 200
    closed = fresh(api, case)
    assert closed["status"] == "closed"
    actions = [e["action"] for e in api.get("jingban", f"/cases/{case['id']}/audit").json()]
    assert actions[-3:] == ["proposed_closure", "applied_closure", "approved"]


def test_money_left_after_the_offset_and_not_demanded_takes_a_closure_proposal(api: Api):
    case = open_case(api, "death")
    decide(api, propose(api, case, "cancellation"))
    settled = propose(api, fresh(api, case), "offset")
    decide(api, settled)
    case = fresh(api, case)
    if case["status"] == "closed":  # the balance covered everything: that path had a reviewer too
        assert Decimal(settled["terms"]["remaining"]) == 0
        return
    assert case["status"] == "settled"
    refused = close(api, case)
    assert refused.status_code == 409 and refused.json()["code"] == "closure_needs_review"
    decide(api, propose(api, case, "closure"))
    assert fresh(api, case)["status"] == "closed"


def test_an_offset_that_leaves_nothing_closes_the_case_on_a_reviewers_approval(api: Api):
    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    with session_factory(api.engine, writing=True)() as s, s.begin():
        s.execute(
            update(SettlementBasis)
            .where(SettlementBasis.finding_key == finding["finding_key"])
            .values(account_balance=Decimal("999999.00"))
        )
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    decide(api, propose(api, case, "cancellation"))
    offset = propose(api, fresh(api, case), "offset")
    assert offset["terms"]["remaining"] == "0.00"
    assert fresh(api, case)["status"] == "terminated", "the proposal alone changes nothing"
    decide(api, offset)
    assert fresh(api, case)["status"] == "closed"


def test_one_person_closes_alone_only_a_case_that_gives_nothing_up(api: Api):
    case = open_case(api, "death")
    with session_factory(api.engine, writing=True)() as s, s.begin():
        s.execute(update(Finding).where(Finding.case_id == case["id"]).values(status=FindingStatus.resolved_by_data))
    case = fresh(api, case)
    assert Decimal(case["overpaid"]) == 0
    assert "close" in case["allowed_actions"] and "propose_closure" not in case["allowed_actions"]
    needless = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "closure", "case_version": case["version"], "reason": "办结"},
    )
    assert needless.status_code == 409 and needless.json()["code"] == "close_directly"
    closed = close(api, case)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
