"""Evidence opens to the source row exactly as it arrived: a finding's evidence, named on the
person page as a clerk names it, links each row to a page showing every declared column as the
department's file had it (whitespace and look-alikes made visible), read from the case store
(pub_evidence_rows) and never from the warehouse. A township officer opens only the rows their
township's findings cite; identity numbers are masked for the roles that see them masked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from casework.db import session_factory
from casework.published import EvidenceRow, FeedFile
from pension_audit.ingest.reader import read_columns
from tests.api.conftest import Api
from tests.api.test_one_validation import console


def source_row(inbox: Path, path: str, row: int) -> list[str | None]:
    """The row of the department's file (`path` as the inbox holds it, <feed>/<name>) as the
    reader sees its cells, numbered as Excel shows them."""
    file = inbox / path
    columns, _ = read_columns(file, file.read_bytes())
    return [c.to_pylist()[row - 1] for c in columns]


def test_a_findings_evidence_opens_to_the_row_as_it_arrived(api: Api, tiny_district):
    township = api.get("xiangzhen", "/auth/me").json()["township_code"]
    listed = api.get("jingban", "/findings", params={"exception_type": "death", "township_code": township})
    death = listed.json()["items"][0]  # a death of the township officer's township
    death["evidence"] = api.get("jingban", f"/findings/{death['finding_key']}").json()["evidence"]
    page = console(api, "jingban").get(f"/web/persons/{death['person_ref']}").text
    links = re.findall(r'<a href="(/web/evidence/[^"]+)" data-testid="evidence-row-link"', page)
    assert links, "every cited row opens"
    feed, period, row = links[0].split("/")[3:]
    opened = console(api, "jingban").get(links[0])
    assert opened.status_code == 200, opened.text

    with session_factory(api.engine)() as s:
        kept = s.scalars(
            select(EvidenceRow).where(
                EvidenceRow.feed == feed, EvidenceRow.period == period, EvidenceRow.row_number == int(row)
            )
        ).first()
        path = s.scalar(select(FeedFile.path).where(FeedFile.feed == feed, FeedFile.period == period))
    arrived = json.loads(kept.arrived)
    cells = source_row(tiny_district.inbox, path, int(row))
    assert [v for v in arrived.values() if v is not None], "the row has its cells"
    for header, value in arrived.items():
        assert value is None or value in cells, f"{header}: {value!r} is the file's own cell"
        assert f"<th>{header}</th>" in opened.text
    assert re.search(r"第\d+行", opened.text) and "到达原样" in opened.text

    # Every evidence row of every published finding is there to open, and nothing else.
    with session_factory(api.engine)() as s:
        published = {(e.feed, e.period, e.row_number) for e in s.scalars(select(EvidenceRow))}
    for ref in death["evidence"]:
        f, p, r = re.split(r"[/#]", ref)
        assert (f, p, int(r)) in published, ref
    assert console(api, "jingban").get(f"/web/evidence/{feed}/{period}/999999").status_code == 404

    # Township officers: their own township's findings' rows, identity numbers masked.
    theirs = console(api, "xiangzhen").get(links[0])
    assert theirs.status_code == 200
    for value in arrived.values():
        if value and re.fullmatch(r"\d{17}[\dXx]", value.strip()):
            assert value.strip() in opened.text and value.strip() not in theirs.text
    assert console(api, "xiangzhen_other").get(links[0]).status_code == 404, "another township's row is not there"
