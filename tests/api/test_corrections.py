"""Corrections reach the casework, never silently.

The court re-sends three months' sentence lists after cases were opened, persons' benefits
held, demands issued and notices sent: one sentence began later (less was overpaid), one
earlier (more), and one was never passed (the finding goes); the police re-send a month's
deregistrations with a date of death months before the deregistration (more overpaid, the
account settled again). `pension-audit run` loads the
corrected files and builds again; publishing that build into a case store holding the casework
(SQLite and PostgreSQL) shows "依据已变更" on each case with the figures before and after and
the file that changed them, and changes nothing that concerns money by itself. A correction
proposal, approved by another person, does: the demand adjusted and its notice voided and issued
again, a supplementary demand for more after a write-off, a hold whose basis is gone released
with back pay, the demand withdrawn and the notices voided.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casework.db import session_factory
from casework.models import AuditEntry, IssuedFile
from orchestration.publish import publish
from tests.api.conftest import Api
from tests.conftest import BuiltDistrict, built_once, session_dir, write_xlsx
from tests.reports.support import approve, case_now, issue_demand, open_case, record_account

# Its tests share one costly fixture: one worker runs them all, so it is built once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("corrected-district")

LATER = "imprisonment:150404195706142151:(2025)蒙0404刑初535号"  # re-sent 2025-04: custody from 2025-05-24
EARLIER = "imprisonment:15040419591130210X:(2025)蒙0404刑初904号"  # re-sent 2025-06: seven months from 2025-03-02
GONE = "imprisonment:150402194308010105:(2025)蒙0404刑初903号"  # re-sent 2025-08 without the sentence
DIED_EARLIER = "death:150404196007063694"  # police re-sent 2025-06 with the date of death, 2025-03-15
# 曹桂, held on two grounds: another pension (every record, 1407 参加职保) and a second enrolment
# (the extra record 1521143484 only, 1499). The comparison re-sent 2025-07 without the pension.
WITHDRAWN = "other_pension:150404196308275826:企业职工基本养老保险"
REMAINING = "duplicate_enrollment:150404196308275826:1521143484"
EXTRA_RECORD, MAIN_RECORD = "1521143484", "1575318899"


def resend(path: Path, edit) -> None:
    """The department's file sent again, corrected: every row through `edit` (None drops it)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    kept = [row for row in (edit(list(r)) for r in rows) if row is not None]
    path.unlink()
    write_xlsx(path, [[None if v == "" else v for v in row] for row in kept])


def _later(row: list) -> list:
    if "刑初535号" not in str(row):
        return row
    return [
        dt.date(2025, 5, 24) if v == dt.date(2024, 12, 24) else "2025-05-24" if v == "2024-12-24" else v for v in row
    ]


def _earlier(row: list) -> list:
    if "刑初904号" not in str(row):
        return row
    return [dt.date(2025, 3, 2) if v == dt.date(2025, 6, 2) else "七个月" if v == "四个月" else v for v in row]


def _never_passed(row: list) -> list | None:
    return None if "刑初903号" in str(row) else row


def resend_csv_without(path: Path, *needles: bytes) -> None:
    """A CSV sent again without the rows holding every one of `needles` (bytes as written)."""
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(line for line in lines if not all(n in line for n in needles)))


def _died_earlier(row: list) -> list:
    if "150404196007063694" in str(row):
        row[6] = dt.date(2025, 3, 15)  # 死亡日期, empty as first sent
    return row


