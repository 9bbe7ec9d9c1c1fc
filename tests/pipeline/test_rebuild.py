"""Finding keys survive rebuilds: a rebuild with no new files changes nothing; a new month
adds only what it reveals."""

import os
import shutil

import dagster as dg
import duckdb

from pension_audit.home import Home
from pension_audit.pipeline import run_pipeline

FINDING_COLUMNS = "finding_key, exception_type, event_period, improper_months, overpaid_amount, identity"


def findings(home) -> dict[str, tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return {key: rest for key, *rest in con.execute(f"SELECT {FINDING_COLUMNS} FROM marts.findings").fetchall()}
    finally:
        con.close()


def rebuild_models(home: Home) -> None:
    from orchestration.dbt_assets import dbt_models, dbt_resource

    os.environ["DAGSTER_HOME"] = str(home.prepare_dagster())
    result = dg.materialize([dbt_models], instance=dg.DagsterInstance.get(), resources={"dbt": dbt_resource(home)})
    assert result.success


def test_a_rebuild_with_no_new_files_leaves_every_finding_unchanged(tiny_district, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(tiny_district.home, home, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    before = findings(home)
    rebuild_models(Home.at(home))
    assert findings(home) == before


def test_a_new_month_adds_only_what_it_reveals(tiny_district, tmp_path):
    last = tiny_district.truth["last_month"]
    inbox = tmp_path / "inbox"
    shutil.copytree(tiny_district.inbox, inbox)
    held_back = tmp_path / "held_back"
    for path in inbox.glob(f"*/{last}.*"):
        target = held_back / path.relative_to(inbox)
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    home = Home.at(tmp_path / "home")
    run_pipeline(inbox, home, echo=lambda _: None)
    before = findings(home.root)

    shutil.copytree(held_back, inbox, dirs_exist_ok=True)
    result = run_pipeline(inbox, home, echo=lambda _: None)
    after = findings(home.root)

    assert set(result.feeds_run) == {p.parent.name for p in held_back.glob("*/*")}
    assert after == findings(tiny_district.home)           # same as loading everything at once
    # A finding goes away only when the new month's own rows resolve it (a certification,
    # a court judgment); it is never re-keyed.
    con = duckdb.connect(str(home.root / "warehouse.duckdb"), read_only=True)
    resolved_by_new_rows = {person for (person,) in con.execute("""
        SELECT r.person_id FROM staging.stg_certifications c
        JOIN intermediate.int_roster_records_identified r USING (person_no)
        WHERE c._period = ? AND c.result = '通过'
        UNION SELECT x.person_id FROM intermediate.int_source_records_linked x
        WHERE x.feed = 'court_sentences' AND x.period = ?""", [last, last]).fetchall()}
    con.close()
    for key in set(before) - set(after):
        exception_type, person = key.split(":")[:2]
        assert exception_type in ("uncertified", "detention") and person in resolved_by_new_rows, key
    # What appears is what the month reveals: its own rows, or T moving past a deadline.
    revealed_by_time = {"contribution_unmatched", "uncertified", "subsidy_ineligible", "subsidy_missed"}
    con = duckdb.connect(str(home.root / "warehouse.duckdb"), read_only=True)
    evidence = dict(con.execute("SELECT finding_key, evidence FROM marts.findings").fetchall())
    con.close()
    for key in set(after) - set(before):
        touches_new_month = any(ref.split("/")[1].startswith(last) for ref in evidence[key])
        assert touches_new_month or after[key][0] in revealed_by_time, (key, evidence[key])


def roster_months(warehouse) -> set[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return set(con.execute("SELECT * EXCLUDE (source_ref) FROM intermediate.int_roster_months").fetchall())
    finally:
        con.close()


def test_a_resent_old_month_rebuilds_that_month_as_a_full_build_would(tiny_district, tmp_path):
    """int_roster_months is incremental by month: a corrected file for an old month replaces
    that month only, and the table equals what a full rebuild makes of the same data."""
    import subprocess

    from orchestration.dbt_assets import DBT_OFFLINE, DBT_PROJECT

    inbox, home = tmp_path / "inbox", Home.at(tmp_path / "home")
    shutil.copytree(tiny_district.inbox, inbox)
    shutil.copytree(tiny_district.home, home.root, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    old = sorted(inbox.glob("roster/*.csv"))[2]
    lines = old.read_bytes().decode("gb18030").splitlines()
    header = next(i for i, line in enumerate(lines) if "个人编号" in line or "个人编码" in line or "人员编号" in line)
    column = next(i for i, h in enumerate(lines[header].split(",")) if h.strip() in ("个人编号", "个人编码", "人员编号"))
    last = max(i for i, line in enumerate(lines) if i > header and line.split(",")[column:column + 1] != []
               and line.split(",")[column].strip().isdigit())
    person_no = lines.pop(last).split(",")[column].strip()  # the month re-sent without one record
    old.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))

    before = roster_months(home.warehouse)
    result = run_pipeline(inbox, home, echo=lambda _: None)
    assert result.ok and result.feeds_run == ["roster"]
    incremental = roster_months(home.warehouse)

    full = tmp_path / "full.duckdb"
    shutil.copy(home.warehouse, full)
    env = {**os.environ, "PENSION_AUDIT_WAREHOUSE": str(full), "DBT_TARGET_PATH": str(tmp_path / "target")}
    subprocess.run([str(DBT_OFFLINE), "run", "--select", "int_roster_months", "--full-refresh",
                    "--project-dir", str(DBT_PROJECT.project_dir), "--profiles-dir", str(DBT_PROJECT.profiles_dir)],
                   env=env, check=True, capture_output=True)
    assert incremental == roster_months(full)
    month = old.stem + "-01"
    assert not any(row[0] == person_no and str(row[1]) == month for row in incremental)
    assert any(row[0] == person_no and str(row[1]) == month for row in before)
    assert {r for r in incremental if str(r[1]) != month} == {r for r in before if str(r[1]) != month}
