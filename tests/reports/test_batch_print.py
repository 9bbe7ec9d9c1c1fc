"""The notices of a township and month printed in one go: the kept bytes of every notice issued
(and not voided) for that township in that month (北京时间), in 文号 order, each starting on an
odd page for printing on both sides; nothing rendered, no 文号 given by asking."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import func, select, update

from casework.db import session_factory
from casework.models import AuditEntry, DocumentNumber, IssuedDocument, IssuedFile
from reports.documents.batch import month_bounds
from tests.api.conftest import Api
from tests.reports.support import (
    PDF,
    approve,
    case_now,
    flat,
    issue_demand,
    keep,
    open_case,
    page_count,
    record_account,
)

URL = "/documents/issued/batch"


def demand_of(api: Api, f: dict, addressee: str) -> tuple[dict, dict]:
    """A finding's case taken to its demand (as support.settled_demand, for a finding chosen here)."""
    case = open_case(api, f["finding_key"])
    if f["exception_type"] in ("death", "nationality", "other_pension"):
        approve(api, case, "cancellation")
        approve(api, case, "offset")
    else:
        approve(api, case, "suspension")
    return case_now(api, case["id"]), issue_demand(api, case, addressee, "子女")


def findings_of(api: Api, township: str, kinds: tuple[str, ...]) -> list[dict]:
    found = []
    for kind in kinds:
        r = api.get("jingban", "/findings", params={"exception_type": kind, "township_code": township, "size": 500})
        found += r.json()["items"]
    seen, distinct = set(), []
    for f in found:  # one finding per person: one case each
        if f["person_id"] not in seen:
            seen.add(f["person_id"])
            distinct.append(f)
    return distinct


def issue(api: Api, url: str) -> dict:
    r = api.post("jingban", f"{url}/issue")
    assert r.status_code == 201, r.text
    return r.json()


def pages_of(content: bytes) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(io.BytesIO(content)).pages]


