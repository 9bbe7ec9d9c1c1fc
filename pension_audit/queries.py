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


def findings_built(home: Home) -> bool:
    return bool(_read(home, "SELECT 1 FROM information_schema.tables "
                            "WHERE table_schema = 'marts' AND table_name = 'findings'"))


def findings_summary(home: Home) -> list[tuple]:
    """Per finding type: code, Chinese label, count, money involved."""
    if not findings_built(home):
        return []
    return _read(home, """
        SELECT t.exception_type, t.label, count(f.finding_key), coalesce(sum(f.overpaid_amount), 0)
        FROM policy.finding_types t LEFT JOIN marts.findings f USING (exception_type)
        GROUP BY ALL ORDER BY count(f.finding_key) DESC, t.exception_type""")
