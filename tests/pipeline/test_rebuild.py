"""Finding keys survive rebuilds: a rebuild with no new files changes nothing; a new month
adds only what it reveals."""

import json
import shutil
import subprocess

import dagster as dg
import duckdb

from orchestration.dbt_assets import build_dbt_models, dbt_resource
from orchestration.dbt_project import DBT_EXECUTABLE, DBT_PROJECT, prepare_manifest
from orchestration.publish import FINDING_COLUMNS
from orchestration.resources import DataHome
from orchestration.run import dagster_instance, run_pipeline
from pension_audit.settings import Settings


def findings(home) -> dict[str, tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return {
            key: rest
            for key, *rest in con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM marts.findings").fetchall()
        }
    finally:
        con.close()


def rebuild_models(settings: Settings) -> None:
    with dagster_instance(settings) as instance:
        result = dg.materialize(
            [build_dbt_models(prepare_manifest())],
            instance=instance,
            resources={"dbt": dbt_resource(), "data_home": DataHome.from_settings(settings)},
        )
    assert result.success


def test_a_rebuild_with_no_new_files_leaves_every_finding_unchanged(tiny_district, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(tiny_district.home, home, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    before = findings(home)
    rebuild_models(Settings(home=home))
    assert findings(home) == before


def test_a_new_month_adds_only_what_it_reveals(tiny_district, tiny_month_arrived):
    last = tiny_month_arrived.last_month
    before = findings(tiny_month_arrived.home_before)
    after = findings(tiny_month_arrived.home)

    assert set(tiny_month_arrived.feeds_run) == {name.split("/")[0] for name in tiny_month_arrived.new_files}
    assert after == findings(tiny_district.home)  # same as loading everything at once
    # A finding goes away only when the new month's own rows resolve it (a certification,
    # a court judgment); it is never re-keyed.
    con = duckdb.connect(str(tiny_month_arrived.home / "warehouse.duckdb"), read_only=True)
    resolved_by_new_rows = {
        person
        for (person,) in con.execute(
            """
        SELECT r.person_id FROM staging.stg_certifications c
        JOIN intermediate.int_roster_records_identified r USING (person_no)
        WHERE c._period = ? AND c.result = '通过'
        UNION SELECT x.person_id FROM intermediate.int_source_records_linked x
        WHERE x.feed = 'court_sentences' AND x.period = ?""",
            [last, last],
        ).fetchall()
    }
    con.close()
    for key in set(before) - set(after):
        exception_type, person = key.split(":")[:2]
        assert exception_type in ("uncertified", "detention") and person in resolved_by_new_rows, key
    # What appears is what the month reveals: its own rows, or T moving past a deadline.
    revealed_by_time = {"contribution_unmatched", "uncertified", "subsidy_ineligible", "subsidy_missed"}
    con = duckdb.connect(str(tiny_month_arrived.home / "warehouse.duckdb"), read_only=True)
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
    inbox = tmp_path / "inbox"
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    shutil.copytree(tiny_district.inbox, inbox)
    shutil.copytree(tiny_district.home, settings.home, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    old = sorted(inbox.glob("roster/*.csv"))[2]
    lines = old.read_bytes().decode("gb18030").splitlines()
    header = next(i for i, line in enumerate(lines) if "个人编号" in line or "个人编码" in line or "人员编号" in line)
    column = next(
        i for i, h in enumerate(lines[header].split(",")) if h.strip() in ("个人编号", "个人编码", "人员编号")
    )
    last = max(
        i
        for i, line in enumerate(lines)
        if i > header and line.split(",")[column : column + 1] != [] and line.split(",")[column].strip().isdigit()
    )
    person_no = lines.pop(last).split(",")[column].strip()  # the month re-sent without one record
    old.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))

    before = roster_months(settings.warehouse_path)
    result = run_pipeline(settings, echo=lambda _: None)
    assert result.ok and result.feeds_run == ["roster"]
    incremental = roster_months(settings.warehouse_path)

    full = tmp_path / "full.duckdb"
    shutil.copy(settings.warehouse_path, full)
    subprocess.run(
        [
            str(DBT_EXECUTABLE),
            "run",
            "--select",
            "int_roster_months",
            "--full-refresh",
            "--vars",
            json.dumps({"warehouse": str(full)}),
            "--target-path",
            str(tmp_path / "target"),
            "--project-dir",
            str(DBT_PROJECT.project_dir),
            "--profiles-dir",
            str(DBT_PROJECT.profiles_dir),
        ],
        check=True,
        capture_output=True,
    )
    assert incremental == roster_months(full)
    month = old.stem + "-01"
    assert not any(row[0] == person_no and str(row[1]) == month for row in incremental)
    assert any(row[0] == person_no and str(row[1]) == month for row in before)
    assert {r for r in incremental if str(r[1]) != month} == {r for r in before if str(r[1]) != month}
