"""Between the warehouse and the case store, both ways (no web framework here).

`publish` copies what the last dbt build decided into the case store's published tables:
each finding upserted by its key (new ones opened, changed figures versioned, findings gone
from the build kept as `resolved_by_data`, returning ones reopened), their improper months,
hold recommendations and settlement basis, the records and timelines of their persons, and
the policy tables. One transaction; one audit entry per finding whose state changed;
publishing the same build twice changes nothing but `last_published_at`.

`export_decisions` copies what the bureau decided (which findings are in which case and its
status, which records are held from payment) into the warehouse's `casework` schema, the dbt
source `casework`, so the next build can show each finding's `case_state`.

The warehouse is read with DuckDB (read-only for publishing); the case store with SQLAlchemy
Core, in bulk (executemany): a district has thousands of findings and tens of thousands of
finding months. Money stays `Decimal` from DuckDB's DECIMAL to the store's integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, bindparam, delete, insert, inspect, select, update

from casework.models import (
    AuditEntry,
    BasicPensionStandard,
    Case,
    Finding,
    FindingMonth,
    FindingStatus,
    FindingType,
    FindingVersion,
    HoldRecommendation,
    PayrollHold,
    PersonEvent,
    PersonRecord,
    PolicyParameter,
    Publication,
    SettlementBasis,
    utcnow,
)

# The figures of a finding: when one of them changes, the finding gets a new version.
FIGURES = ("event_period", "first_improper_month", "last_improper_month", "improper_months",
           "overpaid_amount")
# Everything else the store keeps of a finding, refreshed on every publishing.
DESCRIPTIVE = ("exception_type", "exception_label", "person_id", "id_number", "name", "township_code",
               "person_no", "event_date", "identity", "conflict", "evidence", "detail")

DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

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
CASE_FINDINGS_SCHEMA = pa.schema([("finding_key", pa.string()), ("case_id", pa.int32()),
                                  ("case_status", pa.string())])
PAYROLL_HOLDS_SCHEMA = pa.schema([("person_id", pa.string()), ("person_no", pa.string()),
                                  ("reason_code", pa.string()), ("from_month", pa.string()),
                                  ("until_month", pa.string()), ("case_id", pa.int32())])


@dataclass(frozen=True)
class PublishSummary:
    as_of_month: str  # T, 'YYYY-MM'
    next_pay_month: str  # T + 1: the first month a hold can still stop
    opened: int  # first published
    changed: int  # figures changed: a new version
    unchanged: int
    resolved: int  # gone from the build: resolved_by_data
    reopened: int  # back in the build after being resolved


# ------------------------------------------------------------------------- case store → warehouse


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
            case_findings = [(key, case_id, str(status.value if hasattr(status, "value") else status))
                             for key, case_id, status in conn.execute(
                                 select(f.c.finding_key, f.c.case_id, c.c.status)
                                 .join(c, c.c.id == f.c.case_id).order_by(f.c.finding_key))]
            holds = [tuple(row) for row in conn.execute(
                select(h.c.person_id, h.c.person_no, h.c.reason_code, h.c.from_month, h.c.until_month,
                       h.c.case_id).order_by(h.c.id))]
    tables = {
        "case_findings": pa.Table.from_pylist(
            [dict(zip(CASE_FINDINGS_SCHEMA.names, r)) for r in case_findings], CASE_FINDINGS_SCHEMA),
        "payroll_holds": pa.Table.from_pylist(
            [dict(zip(PAYROLL_HOLDS_SCHEMA.names, r)) for r in holds], PAYROLL_HOLDS_SCHEMA),
    }
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
    return len(case_findings), len(holds)


# ------------------------------------------------------------------------- warehouse → case store


@dataclass
class Build:
    """What one dbt build says, read from the warehouse."""

    as_of: dt.date
    findings: dict[str, dict[str, Any]]
    months: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    settlement: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    basic_pensions: list[dict[str, Any]]
    finding_types: list[dict[str, Any]]


@contextmanager
def _read_only(warehouse_path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(warehouse_path), read_only=True, config=DUCKDB_CONFIG)
    try:
        yield con
    finally:
        con.close()


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _read_build(con: duckdb.DuckDBPyConnection) -> Build:
    (as_of,) = con.execute("SELECT as_of_month FROM intermediate.int_as_of").fetchone()
    findings = _dicts(con, f"""
        SELECT finding_key, {', '.join(DESCRIPTIVE)}, {', '.join(FIGURES)}
        FROM marts.findings ORDER BY finding_key""")
    months = _dicts(con, """
        SELECT m.finding_key, m.person_no, strftime(m.for_month, '%Y-%m') AS month,
               CAST(sum(m.amount) AS DECIMAL(14, 2)) AS amount
        FROM intermediate.int_improper_months AS m
        WHERE m.finding_key IN (SELECT finding_key FROM marts.findings)
        GROUP BY ALL ORDER BY ALL""")
    holds = _dicts(con, """
        SELECT finding_key, person_no, reason_code, reason_label, hold_from, hold_until, custodial
        FROM marts.hold_recommendations
        WHERE finding_key IN (SELECT finding_key FROM marts.findings)
        ORDER BY finding_key, person_no""")
    settlement = _dicts(con, """
        SELECT finding_key, balance_month, account_balance, own_contribution_balance,
               receiving_at_event, died_in_custody
        FROM marts.settlement_basis
        WHERE finding_key IN (SELECT finding_key FROM marts.findings)
        ORDER BY finding_key""")
    parameters = _dicts(con, """
        SELECT parameter, effective_from, CAST(value AS DECIMAL(14, 2)) AS value, unit, description
        FROM policy.policy_parameters ORDER BY ALL""")
    basic_pensions = _dicts(con, """
        SELECT effective_from, CAST(basic_pension AS DECIMAL(14, 2)) AS basic_pension
        FROM policy.policy_basic_pension ORDER BY ALL""")
    finding_types = _dicts(con, """
        SELECT exception_type, label, has_improper_months, description
        FROM policy.finding_types ORDER BY ALL""")
    for f in findings:
        f["improper_months"] = int(f["improper_months"] or 0)
        f["evidence"] = list(f["evidence"] or [])
    return Build(as_of, {f["finding_key"]: f for f in findings}, months, holds, settlement, parameters,
                 basic_pensions, finding_types)


def _person_rows(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> tuple[list[dict], list[dict]]:
    """The roster records (as on the roster at T) and the timelines of these persons."""
    records = _dicts(con, """
        WITH ids AS (SELECT unnest(?::VARCHAR[]) AS person_id)
        SELECT r.person_no, r.person_id, m.name, m.id_number, m.township_code, m.status,
               strftime(m.month, '%Y-%m') AS roster_month, m.basic_pension, m.account_pension,
               m.account_balance, coalesce(r.person_no = p.kept_person_no, true) AS kept
        FROM intermediate.int_roster_records_identified AS r
        INNER JOIN ids ON ids.person_id = r.person_id
        INNER JOIN intermediate.int_roster_months AS m ON m.person_no = r.person_no
        LEFT JOIN marts.persons AS p ON p.person_id = r.person_id
        WHERE m.month <= (SELECT as_of_month FROM intermediate.int_as_of)
        QUALIFY row_number() OVER (PARTITION BY r.person_no ORDER BY m.month DESC) = 1
        ORDER BY r.person_no""", [person_ids])
    events = _dicts(con, """
        WITH ids AS (SELECT unnest(?::VARCHAR[]) AS person_id)
        SELECT t.person_id, t.event_type, t.event_date, t.detail, t.source_ref, t.link
        FROM marts.person_timeline AS t INNER JOIN ids ON ids.person_id = t.person_id
        ORDER BY t.person_id, t.event_date, t.event_type, t.source_ref""", [person_ids])
    return records, events


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _figures(f: dict[str, Any]) -> tuple:
    return tuple(f[k] for k in FIGURES)


def _figures_json(f: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {k: f[k] for k in FIGURES}
    out["improper_months"] = int(out["improper_months"] or 0)
    out["overpaid_amount"] = f"{Decimal(out['overpaid_amount']):.2f}"
    if status is not None:
        out["status"] = status
    return out


def publish(engine: Engine, warehouse_path: Path | str) -> PublishSummary:
    """Publish the warehouse's last build into the case store, in one transaction."""
    with _read_only(warehouse_path) as con:
        build = _read_build(con)
        # On SQLite the publishing takes the write lock up front (see casework.db).
        with engine.execution_options(sqlite_begin="BEGIN IMMEDIATE").begin() as conn:
            summary = _publish(conn, con, build)
    return summary


