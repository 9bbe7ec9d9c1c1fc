"""The service never opens the warehouse: with only the case store the pipeline published into,
no warehouse file in its home and DuckDB refused outright, every API route, console page and
document answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from sqlalchemy import select

from casework.db import session_factory
from casework.published import BenefitStart, FeedFile, Publication
from tests.api.conftest import Api, serving_as_published
from tests.reports.support import issue_pdf, settled_demand


@pytest.fixture
def service_alone(tiny_district, tmp_path: Path, monkeypatch) -> Iterator[Api]:
    def refused(*args, **kwargs):
        raise AssertionError(f"the service opened DuckDB: {args}")

    monkeypatch.setattr(duckdb, "connect", refused)
    home = tmp_path / "service-home"
    with serving_as_published(tiny_district, home) as api:
        yield api
    assert not (home / "warehouse.duckdb").exists()


def test_every_route_page_and_document_answers_from_the_case_store_alone(service_alone: Api):
    api = service_alone
    case, demand = settled_demand(api, "death", "林晓梅", "子女")
    _, returned = settled_demand(api, "nationality", "冯金", "本人")
    with session_factory(api.engine)() as s:
        start = s.scalar(select(BenefitStart).order_by(BenefitStart.month.desc()).limit(1))
        feed_file = s.scalar(select(FeedFile).where(FeedFile.status == "loaded").limit(1))
    benefit = {"month": start.month, "township": start.township_code}
    issue_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    issue_pdf(api, "jingban", f"/documents/return-notice/{returned['id']}")
    issue_pdf(api, "jingban", f"/documents/deregistration-notice/{case['id']}")
    issue_pdf(api, "jingban", "/documents/benefit-notice", **benefit)
    with session_factory(api.engine)() as s:
        run_id = s.scalar(select(Publication.run_id).order_by(Publication.id.desc()).limit(1))
    death = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    person, key, year = death["person_ref"], death["finding_key"], int(death["event_period"][:4])
    issued_month = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")  # the notices just issued
    # Every GET route of the API (by its template), with real values.
    api_routes = {
        "/auth/me": ("/auth/me", {}),
        "/users": ("/users", {}),
        "/findings": ("/findings", {}),
        "/findings/{finding_key}": (f"/findings/{key}", {}),
        "/persons/{ref}": (f"/persons/{person}", {}),
        "/cases": ("/cases", {}),
        "/cases/{case_id}": (f"/cases/{case['id']}", {}),
        "/demands/{demand_id}": (f"/demands/{demand['id']}", {}),
        "/cases/{case_id}/audit": (f"/cases/{case['id']}/audit", {}),
        "/persons/{ref}/audit": (f"/persons/{person}/audit", {}),
        "/referrals": ("/referrals", {}),
        "/sign-in-locks": ("/sign-in-locks", {}),
        "/payroll/holds": ("/payroll/holds", {"month": "2026-01"}),
        "/documents/issued/{file_id}": ("/documents/issued/1", {}),
        "/documents/issuer-accounts": ("/documents/issuer-accounts", {}),
        "/documents/issued/batch": (
            "/documents/issued/batch",
            {"township": case["township_code"], "month": issued_month},
        ),
        "/documents/recovery-notice/{demand_id}": (f"/documents/recovery-notice/{demand['id']}", {}),
        "/documents/return-notice/{demand_id}": (f"/documents/return-notice/{returned['id']}", {}),
        "/documents/deregistration-notice/{case_id}": (f"/documents/deregistration-notice/{case['id']}", {}),
        "/documents/benefit-notice": ("/documents/benefit-notice", benefit),
        "/documents/suspension-list": ("/documents/suspension-list", {"month": "2026-01"}),
        "/documents/resumption-list": ("/documents/resumption-list", {"month": "2026-01"}),
        "/documents/inspection-summary": ("/documents/inspection-summary", {"month": "2026-01"}),
        "/documents/certification-report": (
            "/documents/certification-report",
            {"year": 2025, "township": death["township_code"]},
        ),
        "/documents/accountability-report": ("/documents/accountability-report", {"year": year}),
        "/health": ("/health", {}),
    }
    openapi = api.client.app.openapi()["paths"]
    assert set(api_routes) == {path for path, ops in openapi.items() if "get" in ops}, "a new route is listed here"
    answers = {
        template: api.get(
            "admin" if template in ("/users", "/sign-in-locks", "/documents/issuer-accounts") else "jingban",
            path,
            params=params,
        ).status_code
        for template, (path, params) in api_routes.items()
    }
    cookies = {"pa_token": api.tokens["jingban"]}
    for path in (
        "/web/dashboard",
        "/web/findings",
        f"/web/persons/{person}",
        "/web/cases",
        f"/web/cases/{case['id']}",
        "/web/accountability",
        f"/web/accountability?year={year}&month={death['event_period']}",
        f"/web/accountability/events?year={year}",
        "/web/feeds",
        f"/web/feeds/{feed_file.feed}/{feed_file.period}",
        "/web/findings/export.xlsx",
        "/web/notices/1",
        f"/web/notices/batch?township={case['township_code']}&month={issued_month}",
        f"/web/runs/{run_id}",
        "/web/evidence/{}/{}/{}".format(
            *re.split(r"[/#]", api.get("jingban", f"/findings/{key}").json()["evidence"][0])
        ),
    ):
        answers[path] = api.client.get(path, cookies=cookies).status_code
    assert answers == dict.fromkeys(answers, 200)