def test_a_townships_notices_of_a_month_print_as_one_pdf_in_number_order(api: Api):
    record_account(api)
    here = api.get("xiangzhen", "/findings", params={"exception_type": "death"}).json()["items"][0]["township_code"]
    mine = findings_of(api, here, ("death", "imprisonment"))
    death = next(f for f in mine if f["exception_type"] == "death")
    jailed = next(f for f in mine if f["exception_type"] == "imprisonment")
    r = api.get("jingban", "/findings", params={"exception_type": "death", "size": 500}).json()["items"]
    elsewhere = next(f for f in r if f["township_code"] != here)

    # This township, this month: the deregistration notice first (注1), then the recovery notice (追1).
    case, first = demand_of(api, death, "林晓梅")
    deregistration = issue(api, f"/documents/deregistration-notice/{case['id']}")
    recovery = issue(api, f"/documents/recovery-notice/{first['id']}")
    # This township, this month, voided (追2): not printed. Its replacement (追3) moved back to
    # the month before in the store.
    _, second = demand_of(api, jailed, "家属")
    voided = issue(api, f"/documents/recovery-notice/{second['id']}")
    r = api.post("jingban", f"/documents/issued/{voided['id']}/void", {"reason": "送达地址有误"})
    assert r.status_code == 200, r.text
    last_month = issue(api, f"/documents/recovery-notice/{second['id']}")
    # Another township, this month (追4).
    _, theirs = demand_of(api, elsewhere, "家属")
    other_township = issue(api, f"/documents/recovery-notice/{theirs['id']}")

    with session_factory(api.engine)() as s:
        issued_at = s.get(IssuedFile, recovery["id"]).issued_at
        beijing = (issued_at + dt.timedelta(hours=8)).strftime("%Y-%m")
        start, _ = month_bounds(beijing)
        before = start - dt.timedelta(minutes=30)  # 23:30 北京时间 on the last day of the month before
        s.execute(update(IssuedFile).where(IssuedFile.id == last_month["id"]).values(issued_at=before))
        s.commit()
        numbers_before = s.scalar(select(func.sum(DocumentNumber.last_number)))
        numbered_before = s.scalar(select(func.count()).select_from(IssuedDocument))
        kept = {f.id: f.content for f in s.scalars(select(IssuedFile))}
    month_before = (start - dt.timedelta(days=1)).strftime("%Y-%m")

    r = api.get("jingban", URL, params={"township": here, "month": beijing})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == PDF and r.content[:5] == b"%PDF-"
    assert r.headers["x-document-files"] == f"{recovery['id']},{deregistration['id']}", "文号 order: 追 then 注"
    batch = r.content
    recovery_pages = pages_of(kept[recovery["id"]])
    deregistration_pages = pages_of(kept[deregistration["id"]])
    pages = pages_of(batch)
    keep(batch, "notice-batch", tuple(n for n, text in enumerate(pages, 1) if text))  # blank pages: no PNG
    # Exactly its notices' pages, in order, each notice from an odd page (a blank page after an odd count).
    blank = [""] if len(recovery_pages) % 2 else []
    assert pages == recovery_pages + blank + deregistration_pages
    assert page_count(batch) == page_count(kept[recovery["id"]]) + len(blank) + page_count(kept[deregistration["id"]])
    one = "".join(pages)
    assert "松社保追字〔2026〕1号" in one and "松社保注字〔2026〕1号" in one
    assert one.index("松社保追字〔2026〕1号") < one.index("松社保注字〔2026〕1号")
    for absent in ("〔2026〕2号", "〔2026〕3号", "〔2026〕4号"):
        assert absent not in one, f"{absent}: voided, last month's or another township's"
    outline = [item.title for item in PdfReader(io.BytesIO(batch)).outline]
    assert outline == ["松社保追字〔2026〕1号 冒领社会保险待遇追缴通知书", "松社保注字〔2026〕1号 申请注销登记告知书"]

    # The other township-months hold only their own.
    r = api.get("jingban", URL, params={"township": here, "month": month_before})
    assert r.status_code == 200 and r.headers["x-document-files"] == str(last_month["id"])
    assert pages_of(r.content) == pages_of(kept[last_month["id"]])
    r = api.get("jingban", URL, params={"township": elsewhere["township_code"], "month": beijing})
    assert r.status_code == 200 and r.headers["x-document-files"] == str(other_township["id"])
    assert "松社保追字〔2026〕4号" in "".join(pages_of(r.content))
    nothing = api.get("jingban", URL, params={"township": here, "month": "2025-01"})
    assert nothing.status_code == 404 and nothing.json()["code"] == "nothing_issued"
    unknown = api.get("jingban", URL, params={"township": "150404999", "month": beijing})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_township"
    assert "150404999" in unknown.json()["message"]

    # Township officers: their own township only; another's does not exist for them.
    assert api.get("xiangzhen", URL, params={"township": here, "month": beijing}).content == batch
    other = api.get("xiangzhen_other", URL, params={"township": here, "month": beijing})
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert api.get("shuju", URL, params={"township": here, "month": beijing}).status_code == 403
    assert api.get("jingban", URL, params={"township": here, "month": "2026/01"}).status_code == 422
    # A document's month is a month of this century, as every month the service takes.
    assert api.get("jingban", URL, params={"township": here, "month": "1999-12"}).status_code == 422

    # Asking numbered nothing and issued nothing; each batch is audited as an export.
    with session_factory(api.engine)() as s:
        assert s.scalar(select(func.sum(DocumentNumber.last_number))) == numbers_before
        assert s.scalar(select(func.count()).select_from(IssuedDocument)) == numbered_before
        assert {f.id: f.content for f in s.scalars(select(IssuedFile))} == kept, "the kept bytes untouched"
        exports = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "exported", AuditEntry.entity_id == f"GET {URL}")
        ).all()
        assert [(e.actor, e.after["query"]) for e in exports][:1] == [("jingban", f"township={here}&month={beijing}")]
        assert {e.actor for e in exports} == {"jingban", "xiangzhen"}


def test_the_case_list_offers_the_batch_of_a_township_and_month(api: Api):
    from tests.api.test_one_validation import console

    page = console(api, "jingban").get("/web/cases").text
    assert 'action="/web/notices/batch"' in page and 'name="township"' in page and 'type="month"' in page
    assert page.split('data-testid="notice-batch"')[1].split("</form>")[0].count("<option value=") > 1
    mine = console(api, "xiangzhen").get("/web/cases").text
    form = mine.split('data-testid="notice-batch"')[1].split("</form>")[0]
    assert form.count("<option value=") == 1, "a township officer prints only their own township's"


