"""A write is committed before its answer is sent, on SQLite and PostgreSQL: a client that has
its 201 reads the write back at once, and a commit that fails is never answered 2xx.

The service runs under uvicorn (the test client would wait for everything a request does,
including what happens after the answer is sent)."""

from __future__ import annotations

import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.api.conftest import Api
from tests.conftest import served

WRITES = 100


def death_case(api: Api) -> dict:
    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    return api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()


def visit(n: int) -> dict:
    return {"visited_on": "2026-01-08", "staff": ["jingban", "jingban2"], "evidence_ref": f"JLY-{n:04d}"}


def test_every_write_answered_201_is_read_back_at_once(api: Api):
    case = death_case(api)
    headers = api.login("jingban")
    stale = 0
    with served(api.client.app, lifespan="off") as base, httpx.Client(base_url=base, headers=headers) as client:
        for n in range(WRITES):
            created = client.post(f"/cases/{case['id']}/visits", json=visit(n))
            assert created.status_code == 201, created.text
            visits = client.get(f"/cases/{case['id']}").json()["visits"]
            stale += created.json()["id"] not in {v["id"] for v in visits}
    assert stale == 0


def test_a_write_whose_commit_fails_is_not_answered_2xx(api: Api):
    case = death_case(api)
    headers = api.login("jingban")

    def fail(_session) -> None:
        raise RuntimeError("the database refused the commit")

    with served(api.client.app, lifespan="off") as base, httpx.Client(base_url=base, headers=headers) as client:
        event.listen(Session, "before_commit", fail)
        try:
            answer = client.post(f"/cases/{case['id']}/visits", json=visit(0))
        finally:
            event.remove(Session, "before_commit", fail)
        assert not answer.is_success and answer.status_code >= 409, answer.status_code
    assert api.get("jingban", f"/cases/{case['id']}").json()["visits"] == []
