"""The dbt sources file, written from the feed declarations (so a new column or department
is one edit in feeds.py). `python -m pension_audit.ingest.dbt_sources` rewrites it; a test checks
the committed file is current."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from pension_audit.ingest.feeds import FEEDS, Cadence
from pension_audit.ingest.load import feed_table_columns

SOURCES_FILE = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/_staging__sources.yml"

# Freshness that matches the cadence: a monthly file is due every month, an annual one yearly.
FRESHNESS = {
    Cadence.MONTHLY: {"warn_after": {"count": 35, "period": "day"}, "error_after": {"count": 62, "period": "day"}},
    Cadence.ANNUAL: {"warn_after": {"count": 380, "period": "day"}, "error_after": {"count": 750, "period": "day"}},
}


def sources_yaml() -> str:
    tables = []
    for feed in FEEDS:
        declared = {c.name: c for c in feed.columns}
        columns, required = [], []
        for name, sql_type in feed_table_columns(feed):
            col = declared.get(name)
            entry: dict[str, object] = {
                "name": name,
                "data_type": sql_type,
                "description": col.header if col else _derived_description(name),
            }
            if name in ("_row", "_period", "_file_hash") or (col and col.required and not name.endswith("_raw")):
                required.append(name)
            columns.append(entry)
        tables.append(
            {
                "name": feed.name,
                "description": f"{feed.sender}：{feed.title}（{'月报' if feed.is_monthly else '年报'}）",
                "config": {
                    "freshness": copy.deepcopy(FRESHNESS[feed.cadence]),
                    "loaded_at_field": "_loaded_at",
                    "meta": {"dagster": {"asset_key": ["raw", feed.name]}},
                },
                # The loader quarantines a row without them; this says the table agrees, in one query.
                "data_tests": [{"not_null_columns": {"arguments": {"columns": required}}}],
                "columns": columns,
            }
        )
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "raw",
                "schema": "raw",
                "description": "各数据源载入后的规范化数据（见 pension_audit/ingest/feeds.py）",
                "tables": tables,
            },
            {
                "name": "meta",
                "schema": "meta",
                "description": "文件日志、隔离区、取值问题与数据质量检查结果",
                "tables": [
                    {"name": "file_log"},
                    {"name": "quarantine"},
                    {"name": "value_issues"},
                    {"name": "check_results"},
                ],
            },
        ],
    }
    header = (
        "# Generated from pension_audit/ingest/feeds.py by `python -m pension_audit.ingest.dbt_sources`. Do not edit.\n"
    )
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)


def _derived_description(name: str) -> str:
    if name.endswith("_raw"):
        return "原始值（载入前）"
    if name.endswith("_valid"):
        return "是否为校验位正确的18位公民身份号码"
    if name == "id_number":
        return "持证人公民身份号码（取自残疾人证号前18位）"
    return {
        "_feed": "数据源",
        "_period": "文件期间",
        "_file_hash": "文件SHA-256",
        "_row": "文件中的行号",
        "_loaded_at": "载入时间",
        "_arrived": "整行原样（JSON：表头→单元格；仅早期载入的行有，现由证据行从归档读回）",
    }.get(name, name)


if __name__ == "__main__":
    SOURCES_FILE.parent.mkdir(parents=True, exist_ok=True)
    SOURCES_FILE.write_text(sources_yaml(), encoding="utf-8")
    print(f"wrote {SOURCES_FILE}")