@pytest.fixture(scope="session")
def corrected_build(tiny_district: BuiltDistrict, tmp_path_factory) -> Path:
    """The tiny district after the court re-sent 2025-04, 2025-06 and 2025-08 and the police
    2025-06, run again with `pension-audit run`: the warehouse of that build (once per test
    session)."""
    from click.testing import CliRunner

    from pension_audit.cli import main

    root = session_dir(tmp_path_factory) / "district-tiny-1-corrected"

    def build() -> str:
        shutil.copytree(tiny_district.inbox, root / "inbox")
        shutil.copytree(tiny_district.home, root / "home", ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
        court = root / "inbox" / "court_sentences"
        resend(court / "2025-04.xlsx", _later)
        resend(court / "2025-06.xlsx", _earlier)
        resend(court / "2025-08.xlsx", _never_passed)
        resend(root / "inbox" / "police_deregistrations" / "2025-06.xlsx", _died_earlier)
        # 曹桂's pension row withdrawn (its unreadable duplicate, 2025-13, is quarantined again).
        resend_csv_without(root / "inbox" / "other_pensions" / "2025-07.csv", b"150404196308275826", b",202505,")
        ran = CliRunner().invoke(main, ["run", "--inbox", str(root / "inbox"), "--home", str(root / "home")])
        assert ran.exit_code == 0, ran.output
        return ran.output

    built_once(root, "run-output.txt", build)
    return root / "home" / "warehouse.duckdb"


# ------------------------------------------------------------------------------------ helpers


def held_and_demanded(api: Api, finding_key: str) -> tuple[dict, dict, dict]:
    """A case taken as far as money goes: benefits held, the demand issued and its notice sent."""
    if api.get("admin", "/documents/issuer-accounts").json() == []:
        record_account(api)
    case = open_case(api, finding_key)
    approve(api, case, "suspension")
    demand = issue_demand(api, case, "服刑人员家属", "配偶")
    r = api.post("jingban", f"/documents/recovery-notice/{demand['id']}/issue")
    assert r.status_code == 201, r.text
    return case_now(api, case["id"]), demand, r.json()


def propose_correction(api: Api, case_id: int, who: str = "jingban") -> dict:
    case = case_now(api, case_id)
    r = api.post(
        who,
        f"/cases/{case_id}/proposals",
        {"kind": "correction", "case_version": case["version"], "reason": "法院重新报送判决名单，依据已变更"},
    )
    assert r.status_code == 201, r.text
    return r.json()


def decide(api: Api, proposal: dict, who: str = "fuhe", approve: bool = True) -> Any:
    return api.post(
        who,
        f"/proposals/{proposal['id']}/decision",
        {"approve": approve, "version": proposal["version"], "note": "复核同意" if approve else "按原数据提出，驳回"},
    )


def finding_amount(case: dict, key: str) -> Decimal:
    return next(Decimal(f["overpaid_amount"]) for f in case["findings"] if f["finding_key"] == key)


def notice_files(api: Api, demand_id: int) -> list[IssuedFile]:
    with session_factory(api.engine)() as s:
        return list(
            s.scalars(select(IssuedFile).where(IssuedFile.subject == f"demand:{demand_id}").order_by(IssuedFile.id))
        )


def actions(api: Api, case_id: int) -> list[str]:
    with session_factory(api.engine)() as s:
        return [
            e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id))
        ]


# -------------------------------------------------------------------------------------- tests


def test_a_corrected_file_shows_on_the_case_and_changes_no_money_by_itself(api: Api, corrected_build: Path):
    case, demand, notice = held_and_demanded(api, LATER)
    before = finding_amount(case, LATER)
    assert not case["basis_changed"] and case["basis_changes"] == []

    publish(api.engine, corrected_build)

    case = case_now(api, case["id"])
    assert case["basis_changed"] is True
    (change,) = case["basis_changes"]
    assert change["finding_key"] == LATER and change["kind"] == "changed" and change["needs_correction"]
    assert Decimal(change["before"]["overpaid_amount"]) == before
    after = Decimal(change["after"]["overpaid_amount"])
    assert after == finding_amount(case, LATER) < before, "the later custody start: less overpaid"
    assert change["after"]["first_improper_month"] > change["before"]["first_improper_month"]
    assert [f["path"] for f in change["files"]] == ["court_sentences/2025-04.xlsx"]
    # Nothing that concerns money moved: the hold, the demand and its notice stand as they were.
    assert case["status"] == "recovering"
    assert [h["until_month"] for h in case["holds"]] == [None]
    assert Decimal(case["demands"][0]["amount"]) == Decimal(demand["amount"]) == before
    assert [f.id for f in notice_files(api, demand["id"]) if f.voided_at is None] == [notice["id"]]
    # The correction is the one thing to do now; what would act on the old figures waits.
    assert "propose_correction" in case["allowed_actions"] and "record_repayment" in case["allowed_actions"]
    assert "propose_write_off" not in case["allowed_actions"]
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "closure", "case_version": case["version"], "reason": "结案"},
    )
    assert r.status_code == 409 and r.json()["code"] == "basis_changed" and "依据已变更" in r.json()["message"]
    assert "basis_changed" in actions(api, case["id"])
    # The console's case page says so, with both figures and the file.
    page = api.client.get(f"/web/cases/{case['id']}", headers=api.login("jingban"))
    assert page.status_code == 200
    assert "依据已变更" in page.text and "court_sentences/2025-04.xlsx" in page.text
    assert f"{before:,.2f}" in page.text and f"{after:,.2f}" in page.text and "待更正" in page.text


