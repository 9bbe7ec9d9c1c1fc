"""Loading files into the DuckDB warehouse: typed rows with lineage, quarantine, file log.

The table of each feed, its typing and its quarantine rules are derived from the feed's
declaration in feeds.py. A file is loaded in one transaction: its readable rows go to
`raw.<feed>`, every unreadable value to `meta.quarantine` (the whole row kept as JSON, so
nothing is lost), and the file version to `meta.file_log`. A re-sent file with new content
replaces exactly its period; the replaced version stays in the log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import duckdb
import pyarrow as pa

from pension_audit.ingest.archive import ARCHIVE_DIR, keep
from pension_audit.ingest.feeds import FEEDS, Column, Feed, Kind, LinkBy
from pension_audit.ingest.holds import History, hold_reason, thresholds_for
from pension_audit.ingest.normalize import connect
from pension_audit.ingest.reader import (
    FileRefused,
    FileRows,
    InboxFile,
    data_rows,
    file_hash,
    naming_problem,
)

LINEAGE = (
    ("_feed", "VARCHAR"),
    ("_period", "VARCHAR"),
    ("_file_hash", "VARCHAR"),
    ("_row", "INTEGER"),
    ("_loaded_at", "TIMESTAMP"),
)
# The whole row as it arrived (a JSON object of header → cell), kept by loaders before the
# evidence was read back from the archive; rows loaded since leave it empty: building it for
# every row cost a third of loading a roster month, for the few a finding cites (arrived.py).
ARRIVED = "_arrived"
SQL_TYPES = {Kind.DATE: "DATE", Kind.MONTH: "DATE", Kind.YEAR: "INTEGER", Kind.AMOUNT: "DECIMAL(14, 2)"}
ID_KINDS = (Kind.ID, Kind.DOC_ID, Kind.DISABILITY_CERT)
# 残疾人证号: the holder's ID (18 characters, or the old 15), category 1–7, grade 1–4, reissue B1–B9.
HOLDER_ID_PATTERN = "([0-9]{17}[0-9X]|[0-9]{15})"
DISABILITY_CERT_PATTERN = HOLDER_ID_PATTERN + "[1-7][1-4](B[1-9])?"

META_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.file_log (
    feed VARCHAR, period VARCHAR, path VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
    size_bytes BIGINT, encoding VARCHAR, header_row INTEGER,
    status VARCHAR NOT NULL,            -- loaded | replaced | failed | held | released
    rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER,
    reason VARCHAR, message VARCHAR,
    ingested_at TIMESTAMP NOT NULL, replaced_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS meta.quarantine (
    feed VARCHAR NOT NULL, period VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
    row_number INTEGER NOT NULL, column_name VARCHAR NOT NULL, header VARCHAR, value VARCHAR,
    reason VARCHAR NOT NULL, record JSON, quarantined_at TIMESTAMP NOT NULL
);
-- An unreadable value in a column no rule reads: the row loaded with the cell empty; the
-- value is kept here exactly as it arrived.
CREATE TABLE IF NOT EXISTS meta.value_issues (
    feed VARCHAR NOT NULL, period VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
    row_number INTEGER NOT NULL, column_name VARCHAR NOT NULL, header VARCHAR, value VARCHAR,
    reason VARCHAR NOT NULL, flagged_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.check_results (
    feed VARCHAR NOT NULL, period VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL, column_name VARCHAR, severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL, unexpected_count INTEGER, unexpected_rows JSON,
    description VARCHAR, checked_at TIMESTAMP NOT NULL
);
"""


CHECK_RESULT_COLUMNS = pa.schema(
    [
        ("period", pa.string()),
        ("expectation", pa.string()),
        ("column_name", pa.string()),
        ("severity", pa.string()),
        ("success", pa.bool_()),
        ("unexpected_count", pa.int32()),
        ("unexpected_rows", pa.string()),
        ("description", pa.string()),
    ]
)


