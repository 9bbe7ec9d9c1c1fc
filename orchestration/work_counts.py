"""The work a run did, counted (not timed): files and rows read, dbt nodes executed, partitions
and rows each model rewrote, rows published. Deterministic for the same inbox and data home, so
the tests can hold a run to the work its new files call for; the timings stay in `bench/`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from orchestration.warehouse_queries import has_table, read

COUNTS_FILE = "last_run_counts.json"


def empty_counts() -> dict[str, Any]:
    return {
        "scan": {"inbox_files": 0, "pending_periods": 0},
        "load": {"files_read": 0, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0},
        "dbt": {"nodes": 0, "by_type": {}, "models": {}},
        "publish": {"rows_written": 0, "rows_retired": 0},
    }


def count_loading(counts: dict[str, Any], files: list[tuple]) -> None:
    """From the file log rows this run wrote (path, status, encoding, rows_read, rows_loaded,
    rows_quarantined, …): every version it read, whether it loaded, failed or was held."""
    read_now = [f for f in files if f[1] in ("loaded", "failed", "held")]
    counts["load"] = {
        "files_read": len(read_now),
        "rows_read": sum(f[3] or 0 for f in read_now),
        "rows_loaded": sum(f[4] or 0 for f in read_now if f[1] == "loaded"),
        "rows_quarantined": sum(f[5] or 0 for f in read_now if f[1] == "loaded"),
    }


def count_dbt(counts: dict[str, Any], target: Path, manifest: Path, warehouse: Path) -> None:
    """From dbt's run_results.json of this run's build: the nodes it executed by type, and per
    model what it wrote — a table its every row, an incremental model the partitions it
    rewrote (meta.dbt_partitions, written by the models' `log_partitions` hook), a view nothing."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    executed = [r for r in results["results"] if r["status"] not in ("skipped",)]
    by_type = Counter(r["unique_id"].split(".", 1)[0] for r in executed)
    partitions: dict[str, dict[str, int]] = {}
    if has_table(warehouse, "meta", "dbt_partitions"):
        for model, key, rows in read(
            warehouse,
            "SELECT model, partition_key, rows_written FROM meta.dbt_partitions"
            " WHERE invocation_id = ? AND partition_key IS NOT NULL ORDER BY 1, 2",
            [results["metadata"]["invocation_id"]],
        ):
            partitions.setdefault(model, {})[key] = rows
    built = [nodes.get(r["unique_id"], {}) for r in executed if r["status"] == "success"]
    built = [node for node in built if node.get("resource_type") == "model"]
    tables = [node for node in built if node["config"]["materialized"] == "table"]
    # Every table's rows in one query: one connection to the warehouse, not one per table.
    table_rows = dict(
        read(
            warehouse,
            " UNION ALL ".join(
                f'SELECT \'{node["name"]}\', count(*) FROM "{node["schema"]}"."{node["alias"]}"' for node in tables
            ),
        )
        if tables
        else []
    )
    models: dict[str, dict[str, Any]] = {}
    for node in built:
        name, materialized = node["name"], node["config"]["materialized"]
        if materialized == "incremental":
            written = partitions.get(name, {})
            models[name] = {
                "rows": sum(written.values()),
                "partitions": len(written),
                "partition_keys": sorted(written),
            }
        else:  # a table its every row, a view nothing
            models[name] = {"rows": table_rows.get(name, 0)}
    counts["dbt"] = {"nodes": len(executed), "by_type": dict(sorted(by_type.items())), "models": models}


def count_publishing(counts: dict[str, Any], published: dict[str, object] | None) -> None:
    if published:
        counts["publish"] = {"rows_written": published["rows_written"], "rows_retired": published["rows_retired"]}


def write_counts(home: Path, counts: dict[str, Any]) -> None:
    (home / COUNTS_FILE).write_text(json.dumps(counts, indent=2, ensure_ascii=False), encoding="utf-8")


def work_summary(counts: dict[str, Any]) -> str:
    models = counts["dbt"]["models"]
    partitions = sum(m.get("partitions", 0) for m in models.values())
    return (
        f"工作量：读取 {counts['load']['files_read']} 个文件 {counts['load']['rows_read']} 行；"
        f"dbt 执行 {counts['dbt']['nodes']} 个节点（模型 {counts['dbt']['by_type'].get('model', 0)} 个，"
        f"测试 {counts['dbt']['by_type'].get('test', 0)} 个），写入 {sum(m['rows'] for m in models.values())} 行"
        f"（增量模型重写 {partitions} 个分区）；发布写入 {counts['publish']['rows_written']} 行，"
        f"退役 {counts['publish']['rows_retired']} 行"
    )
