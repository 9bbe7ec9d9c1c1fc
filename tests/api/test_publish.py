"""Publishing the warehouse into the case store, and the case store's decisions back.

`pension-audit run` publishes the tiny district into `<home>/cases.sqlite`; these tests read
that store and the warehouse it came from. Anything that changes a store or a warehouse
works on a fresh store and a copy of the warehouse in the test's own folder, never on the
shared district.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, select, text

from casework.db import make_engine, migrate, open_store, session_factory, transaction
from casework.models import (
    AuditEntry,
    Case,
    CaseStatus,
    Finding,
    FindingStatus,
    FindingVersion,
    PayrollHold,
    Proposal,
    ProposalKind,
    Role,
    User,
)
from casework.published import FindingMonth
from orchestration.decisions import export_decisions
from orchestration.publish import publish
from pension_audit.settings import Settings
from tests.api.conftest import deployment_settings
from tests.conftest import run_dbt

ROOT = Path(__file__).resolve().parents[2]
FIGURES = "event_period, first_improper_month, last_improper_month, improper_months, overpaid_amount"


# ------------------------------------------------------------------------------------ helpers


def wh(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def rows(engine: Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql), params)]


def next_month(month: str) -> str:
    year, mon = map(int, month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


@pytest.fixture
def warehouse(tiny_district, tmp_path: Path) -> Path:
    """A private copy of the tiny district's warehouse, free to change."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_district.home / "warehouse.duckdb", path)
    return path