def test_a_lower_amount_is_a_correction_another_approves_that_voids_and_reissues_the_notice(
    api: Api, corrected_build: Path
):
    case, demand, notice = held_and_demanded(api, LATER)
    publish(api.engine, corrected_build)
    proposal = propose_correction(api, case["id"], who="fuhe")  # a reviewer may propose too
    terms = proposal["terms"]
    new = finding_amount(case_now(api, case["id"]), LATER)
    assert terms["demand"] == {
        "id": demand["id"],
        "before": demand["amount"],
        "after": f"{new:.2f}",
        "repaid": "0.00",
        "withdrawn": False,
    }
    assert terms["void_files"] == [notice["id"]] and "release" not in terms, "the sentence stands: the hold too"
    page = api.client.get(f"/web/cases/{case['id']}", headers=api.login("fuhe2")).text
    assert f"{Decimal(demand['amount']):,.2f} → <b>{new:,.2f}</b>，作废原通知书并重新出具" in page

    # Four eyes: not by the one who proposed it.
    r = decide(api, proposal, who="fuhe")
    assert r.status_code == 403 and r.json()["code"] == "four_eyes"
    assert Decimal(case_now(api, case["id"])["demands"][0]["amount"]) == Decimal(demand["amount"])

    api.clock.day = dt.date(2026, 1, 20)
    r = decide(api, proposal, who="fuhe2")
    assert r.status_code == 200, r.text
    case = case_now(api, case["id"])
    assert not case["basis_changed"] and case["basis_changes"][0]["corrected_by"] == proposal["id"]
    (adjusted,) = case["demands"]
    assert Decimal(adjusted["amount"]) == new and adjusted["status"] == "open"
    assert adjusted["issued_on"] == "2026-01-20" and adjusted["deadline"] == "2026-02-19", "a new notice, a new limit"
    old, reissued = notice_files(api, demand["id"])
    assert old.id == notice["id"] and old.voided_at is not None and "依据已变更" in old.void_reason
    assert reissued.voided_at is None and reissued.replaces == old.id and reissued.sha256 != old.sha256
    given = api.get("jingban", f"/documents/recovery-notice/{demand['id']}")
    assert given.status_code == 200 and given.headers["X-Document-SHA256"] == reissued.sha256
    done = actions(api, case["id"])
    for action in ("basis_changed", "proposed_correction", "approved", "applied_correction", "demand_corrected"):
        assert action in done, action
    assert done.index("document_voided", done.index("proposed_correction")) < len(done)
    assert done[-1] != "basis_changed" and done.count("document_issued") == 2
    assert "issue_demand" not in case["allowed_actions"] and "propose_correction" not in case["allowed_actions"]


def test_a_higher_amount_after_the_demand_was_written_off_is_a_supplementary_demand(api: Api, corrected_build: Path):
    case, demand, _ = held_and_demanded(api, EARLIER)
    r = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "V-2026-0001", "amount": demand["amount"], "paid_on": "2026-01-10"},
    )
    assert r.status_code == 201, r.text
    approve(api, case_now(api, case["id"]), "write_off", demand_id=demand["id"])
    assert case_now(api, case["id"])["status"] == "closed"

    publish(api.engine, corrected_build)
    case = case_now(api, case["id"])
    (change,) = case["basis_changes"]
    more = Decimal(change["after"]["overpaid_amount"]) - Decimal(change["before"]["overpaid_amount"])
    assert more > 0 and [f["path"] for f in change["files"]] == ["court_sentences/2025-06.xlsx"]
    assert case["status"] == "closed" and "propose_correction" in case["allowed_actions"], "even a closed case"

    proposal = propose_correction(api, case["id"])
    assert proposal["terms"]["supplementary"] == {"after_demand": demand["id"], "amount": f"{more:.2f}"}
    r = decide(api, proposal, who="fuhe2")
    assert r.status_code == 200, r.text
    case = case_now(api, case["id"])
    written_off, supplementary = case["demands"]
    assert written_off["status"] == "written_off" and Decimal(written_off["amount"]) == Decimal(demand["amount"])
    assert Decimal(supplementary["amount"]) == more and supplementary["status"] == "open"
    assert case["status"] == "recovering"
    (issued,) = notice_files(api, supplementary["id"])
    assert issued.voided_at is None and issued.replaces is None
    assert "supplementary_demand_issued" in actions(api, case["id"])


