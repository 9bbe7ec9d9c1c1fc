"""Every run can be verified, and publishes its match quality: a district's run wrote
`runs/<run-id>/manifest.json`; its hashes are the archive's, the warehouse's and the store's;
`pension-audit runs verify` rebuilds it from exactly those inputs; a tampered input or a
tampered published finding is named; the identity statistics reach the 数据源 page."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from api.app import create_app
from api.deps import today
from casework.db import migrate, open_store, session_factory, transaction
from casework.models import Finding, Role
from casework.published import IdentityStat, Publication
from casework.services.users import add_user
from orchestration.manifest import code_identity, list_runs
from orchestration.publish import FINDING_COLUMNS, publish
from pension_audit.cli import main
from pension_audit.ingest.archive import archive_path
from pension_audit.settings import Settings

PASSWORD = "correct horse battery"
TODAY = dt.date(2026, 1, 10)  # the clerks' day, as the API tests'


def the_run(home: Path) -> dict:
    """The manifest of the district's first run (the one that built it)."""
    runs = list_runs(home)
    assert runs, "the run wrote a manifest"
    return runs[-1]


def warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)


def test_a_run_writes_a_manifest_of_what_it_read_and_published(small_district):
    home = small_district.home
    manifest = the_run(home)
    run_id = manifest["run_id"]
    assert (home / "runs" / run_id / "manifest.json").is_file()
    assert run_id in small_district.output, "the run names its run id"

    # Every input is a loaded version of the file log, kept in the archive under its SHA-256.
    with warehouse(home) as con:
        loaded = con.execute(
            "SELECT path, file_hash FROM meta.file_log WHERE status = 'loaded' ORDER BY path"
        ).fetchall()
        # The findings' digest: SHA-256 over the sorted SHA-256 of each published row's JSON
        # (its columns in the order the publisher reads them).
        published = f"SELECT {', '.join(FINDING_COLUMNS)} FROM published.findings"
        rows = [r[0] for r in con.execute(f"SELECT to_json(f) FROM ({published}) AS f").fetchall()]
    assert sorted((i["path"], i["sha256"]) for i in manifest["inputs"]) == loaded
    for entry in manifest["inputs"]:
        kept = archive_path(home / "archive", entry["sha256"]).read_bytes()
        assert hashlib.sha256(kept).hexdigest() == entry["sha256"]
        assert kept == (small_district.inbox / entry["path"]).read_bytes(), "kept as it arrived"
    digests = sorted(hashlib.sha256(row.encode()).hexdigest() for row in rows)
    assert manifest["findings"]["rows"] == len(rows) > 0
    assert manifest["findings"]["sha256"] == hashlib.sha256("\n".join(digests).encode()).hexdigest()

    # The code it ran, the day it decided on.
    assert manifest["code"] == {**code_identity(), "source_revision": manifest["code"]["source_revision"]}
    assert manifest["code"]["source_revision"]
    assert manifest["build"]["decided_on"] and manifest["build"]["as_of_month"]

    # Each published finding and the publication carry the run.
    engine = open_store(Settings(home=home))
    try:
        with session_factory(engine)() as s:
            publication = s.scalar(select(Publication).where(Publication.run_id == run_id))
            carried = s.scalar(select(func.count()).select_from(Finding).where(Finding.run_id == run_id))
    finally:
        engine.dispose()
    assert publication is not None and publication.manifest["findings"] == manifest["findings"]
    assert carried == manifest["findings"]["rows"]


def test_runs_list_and_verify_rebuild_the_run_and_confirm_its_findings(tiny_district):
    run_id = the_run(tiny_district.home)["run_id"]
    runner = CliRunner()
    listed = runner.invoke(main, ["runs", "list", "--home", str(tiny_district.home)])
    assert listed.exit_code == 0 and run_id in listed.output, listed.output

    verified = runner.invoke(main, ["runs", "verify", run_id, "--home", str(tiny_district.home)])

    assert verified.exit_code == 0, verified.output
    assert f"运行 {run_id} 核验通过" in verified.output


@pytest.fixture
def copied_home(small_district, tmp_path: Path) -> Path:
    """What verify reads of the district's home (runs, archive, case store, key), copied."""
    home = tmp_path / "home"
    for name in ("runs", "archive", "secrets"):
        shutil.copytree(small_district.home / name, home / name)
    shutil.copyfile(small_district.home / "cases.sqlite", home / "cases.sqlite")
    return home


