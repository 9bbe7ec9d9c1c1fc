"""Each run counts its work (last_run_counts.json): a rerun with nothing new does none, and a new
month's files cost that month, not the history."""

import json
import shutil

import duckdb

from orchestration.run import run_pipeline
from pension_audit.settings import Settings
from tests.conftest import run_dbt


def counts(home) -> dict:
    return json.loads((home / "last_run_counts.json").read_text(encoding="utf-8"))


def test_a_rerun_with_nothing_new_does_no_work(tiny_district, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(tiny_district.home, home, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    lines: list[str] = []
    result = run_pipeline(Settings(home=home, inbox=tiny_district.inbox), echo=lines.append)

    assert result.ok and result.feeds_run == []
    done = counts(home)
    assert done == result.counts
    assert done["scan"]["pending_periods"] == 0
    assert done["load"] == {"files_read": 0, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0}
    assert done["dbt"] == {"nodes": 0, "by_type": {}, "models": {}}
    assert done["publish"] == {"rows_written": 0, "rows_retired": 0}
    assert "工作量：读取 0 个文件 0 行；dbt 执行 0 个节点" in "\n".join(lines)


def test_a_new_month_rewrites_that_month_only(tiny_month_arrived):
    last = tiny_month_arrived.last_month
    cold, increment = tiny_month_arrived.cold, tiny_month_arrived.increment

    # Loading read the new month's files and nothing else.
    assert increment["load"]["files_read"] == len(tiny_month_arrived.new_files)
    con = duckdb.connect(str(tiny_month_arrived.home / "warehouse.duckdb"), read_only=True)
    (rows_read,) = con.execute(
        "SELECT sum(rows_read) FROM meta.file_log WHERE period = ? AND status IN ('loaded', 'failed', 'held')",
        [last],
    ).fetchone()
    (roster_rows,) = con.execute(
        "SELECT count(*) FROM intermediate.int_roster_months WHERE month = ?", [f"{last}-01"]
    ).fetchone()
    con.close()
    assert increment["load"]["rows_read"] == rows_read > 0

    # The cold build wrote every month of an incremental model; the increment the new month.
    months = cold["dbt"]["models"]["int_roster_months"]
    assert months["partitions"] == 11 and f"{last}-01" not in months["partition_keys"]
    assert increment["dbt"]["models"]["int_roster_months"] == {
        "rows": roster_rows,
        "partitions": 1,
        "partition_keys": [f"{last}-01"],
    }
    # A cold build runs every dbt test, the unit tests of the SQL among them; an increment its
    # data tests only.
    assert cold["dbt"]["by_type"]["unit_test"] >= 20 and "unit_test" not in increment["dbt"]["by_type"]
    assert cold["dbt"]["by_type"]["test"] == increment["dbt"]["by_type"]["test"] > 250
    # Publishing writes what changed.
    assert 0 < increment["publish"]["rows_written"] < cold["publish"]["rows_written"]


def test_an_increment_tests_the_months_it_rebuilt_and_dbt_test_alone_every_month(tiny_district, tmp_path):
    """int_roster_months's tests are scoped to the months its build rewrote (macros/partition_log.sql):
    a bad row planted in an old month is not looked at by a build that rewrites nothing, and is
    caught by `dbt test` alone, which tests every month."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_district.home / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(
        """
        INSERT INTO intermediate.int_roster_months
        SELECT * REPLACE ('作废' AS status) FROM intermediate.int_roster_months
        WHERE month = (SELECT min(month) FROM intermediate.int_roster_months) LIMIT 1"""
    )
    con.close()

    build = run_dbt(["build", "--select", "int_roster_months"], tmp_path / "build", warehouse)
    assert build.returncode == 0, build.stdout[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM intermediate.int_roster_months WHERE status = '作废'").fetchone() == (1,)
    con.close()

    alone = run_dbt(["test", "--select", "int_roster_months"], tmp_path / "test", warehouse)
    assert alone.returncode != 0
    assert "accepted_values_int_roster_months_status" in alone.stdout and "FAIL" in alone.stdout


def test_a_roster_row_without_a_month_fails_even_a_build_that_rewrites_no_month(tiny_district, tmp_path):
    """A row with no month belongs to no partition, so no increment would ever look at it by
    month: int_roster_months's not-null test takes it on every build."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_district.home / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "INSERT INTO intermediate.int_roster_months SELECT * REPLACE (NULL AS month)"
        " FROM intermediate.int_roster_months LIMIT 1"
    )
    con.close()

    build = run_dbt(["build", "--select", "int_roster_months"], tmp_path / "build", warehouse)

    assert build.returncode != 0
    assert "not_null_columns_int_roster_months" in build.stdout and "FAIL 1" in build.stdout, build.stdout[-3000:]