def test_a_finding_gone_is_proposed_for_release_never_lifted_by_itself(api: Api, corrected_build: Path):
    case, demand, notice = held_and_demanded(api, GONE)
    (hold,) = [h for h in case["holds"] if h["until_month"] is None]

    publish(api.engine, corrected_build)
    case = case_now(api, case["id"])
    (change,) = case["basis_changes"]
    assert change["kind"] == "resolved" and change["after"] == {"status": "resolved_by_data"}
    assert [f["path"] for f in change["files"]] == ["court_sentences/2025-08.xlsx"]
    assert [h["until_month"] for h in case["holds"]] == [None], "the hold stands until a correction is approved"
    assert case["demands"][0]["status"] == "open"

    proposal = propose_correction(api, case["id"])
    terms = proposal["terms"]
    assert terms["basis_gone"] and terms["release"]["holds"] == [hold["id"]]
    assert terms["release"]["resume_month"] == hold["from_month"]
    assert terms["demand"]["withdrawn"] and terms["demand"]["after"] == "0.00"
    assert terms["void_files"] == [notice["id"]]
    r = decide(api, proposal)
    assert r.status_code == 200, r.text
    case = case_now(api, case["id"])
    assert [h["until_month"] for h in case["holds"]] == [hold["from_month"]]
    assert case["demands"][0]["status"] == "withdrawn" and case["status"] == "closed"
    (voided,) = notice_files(api, demand["id"])
    assert voided.voided_at is not None, "voided, not issued again"
    assert "hold_released" in actions(api, case["id"])


def test_a_proposal_made_on_the_earlier_figures_can_only_be_rejected(api: Api, corrected_build: Path):
    case, demand, _ = held_and_demanded(api, LATER)
    r = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "V-2026-0002", "amount": demand["amount"], "paid_on": "2026-01-10"},
    )
    assert r.status_code == 201, r.text
    case = case_now(api, case["id"])
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "write_off", "case_version": case["version"], "reason": "已足额退还", "demand_id": demand["id"]},
    )
    stale = r.json()
    publish(api.engine, corrected_build)

    r = decide(api, stale)
    assert r.status_code == 409 and r.json()["code"] == "basis_changed"
    assert "propose_correction" not in case_now(api, case["id"])["allowed_actions"], "the stale one first"
    assert decide(api, stale, approve=False).status_code == 200
    proposal = propose_correction(api, case["id"])
    terms = proposal["terms"]
    refund = Decimal(demand["amount"]) - Decimal(terms["demand"]["after"])
    assert refund > 0 and terms["refund_due"] == f"{refund:.2f}", "repaid more than now owed"
    assert decide(api, proposal).status_code == 200
    (adjusted,) = case_now(api, case["id"])["demands"]
    assert adjusted["status"] == "repaid" and Decimal(adjusted["outstanding"]) == -refund


def test_an_earlier_death_settles_the_account_again_and_raises_the_demand_with_a_new_notice(
    api: Api, corrected_build: Path
):
    if api.get("admin", "/documents/issuer-accounts").json() == []:
        record_account(api)
    case = open_case(api, DIED_EARLIER)
    approve(api, case, "cancellation")
    approve(api, case, "offset")
    demand = issue_demand(api, case, "林晓梅", "子女（法定继承人）")
    notice = api.post("jingban", f"/documents/recovery-notice/{demand['id']}/issue").json()
    (settled,) = case_now(api, case["id"])["settlements"]

    publish(api.engine, corrected_build)
    case = case_now(api, case["id"])
    (change,) = case["basis_changes"]
    assert [f["path"] for f in change["files"]] == ["police_deregistrations/2025-06.xlsx"]
    assert change["after"]["first_improper_month"] == "2025-04" < change["before"]["first_improper_month"]
    assert case["settlements"] == [settled], "the settlement stands until a correction is approved"

    proposal = propose_correction(api, case["id"])
    t = proposal["terms"]
    assert Decimal(t["settlement"]["overpaid"]) == Decimal(case["overpaid"]) > Decimal(settled["overpaid"])
    assert t["settlement_before"] == {"overpaid": settled["overpaid"], "remaining": settled["remaining"]}
    assert t["demand"]["after"] == t["settlement"]["remaining"] and Decimal(t["demand"]["after"]) > Decimal(
        demand["amount"]
    )
    assert decide(api, proposal).status_code == 200
    case = case_now(api, case["id"])
    assert [s["remaining"] for s in case["settlements"]] == [settled["remaining"], t["settlement"]["remaining"]]
    (raised,) = case["demands"]
    assert raised["amount"] == t["demand"]["after"] and case["status"] == "recovering"
    old, reissued = notice_files(api, demand["id"])
    assert old.id == notice["id"] and old.voided_at is not None and reissued.replaces == old.id


