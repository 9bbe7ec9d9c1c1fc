"""The same dbt models on Apache Spark (dbt-spark, `session` method: an in-process local
Spark session). A province run would land the district warehouses' source tables as Parquet
in object storage; here they are exported from a DuckDB warehouse to a folder, registered as
Spark tables of the same schema names, and dbt builds the models on them.

    python -m orchestration.spark --warehouse data/warehouse.duckdb --out /tmp/spark-run

exports, builds (`dbt build --target spark`) and writes the marts to <out>/marts/<table>.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import yaml
from dbt.cli.main import dbtRunner
from pyspark.sql import SparkSession

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
SOURCE_FILES = sorted((PROJECT_DIR / "models" / "staging").glob("_*sources.yml"))
MARTS = (
    "findings",
    "hold_recommendations",
    "settlement_basis",
    "persons",
    "accountability_events",
    "accountability_township_year",
    "accountability_township_month",
    "certification_status",
    "unresolved_ids",
)


def source_tables() -> list[tuple[str, str]]:
    """(schema, table) of every dbt source, read from the sources files (the raw feeds'
    file is generated from feeds.py), so a new feed needs no edit here."""
    tables = []
    for path in SOURCE_FILES:
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            schema = source.get("schema", source["name"])
            tables += [(schema, table["name"]) for table in source["tables"]]
    return tables


def export_sources(warehouse: Path, out_dir: Path) -> list[tuple[str, str]]:
    """Every source table as <out_dir>/<schema>/<table>.parquet. JSON columns become text
    (Parquet and Spark have no JSON type); a table missing from the warehouse is skipped."""
    exported = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in source_tables():
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if not columns:
                continue
            select = ", ".join(
                f'cast("{name}" as varchar) as "{name}"' if data_type == "JSON" else f'"{name}"'
                for name, data_type in columns
            )
            target = out_dir / schema / f"{table}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy (select {select} from {schema}.{table}) to '{target}' (format parquet)")
            exported.append((schema, table))
    return exported


def spark_session(work_dir: Path, cores: int = 2):
    """A small local Spark session with an in-memory catalog (no Hive metastore on disk);
    dbt-spark's `session` method picks up this same session."""
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("pension-audit-dbt")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.default.parallelism", str(cores))
        .config("spark.driver.memory", "1g")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(work_dir / "spark-warehouse"))
        .config("spark.local.dir", str(work_dir / "spark-local"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_sources(spark, out_dir: Path, tables: list[tuple[str, str]]) -> None:
    """Each exported Parquet file as a table <schema>.<table>, where the dbt sources look."""
    for schema, table in tables:
        spark.sql(f"create database if not exists {schema}")
        spark.sql(f"drop table if exists {schema}.{table}")
        spark.sql(f"create table {schema}.{table} using parquet location '{out_dir / schema / (table + '.parquet')}'")


def run_dbt(args: list[str], work_dir: Path) -> None:
    """dbt in this process (the in-memory catalog lives here), on the `spark` target."""
    result = dbtRunner().invoke(
        [
            *args,
            "--target",
            "spark",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ]
    )
    if not result.success:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed on Spark: {result.exception or 'see ' + str(work_dir / 'logs')}"
        )


def build_on_spark(warehouse: Path, work_dir: Path, dbt_args: list[str] | None = None) -> Path:
    """Export, register, build; the marts land as Parquet in <work_dir>/marts/<table>."""
    work_dir.mkdir(parents=True, exist_ok=True)
    sources = work_dir / "sources"
    tables = export_sources(warehouse, sources)
    spark = spark_session(work_dir)
    try:
        register_sources(spark, sources, tables)
        run_dbt(dbt_args or ["build"], work_dir)
        marts = work_dir / "marts"
        for table in MARTS:
            spark.table(f"marts.{table}").write.mode("overwrite").parquet(str(marts / table))
        return marts
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在 Spark 上构建 dbt 模型（导出 Parquet、注册、dbt build）")
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB 数据仓库文件")
    parser.add_argument("--out", type=Path, required=True, help="工作目录（Parquet、Spark 仓库、dbt 日志）")
    parser.add_argument("dbt_args", nargs="*", help="dbt 命令及参数，默认 build")
    options = parser.parse_args(argv)
    marts = build_on_spark(options.warehouse, options.out, options.dbt_args or None)
    print(f"Spark 构建完成，结果表：{marts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