def feed_table_columns(feed: Feed) -> list[tuple[str, str]]:
    """The columns of `raw.<feed>`: lineage, then each declared column typed by its kind,
    with the value as it arrived beside IDs and names, and ID validity."""
    cols = list(LINEAGE)
    for col in feed.columns:
        cols.append((col.name, SQL_TYPES.get(col.kind, "VARCHAR")))
        if col.keeps_raw:
            cols.append((f"{col.name}_raw", "VARCHAR"))
        if col.kind in ID_KINDS:
            cols.append((f"{col.name}_valid", "BOOLEAN"))
        if col.kind is Kind.DISABILITY_CERT:
            cols += [("id_number", "VARCHAR"), ("id_number_valid", "BOOLEAN")]
    cols.append((ARRIVED, "VARCHAR"))
    return cols


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _raw(col: Column) -> str:
    return _quote(f"__raw_{col.name}")


def _clean(col: Column) -> str:
    """An ID cell cleaned once (pa_id_clean) before the tests that read it."""
    return _quote(f"__clean_{col.name}")


def halfwidth_sql(feed: Feed) -> str:
    """Every cell made half-width, and every ID cell cleaned once (pa_id_clean) for the tests
    that read it. Full-width characters are rare: one test per row finds the rows that have
    any, and only their cells are translated."""
    row = "concat_ws(chr(1), " + ", ".join(_raw(c) for c in feed.columns) + ")"
    cells = ", ".join(
        f"CASE WHEN __fullwidth THEN pa_halfwidth({_raw(c)}) ELSE {_raw(c)} END AS {_raw(c)}" for c in feed.columns
    )
    cleaned = "".join(f", pa_id_clean({_raw(c)}) AS {_clean(c)}" for c in feed.columns if c.kind in ID_KINDS)
    return (
        f"SELECT *{cleaned} FROM (SELECT _row, {cells} FROM "
        f"(SELECT *, pa_has_fullwidth({row}) AS __fullwidth FROM incoming))"
    )


def parse_sql(col: Column, scale: int = 1) -> str:
    """The expression that types one declared column from its half-width raw text (an amount
    column whose header says 万元 has scale 10000)."""
    r = _raw(col)
    match col.kind:
        case Kind.TEXT:
            return f"pa_text({r})"
        case Kind.NAME:
            return f"pa_name({r})"
        case Kind.ID | Kind.DOC_ID:
            return f"pa_id_of({_clean(col)})"
        case Kind.DISABILITY_CERT:
            return f"CASE WHEN regexp_full_match({_clean(col)}, {_lit(DISABILITY_CERT_PATTERN)}) THEN {_clean(col)} END"
        case Kind.PERSON_NO:
            return f"pa_digits({r}, 10)"
        case Kind.TOWNSHIP:
            return f"pa_digits({r}, 9)"
        case Kind.DATE:
            return f"pa_date({r})"
        case Kind.MONTH:
            return f"pa_month({r})"
        case Kind.YEAR:
            return f"pa_year({r})"
        case Kind.AMOUNT:
            return f"pa_amount({r})" if scale == 1 else f"pa_amount_scaled({r}, {int(scale)})"
        case Kind.CASE_NO:
            return f"pa_case_no({r})"
        case Kind.ENUM:
            spellings = {v: v for v in col.vocabulary} | col.aliases
            whens = " ".join(f"WHEN pa_enum_key(pa_halfwidth({_lit(k)})) THEN {_lit(v)}" for k, v in spellings.items())
            default = _lit(col.default) if col.default else "NULL"
            return f"CASE WHEN pa_blank({r}) THEN {default} ELSE (CASE pa_enum_key({r}) {whens} END) END"
    raise AssertionError(col.kind)


def derived_sql(feed: Feed) -> list[str]:
    """Columns computed from typed ones: ID validity, and the holder's ID inside a
    残疾人证号 (its first 18 characters, or 15 upgraded)."""
    derived = []
    for col in feed.columns:
        if col.kind is Kind.DISABILITY_CERT:
            holder = f"pa_id18(regexp_extract({_quote(col.name)}, {_lit('^' + HOLDER_ID_PATTERN)}, 1))"
            derived += [f"{holder} AS id_number", f"pa_id_valid({holder}) AS id_number_valid"]
        if col.kind in ID_KINDS:
            derived.append(f"pa_id_valid({_quote(col.name)}) AS {_quote(col.name + '_valid')}")
    return derived