def test_a_tampered_archived_input_fails_verify_naming_it(small_district, copied_home: Path):
    manifest = the_run(copied_home)
    entry = next(i for i in manifest["inputs"] if i["feed"] == "cdc_deaths")
    kept = archive_path(copied_home / "archive", entry["sha256"])
    kept.write_bytes(kept.read_bytes() + b"\n")

    verified = CliRunner().invoke(main, ["runs", "verify", manifest["run_id"], "--home", str(copied_home)])

    assert verified.exit_code == 1
    assert f"输入文件 {entry['path']}" in verified.output and "存档内容已变" in verified.output


def test_a_tampered_published_finding_fails_verify_naming_it(small_district, copied_home: Path):
    manifest = the_run(copied_home)
    engine = create_engine(f"sqlite:///{copied_home / 'cases.sqlite'}")
    with engine.begin() as c:
        key = c.execute(
            text("SELECT finding_key FROM findings WHERE overpaid_amount > 0 ORDER BY finding_key LIMIT 1")
        ).scalar_one()
        c.execute(
            text("UPDATE findings SET overpaid_amount = overpaid_amount + 10000 WHERE finding_key = :k"), {"k": key}
        )
    engine.dispose()

    verified = CliRunner().invoke(main, ["runs", "verify", manifest["run_id"], "--home", str(copied_home)])

    assert verified.exit_code == 1
    assert f"案件库中疑点 {key} 的涉及金额" in verified.output


def test_a_tampered_manifest_digest_fails_verify(small_district, copied_home: Path):
    manifest = the_run(copied_home)
    path = copied_home / "runs" / manifest["run_id"] / "manifest.json"
    changed = {**manifest, "findings": {**manifest["findings"], "sha256": "0" * 64}}
    path.write_text(json.dumps(changed), encoding="utf-8")

    verified = CliRunner().invoke(main, ["runs", "verify", manifest["run_id"], "--home", str(copied_home)])

    assert verified.exit_code == 1 and "findings.parquet" in verified.output


def test_match_quality_is_in_the_manifest_and_on_the_data_source_page_as_the_warehouse_counts(
    small_district, copied_home: Path
):
    manifest = the_run(copied_home)
    with warehouse(small_district.home) as con:
        counts = con.execute("""
            SELECT period, sum(source_rows), sum(exact), sum(upgraded_15), sum(check_digit), sum(fuzzy),
                   sum(by_person_no), sum(unresolved)
            FROM marts.identity_match_stats GROUP BY period""").fetchall()
        unresolved_ids = con.execute("SELECT count(*) FROM marts.unresolved_ids").fetchone()[0]
        per_feed = con.execute("SELECT * FROM marts.identity_match_stats ORDER BY feed, period").fetchall()
    assert [tuple(r.values()) for r in manifest["identity"]] == per_feed
    # Every row of the crosswalk counted once; every unresolved ID quarantined is counted.
    assert sum(r["unresolved"] for r in manifest["identity"] if r["feed"] != "roster") == unresolved_ids
    # The generator's messy IDs: numbers as sent, in the 15-digit form, one typo away (a typo
    # in the check digit alone is the dbt unit test's case).
    totals = {m: sum(r[m] for r in manifest["identity"]) for m in ("exact", "upgraded_15", "fuzzy", "by_person_no")}
    assert all(totals.values()), totals

    settings = Settings(home=copied_home)
    engine = open_store(settings)
    with transaction(session_factory(engine, writing=True)) as s:
        add_user(s, "shuju", "数据组陈工", Role.data_engineer, PASSWORD, None)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(IdentityStat)) == len(per_feed)
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        signed = client.post("/web/login", data={"username": "shuju", "password": PASSWORD})
        assert signed.status_code in (200, 303), signed.text
        html = client.get("/web/feeds").text
    for period, rows, exact, upgraded, check_digit, fuzzy, by_person_no, unresolved in counts:
        row = html.split(f'<tr data-period="{period}">', 1)[1].split("</tr>", 1)[0]
        cells = {
            name: row.split(f'data-method="{name}">', 1)[1].split("</td>", 1)[0]
            for name in ("exact", "upgraded_15", "check_digit", "fuzzy", "by_person_no", "unresolved")
        }
        shown = {
            name: int(value.replace('<span class="bad">', "").replace("</span>", "")) for name, value in cells.items()
        }
        assert shown == {
            "exact": exact,
            "upgraded_15": upgraded,
            "check_digit": check_digit,
            "fuzzy": fuzzy,
            "by_person_no": by_person_no,
            "unresolved": unresolved,
        }, period
        assert f'<td class="n">{rows}</td>' in row