def test_a_hold_on_two_grounds_stays_on_the_one_left_when_the_other_is_withdrawn(api: Api, corrected_build: Path):
    """Part of a hold's basis withdrawn: the records the remaining finding holds stay held, on
    its reason (what the payment system is told changes with it, from the next 发放年月); only
    the records nothing holds any more are proposed for release. (All withdrawn: released, as
    test_a_finding_gone_is_proposed_for_release_never_lifted_by_itself shows.)"""
    case = open_case(api, WITHDRAWN)
    assert {f["finding_key"] for f in case["findings"]} == {WITHDRAWN, REMAINING}, "one case, two grounds"
    approve(api, case, "cancellation")
    case = case_now(api, case["id"])
    held = {h["person_no"]: h for h in case["holds"]}
    assert {no: h["reason_code"] for no, h in held.items()} == {EXTRA_RECORD: "1407", MAIN_RECORD: "1407"}

    publish(api.engine, corrected_build)
    case = case_now(api, case["id"])
    (change,) = case["basis_changes"]
    assert change["finding_key"] == WITHDRAWN and change["kind"] == "resolved" and change["needs_correction"]
    assert [f["path"] for f in change["files"]] == ["other_pensions/2025-07.csv"]
    assert {f["finding_key"]: f["status"] for f in case["findings"]}[REMAINING] == "open"
    assert all(h["until_month"] is None for h in case["holds"]), "nothing lifted by itself"

    proposal = propose_correction(api, case["id"])
    terms = proposal["terms"]
    assert not terms["basis_gone"]
    assert terms["release"]["holds"] == [held[MAIN_RECORD]["id"]], "only the record nothing holds any more"
    assert terms["rebase"] == [
        {
            "hold": held[EXTRA_RECORD]["id"],
            "person_no": EXTRA_RECORD,
            "from_month": terms["release"]["resume_month"],
            "before": {"reason_code": "1407", "reason_label": "参加职保"},
            "reason_code": "1499",
            "reason_label": "其他（重复参保）",
        }
    ]
    page = api.client.get(f"/web/cases/{case['id']}", headers=api.login("fuhe")).text
    assert "停发依据改为 1499 其他（重复参保）" in page and "解除停发（依据已不存在）" in page
    r = decide(api, proposal)
    assert r.status_code == 200, r.text

    case = case_now(api, case["id"])
    resume = terms["release"]["resume_month"]
    active = [(h["person_no"], h["reason_code"], h["from_month"]) for h in case["holds"] if h["until_month"] is None]
    assert active == [(EXTRA_RECORD, "1499", resume)], "held on the remaining basis"
    ended = {(h["person_no"], h["reason_code"], h["until_month"]) for h in case["holds"] if h["until_month"]}
    assert ended == {(MAIN_RECORD, "1407", resume), (EXTRA_RECORD, "1407", resume)}, "no month unheld between"
    assert case["status"] == "terminated" and not case["basis_changed"]
    done = actions(api, case["id"])
    assert "hold_released" in done and "hold_rebased" in done
    # What the payment system is told for that month: the extra record, on its remaining reason.
    listed = api.get("jingban", "/payroll/holds", params={"month": resume}).json()["held"]
    mine = [(h["person_no"], h["reason_code"]) for h in listed if h["person_no"] in (EXTRA_RECORD, MAIN_RECORD)]
    assert mine == [(EXTRA_RECORD, "1499")]
