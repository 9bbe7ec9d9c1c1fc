"""What the bureau decided, copied into the warehouse before every dbt build: which findings
are in which case and its status, which records are held from payment. The dbt source
`casework` reads these, so the next build can show each finding's `case_state`. The other
direction (the build into the case store) is `orchestration.publish`: data both ways, never
an import of the service."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, inspect, make_url, select, update

from casework.db import open_store
from casework.models import Case, FeedRelease, Finding, PayrollHold, User, utcnow
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings

DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

CASEWORK_DDL = """
CREATE SCHEMA IF NOT EXISTS casework;
CREATE OR REPLACE TABLE casework.case_findings (
    finding_key VARCHAR NOT NULL, case_id INTEGER NOT NULL, case_status VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE casework.payroll_holds (
    person_id VARCHAR, person_no VARCHAR NOT NULL, reason_code VARCHAR NOT NULL,
    from_month VARCHAR NOT NULL, until_month VARCHAR, case_id INTEGER NOT NULL
);
"""
CASE_FINDINGS_SCHEMA = pa.schema([("finding_key", pa.string()), ("case_id", pa.int32()), ("case_status", pa.string())])
PAYROLL_HOLDS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("person_no", pa.string()),
        ("reason_code", pa.string()),
        ("from_month", pa.string()),
        ("until_month", pa.string()),
        ("case_id", pa.int32()),
    ]
)


def export_decisions(engine: Engine, warehouse_path: Path | str) -> tuple[int, int]:
    """(Re)write `casework.case_findings` and `casework.payroll_holds` in the warehouse from the
    case store; both tables exist afterwards even when the store is empty or has no schema yet.
    Returns the number of cased findings and of holds written. The caller must be the only
    writer of the warehouse."""
    case_findings: list[tuple] = []
    holds: list[tuple] = []
    with engine.connect() as conn:
        if inspect(conn).has_table(Case.__tablename__):
            f, c, h = Finding.__table__, Case.__table__, PayrollHold.__table__
            case_findings = [
                (key, case_id, str(status.value if hasattr(status, "value") else status))
                for key, case_id, status in conn.execute(
                    select(f.c.finding_key, f.c.case_id, c.c.status)
                    .join(c, c.c.id == f.c.case_id)
                    .order_by(f.c.finding_key)
                )
            ]
            holds = [
                tuple(row)
                for row in conn.execute(
                    select(
                        h.c.person_id, h.c.person_no, h.c.reason_code, h.c.from_month, h.c.until_month, h.c.case_id
                    ).order_by(h.c.id)
                )
            ]
    tables = {
        "case_findings": pa.Table.from_pylist(
            [dict(zip(CASE_FINDINGS_SCHEMA.names, r)) for r in case_findings], CASE_FINDINGS_SCHEMA
        ),
        "payroll_holds": pa.Table.from_pylist(
            [dict(zip(PAYROLL_HOLDS_SCHEMA.names, r)) for r in holds], PAYROLL_HOLDS_SCHEMA
        ),
    }
    _write(tables, warehouse_path)
    return len(case_findings), len(holds)


def import_decisions(folder: Path, warehouse_path: Path | str) -> tuple[int, int]:
    """(Re)write the `casework` tables from a run's snapshots (`<table>.parquet` in `folder`,
    orchestration/manifest.py) instead of the case store: `pension-audit runs verify` rebuilds
    on the decisions the run read."""
    tables = {
        name: pq.read_table(folder / f"{name}.parquet").cast(schema)
        for name, schema in (("case_findings", CASE_FINDINGS_SCHEMA), ("payroll_holds", PAYROLL_HOLDS_SCHEMA))
    }
    _write(tables, warehouse_path)
    return tables["case_findings"].num_rows, tables["payroll_holds"].num_rows


def _write(tables: dict[str, pa.Table], warehouse_path: Path | str) -> None:
    con = duckdb.connect(str(warehouse_path), config=DUCKDB_CONFIG)
    try:
        con.execute("BEGIN")
        con.execute(CASEWORK_DDL)
        for name, table in tables.items():
            con.register("incoming", table)
            con.execute(f"INSERT INTO casework.{name} SELECT * FROM incoming")
            con.unregister("incoming")
        con.execute("COMMIT")
    finally:
        con.close()


def apply_releases(
    engine: Engine, wh: Warehouse, feed: str | None = None, periods: Sequence[str] | None = None
) -> list[str]:
    """Apply the release requests the console recorded (`FeedRelease`, pending) to the
    warehouse's file log, as `pension-audit release` does: the held file loads in this run.
    Only those of `feed` and `periods` when given (a run of the sensor loads those alone).
    Each request is marked applied with what came of it. Returns one line per request."""
    said: list[str] = []
    with engine.begin() as conn:
        if not inspect(conn).has_table(FeedRelease.__tablename__):
            return said
        r, u = FeedRelease.__table__.c, User.__table__.c
        query = (
            select(r.id, r.feed, r.period, u.username, u.display_name)
            .join(User.__table__, u.id == r.requested_by)
            .where(r.applied_at.is_(None))
            .order_by(r.id)
        )
        if feed is not None:
            query = query.where(r.feed == feed)
        if periods is not None:
            query = query.where(r.period.in_(list(periods)))
        pending = conn.execute(query).all()
        for request_id, held_feed, held_period, username, display in pending:
            who = f"{display}（{username}）" if display else str(username)
            try:
                path = wh.release(str(held_feed), str(held_period), who)
                outcome = f"已放行 {path}"
            except LookupError as exc:
                outcome = f"未放行：{exc}"
            conn.execute(
                update(FeedRelease).where(FeedRelease.id == request_id).values(applied_at=utcnow(), outcome=outcome)
            )
            said.append(f"{outcome}（控制台申请人：{who}）")
    return said


@contextmanager
def existing_store(settings: Settings) -> Iterator[Engine | None]:
    """The case store of these settings, or None when there is none yet (a SQLite file not
    created: reading must not create it). Its schema is not touched."""
    url = make_url(settings.store_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        yield None
        return
    engine = open_store(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def pending_releases(settings: Settings) -> list[tuple[int, str, str]]:
    """(request, feed, period) of each release the console recorded and no run has applied yet:
    what the inbox sensor asks a run for, so that a deployment of the daemon alone applies them."""
    with existing_store(settings) as engine:
        if engine is None:
            return []
        with engine.connect() as conn:
            if not inspect(conn).has_table(FeedRelease.__tablename__):
                return []
            r = FeedRelease.__table__.c
            rows = conn.execute(select(r.id, r.feed, r.period).where(r.applied_at.is_(None)).order_by(r.id)).all()
    return [(row.id, row.feed, row.period) for row in rows]


def apply_console_releases(settings: Settings, wh: Warehouse, feed: str, periods: Sequence[str]) -> list[str]:
    """In a loading run (the sensor's or `pension-audit run`'s): the console's pending releases
    of this feed and these periods, applied before the files are read."""
    with existing_store(settings) as engine:
        return [] if engine is None else apply_releases(engine, wh, feed, periods)
