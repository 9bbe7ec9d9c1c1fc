"""A dbt-duckdb plugin: the function `pa_arrived_rows` on dbt's connections, which reads cited
rows back from the archive beside the warehouse (pension_audit/ingest/arrived.py). The profile
names it (dbt_project/profiles.yml, `plugins`); `pub_evidence_rows` calls it once per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from pension_audit.ingest.archive import ARCHIVE_DIR
from pension_audit.ingest.arrived import read_back

RETURNS = "STRUCT(row INTEGER, arrived VARCHAR)[]"


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        archive = Path(str(self.creds.path if self.creds else "")).parent / ARCHIVE_DIR

        def arrived_rows(feed: str, relative: str, digest: str, rows: list[int]) -> list[dict[str, object]]:
            return read_back(archive, feed, relative, digest, rows)

        conn.create_function(
            "pa_arrived_rows",
            arrived_rows,
            ["VARCHAR", "VARCHAR", "VARCHAR", "INTEGER[]"],
            RETURNS,
            side_effects=False,
        )
