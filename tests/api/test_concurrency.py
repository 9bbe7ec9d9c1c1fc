"""Two reviewers approving the same proposal at the same moment, on PostgreSQL: exactly one
wins, and its effect happens once."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.db import session_factory
from casework.models import PayrollHold
from tests.api.conftest import Api


def race(api: Api, proposal: dict) -> dict:
    """Both reviewers send their approval at the same instant, each from their own client."""
    headers = {who: api.login(who) for who in ("fuhe", "fuhe2")}
    barrier = threading.Barrier(2)
    results = {}

    def approve(who: str) -> None:
        client = TestClient(api.client.app)
        barrier.wait()
        results[who] = client.post(
            f"/proposals/{proposal['id']}/decision",
            headers=headers[who],
            json={"approve": True, "version": proposal["version"]},
        )

    threads = [threading.Thread(target=approve, args=(who,)) for who in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_reviewers_approving_at_once_exactly_one_wins(api: Api):
    findings = api.get("jingban", "/findings", params={"exception_type": "death", "size": 10}).json()["items"]
    persons = list(dict.fromkeys(f["person_id"] for f in findings))
    assert len(persons) >= 3
    for person_id in persons[:5]:
        key = next(f["finding_key"] for f in findings if f["person_id"] == person_id)
        case = api.post("jingban", "/cases", {"finding_key": key, "reason": "立案"}).json()
        proposal = api.post(
            "jingban",
            f"/cases/{case['id']}/proposals",
            {"kind": "cancellation", "case_version": case["version"], "reason": "死亡"},
        ).json()
        results = race(api, proposal)
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200, 409], {w: r.text for w, r in results.items()}
        loser = next(r for r in results.values() if r.status_code == 409)
        assert loser.json()["code"] in ("stale_version", "already_decided")
        with session_factory(api.engine)() as s:
            holds = s.scalar(select(func.count()).select_from(PayrollHold).where(PayrollHold.case_id == case["id"]))
        assert holds == len({h["person_no"] for h in proposal["terms"]["records"]}), "applied once"