KIND_REASONS = {
    Kind.ID: "unrecoverable_id",
    Kind.DOC_ID: "unrecoverable_id",
    Kind.DISABILITY_CERT: "unrecoverable_id",
    Kind.PERSON_NO: "invalid_code",
    Kind.TOWNSHIP: "invalid_code",
    Kind.DATE: "invalid_date",
    Kind.MONTH: "invalid_date",
    Kind.YEAR: "invalid_date",
    Kind.AMOUNT: "invalid_amount",
    Kind.ENUM: "unknown_value",
}


def _unreadable(feed: Feed, col: Column) -> tuple[str, str] | None:
    """(reason, condition) under which a non-blank value of this column cannot be read."""
    reason = KIND_REASONS.get(col.kind)
    # An unreadable ID is a reason only where the ID is how the row reaches a person.
    if col.kind in ID_KINDS and feed.link_by is not LinkBy.ID_NUMBER:
        reason = None
    return (reason, f"NOT pa_blank({_raw(col)}) AND {_quote(col.name)} IS NULL") if reason else None


def problem_sql(feed: Feed, col: Column, period_start: str | None) -> list[tuple[str, str]]:
    """(reason, condition) pairs under which a row is quarantined for this column: a blank
    required value, or an unreadable value in a column that decides something (`quarantines`)."""
    r, v = _raw(col), _quote(col.name)
    problems = []
    if col.required:
        problems.append(("missing_required", f"pa_blank({r})"))
    unreadable = _unreadable(feed, col)
    if unreadable and col.quarantines:
        problems.append(unreadable)
    if col.name == feed.period_column and period_start:
        problems.append(("period_mismatch", f"{v} IS NOT NULL AND {v} <> DATE {_lit(period_start)}"))
    return problems


def issue_sql(feed: Feed, col: Column) -> list[tuple[str, str]]:
    """(reason, condition) pairs under which a value of this column is a value issue: an
    unreadable value in a column no rule reads. The row loads; the cell is empty."""
    unreadable = _unreadable(feed, col)
    return [unreadable] if unreadable and not col.quarantines else []


@dataclass
class FileOutcome:
    relative: str
    feed: str | None
    period: str | None
    status: str  # loaded | failed | held | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    message: str | None = None
    replaced: bool = False
    value_issues: int = 0

    @property
    def summary(self) -> str:
        if self.status == "failed":
            return f"✗ {self.message}"
        if self.status == "held":
            return (
                f"⏸ {self.relative}：暂缓载入（{self.message}）；核实后运行 "
                f"pension-audit release {self.feed} {self.period} 放行，或请报送单位重新报送"
            )
        if self.status == "unchanged":
            return f"· {self.relative}：未变化，跳过"
        verb = "重新载入(替换旧版本)" if self.replaced else "载入"
        issues = f"，{self.value_issues} 个取值无法识别（已保留原值）" if self.value_issues else ""
        return (
            f"✓ {self.relative}：{verb} {self.rows_loaded} 行，隔离 {self.rows_quarantined} 行"
            f"（共 {self.rows_read} 行数据）{issues}"
        )