def test_the_command_line_prints_the_same_batch(api: Api, store_settings, tiny_district, tmp_path):
    """`pension-audit documents batch`: the endpoint's batch, byte for byte; months as people type them."""
    from click.testing import CliRunner

    from pension_audit.cli import main

    record_account(api)
    here = api.get("xiangzhen", "/findings", params={"exception_type": "death"}).json()["items"][0]["township_code"]
    death = findings_of(api, here, ("death",))[0]
    _, demand = demand_of(api, death, "林晓梅")
    issue(api, f"/documents/recovery-notice/{demand['id']}")
    with session_factory(api.engine)() as s:
        issued_at = s.scalar(select(IssuedFile.issued_at))
    beijing = issued_at + dt.timedelta(hours=8)
    month = beijing.strftime("%Y-%m")
    runner = CliRunner(
        env={
            "PENSION_AUDIT_AUDIT_KEY_FILE": str(store_settings.audit_key_path),
            "PENSION_AUDIT_AUDIT_ANCHORS": str(store_settings.audit_anchors_path),
        }
    )
    common = ["--home", str(tiny_district.home), "--database-url", store_settings.store_url]
    out = tmp_path / "批量.pdf"
    typed = f"{beijing.year}年{beijing.month}月"
    result = runner.invoke(
        main, ["documents", "batch", "--township", here, "--month", typed, "--out", str(out), *common]
    )
    assert result.exit_code == 0, result.output
    assert "已出具通知书（1份）" in result.output
    assert out.read_bytes() == api.get("jingban", URL, params={"township": here, "month": month}).content
    nothing = runner.invoke(
        main, ["documents", "batch", "--township", here, "--month", "2025-01", "--out", str(out), *common]
    )
    assert nothing.exit_code == 1 and "没有已出具（未作废）的通知书" in nothing.output
    wrong = runner.invoke(main, ["documents", "batch", "--township", here, "--month", "2025-13", "--out", str(out)])
    assert wrong.exit_code == 2 and "应为 YYYY-MM" in wrong.output


def test_the_case_lists_batch_button_prints_the_batch_or_says_why_not_on_a_page(api: Api):
    """What a clerk gets from 批量打印通知书: the same PDF as the API's batch; an empty month, a
    township not theirs or a month that is none is a page in Chinese, not JSON, never a 500."""
    from tests.api.test_one_validation import console

    record_account(api)
    here = api.get("xiangzhen", "/findings", params={"exception_type": "death"}).json()["items"][0]["township_code"]
    _, demand = demand_of(api, findings_of(api, here, ("death",))[0], "林晓梅")
    issue(api, f"/documents/recovery-notice/{demand['id']}")
    with session_factory(api.engine)() as s:
        month = (s.scalar(select(IssuedFile.issued_at)) + dt.timedelta(hours=8)).strftime("%Y-%m")
    clerk = console(api, "xiangzhen")
    printed = clerk.get("/web/notices/batch", params={"township": here, "month": month})
    assert printed.status_code == 200 and printed.headers["content-type"] == PDF
    assert printed.content == api.get("xiangzhen", URL, params={"township": here, "month": month}).content
    other = api.get("xiangzhen_other", "/auth/me").json()["township_code"]
    for params, status, words in (
        ({"township": here, "month": "2025-01"}, 404, "没有已出具（未作废）的通知书"),
        ({"township": other, "month": month}, 404, "未找到"),
        ({"township": "../../etc", "month": month}, 404, "未找到"),
        ({"township": here, "month": "0000-01"}, 422, "出具月份应为年月"),
        ({"township": here, "month": "9999-12"}, 422, "出具月份应为年月"),
        ({"township": here}, 422, "出具月份应为年月"),
    ):
        answer = clerk.get("/web/notices/batch", params=params)
        assert answer.status_code == status and answer.headers["content-type"].startswith("text/html"), params
        assert words in answer.text, (params, answer.text[:300])
