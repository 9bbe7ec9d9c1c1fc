"""Read-only questions the pipeline and the command line ask of the warehouse (the service
never does: it reads what the pipeline published)."""

from __future__ import annotations

from pathlib import Path

from pension_audit.ingest.normalize import connect


def read(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run one query on a read-only connection; nothing when there is no warehouse yet."""
    if not warehouse.exists():
        return []
    con = connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def quarantine_rows(warehouse: Path) -> list[tuple]:
    """feed, period, row, column, value, reason — rows refused at ingestion, and, once the
    person master is built, department rows whose mistyped ID matched nobody."""
    unresolved = (
        """
        UNION ALL
        SELECT feed, period, row_number, column_name, value, reason FROM marts.unresolved_ids"""
        if has_table(warehouse, "marts", "unresolved_ids")
        else ""
    )
    return read(
        warehouse,
        f"""
        SELECT feed, period, row_number, column_name, value, reason FROM meta.quarantine {unresolved}
        ORDER BY 1, 2, 3, 4""",
    )


def has_table(warehouse: Path, schema: str, table: str) -> bool:
    return bool(
        read(
            warehouse,
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        )
    )


def file_log_rows(warehouse: Path, all_versions: bool = False, since=None) -> list[tuple]:
    where = [] if all_versions else ["status <> 'replaced'"]
    params = []
    if since is not None:
        where.append("ingested_at >= ?")
        params.append(since)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return read(
        warehouse,
        f"""
        SELECT path, status, encoding, rows_read, rows_loaded, rows_quarantined,
               coalesce(message, ''), strftime(ingested_at, '%Y-%m-%d %H:%M:%S')
        FROM meta.file_log {clause} ORDER BY path, ingested_at""",
        params,
    )


FILE_LOG_FIELDS = ("feed", "period", "file", "status", "encoding", "rows", "loaded", "quarantined", "reason", "at")


def file_log_export(warehouse: Path) -> list[tuple]:
    """Every file version, as data (FILE_LOG_FIELDS): status loaded, replaced, failed, held or
    released; `at` is when the version reached that status."""
    return read(
        warehouse,
        """
        SELECT feed, period, path, status, encoding, rows_read, rows_loaded, rows_quarantined, reason,
               strftime(CASE status WHEN 'replaced' THEN replaced_at WHEN 'released' THEN released_at
                                    ELSE ingested_at END, '%Y-%m-%d %H:%M:%S')
        FROM meta.file_log ORDER BY path, ingested_at""",
    )


VALUE_ISSUE_FIELDS = ("feed", "period", "file", "row", "column", "header", "value", "reason")


def value_issue_rows(warehouse: Path) -> list[tuple]:
    """Values that could not be read in columns no rule reads, of the loaded versions: the row
    loaded with the cell empty; the value is shown as it arrived."""
    if not has_table(warehouse, "meta", "value_issues"):
        return []
    return read(
        warehouse,
        """
        SELECT v.feed, v.period, l.path, v.row_number, v.column_name, v.header, v.value, v.reason
        FROM meta.value_issues v JOIN meta.file_log l ON l.file_hash = v.file_hash AND l.status = 'loaded'
        ORDER BY 1, 2, 4, 5""",
    )


def findings_built(warehouse: Path) -> bool:
    return has_table(warehouse, "marts", "findings")


def findings_summary(warehouse: Path) -> list[tuple]:
    """Per finding type: code, Chinese label, count, money involved."""
    if not findings_built(warehouse):
        return []
    return read(
        warehouse,
        """
        SELECT t.exception_type, t.label, count(f.finding_key), coalesce(sum(f.overpaid_amount), 0)
        FROM policy.finding_types t LEFT JOIN marts.findings f USING (exception_type)
        GROUP BY ALL ORDER BY count(f.finding_key) DESC, t.exception_type""",
    )


def file_log_summary(warehouse: Path) -> list[tuple]:
    """Per feed: the periods covered, files loaded, refused and held, rows read, loaded, quarantined."""
    return read(
        warehouse,
        """
        SELECT coalesce(feed, '(文件名不合规)'),
               coalesce(min(period) FILTER (WHERE status = 'loaded') || ' 至 '
                        || max(period) FILTER (WHERE status = 'loaded'), ''),
               count(*) FILTER (WHERE status = 'loaded'), count(*) FILTER (WHERE status = 'failed'),
               count(*) FILTER (WHERE status = 'held'),
               coalesce(sum(rows_read) FILTER (WHERE status = 'loaded'), 0), coalesce(sum(rows_loaded), 0),
               coalesce(sum(rows_quarantined), 0)
        FROM meta.file_log WHERE status <> 'replaced'
        GROUP BY feed ORDER BY feed NULLS LAST""",
    )


def awaiting_summary(warehouse: Path) -> list[tuple]:
    """Per finding type awaiting data: Chinese label, count."""
    if not has_table(warehouse, "marts", "findings_awaiting"):
        return []
    return read(
        warehouse,
        """SELECT exception_label, count(*) FROM marts.findings_awaiting
                              GROUP BY ALL ORDER BY count(*) DESC, exception_label""",
    )


def accountability_awaiting(warehouse: Path) -> list[tuple]:
    """Township accountability events awaiting data, per what they wait for: inputs, events, townships."""
    if not has_table(warehouse, "marts", "accountability_events"):
        return []
    return read(
        warehouse,
        """SELECT awaiting_inputs, count(*), count(DISTINCT township_code) FROM marts.accountability_events
           WHERE report_status = 'awaiting' GROUP BY ALL ORDER BY awaiting_inputs""",
    )


def awaiting_rows(warehouse: Path) -> list[tuple]:
    """finding_key, type, label, person_id, name, township, person_no, event period, missing inputs."""
    if not has_table(warehouse, "marts", "findings_awaiting"):
        return []
    return read(
        warehouse,
        """SELECT finding_key, exception_type, exception_label, person_id, name, township_code,
                                     person_no, event_period, missing_inputs
                              FROM marts.findings_awaiting ORDER BY exception_type, finding_key""",
    )
