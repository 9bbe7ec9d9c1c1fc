"""A notice's page in the console links to the run its build came from and to its evidence; the
run's page lists the notice (the tiny district as `pension-audit run` published it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.db import session_factory
from casework.models import Finding, IssuedDocument, IssuedFile
from casework.published import Publication
from casework.services.console import evidence_words
from tests.api.conftest import Api, serving_as_published
from tests.api.test_one_validation import console
from tests.reports.support import issue_pdf, settled_demand


@pytest.fixture
def published_by_a_run(tiny_district, tmp_path: Path) -> Iterator[Api]:
    with serving_as_published(tiny_district, tmp_path / "service-home") as api:
        yield api


def test_a_notices_page_links_to_its_run_and_the_evidence_of_its_findings(published_by_a_run: Api):
    api = published_by_a_run
    case, demand = settled_demand(api, "death", "林晓梅", "子女")
    issue_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    with session_factory(api.engine)() as s:
        run_id = s.scalar(select(Publication.run_id).order_by(Publication.id.desc()).limit(1))
        issued = s.scalar(select(IssuedFile).where(IssuedFile.subject == f"demand:{demand['id']}"))
        number = s.scalar(select(IssuedDocument).where(IssuedDocument.file_id == issued.id))
        findings = s.scalars(select(Finding).where(Finding.case_id == case["id"])).all()
    assert run_id and issued.run_id == run_id and number.run_id == run_id, "the notice carries its run"
    assert {f.run_id for f in findings} == {run_id}, "so does each finding the run published"
    cookies = {"pa_token": api.tokens["jingban"]}

    case_page = api.client.get(f"/web/cases/{case['id']}", cookies=cookies).text
    notice_page = api.client.get(f"/web/notices/{issued.id}", cookies=cookies)
    run_page = api.client.get(f"/web/runs/{run_id}", cookies=cookies)

    assert f'href="/web/notices/{issued.id}"' in case_page
    assert notice_page.status_code == 200
    assert f'href="/web/runs/{run_id}"' in notice_page.text and number.document_no in notice_page.text
    for finding in findings:
        for ref in finding.evidence[:3]:
            assert evidence_words(ref).rsplit(" ", 1)[0] in notice_page.text
            row = "/web/evidence/" + ref.replace("#", "/")
            assert f'href="{row}"' in notice_page.text, "each row of its evidence opens"
            assert api.client.get(row, cookies=cookies).status_code == 200
    assert run_page.status_code == 200 and number.document_no in run_page.text
    assert f'href="/web/notices/{issued.id}"' in run_page.text


def test_a_runs_page_names_to_a_township_officer_only_their_own_townships_notices(published_by_a_run: Api):
    """The run's page lists the notices issued on it; another township's 文号 (and its link)
    is not there for a township officer, as the notice itself is not; unknown or malformed
    run ids are a page saying so."""
    api = published_by_a_run
    township = api.get("xiangzhen", "/auth/me").json()["township_code"]
    _case, demand = settled_demand(api, "death", "林晓梅", "子女", township_code=township)
    issue_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    with session_factory(api.engine)() as s:
        run_id = s.scalar(select(Publication.run_id).order_by(Publication.id.desc()).limit(1))
        issued = s.scalar(select(IssuedFile).where(IssuedFile.subject == f"demand:{demand['id']}"))
        number = s.scalar(select(IssuedDocument).where(IssuedDocument.file_id == issued.id)).document_no
    assert issued.township_code == township
    theirs = console(api, "xiangzhen").get(f"/web/runs/{run_id}")
    elsewhere = console(api, "xiangzhen_other").get(f"/web/runs/{run_id}")
    assert theirs.status_code == 200 and number in theirs.text
    assert elsewhere.status_code == 200 and number not in elsewhere.text
    assert f"/web/notices/{issued.id}" not in elsewhere.text
    assert console(api, "xiangzhen_other").get(f"/web/notices/{issued.id}").status_code == 404
    for unknown in ("20990101-000000-0000", "..%2F..%2Fsecrets", "x%00y", "运行" * 20):
        answer = console(api, "xiangzhen").get(f"/web/runs/{unknown}")
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html"), unknown
