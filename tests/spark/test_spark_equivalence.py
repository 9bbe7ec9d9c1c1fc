"""The dbt models run unchanged on Apache Spark (issue 7): the tiny district's sources are
exported to Parquet, dbt builds the seeds and models on a local in-process Spark session
(dbt-spark, `session` method), and the marts equal DuckDB's, row for row.

Spark runs in a child process (`python -m orchestration.spark`): its JVM and dbt's
process-wide state stay out of the pytest worker, and the shared district's warehouse is
only read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BuiltDistrict

ROOT = Path(__file__).resolve().parents[2]

# Each mart compared, with the columns that order its rows (a unique key).
MARTS = {
    "findings": ["finding_key"],
    "hold_recommendations": ["finding_key", "person_no"],
    "settlement_basis": ["finding_key"],
    "persons": ["person_id"],
    "accountability_events": ["event_type", "finding_key"],
    "accountability_township_year": ["township_code", "year"],
    "accountability_township_month": ["township_code", "month"],
    "certification_status": ["year", "township_code", "person_id"],
}


def _table(con: duckdb.DuckDBPyConnection, relation: str, key: list[str]) -> tuple[list[tuple], list[tuple]]:
    """(column name, type) pairs and the rows ordered by the key."""
    columns = [(c[0], c[1]) for c in con.execute(f"describe select * from {relation}").fetchall()]
    rows = con.execute(f"select * from {relation} order by {', '.join(key)}").fetchall()
    return columns, rows


def _build_on_spark(warehouse: Path, work: Path) -> Path:
    """The marts as Spark built them, written as Parquet by the child process."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.spark",
            "--warehouse",
            str(warehouse),
            "--out",
            str(work),
            # Seeds and models; the data and unit tests are dbt's own business (tests/dbt). The
            # published models are the case store's shape of the marts, for a deployment's store.
            "--",
            "build",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--exclude",
            "path:models/published",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-5000:] + ran.stderr[-5000:]
    return work / "marts"


@pytest.mark.slow
def test_marts_on_spark_equal_duckdb(tiny_district: BuiltDistrict, tmp_path: Path):
    # One test, not one per mart: under pytest-xdist each worker would build on Spark again.
    warehouse = tiny_district.home / "warehouse.duckdb"
    marts = _build_on_spark(warehouse, tmp_path / "spark")
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{warehouse}' as wh (read_only)")

    for mart, key in MARTS.items():
        duck_columns, duck_rows = _table(con, f"wh.marts.{mart}", key)
        spark_columns, spark_rows = _table(con, f"read_parquet('{marts / mart}/*.parquet')", key)
        assert spark_columns == duck_columns, mart
        assert len(spark_rows) == len(duck_rows), mart
        names = [name for name, _ in duck_columns]
        for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
            assert dict(zip(names, spark_row, strict=True)) == dict(zip(names, duck_row, strict=True)), mart

    # The comparison means something: many findings, of most types.
    types = con.execute("select exception_type, count(*) from wh.marts.findings group by all").fetchall()
    assert sum(n for _, n in types) >= 20
    assert len(types) >= 8, types