def _publish(conn: Connection, wh: duckdb.DuckDBPyConnection, build: Build) -> PublishSummary:
    now = utcnow()
    as_of, next_pay = _month(build.as_of), _month(_next_month(build.as_of))
    F = Finding.__table__
    publication_id = conn.execute(insert(Publication.__table__).values(
        published_at=now, as_of_month=as_of, next_pay_month=next_pay)).inserted_primary_key[0]

    existing = {row.finding_key: row for row in conn.execute(
        select(F.c.finding_key, F.c.status, F.c.version, F.c.case_id, F.c.person_id,
               *(F.c[k] for k in FIGURES)))}
    cases = dict(conn.execute(select(Case.__table__.c.subject_key, Case.__table__.c.id)).all())

    inserts, updates, attach, versions, audits = [], [], [], [], []
    counts = dict.fromkeys(("opened", "changed", "unchanged", "resolved", "reopened"), 0)

    def audit(action: str, key: str, case_id, person_id, before, after) -> None:
        audits.append({"at": now, "actor_id": None, "actor": "system", "action": action, "entity": "finding",
                       "entity_id": key, "case_id": case_id, "person_id": person_id, "before": before,
                       "after": after, "reason": None})

    for key, f in build.findings.items():
        row = {k: f[k] for k in DESCRIPTIVE + FIGURES}
        old = existing.get(key)
        case_id = (old.case_id if old is not None else None) or cases.get(f["person_id"] or key)
        if old is None:
            counts["opened"] += 1
            inserts.append({"finding_key": key, **row, "status": FindingStatus.open.value, "version": 1,
                            "first_published_at": now, "last_published_at": now, "resolved_at": None,
                            "case_id": case_id})
            versions.append({"finding_key": key, "version": 1, "publication_id": publication_id,
                             **{k: f[k] for k in FIGURES}})
            audit("published", key, case_id, f["person_id"], None, _figures_json(f, "open"))
            continue
        before = {k: old._mapping[k] for k in FIGURES}
        changed = _figures(before) != _figures(f)
        version = old.version + 1 if changed else old.version
        if changed:
            versions.append({"finding_key": key, "version": version, "publication_id": publication_id,
                             **{k: f[k] for k in FIGURES}})
        if old.status != FindingStatus.open:
            counts["reopened"] += 1
            audit("reopened", key, case_id, f["person_id"], _figures_json(before, str(old.status.value)),
                  _figures_json(f, "open"))
        elif changed:
            counts["changed"] += 1
            audit("changed", key, case_id, f["person_id"], _figures_json(before), _figures_json(f))
        else:
            counts["unchanged"] += 1
        updates.append({"key_": key, **row, "status": FindingStatus.open.value, "version": version,
                        "last_published_at": now, "resolved_at": None})
        if old.case_id is None and case_id is not None:
            attach.append({"key_": key, "case_id": case_id})

    resolved = []
    for key, old in existing.items():
        if key not in build.findings and old.status == FindingStatus.open:
            counts["resolved"] += 1
            resolved.append({"key_": key, "status": FindingStatus.resolved_by_data.value, "resolved_at": now})
            audit("resolved_by_data", key, old.case_id, old.person_id,
                  _figures_json(old._mapping, "open"), {"status": FindingStatus.resolved_by_data.value})

    by_key = F.c.finding_key == bindparam("key_")
    _insert(conn, F, inserts)
    if updates:
        conn.execute(update(F).where(by_key), updates)
    if resolved:
        conn.execute(update(F).where(by_key), resolved)
    if attach:  # a case opened for the person since: the finding joins it (never re-homed)
        conn.execute(update(F).where(by_key, F.c.case_id.is_(None)), attach)
    _insert(conn, FindingVersion.__table__, versions)
    _insert(conn, AuditEntry.__table__, audits)

    # What each open finding says now; a resolved finding keeps its last months and basis
    # (the figures it was resolved with) but recommends no hold any more.
    open_keys = select(F.c.finding_key).where(F.c.status == FindingStatus.open.value)
    for table in (FindingMonth.__table__, SettlementBasis.__table__):
        conn.execute(delete(table).where(table.c.finding_key.in_(open_keys)))
    conn.execute(delete(HoldRecommendation.__table__))
    _insert(conn, FindingMonth.__table__, build.months)
    _insert(conn, HoldRecommendation.__table__, build.holds)
    _insert(conn, SettlementBasis.__table__, build.settlement)

    person_ids = sorted({p for (p,) in conn.execute(select(F.c.person_id).distinct()) if p})
    records, events = _person_rows(wh, person_ids)
    for table, rows in ((PersonRecord.__table__, records), (PersonEvent.__table__, events),
                        (PolicyParameter.__table__, build.parameters),
                        (BasicPensionStandard.__table__, build.basic_pensions),
                        (FindingType.__table__, build.finding_types)):
        conn.execute(delete(table))
        _insert(conn, table, rows)

    conn.execute(update(Publication.__table__).where(Publication.__table__.c.id == publication_id)
                 .values(**counts))
    return PublishSummary(as_of_month=as_of, next_pay_month=next_pay, **counts)


def _insert(conn: Connection, table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table), rows)
