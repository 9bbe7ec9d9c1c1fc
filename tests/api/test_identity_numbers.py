"""Least privilege for identity numbers, on SQLite and PostgreSQL: township officers and the
区人社局 see them masked in every answer and export; URLs name persons by an opaque, stable
reference; the bureau's inspectors, reviewers and admin see them in full, and each answer or
export that shows them is in the audit log, as is every refusal."""

from __future__ import annotations

import io
import re

from python_calamine import CalamineWorkbook
from sqlalchemy import text

from api.app import create_app
from casework.services.access import ID_NUMBER
from tests.api.conftest import Api
from tests.api.test_case_rules import open_case
from tests.api.test_one_validation import console

MASKED = re.compile(r"\d{4}\*{10}[0-9Xx*]{4}")


def entries(api: Api, action: str) -> list[tuple]:
    with api.engine.connect() as c:
        return list(
            c.execute(
                text("SELECT actor, entity_id, person_id FROM audit_log WHERE action = :a ORDER BY id"), {"a": action}
            )
        )


def xlsx_text(content: bytes) -> str:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return "\n".join(
        str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row
    )


def test_township_officers_and_the_hr_bureau_never_receive_a_full_identity_number(api: Api):
    township = api.get("xiangzhen", "/findings").json()["items"][0]["township_code"]
    theirs = api.get("jingban", "/findings", params={"exception_type": "death", "township_code": township}).json()
    case = api.post("jingban", "/cases", {"finding_key": theirs["items"][0]["finding_key"], "reason": "立案"}).json()
    person = case["person_ref"]
    answers = {
        "xiangzhen": [
            api.get("xiangzhen", "/findings", params={"size": 500}),
            api.get("xiangzhen", "/cases"),
            api.get("xiangzhen", f"/cases/{case['id']}"),
            api.get("xiangzhen", f"/cases/{case['id']}/audit"),
            api.get("xiangzhen", f"/persons/{person}"),
            api.get("xiangzhen", f"/persons/{person}/audit"),
            console(api, "xiangzhen").get("/web/findings"),
            console(api, "xiangzhen").get(f"/web/persons/{person}"),
            console(api, "xiangzhen").get(f"/web/cases/{case['id']}"),
        ],
        "renshe": [
            api.get("renshe", "/cases"),
            api.get("renshe", f"/cases/{case['id']}"),
            api.get("renshe", f"/cases/{case['id']}/audit"),
            api.get("renshe", "/findings"),
            console(api, "renshe").get(f"/web/cases/{case['id']}"),
        ],
    }
    for who, responses in answers.items():
        for r in responses:
            assert r.status_code == 200, (who, r.url, r.text[:200])
            assert not ID_NUMBER.search(r.text), (who, r.url)
        assert any(MASKED.search(r.text) for r in responses), who
    export = console(api, "xiangzhen").get("/web/findings/export.xlsx")
    assert export.status_code == 200
    content = xlsx_text(export.content)
    assert MASKED.search(content) and not ID_NUMBER.search(content)


def test_the_bureau_sees_full_identity_numbers_and_each_showing_is_logged(api: Api):
    case = open_case(api, "death")
    listed = api.get("jingban", "/findings")
    assert ID_NUMBER.search(listed.text)
    person = api.get("fuhe", f"/persons/{case['person_ref']}").json()
    assert ID_NUMBER.fullmatch(person["id_number"] or person["person_id"])
    export = console(api, "admin").get("/web/findings/export.xlsx")
    assert ID_NUMBER.search(xlsx_text(export.content))
    viewed = entries(api, "ids_viewed")
    assert ("jingban", "GET /findings", None) in viewed
    assert ("fuhe", f"GET /persons/{case['person_ref']}", person["person_id"]) in viewed
    assert ("admin", "GET /web/findings/export.xlsx", None) in entries(api, "exported")
    log = api.get("jingban", f"/persons/{case['person_ref']}/audit").json()
    assert any(e["action"] == "ids_viewed" and e["actor"] == "fuhe" for e in log), "the person's log says who looked"


def test_urls_name_persons_by_a_stable_reference_never_by_identity_number(api: Api, store_settings):
    case = open_case(api, "death")
    for page in (console(api, "jingban").get("/web/findings"), console(api, "jingban").get(f"/web/cases/{case['id']}")):
        hrefs = re.findall(r'href="([^"]+)"', page.text)
        assert any(h.startswith("/web/persons/") for h in hrefs)
        assert not [h for h in hrefs if ID_NUMBER.search(h)]
    again = create_app(store_settings)  # another process of the same deployment, or after a rebuild
    assert again.state.person_refs.ref(case["person_id"]) == case["person_ref"]
    assert api.get("jingban", "/findings", params={"person": case["person_ref"]}).json()["total"] >= 1
    assert api.get("jingban", "/persons/0123456789abcdef01234567").status_code == 404
    assert api.get("jingban", f"/persons/{case['person_id']}").status_code == 422, "an identity number is no reference"


def test_every_refusal_is_logged(api: Api):
    assert api.get("shuju", "/findings").status_code == 403
    assert console(api, "renshe").get("/web/feeds").status_code == 403
    refused = entries(api, "refused")
    assert ("shuju", "GET /findings", None) in refused and ("renshe", "GET /web/feeds", None) in refused
