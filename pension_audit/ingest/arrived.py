"""Rows as they arrived, read back from the archive for the few a finding cites.

The evidence page shows a cited row exactly as the department's file had it: every declared
column as text before anything was made of it, a JSON object of header → cell. Building that
text for every loaded row cost a third of loading a roster month, for the few thousand rows
findings cite; the archive keeps every loaded version by content hash, so the build reads
those rows back from it (`pub_evidence_rows`, through the dbt plugin
orchestration/arrived_plugin.py), with the reader and the JSON expression the loader used.
"""

from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pension_audit.ingest.archive import archive_path
from pension_audit.ingest.feeds import FEEDS_BY_NAME, Feed
from pension_audit.ingest.reader import FileRefused, data_rows

_LOCK = threading.Lock()
_CON: duckdb.DuckDBPyConnection | None = None


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def arrived_json_sql(feed: Feed) -> str:
    """The row as it arrived, over the reader's columns (`__raw_<column>`, None when blank)."""
    cells = ", ".join(f'{_lit(c.header)}: "__raw_{c.name}"' for c in feed.columns)
    return "to_json({" + cells + "})::VARCHAR"


def read_back(archive: Path, feed: str, relative: str, digest: str, rows: list[int]) -> list[dict[str, object]]:
    """The rows `rows` (physical row numbers) of the archived version `digest` of the file
    `relative` (`<feed>/<name>`: its extension says how it is read), each as
    {"row": n, "arrived": JSON text}; none when the version is not in the archive or a row is
    not a data row of it."""
    path = archive_path(archive, digest)
    declared = FEEDS_BY_NAME.get(feed)
    if declared is None or not path.is_file():
        return []
    try:
        table = data_rows(declared, Path(PurePosixPath(relative).name), path.read_bytes()).table
    except FileRefused:
        return []
    # Only the cited rows go on to DuckDB (the same expression as the loader's), on one
    # in-memory connection per process (a Python function of DuckDB's may run on two threads).
    table = table.filter(pc.is_in(table["_row"], pa.array(sorted(set(rows)), pa.int32())))
    with _LOCK:
        global _CON
        if _CON is None:
            _CON = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
        _CON.register("incoming", table)
        try:
            found = _CON.execute(f"SELECT _row, {arrived_json_sql(declared)} FROM incoming ORDER BY _row").fetchall()
        finally:
            _CON.unregister("incoming")
    return [{"row": row, "arrived": text} for row, text in found]