@pytest.fixture
def fresh_store(tmp_path: Path):
    engine = open_store(deployment_settings(f"sqlite:///{tmp_path / 'cases.sqlite'}", tmp_path, tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def published(tiny_district):
    """The case store `pension-audit run` published the tiny district into (read only here)."""
    engine = open_store(Settings(home=tiny_district.home))
    yield engine
    engine.dispose()


def change(path: Path, *statements: str) -> None:
    """Edit a warehouse copy as a later build would have written it."""
    con = duckdb.connect(str(path))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def a_user(session) -> User:
    user = session.scalar(select(User).where(User.username == "jingban"))
    if user is None:
        user = User(username="jingban", display_name="张经办", role=Role.inspector, password_hash="x")
        session.add(user)
        session.flush()
    return user


# -------------------------------------------------------------------------- what a run publishes


def test_the_run_publishes_every_finding_with_its_figures_to_the_fen(tiny_district, published):
    home = tiny_district.home
    built = {
        key: rest for key, *rest in wh(home / "warehouse.duckdb", f"SELECT finding_key, {FIGURES} FROM marts.findings")
    }
    with published.connect() as c:
        stored = {
            key: list(rest)
            for key, *rest in c.execute(
                select(
                    Finding.finding_key,
                    Finding.event_period,
                    Finding.first_improper_month,
                    Finding.last_improper_month,
                    Finding.improper_months,
                    Finding.overpaid_amount,
                )
            )
        }
    assert stored == {key: list(rest) for key, rest in built.items()}
    assert all(isinstance(amount, Decimal) for *_, amount in stored.values())
    assert f"发布到案件库：新增 {len(built)} 条，变更 0 条，数据已消除 0 条，未变 0 条" in tiny_district.output
    assert f"案件库：  {home / 'cases.sqlite'}" in tiny_district.output

    # Each finding's months add up to its amount, fen for fen.
    months = dict(
        rows(published, "SELECT finding_key, sum(amount) FROM finding_months WHERE retired_in IS NULL GROUP BY 1")
    )
    for key, (*_, improper_months, amount) in built.items():
        if improper_months:
            assert Decimal(months[key]) / 100 == amount, key

    ((as_of, next_pay),) = rows(published, "SELECT as_of_month, next_pay_month FROM publications")
    assert as_of == tiny_district.truth["last_month"] and next_pay == next_month(as_of)
    assert rows(published, "SELECT DISTINCT status, version FROM findings") == [("open", 1)]
    published_entries = rows(
        published, "SELECT count(*) FROM audit_log WHERE action = 'published' AND actor = 'system' AND actor_id IS NULL"
    )
    assert published_entries == [(len(built),)]


def holds_of(engine: Engine, exception_type: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for key, *hold in rows(
        engine,
        """
            SELECT h.finding_key, h.person_no, h.reason_code, h.hold_from, h.hold_until, h.custodial
            FROM hold_recommendations h JOIN findings f USING (finding_key)
            WHERE f.exception_type = :t AND h.retired_in IS NULL ORDER BY 1, 2""",
        t=exception_type,
    ):
        out.setdefault(key, []).append(tuple(hold))
    return out


def findings_of(engine: Engine, exception_type: str) -> dict[str, tuple]:
    return {
        key: rest
        for key, *rest in rows(
            engine,
            "SELECT finding_key, person_id, person_no, event_period FROM findings WHERE exception_type = :t",
            t=exception_type,
        )
    }


def test_a_death_holds_every_record_of_the_person_from_the_month_after_the_death(tiny_district, published):
    deaths = findings_of(published, "death")
    holds = holds_of(published, "death")
    assert deaths and set(holds) == set(deaths)
    for key, (person_id, _, death_month) in deaths.items():
        records = {
            no
            for (no,) in wh(
                tiny_district.home / "warehouse.duckdb",
                """
            SELECT DISTINCT r.person_no FROM intermediate.int_roster_records_identified r
            JOIN staging.stg_roster s USING (person_no)
            WHERE r.person_id = ? AND s.file_month <= (SELECT as_of_month FROM intermediate.int_as_of)""",
                [person_id],
            )
        }
        assert {h[0] for h in holds[key]} == records, key
        assert {h[1:] for h in holds[key]} == {("1401", next_month(death_month), None, False)}, key


def test_a_duplicate_enrolment_holds_only_the_extra_record(tiny_district, published):
    duplicates = findings_of(published, "duplicate_enrollment")
    holds = holds_of(published, "duplicate_enrollment")
    kept = dict(wh(tiny_district.home / "warehouse.duckdb", "SELECT person_id, kept_person_no FROM marts.persons"))
    assert duplicates
    for key, (person_id, extra, first_shared) in duplicates.items():
        assert extra != kept[person_id]
        assert holds[key] == [(extra, "1499", first_shared, None, False)], key


def test_an_imprisonment_hold_is_custodial_and_ends_with_the_release_month(tiny_district, published):
    sentences = {
        f"imprisonment:{person}:{case_no}": (start, release)
        for person, case_no, start, release in wh(
            tiny_district.home / "warehouse.duckdb",
            "SELECT person_id, case_no, custody_start, release_on FROM intermediate.int_court_sentences_current",
        )
    }
    holds = holds_of(published, "imprisonment")
    assert holds
    assert any(release is not None for _, release in sentences.values())
    for key, hold in holds.items():
        start, release = sentences[key]
        assert len(hold) >= 1
        for _, code, hold_from, hold_until, custodial in hold:
            assert code == "1202" and bool(custodial), key
            assert hold_from == next_month(start.strftime("%Y-%m"))
            assert hold_until == (release.strftime("%Y-%m") if release else None)


def test_other_holds_carry_their_reason_code_and_start(published):
    ((next_pay,),) = rows(published, "SELECT next_pay_month FROM publications")
    other = holds_of(published, "other_pension")
    assert {h[1] for hs in other.values() for h in hs} == {"1407", "1499"}
    for key, hs in other.items():
        assert {h[1] for h in hs} == {"1407" if key.endswith(":企业职工基本养老保险") else "1499"}, key
    for key, (_, _, reported) in findings_of(published, "detention").items():
        assert {h[1:3] for h in holds_of(published, "detention")[key]} == {("1299", next_month(reported))}
    uncertified = holds_of(published, "uncertified")
    assert uncertified and {h[1:4] for hs in uncertified.values() for h in hs} == {("1201", next_pay, None)}
    for exception_type in (
        "duplicate_payment",
        "subsidy_ineligible",
        "subsidy_missed",
        "cash_collection",
        "contribution_unmatched",
        "disbursement_gap",
    ):
        assert findings_of(published, exception_type) and not holds_of(published, exception_type)


def test_a_death_settles_against_the_roster_balance_of_the_death_month(tiny_district, published):
    deaths = findings_of(published, "death")
    basis = {
        key: rest
        for key, *rest in rows(
            published,
            """
        SELECT finding_key, balance_month, account_balance, own_contribution_balance, receiving_at_event,
               died_in_custody
        FROM settlement_basis WHERE retired_in IS NULL""",
        )
    }
    assert deaths
    for key, (person_id, _, death_month) in deaths.items():
        balance, own, receiving = wh(
            tiny_district.home / "warehouse.duckdb",
            """
            SELECT coalesce(sum(s.account_balance), 0), coalesce(sum(s.own_contribution_balance), 0),
                   coalesce(bool_or(s.status = '正常待遇'), false)
            FROM staging.stg_roster s JOIN intermediate.int_roster_records_identified r USING (person_no)
            WHERE r.person_id = ? AND strftime(s.file_month, '%Y-%m') = ?""",
            [person_id, death_month],
        )[0]
        month, stored_balance, stored_own, stored_receiving, in_custody = basis[key]
        assert (month, Decimal(stored_balance) / 100, Decimal(stored_own) / 100) == (death_month, balance, own)
        assert bool(stored_receiving) == receiving and not in_custody


# ----------------------------------------------------------------------------- publishing again


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    tables = {
        "findings": "SELECT finding_key, status, version, case_id, overpaid_amount, evidence, "
        "first_published_at, resolved_at FROM findings",
        "finding_versions": "SELECT * FROM finding_versions",
        "finding_months": "SELECT * FROM finding_months",
        "hold_recommendations": "SELECT * FROM hold_recommendations",
        "settlement_basis": "SELECT * FROM settlement_basis",
        "person_records": "SELECT * FROM person_records",
        "person_events": "SELECT person_id, event_type, event_date, detail, source_ref, link FROM person_events",
        "policy_parameters": "SELECT * FROM policy_parameters",
        "finding_types": "SELECT * FROM finding_types",
        "audit_log": "SELECT id, action, entity_id FROM audit_log",
    }
    return {name: sorted(rows(engine, sql), key=repr) for name, sql in tables.items()}


def test_publishing_the_same_build_twice_changes_nothing_but_the_publication_log(store_settings, tiny_district):
    engine = open_store(store_settings)
    migrate(engine)
    try:
        warehouse = tiny_district.home / "warehouse.duckdb"
        first = publish(engine, warehouse)
        before = snapshot(engine)
        again = publish(engine, warehouse)
        assert (again.opened, again.changed, again.resolved, again.reopened) == (0, 0, 0, 0)
        assert again.unchanged == first.opened == len(before["findings"])
        assert snapshot(engine) == before  # no new audit entries, versions, months or holds
        # …but the publishing itself is logged, and it rewrote nothing: no row of the first build
        # changed, so none was written again.
        assert rows(engine, "SELECT opened, unchanged, rows_written, rows_retired FROM publications ORDER BY id") == [
            (first.opened, 0, first.rows_written, 0),
            (0, again.unchanged, 0, 0),
        ]
        assert again.rows_written == again.rows_retired == 0 and first.rows_written > 0
    finally:
        engine.dispose()


# ------------------------------------------------------------------ a later build, simulated


def test_a_changed_amount_is_a_new_version_and_the_old_figures_are_kept(warehouse, fresh_store):
    """An earlier death date arrives: the death month moves back one month, so the old death
    month becomes improper too (one more month, its money added)."""
    publish(fresh_store, warehouse)
    key, person_no, old_month, old_amount, old_months = wh(
        warehouse,
        """
        SELECT f.finding_key, min(m.person_no), f.event_period, f.overpaid_amount, f.improper_months
        FROM published.findings f JOIN published.finding_months m USING (finding_key)
        WHERE f.exception_type = 'death' GROUP BY ALL ORDER BY f.finding_key LIMIT 1""",
    )[0]
    earlier = (dt.date.fromisoformat(old_month + "-01") - dt.timedelta(days=1)).strftime("%Y-%m")
    change(
        warehouse,
        f"""INSERT INTO published.finding_months VALUES ('{key}', '{person_no}', '{old_month}', 203.01)""",
        f"""UPDATE published.findings SET event_period = '{earlier}', first_improper_month = '{old_month}',
                   improper_months = improper_months + 1, overpaid_amount = overpaid_amount + 203.01
               WHERE finding_key = '{key}'""",
    )

    summary = publish(fresh_store, warehouse)

    assert (summary.changed, summary.opened, summary.resolved) == (1, 0, 0)
    with session_factory(fresh_store)() as s:
        finding = s.get(Finding, key)
        assert (finding.version, finding.event_period, finding.overpaid_amount) == (
            2,
            earlier,
            old_amount + Decimal("203.01"),
        )
        versions = s.scalars(
            select(FindingVersion).where(FindingVersion.finding_key == key).order_by(FindingVersion.version)
        ).all()
        assert [(v.version, v.event_period, v.improper_months, v.overpaid_amount) for v in versions] == [
            (1, old_month, old_months, old_amount),
            (2, earlier, old_months + 1, old_amount + Decimal("203.01")),
        ]
        months = s.scalars(select(FindingMonth).where(FindingMonth.finding_key == key)).all()
        assert (old_month, Decimal("203.01")) in [(m.month, m.amount) for m in months]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == key, AuditEntry.action == "changed")).one()
        assert entry.before["overpaid_amount"] == f"{old_amount:.2f}"
        assert entry.after["overpaid_amount"] == f"{old_amount + Decimal('203.01'):.2f}"
        assert (entry.actor, entry.actor_id, entry.person_id) == ("system", None, finding.person_id)


def test_a_finding_gone_from_the_build_is_resolved_by_data_kept_and_reopened_when_it_returns(
    tiny_district, warehouse, fresh_store
):
    """A court judgment arrives for a reported detention: the detention finding is gone from
    the next build. It stays in the store, resolved, with its figures; no hold is recommended
    for it any more. Should the judgment be withdrawn, the finding comes back with its key."""
    publish(fresh_store, warehouse)
    ((key,),) = wh(warehouse, "SELECT min(finding_key) FROM published.findings WHERE exception_type = 'detention'")
    change(
        warehouse,
        f"DELETE FROM published.findings WHERE finding_key = '{key}'",
        f"DELETE FROM published.hold_recommendations WHERE finding_key = '{key}'",
    )

    gone = publish(fresh_store, warehouse)

    assert (gone.resolved, gone.changed, gone.opened) == (1, 0, 0)
    with session_factory(fresh_store)() as s:
        finding = s.get(Finding, key)
        assert finding.status == FindingStatus.resolved_by_data and finding.resolved_at is not None
        assert finding.version == 1 and finding.event_period == key.rsplit(":", 1)[1][:7]
    assert rows(
        fresh_store, "SELECT count(*) FROM hold_recommendations WHERE finding_key = :k AND retired_in IS NULL", k=key
    ) == [(0,)]
    assert rows(fresh_store, "SELECT action FROM audit_log WHERE entity_id = :k ORDER BY id", k=key) == [
        ("published",),
        ("resolved_by_data",),
    ]

    back = publish(fresh_store, tiny_district.home / "warehouse.duckdb")

    assert (back.reopened, back.resolved, back.opened) == (1, 0, 0)
    with session_factory(fresh_store)() as s:
        finding = s.get(Finding, key)
        assert (finding.status, finding.resolved_at, finding.version) == (FindingStatus.open, None, 1)
    ((holds,),) = rows(
        fresh_store, "SELECT count(*) FROM hold_recommendations WHERE finding_key = :k AND retired_in IS NULL", k=key
    )
    assert holds >= 1
    assert rows(fresh_store, "SELECT action FROM audit_log WHERE entity_id = :k ORDER BY id", k=key)[-1] == (
        "reopened",
    )


def two_finding_person(warehouse: Path) -> tuple[str, list[str]]:
    """A person with two findings of their own (the tiny district plants one with two pensions)."""
    person, keys = wh(
        warehouse,
        """
        SELECT person_id, list(finding_key ORDER BY finding_key) FROM published.findings
        WHERE exception_type = 'other_pension' GROUP BY person_id HAVING count(*) = 2 ORDER BY 1 LIMIT 1""",
    )[0]
    return person, keys


def open_case(engine: Engine, person_id: str, keys: list[str], status: CaseStatus = CaseStatus.open) -> int:
    with transaction(session_factory(engine)) as s:
        case = Case(subject_key=person_id, person_id=person_id, opened_by=a_user(s).id, status=status)
        s.add(case)
        s.flush()
        for key in keys:
            s.get(Finding, key).case_id = case.id
        return case.id


def test_a_new_finding_joins_the_case_already_open_for_its_person(tiny_district, warehouse, fresh_store):
    person, (first, second) = two_finding_person(warehouse)
    change(warehouse, f"DELETE FROM published.findings WHERE finding_key = '{second}'")
    publish(fresh_store, warehouse)
    case_id = open_case(fresh_store, person, [first])

    publish(fresh_store, tiny_district.home / "warehouse.duckdb")

    assert rows(fresh_store, "SELECT case_id, status FROM findings WHERE finding_key = :k", k=second) == [
        (case_id, "open")
    ]
    assert rows(fresh_store, "SELECT action, case_id, person_id FROM audit_log WHERE entity_id = :k", k=second) == [
        ("published", case_id, person)
    ]


# ------------------------------------------------------------------ decisions flow back


def dbt(args: list[str], scratch: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return run_dbt(args, scratch, warehouse)


def test_decisions_tables_exist_before_any_case_store_does(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'none-yet.sqlite'}")
    try:
        assert export_decisions(engine, tmp_path / "warehouse.duckdb") == (0, 0)
    finally:
        engine.dispose()
    assert wh(tmp_path / "warehouse.duckdb", "SELECT count(*) FROM casework.case_findings") == [(0,)]
    assert wh(tmp_path / "warehouse.duckdb", "SELECT count(*) FROM casework.payroll_holds") == [(0,)]


def test_case_decisions_flow_back_into_the_findings_mart(warehouse, fresh_store, tmp_path: Path):
    """A death case suspended; a person with two pensions whose case covers one of them and
    holds their record from the next pay month: after export and a dbt build, the mart shows
    the case's status, 'on_hold' for the finding not yet in a case, 'new' for everyone else."""
    publish(fresh_store, warehouse)
    ((death, death_person),) = wh(
        warehouse,
        """
        SELECT finding_key, person_id FROM marts.findings WHERE exception_type = 'death'
        ORDER BY finding_key LIMIT 1""",
    )
    person, (cased, uncased) = two_finding_person(warehouse)
    suspended = open_case(fresh_store, death_person, [death], CaseStatus.suspended)
    held_case = open_case(fresh_store, person, [cased])
    ((next_pay,),) = rows(fresh_store, "SELECT next_pay_month FROM publications")
    ((record,),) = rows(fresh_store, "SELECT min(person_no) FROM person_records WHERE person_id = :p", p=person)
    with transaction(session_factory(fresh_store)) as s:
        user = s.scalars(select(User)).first()
        proposal = Proposal(case_id=held_case, kind=ProposalKind.suspension, reason="核实期间暂停", proposed_by=user.id)
        s.add(proposal)
        s.flush()
        s.add(
            PayrollHold(
                case_id=held_case,
                person_id=person,
                person_no=record,
                reason_code="1499",
                reason_label="其他（享受其他养老保障待遇）",
                from_month=next_pay,
                proposal_id=proposal.id,
            )
        )

    assert export_decisions(fresh_store, warehouse) == (2, 1)
    build = dbt(["build", "--select", "source:casework+"], tmp_path, warehouse)
    assert build.returncode == 0, build.stdout[-3000:]

    states = {
        key: (case_id, state)
        for key, case_id, state in wh(warehouse, "SELECT finding_key, case_id, case_state FROM marts.findings")
    }
    assert states.pop(death) == (suspended, "suspended")
    assert states.pop(cased) == (held_case, "open")
    assert states.pop(uncased) == (None, "on_hold")
    assert set(states.values()) == {(None, "new")}