def type_rows(
    con: duckdb.DuckDBPyConnection, feed: Feed, period: str, rows: FileRows
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Type one file's rows in DuckDB: (the readable rows, `_row` and the feed table's
    columns; a row per quarantined cell, with the whole row as it arrived; the value issues
    of the rows that load, each cell exactly as it arrived), each in row order."""
    period_start = f"{period}-01" if feed.is_monthly else f"{period}-01-01"
    typed = ", ".join(f"{parse_sql(c, rows.layout.scales.get(c.name, 1))} AS {_quote(c.name)}" for c in feed.columns)
    con.register("incoming", rows.table)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE typed AS
            SELECT {", ".join(["*", *derived_sql(feed)])}
            FROM (SELECT *, {typed} FROM ({halfwidth_sql(feed)}))""")

        def union(pairs: list[tuple[Column, str, str]], value: bool) -> str:
            cell = "{raw} AS value, " if value else ""
            return " UNION ALL ".join(
                f"SELECT _row, {_lit(col.name)} AS col, {_lit(col.header)} AS header, "
                f"{cell.format(raw=_raw(col))}{_lit(reason)} AS reason FROM typed WHERE {cond}"
                for col, reason, cond in pairs
            )

        problems = [(c, reason, cond) for c in feed.columns for reason, cond in problem_sql(feed, c, period_start)]
        con.execute(f"CREATE OR REPLACE TEMP TABLE problems AS {union(problems, True)}")
        record = "to_json({" + ", ".join(f"{_lit(c.header)}: {_raw(c)}" for c in feed.columns) + "})"
        quarantine = con.sql(f"""
            SELECT p._row, p.col, p.header, p.value, p.reason, {record} AS record
            FROM problems p JOIN typed USING (_row) ORDER BY p._row, p.col""").to_arrow_table()
        # A value issue keeps the cell exactly as it arrived (before full-width was made half-width).
        issue_pairs = [(c, reason, cond) for c in feed.columns for reason, cond in issue_sql(feed, c)]
        found = (
            union(issue_pairs, False)
            or "SELECT NULL::INTEGER AS _row, '' AS col, '' AS header, '' AS reason WHERE false"
        )
        arrived = " ".join(f"WHEN {_lit(c.name)} THEN n.{_raw(c)}" for c, _, _ in issue_pairs) or "WHEN '' THEN NULL"
        issues = con.sql(f"""
            SELECT i._row, i.col, i.header, CASE i.col {arrived} END AS value, i.reason
            FROM ({found}) i JOIN incoming n USING (_row)
            WHERE i._row NOT IN (SELECT _row FROM problems) ORDER BY i._row, i.col""").to_arrow_table()
        outputs = [
            f"NULL::VARCHAR AS {_quote(n)}"
            if n == ARRIVED
            else f"{_quote('__raw_' + n.removesuffix('_raw'))} AS {_quote(n)}"
            if n.endswith("_raw")
            else _quote(n)
            for n, _ in feed_table_columns(feed)
            if n not in dict(LINEAGE)
        ]
        readable = con.sql(f"""
            SELECT _row, {", ".join(outputs)}
            FROM typed WHERE _row NOT IN (SELECT _row FROM problems) ORDER BY _row""").to_arrow_table()
    finally:
        con.unregister("incoming")
        con.execute("DROP TABLE IF EXISTS temp.typed; DROP TABLE IF EXISTS temp.problems")
    return readable, quarantine, issues


@dataclass(frozen=True)
class Prepared:
    """One version of a file as `prepare` left it for the warehouse: `unchanged` (this version
    was ingested before), `failed` (it cannot be read: reason, message) or `typed` (its rows,
    quarantined cells and value issues, from `type_rows`)."""

    digest: str
    size: int
    status: str
    encoding: str | None = None
    header_row: int | None = None
    rows_read: int = 0
    rows: pa.Table | None = None
    quarantine: pa.Table | None = None
    issues: pa.Table | None = None
    reason: str | None = None
    message: str | None = None

    @property
    def rows_loaded(self) -> int:
        return self.rows.num_rows if self.rows is not None else 0

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read - self.rows_loaded

    @property
    def value_issues(self) -> int:
        return self.issues.num_rows if self.issues is not None else 0


# Starting the worker processes costs about a second of CPU each; typing a 25 MB roster month
# about two. Below this much to read (an increment, a small district's feed) the loader types
# its files itself.
TYPING_ASIDE_BYTES = 64 * 1024 * 1024