@pytest.mark.postgres
def test_runs_verify_on_a_postgresql_case_store(tiny_month_arrived, postgres_url: str, tmp_path: Path):
    """The tiny district's build without its last month, published into a fresh PostgreSQL
    store as its run published it; clerks decide there (a case, its hold); the month arrives and
    `pension-audit run` builds again, reading those decisions from PostgreSQL. That run is
    verified against the store (its findings as PostgreSQL keeps them, its decisions as the build
    read them from PostgreSQL), and a finding changed in that database is named."""
    from tests.api.conftest import Api, Clock, add_staff
    from tests.reports.support import approve, finding, open_case

    runner = CliRunner()
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    shutil.copytree(tiny_month_arrived.home_before, home)
    shutil.copytree(tiny_month_arrived.inbox, inbox)
    (cases_sqlite := home / "cases.sqlite").unlink()
    first = list_runs(home)[0]
    settings = Settings(home=home, database_url=postgres_url)
    engine = open_store(settings)
    migrate(engine)
    publish(engine, home / "warehouse.duckdb", first["run_id"], first)

    # Clerks decide in the PostgreSQL store: a death's case, the person's benefits cancelled.
    with session_factory(engine)() as s:
        township = s.scalar(select(Finding.township_code).where(Finding.exception_type == "death").limit(1))
    add_staff(engine, township)
    app = create_app(settings)
    app.dependency_overrides[today] = lambda: TODAY
    with TestClient(app) as client:
        api = Api(client, engine, Clock())
        approve(api, open_case(api, finding(api, "death")["finding_key"]), "cancellation")
    engine.dispose()
    build = ["run", "--inbox", str(inbox), "--home", str(home), "--database-url", postgres_url]
    second = runner.invoke(main, build)
    assert second.exit_code == 0, second.output
    assert not cases_sqlite.exists(), "published into PostgreSQL, not the home's SQLite"
    manifest = list_runs(home)[0]  # the newest: the second build
    run_id = manifest["run_id"]
    assert run_id != first["run_id"]
    decisions = manifest["decisions"]
    assert decisions["case_findings"]["rows"] > 0 and decisions["payroll_holds"]["rows"] > 0, "read from PostgreSQL"
    with create_engine(postgres_url).connect() as c:
        carried = c.execute(text("SELECT count(*) FROM findings WHERE run_id = :r"), {"r": run_id}).scalar_one()
    new_inputs = {i["path"] for i in manifest["inputs"]} - {i["path"] for i in first["inputs"]}
    assert carried > 0 and new_inputs == set(tiny_month_arrived.new_files)

    verified = runner.invoke(main, ["runs", "verify", run_id, "--home", str(home), "--database-url", postgres_url])

    assert verified.exit_code == 0, verified.output
    assert f"运行 {run_id} 核验通过" in verified.output

    # A finding of the run changed in the PostgreSQL store is named, as on SQLite.
    changed = create_engine(postgres_url)
    with changed.begin() as c:
        key = c.execute(
            text(
                "SELECT finding_key FROM findings WHERE run_id = :r AND status = 'open' AND overpaid_amount > 0"
                " ORDER BY finding_key LIMIT 1"
            ),
            {"r": run_id},
        ).scalar_one()
        c.execute(
            text("UPDATE findings SET overpaid_amount = overpaid_amount + 10000 WHERE finding_key = :k"), {"k": key}
        )
    tampered = runner.invoke(main, ["runs", "verify", run_id, "--home", str(home), "--database-url", postgres_url])
    assert tampered.exit_code == 1
    assert f"案件库中疑点 {key} 的涉及金额" in tampered.output
    # So is one the run published unchanged (it still carries the first run): the run is the
    # build the store serves, and serves that finding.
    with changed.begin() as c:
        c.execute(
            text("UPDATE findings SET overpaid_amount = overpaid_amount - 10000 WHERE finding_key = :k"), {"k": key}
        )
        key = c.execute(
            text(
                "SELECT finding_key FROM findings WHERE run_id <> :r AND status = 'open' AND overpaid_amount > 0"
                " ORDER BY finding_key LIMIT 1"
            ),
            {"r": run_id},
        ).scalar_one()
        c.execute(text("UPDATE findings SET last_improper_month = '2019-01' WHERE finding_key = :k"), {"k": key})
    changed.dispose()
    tampered = runner.invoke(main, ["runs", "verify", run_id, "--home", str(home), "--database-url", postgres_url])
    assert tampered.exit_code == 1
    assert f"案件库中疑点 {key} 的末个不当发放月" in tampered.output
