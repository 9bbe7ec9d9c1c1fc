"""Read-only questions the console and the command line ask of the warehouse."""

from __future__ import annotations

from pension_audit.home import Home
from pension_audit.normalize import connect


def _read(home: Home, sql: str, params: list | None = None) -> list[tuple]:
    if not home.warehouse.exists():
        return []
    con = connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def quarantine_rows(home: Home) -> list[tuple]:
    """feed, period, row, column, value, reason — of the file versions now loaded."""
    return _read(home, """
        SELECT feed, period, row_number, column_name, value, reason FROM meta.quarantine
        ORDER BY feed, period, row_number, column_name""")


def file_log_rows(home: Home, all_versions: bool = False, since=None) -> list[tuple]:
    where = [] if all_versions else ["status <> 'replaced'"]
    params = []
    if since is not None:
        where.append("ingested_at >= ?")
        params.append(since)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return _read(home, f"""
        SELECT path, status, encoding, rows_read, rows_loaded, rows_quarantined,
               coalesce(message, ''), strftime(ingested_at, '%Y-%m-%d %H:%M:%S')
        FROM meta.file_log {clause} ORDER BY path, ingested_at""", params)