def prepare(
    file: InboxFile, archive: Path, seen: frozenset[str] = frozenset(), con: duckdb.DuckDBPyConnection | None = None
) -> Prepared:
    """Read one well-named file, keep its version in the archive and type its rows (on `con`,
    by default a DuckDB of its own in memory), unless its version is one of `seen`. It
    needs nothing of the warehouse, so it can run in a worker process while the loader stores
    the file before it (`Warehouse.ingest_periods`)."""
    feed, period = file.feed, file.period
    assert feed is not None and period is not None  # well named
    data = file.path.read_bytes()
    digest = file_hash(data)
    if digest in seen:
        return Prepared(digest, len(data), "unchanged")
    keep(archive, digest, data)
    try:
        rows = data_rows(feed, file.path, data)
    except FileRefused as exc:
        return Prepared(digest, len(data), "failed", reason=exc.reason, message=f"{file.relative}：{exc}")
    size = len(data)
    del data
    if con is not None:
        readable, quarantine, issues = type_rows(con, feed, period, rows)
    else:
        # A connection of its own, closed after the file: DuckDB keeps the memory it used until
        # then. A file is one row group, so one thread.
        with contextlib.closing(connect(threads=1)) as own:
            own.execute("SET enable_progress_bar = false")
            readable, quarantine, issues = type_rows(own, feed, period, rows)
    return Prepared(
        digest,
        size,
        "typed",
        rows.encoding,
        rows.layout.header_row,
        rows.count,
        readable,
        quarantine,
        issues,
    )


