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
from pension_audit.ingest.feeds import FEEDS_BY_NAME, Kind
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


def test_an_evidence_address_no_row_has_is_a_page_saying_so_never_a_server_error(api: Api):
    """Row numbers too large for any file (or any integer column), negative or zero, and feeds or
    periods with path tricks or other scripts: each is not there (404, a page), never a 500."""
    client = console(api, "xiangzhen")
    for address in (
        "/web/evidence/payments/2025-01/99999999999999999999",
        "/web/evidence/payments/2025-01/9223372036854775808",
        "/web/evidence/payments/2025-01/2147483648",
        "/web/evidence/payments/2025-01/-1",
        "/web/evidence/payments/2025-01/0",
        "/web/evidence/payments/..%2F..%2Fsecrets/1",
        "/web/evidence/%2e%2e/2025-01/1",
        "/web/evidence/待遇发放/二〇二五年一月/1",
        "/web/evidence/payments/2025-01%00/1",
    ):
        answer = client.get(address)
        assert answer.status_code == 404, (address, answer.status_code, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html"), address


def test_a_cell_as_it_arrived_is_shown_as_text_and_an_id_in_any_cell_is_masked(api: Api):
    """A department's cell holding markup is shown as the text it is, never run; an identity
    number written in a column that is not an ID column (a note naming whoever collected the
    money) is masked for the roles that see numbers masked, as the ID columns are."""
    township = api.get("xiangzhen", "/auth/me").json()["township_code"]
    free_text = {f.name: {c.header for c in f.columns if c.kind == Kind.TEXT} for f in FEEDS_BY_NAME.values()}
    with session_factory(api.engine, writing=True)() as s, s.begin():
        row = next(
            r
            for r in s.scalars(select(EvidenceRow).where(EvidenceRow.township_code == township))
            if free_text.get(r.feed)
        )
        arrived = json.loads(row.arrived)
        note = min(free_text[row.feed])
        name = next(h for h in arrived if "姓名" in h)
        arrived[name] = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
        arrived[note] = "代领人身份证150404198001011234"
        row.arrived = json.dumps(arrived, ensure_ascii=False)
        address = f"/web/evidence/{row.feed}/{row.period}/{row.row_number}"

    theirs = console(api, "xiangzhen").get(address)
    assert theirs.status_code == 200, theirs.text
    cells = theirs.text.split('data-testid="evidence-row"')[1].split("</table>")[0]
    assert "<script" not in cells and "<img" not in cells, "markup in a cell is never markup"
    assert "&#34;&gt;&lt;" in cells and "nerr" in cells, "it is shown, as the text it is"
    assert "150404198001011234" not in theirs.text and "1504**********1234" in theirs.text
    assert "150404198001011234" in console(api, "jingban").get(address).text, "the bureau sees it whole"
