"""The case page offers what would succeed and only that: the guide and the service read one
set of rules (casework.services.cases.check_action). For a case of each finding type that
opens one, walked from the finding to its end by following the guide's next step, every
action of every role is tried at every step (then rolled back): it succeeds exactly when the
guide offers it, and when it is refused the reason is the one the guide gave."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.db import session_factory
from casework.errors import Problem
from casework.models import Case, CaseStatus, DemandStatus, ProposalKind, ProposalStatus, User
from casework.services import cases as service
from tests.api.conftest import TODAY, Api
from tests.api.test_case_lifecycle import PLANS, first_finding

VOUCHERS = itertools.count(1)
STEPS = (*service.WORKFLOW, "record_visit")


def attempt(session, user: User, case: Case, action: str) -> None:
    """The action as a page would send it, with ordinary inputs (the defaults of its form)."""
    if action.startswith("propose_"):
        service.propose(
            session,
            user,
            case.id,
            ProposalKind(action.removeprefix("propose_")),
            case.version,
            "按页面提示办理",
            {},
            TODAY,
        )
    elif action == "decide":
        pending = next(p for p in case.proposals if p.status == ProposalStatus.pending and p.proposed_by != user.id)
        service.decide(session, user, pending.id, True, pending.version, "复核同意", TODAY)
    elif action == "issue_demand":
        service.issue_demand(session, user, case.id, case.version, "王某某", "法定继承人", TODAY, None)
    elif action == "record_repayment":
        demand = next(d for d in case.demands if d.status == DemandStatus.open)
        service.record_repayment(
            session, user, demand.id, f"PZ-GUIDE-{next(VOUCHERS)}", demand.outstanding, TODAY, TODAY
        )
    elif action == "close":
        service.close_case(session, user, case.id, case.version, "核查完毕")
    elif action == "record_visit":
        staff = ["jingban", "fuhe"]
        service.record_visit(
            session, user, case.id, service.VisitForm(TODAY - dt.timedelta(days=1), staff, "JLY-001", None), TODAY
        )
    else:
        raise AssertionError(action)


def probe(api: Api, case_id: int, username: str) -> tuple[service.Guide, dict[str, str | None]]:
    """The guide as `username` sees it, and what became of each action they tried (None:
    accepted), each in a transaction rolled back."""
    outcomes: dict[str, str | None] = {}
    factory = session_factory(api.engine, writing=True)
    with factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        guide = service.case_guide(session, session.get(Case, case_id), user)
    for action in STEPS:
        with factory() as session:
            user = session.scalar(select(User).where(User.username == username))
            case = session.get(Case, case_id)
            try:
                attempt(session, user, case, action)
                session.flush()
                outcomes[action] = None
            except Problem as problem:
                outcomes[action] = problem.message
            except StopIteration:  # nothing of the kind to act on
                outcomes[action] = "nothing"
            finally:
                session.rollback()
    return guide, outcomes


def take(api: Api, case_id: int, username: str, action: str) -> None:
    factory = session_factory(api.engine, writing=True)
    with factory() as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        attempt(session, user, session.get(Case, case_id), action)


@pytest.mark.parametrize("exception_type", sorted(PLANS))
def test_the_guide_offers_exactly_what_succeeds_at_every_step(api: Api, exception_type: str):
    finding = first_finding(api, exception_type)
    r = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "数据比对发现疑点，立案核查"})
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    # The township's officer, when the case is in their township (elsewhere it does not exist).
    officer = ["xiangzhen"] if api.get("xiangzhen", f"/cases/{case_id}").status_code == 200 else []
    walked = []
    for _ in range(12):
        guides = {}
        for username in ("jingban", "fuhe", *officer):
            guide, outcomes = probe(api, case_id, username)
            guides[username] = guide
            offered = {s.action: s.why_not for s in guide.steps}
            for action, outcome in outcomes.items():
                if action in guide.allowed:
                    assert outcome is None, (exception_type, walked, username, action, outcome)
                else:
                    assert outcome is not None, (exception_type, walked, username, action, "accepted, not offered")
                    if action in offered and outcome != "nothing":
                        assert offered[action] == outcome, (exception_type, username, action)
            r = api.get(username, f"/cases/{case_id}")
            assert r.status_code == 200 and r.json()["allowed_actions"] == guide.allowed
        status = api.get("jingban", f"/cases/{case_id}").json()["status"]
        if status == CaseStatus.closed:
            assert guides["jingban"].next_step == "本案已办结。"
            break
        # The next step, taken by whoever may take it.
        if "decide" in guides["fuhe"].allowed:
            walked.append("decide")
            take(api, case_id, "fuhe", "decide")
            continue
        nxt = next(a for a in service.WORKFLOW if a in guides["jingban"].allowed)
        assert guides["jingban"].next_step.startswith(service.ACTION_WORDS[nxt]), guides["jingban"].next_step
        walked.append(nxt)
        take(api, case_id, "jingban", nxt)
    else:
        pytest.fail(f"{exception_type}: the guide never led to closure: {walked}")
    assert walked, exception_type


def test_at_investigation_a_death_case_offers_no_demand_write_off_or_closure(api: Api):
    """Issue 16's clerk at 调查核实中: 下达追缴通知 (refused: settle first), 核销 with nothing
    repaid and 办结 were offered. Now the first step is named, the rest say why not yet."""
    finding = first_finding(api, "death")
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案核查"}).json()
    guide, _ = probe(api, case["id"], "jingban")
    assert guide.next_step.startswith("提出注销登记申请")
    not_yet = {s.action: s.why_not for s in guide.not_yet}
    assert "应先结算个人账户" in not_yet["issue_demand"]
    assert "已注销时方可" in not_yet["propose_offset"]
    assert "追缴中时方可" in not_yet["propose_write_off"]
    assert "办结须提出办结申请" in not_yet["close"]
    assert {"issue_demand", "propose_write_off", "close"}.isdisjoint(guide.allowed)
    assert Decimal(case["overpaid"]) > 0