class Warehouse:
    """The DuckDB warehouse file of one data home. One writer at a time (DuckDB's rule)."""

    def __init__(self, path: Path, memory_limit: str = "256MB"):
        self.path = Path(path)
        # Every version received is kept by content hash beside the warehouse (archive.py).
        self.archive = self.path.parent / ARCHIVE_DIR
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(str(self.path))
        self._sql("SET enable_progress_bar = false")
        # A bound on DuckDB's buffers: loading goes a file at a time and needs little (dbt has
        # its own bound, Settings.duckdb_memory).
        self._sql(f"SET memory_limit = {_lit(memory_limit)}")
        self.ensure_schema()

    def _sql(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run one statement to completion (DuckDB 2 keeps unfinished results open)."""
        return self.con.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._sql("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._sql("ROLLBACK")
            raise
        self._sql("COMMIT")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self) -> None:
        self._sql(META_DDL)
        # Who released a held file, and when (added after the first warehouses were made).
        self._sql("ALTER TABLE meta.file_log ADD COLUMN IF NOT EXISTS released_by VARCHAR")
        self._sql("ALTER TABLE meta.file_log ADD COLUMN IF NOT EXISTS released_at TIMESTAMP")
        for feed in FEEDS:
            cols = ", ".join(f"{_quote(n)} {t}" for n, t in feed_table_columns(feed))
            self._sql(f"CREATE TABLE IF NOT EXISTS {feed.table} ({cols})")
            # Rows as they arrived (added after the first warehouses were made; older rows have none).
            self._sql(f"ALTER TABLE {feed.table} ADD COLUMN IF NOT EXISTS {ARRIVED} VARCHAR")

    # --- the file log ------------------------------------------------------------------------

    def seen(self, relative: str, digest: str, *, counting_duplicates: bool = True) -> bool:
        """Whether this exact version of this file was ingested before (loaded or not). A
        file refused only because another file claimed its period is not bad itself: once
        the other is removed it loads. A held version that was released is not seen: the next
        run loads it."""
        return digest in self.seen_versions(relative, counting_duplicates=counting_duplicates)

    def _ingested(self, file: InboxFile) -> frozenset[str]:
        """The versions of this file that loading skips as unchanged."""
        return self.seen_versions(file.relative, counting_duplicates=False)

    def seen_versions(self, relative: str, *, counting_duplicates: bool) -> frozenset[str]:
        """The content hashes of the versions of this file that `seen` counts."""
        skip = " AND status <> 'released'"
        skip += "" if counting_duplicates else " AND coalesce(reason, '') <> 'duplicate_period'"
        return frozenset(
            digest for (digest,) in self._sql(f"SELECT file_hash FROM meta.file_log WHERE path = ?{skip}", [relative])
        )

    def _log(
        self,
        file: InboxFile,
        version: Prepared,
        status: str,
        now: dt.datetime,
        counts: tuple[int, int, int] = (0, 0, 0),
        reason: str | None = None,
        message: str | None = None,
    ) -> None:
        self._sql(
            "INSERT INTO meta.file_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
            [
                file.feed.name if file.feed else None,
                file.period,
                file.relative,
                version.digest,
                version.size,
                version.encoding,
                version.header_row,
                status,
                *counts,
                reason,
                message,
                now,
            ],
        )

    def refuse(self, file: InboxFile, reason: str, message: str) -> FileOutcome:
        """Log a file that cannot be read at all; every other file still loads."""
        data = file.path.read_bytes()
        digest = file_hash(data)
        feed = file.feed.name if file.feed else None
        if self.seen(file.relative, digest):
            return FileOutcome(file.relative, feed, file.period, "unchanged")
        keep(self.archive, digest, data)
        self._log(
            file, Prepared(digest, len(data), "failed"), "failed", dt.datetime.now(), reason=reason, message=message
        )
        return FileOutcome(file.relative, feed, file.period, "failed", reason=reason, message=message)

    def previous_row_count(self, feed: Feed, period: str) -> int | None:
        """Rows loaded for the feed's latest period before this one (for the collapse check)."""
        rows = self._sql(
            "SELECT rows_loaded FROM meta.file_log WHERE feed = ? AND period < ? AND status = 'loaded' "
            "ORDER BY period DESC LIMIT 1",
            [feed.name, period],
        )
        return rows[0][0] if rows else None

    def record_checks(self, feed: Feed, outcomes: dict[str, Any]) -> None:
        """Keep each expectation's result for the loaded version of each period (period ->
        its validation outcome, an expectations.ValidationOutcome from the layer above), in one
        statement and one commit."""
        results = pa.Table.from_pylist(
            [
                {
                    "period": period,
                    "expectation": r.expectation,
                    "column_name": r.column,
                    "severity": r.severity,
                    "success": r.success,
                    "unexpected_count": r.unexpected_count,
                    "unexpected_rows": json.dumps(r.unexpected_rows),
                    "description": r.description,
                }
                for period, outcome in outcomes.items()
                for r in outcome.results
            ],
            schema=CHECK_RESULT_COLUMNS,
        )
        self.con.register("check_rows", results)
        try:
            with self._transaction():
                self._sql(
                    "DELETE FROM meta.check_results WHERE feed = ? AND period IN (SELECT unnest(?))",
                    [feed.name, list(outcomes)],
                )
                self._sql(
                    """
                    INSERT INTO meta.check_results
                    SELECT ?, c.period, f.file_hash, c.expectation, c.column_name, c.severity, c.success,
                           c.unexpected_count, c.unexpected_rows::JSON, c.description, ?
                    FROM check_rows c JOIN meta.file_log f
                      ON f.feed = ? AND f.period = c.period AND f.status = 'loaded'""",
                    [feed.name, dt.datetime.now().replace(microsecond=0), feed.name],
                )
        finally:
            self.con.unregister("check_rows")

    # --- loading -----------------------------------------------------------------------------

    def ingest_period(self, files: list[InboxFile]) -> list[FileOutcome]:
        """Load the file of one feed and period. Two files for one period (a .csv beside a
        .xlsx) are an error for that period: neither loads until one is removed."""
        if len(files) > 1:
            names = "、".join(f.relative for f in files)
            message = f"同一期间有 {len(files)} 个文件（{names}），请删除其中一个后重新运行；本期间暂不载入"
            return [self.refuse(f, "duplicate_period", f"{f.relative}：{message}") for f in files]
        return [self.ingest(files[0])]

    def ingest_periods(
        self, periods: list[list[InboxFile]], workers: int = 0, aside_from_bytes: int = TYPING_ASIDE_BYTES
    ) -> list[FileOutcome]:
        """Load several periods' files in order, as `ingest_period` each. With `workers` and at
        least `aside_from_bytes` to read, files are read and typed in that many worker processes
        (`prepare`) while this one types and stores the others: the warehouse still has one
        writer, and a cold start uses more than one core."""
        size = sum(f.path.stat().st_size for files in periods for f in files)
        if workers < 1 or len(periods) <= 1 or size < aside_from_bytes:
            return [o for files in periods for o in self.ingest_period(files)]
        # Files are handed to the workers a few ahead (memory stays bounded). While the loader
        # waits for a file, it types a later one no worker has started yet itself: neither the
        # loader nor a worker idles, and files are still stored in order.
        ahead = 2 * workers + 1
        outcomes: list[FileOutcome] = []
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            handed: dict[int, Future[Prepared]] = {}
            typed_here: dict[int, Prepared] = {}

            def hand(i: int) -> None:
                if i < len(periods) and len(periods[i]) == 1 and periods[i][0].well_named:
                    handed[i] = pool.submit(prepare, periods[i][0], self.archive, self._ingested(periods[i][0]))

            def type_here(i: int) -> None:
                typed_here[i] = prepare(periods[i][0], self.archive, self._ingested(periods[i][0]))

            for i in range(ahead):
                hand(i)
            for i, files in enumerate(periods):
                hand(i + ahead)
                future = handed.pop(i, None)
                if future is not None and future.cancel():  # no worker has started it
                    type_here(i)
                    future = None
                while future is not None and not future.done():
                    later = next((j for j in sorted(handed) if handed[j].cancel()), None)
                    if later is None:
                        break
                    del handed[later]
                    type_here(later)
                if future is not None:
                    outcomes.append(self.ingest(files[0], future.result()))
                elif i in typed_here:
                    outcomes.append(self.ingest(files[0], typed_here.pop(i)))
                else:
                    outcomes += self.ingest_period(files)
        return outcomes

    def ingest(self, file: InboxFile, prepared: Prepared | None = None) -> FileOutcome:
        """Load one well-named file, unless this version was ingested before (`prepared`: the
        file already read and typed by `prepare`, in another process)."""
        if not file.well_named:
            return self.refuse(file, "bad_name", naming_problem(file))
        if prepared is None:
            prepared = prepare(file, self.archive, self._ingested(file), self.con)
        return self._store_file(file, prepared)

    def _store_file(self, file: InboxFile, prepared: Prepared) -> FileOutcome:
        feed, period = file.feed, file.period
        assert feed is not None and period is not None  # well named
        if prepared.status == "unchanged":
            return FileOutcome(file.relative, feed.name, period, "unchanged")
        now = dt.datetime.now().replace(microsecond=0)
        if prepared.status == "failed":
            self._log(file, prepared, "failed", now, reason=prepared.reason, message=prepared.message)
            return FileOutcome(
                file.relative, feed.name, period, "failed", reason=prepared.reason, message=prepared.message
            )
        counts = (prepared.rows_read, prepared.rows_loaded, prepared.rows_quarantined)
        released = self._released(file.relative, prepared.digest)
        with self._transaction():
            held = None if released else self._hold_reason(feed, period, prepared.rows_read, prepared.rows_loaded)
            if held:
                reason, message = held
                # Older held versions of the period give way to this one.
                self._sql(
                    "UPDATE meta.file_log SET status = 'replaced', replaced_at = ? "
                    "WHERE feed = ? AND period = ? AND status = 'held'",
                    [now, feed.name, period],
                )
                self._log(file, prepared, "held", now, (prepared.rows_read, 0, 0), reason, message)
                return FileOutcome(
                    file.relative, feed.name, period, "held", prepared.rows_read, 0, 0, reason=reason, message=message
                )
            replaced = self._drop_period(feed, period, now)
            self._store(feed, period, prepared, now)
            self._log(file, prepared, "loaded", now, counts)
        return FileOutcome(
            file.relative, feed.name, period, "loaded", *counts, replaced=replaced, value_issues=prepared.value_issues
        )

    def _released(self, relative: str, digest: str) -> bool:
        return (
            self._sql(
                "SELECT count(*) FROM meta.file_log WHERE path = ? AND file_hash = ? AND status = 'released'",
                [relative, digest],
            )[0][0]
            > 0
        )

    def history(self, feed: Feed, period: str) -> History:
        """Rows read and loaded of the loaded version of each of the feed's other periods."""
        return History(
            {
                p: (r, n)
                for p, r, n in self._sql(
                    "SELECT period, rows_read, rows_loaded FROM meta.file_log "
                    "WHERE feed = ? AND period <> ? AND status = 'loaded'",
                    [feed.name, period],
                )
            }
        )

    def _hold_reason(self, feed: Feed, period: str, rows_read: int, readable: int) -> tuple[str, str] | None:
        return hold_reason(period, rows_read, readable, self.history(feed, period), thresholds_for(feed.name, period))

    def release(self, feed: str, period: str, by: str) -> str:
        """Release the held version of a feed's period: the next run loads it. Returns its
        path; LookupError (in Chinese) when nothing of the period is held."""
        held = self._sql(
            "SELECT path, file_hash FROM meta.file_log WHERE feed = ? AND period = ? AND status = 'held' "
            "ORDER BY ingested_at DESC LIMIT 1",
            [feed, period],
        )
        if not held:
            raise LookupError(f"{feed} {period} 没有暂缓载入的文件")
        path, digest = held[0]
        now = dt.datetime.now().replace(microsecond=0)
        note = f"；{now:%Y-%m-%d %H:%M} 由 {by} 放行"
        self._sql(
            "UPDATE meta.file_log SET status = 'released', released_by = ?, released_at = ?, "
            "message = coalesce(message, '') || ? WHERE path = ? AND file_hash = ? AND status = 'held'",
            [by, now, note, path, digest],
        )
        return path

    def _drop_period(self, feed: Feed, period: str, now: dt.datetime) -> bool:
        """A re-sent file replaces exactly its period: the old rows go, the old version is
        kept in the log as replaced (and so are versions of the period that were held)."""
        self._sql(
            "UPDATE meta.file_log SET status = 'replaced', replaced_at = ? "
            "WHERE feed = ? AND period = ? AND status = 'held'",
            [now, feed.name, period],
        )
        old = self._sql(
            "SELECT count(*) FROM meta.file_log WHERE feed = ? AND period = ? AND status = 'loaded'",
            [feed.name, period],
        )[0][0]
        if not old:
            return False
        self._sql(f"DELETE FROM {feed.table} WHERE _period = ?", [period])
        self._sql("DELETE FROM meta.quarantine WHERE feed = ? AND period = ?", [feed.name, period])
        self._sql("DELETE FROM meta.value_issues WHERE feed = ? AND period = ?", [feed.name, period])
        self._sql("DELETE FROM meta.check_results WHERE feed = ? AND period = ?", [feed.name, period])
        self._sql(
            "UPDATE meta.file_log SET status = 'replaced', replaced_at = ? "
            "WHERE feed = ? AND period = ? AND status = 'loaded'",
            [now, feed.name, period],
        )
        return True

    def _store(self, feed: Feed, period: str, prepared: Prepared, now: dt.datetime) -> None:
        """Write a typed file: readable rows to the feed's table, the quarantined cells and
        the value issues to meta."""
        assert prepared.rows is not None and prepared.quarantine is not None and prepared.issues is not None
        lineage = [feed.name, period, prepared.digest, now]
        for name, table in (
            ("typed_rows", prepared.rows),
            ("typed_quarantine", prepared.quarantine),
            ("typed_issues", prepared.issues),
        ):
            self.con.register(name, table)
        try:
            self._sql(
                """
                INSERT INTO meta.quarantine
                SELECT ?, ?, ?, _row, col, header, value, reason, record, ? FROM typed_quarantine""",
                lineage,
            )
            self._sql(
                "INSERT INTO meta.value_issues SELECT ?, ?, ?, _row, col, header, value, reason, ? FROM typed_issues",
                lineage,
            )
            self._sql(f"INSERT INTO {feed.table} SELECT ?, ?, ?, _row, ?, * EXCLUDE (_row) FROM typed_rows", lineage)
        finally:
            for name in ("typed_rows", "typed_quarantine", "typed_issues"):
                self.con.unregister(name)
