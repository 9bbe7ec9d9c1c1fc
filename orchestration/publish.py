"""Publishing a build: the warehouse's `published` models into the case store.

The service reads only what this writes (casework/published.py explains the versioning). One
build is one `Publication`:

1. It starts as `building`. A publication left `building` by a run that died is abandoned
   first: its rows are removed and what it retired stands again.
2. For each published table, the rows of the build are hashed in DuckDB and compared with the
   hashes of the rows standing in the store. Only the difference is written: new and changed
   rows inserted with the new build, vanished and changed ones retired by it, a few thousand
   rows per short transaction. No reader sees any of it yet.
3. One short transaction then registers the findings that changed (new ones opened, changed
   figures versioned, vanished ones `resolved_by_data`, returning ones reopened; an audit entry
   each), records on each case whose finding changed what changed and the files the build read
   anew (`BasisChange`: 依据已变更; nothing that concerns money changes by itself), and marks the
   build `published`: from that instant readers see all of it.
4. Rows retired before the previous build are deleted.

Money stays `Decimal` from DuckDB's DECIMAL to the store's integer fen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from casework import chain
from casework.models import (
    BasisChange,
    Case,
    Demand,
    Finding,
    FindingStatus,
    FindingVersion,
    IssuedFile,
    PayrollHold,
    Settlement,
    utcnow,
)
from casework.published import PUBLISHED_TABLES, FeedFile, Publication, PublicationStatus, Published

DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
CHUNK_ROWS = 5000  # rows per store transaction: a clerk's write waits for one chunk at most

# The figures of a finding: when one of them changes, the finding gets a new version.
FIGURES = ("event_period", "first_improper_month", "last_improper_month", "improper_months", "overpaid_amount")
# Everything else the store keeps of a finding.
DESCRIPTIVE = (
    "exception_type",
    "exception_label",
    "person_id",
    "id_number",
    "name",
    "township_code",
    "person_no",
    "event_date",
    "identity",
    "conflict",
    "evidence",
    "detail",
)
FINDING_COLUMNS = ("finding_key", *DESCRIPTIVE, *FIGURES)


@dataclass(frozen=True)
class PublishSummary:
    build: int  # the publication's id
    as_of_month: str  # T, 'YYYY-MM'
    next_pay_month: str  # T + 1: the first month a hold can still stop
    opened: int  # findings first published
    changed: int  # figures changed: a new version
    unchanged: int
    resolved: int  # gone from the build: resolved_by_data
    reopened: int  # back in the build after being resolved
    rows_written: int  # published rows this build wrote (every table)
    rows_retired: int
    switch_seconds: float  # how long the one transaction readers wait on took


def publish(
    engine: Engine, warehouse_path: Path | str, run_id: str | None = None, manifest: dict[str, Any] | None = None
) -> PublishSummary:
    """Publish the warehouse's last build into the case store, as the run `run_id` (whose
    manifest the publication keeps; orchestration/manifest.py)."""
    with _warehouse(warehouse_path) as wh:
        ((as_of, next_pay),) = wh.execute("SELECT as_of_month, next_pay_month FROM published.build").fetchall()
        build = _begin(engine, as_of, next_pay, run_id, manifest)
        try:
            written = retired = 0
            for model in PUBLISHED_TABLES:
                table_written, table_retired = _publish_table(engine, wh, model, build)
                written, retired = written + table_written, retired + table_retired
            findings = _hashed_findings(wh)
            awaiting = {key for (key,) in wh.execute("SELECT finding_key FROM published.findings_awaiting").fetchall()}
            summary = _switch(engine, build, findings, as_of, next_pay, written, retired, awaiting, run_id)
        except BaseException:
            _abandon(engine, build)
            raise
    _collect_retired(engine, build)
    return summary


@contextmanager
def _warehouse(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True, config=DUCKDB_CONFIG)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def _writing(engine: Engine, *, writer: bool = False) -> Iterator[Connection]:
    """One short write transaction (on SQLite it takes the write lock as it begins). A writer
    that will touch the clerks' rows (findings, the audit log) first takes the writers' turn
    on PostgreSQL too, as the service's writers do, so neither waits on rows the other holds."""
    with engine.execution_options(sqlite_begin="BEGIN IMMEDIATE", writer=writer).begin() as conn:
        yield conn


# --------------------------------------------------------------------------- the build's rows


def _begin(
    engine: Engine, as_of: str, next_pay: str, run_id: str | None = None, manifest: dict[str, Any] | None = None
) -> int:
    """A new publication, `building`, once any left behind by a run that died is undone."""
    with _writing(engine) as conn:
        left = conn.scalars(select(Publication.id).where(Publication.status == PublicationStatus.building)).all()
        for build in left:
            _undo(conn, build)
        return conn.execute(
            insert(Publication)
            .values(
                status=PublicationStatus.building,
                published_at=utcnow(),
                as_of_month=as_of,
                next_pay_month=next_pay,
                run_id=run_id,
                manifest=manifest,
            )
            .returning(Publication.id)
        ).scalar_one()


def _undo(conn: Connection, build: int) -> None:
    for model in PUBLISHED_TABLES:
        conn.execute(delete(model).where(model.built_in == build))
        conn.execute(update(model).where(model.retired_in == build).values(retired_in=None))
    conn.execute(update(Publication).where(Publication.id == build).values(status=PublicationStatus.abandoned))


def _abandon(engine: Engine, build: int) -> None:
    with _writing(engine) as conn:
        _undo(conn, build)


def row_hash_sql(columns: list[str] | tuple[str, ...]) -> str:
    """DuckDB's hash of a row's data columns: what tells one published row from another."""
    fields = ", ".join(f"'{name}': \"{name}\"" for name in columns)
    return f"md5(to_json({{{fields}}}))"


def _publish_table(
    engine: Engine, wh: duckdb.DuckDBPyConnection, model: type[Published], build: int
) -> tuple[int, int]:
    """Write the difference between the build's rows of one table and the rows standing in the
    store; (rows written, rows retired)."""
    name = model.__tablename__
    columns = model.data_columns()
    with engine.connect() as conn:
        standing = conn.execute(select(model.id, model.row_hash).where(model.retired_in.is_(None))).all()
    wh.register(
        "standing",
        pa.table(
            {"id": [row.id for row in standing], "row_hash": [row.row_hash for row in standing]},
            schema=pa.schema([("id", pa.int64()), ("row_hash", pa.string())]),
        ),
    )
    try:
        wh.execute(f"""CREATE OR REPLACE TEMP TABLE build_rows AS
                       SELECT {", ".join(f'"{c}"' for c in columns)}, {row_hash_sql(columns)} AS row_hash
                       FROM published.{name}""")
        retiring = [
            row_id
            for (row_id,) in wh.execute(
                "SELECT id FROM standing ANTI JOIN build_rows USING (row_hash) ORDER BY id"
            ).fetchall()
        ]
        new_rows = wh.execute("SELECT * FROM build_rows ANTI JOIN standing USING (row_hash)")
        written = 0
        names = [*columns, "row_hash"]
        while chunk := new_rows.fetchmany(CHUNK_ROWS):
            with _writing(engine) as conn:
                conn.execute(insert(model), [{**dict(zip(names, row)), "built_in": build} for row in chunk])
            written += len(chunk)
    finally:
        wh.unregister("standing")
    for start in range(0, len(retiring), CHUNK_ROWS):
        with _writing(engine) as conn:
            conn.execute(
                update(model).where(model.id.in_(retiring[start : start + CHUNK_ROWS])).values(retired_in=build)
            )
    return written, len(retiring)


def _collect_retired(engine: Engine, build: int) -> None:
    """Rows retired before the previous published build: no reader can see them any more (a
    reader still on the previous build sees what this one retired)."""
    with engine.connect() as conn:
        previous = conn.scalar(
            select(func.max(Publication.id)).where(
                Publication.status == PublicationStatus.published, Publication.id < build
            )
        )
    if previous is None:
        return
    for model in PUBLISHED_TABLES:
        with _writing(engine) as conn:
            conn.execute(delete(model).where(model.retired_in < previous))


# --------------------------------------------------------------------------- the findings


def _hashed_findings(wh: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = wh.execute(f"""SELECT {", ".join(FINDING_COLUMNS)}, {row_hash_sql(FINDING_COLUMNS)} AS row_hash
                            FROM published.findings ORDER BY finding_key""")
    names = [d[0] for d in cursor.description]
    findings = {}
    for row in cursor.fetchall():
        finding = dict(zip(names, row))
        finding["evidence"] = list(finding["evidence"] or [])
        findings[finding["finding_key"]] = finding
    return findings


def _figures(f: Any) -> tuple:
    return tuple(f[k] for k in FIGURES)


def _figures_json(f: Any, status: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {k: f[k] for k in FIGURES}
    out["improper_months"] = int(out["improper_months"] or 0)
    out["overpaid_amount"] = f"{Decimal(out['overpaid_amount']):.2f}"
    if status is not None:
        out["status"] = status
    return out


@dataclass
class _Registration:
    """What registering one build's findings writes, gathered before one executemany each."""

    build: int
    run_id: str | None
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    attach: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    audits: list[dict[str, Any]]
    counts: dict[str, int]
    basis: list[dict[str, Any]] = field(default_factory=list)  # BasisChange rows

    def basis_change(self, kind: str, key: str, case_id: int | None, before, after, evidence) -> None:
        """A finding under a case changed: the case is to say so (its files found later)."""
        if case_id is not None:
            self.basis.append(
                {
                    "case_id": case_id,
                    "finding_key": key,
                    "publication_id": self.build,
                    "kind": kind,
                    "before": before,
                    "after": after,
                    "evidence": evidence,
                }
            )

    def audit(self, action: str, key: str, case_id: int | None, person_id: str | None, before, after) -> None:
        self.audits.append(
            {
                "at": utcnow(),
                "actor_id": None,
                "actor": "system",
                "action": action,
                "entity": "finding",
                "entity_id": key,
                "case_id": case_id,
                "person_id": person_id,
                "before": before,
                "after": after,
                "reason": None,
            }
        )

    def version(self, key: str, number: int, f: dict[str, Any]) -> None:
        self.versions.append(
            {"finding_key": key, "version": number, "publication_id": self.build, **{k: f[k] for k in FIGURES}}
        )


def _switch(
    engine: Engine,
    build: int,
    findings: dict[str, dict[str, Any]],
    as_of: str,
    next_pay: str,
    written: int,
    retired: int,
    awaiting: AbstractSet[str] = frozenset(),
    run_id: str | None = None,
) -> PublishSummary:
    """Register the findings that changed and make the build the one readers see, in one
    short transaction."""
    started = time.perf_counter()
    with _writing(engine, writer=True) as conn:
        registration = _register(conn, build, findings, awaiting, run_id)
        conn.execute(
            update(Publication)
            .where(Publication.id == build)
            .values(
                status=PublicationStatus.published,
                switched_at=utcnow(),
                rows_written=written,
                rows_retired=retired,
                **registration.counts,
            )
        )
    return PublishSummary(
        build=build,
        as_of_month=as_of,
        next_pay_month=next_pay,
        **registration.counts,
        rows_written=written,
        rows_retired=retired,
        switch_seconds=round(time.perf_counter() - started, 3),
    )


def _register(
    conn: Connection,
    build: int,
    findings: dict[str, dict[str, Any]],
    awaiting: AbstractSet[str] = frozenset(),
    run_id: str | None = None,
) -> _Registration:
    """Open, version, resolve and reopen findings. A finding published before that now awaits
    data stays as it was published: nothing is withdrawn because later data is late."""
    existing = {
        row.finding_key: row
        for row in conn.execute(
            select(
                Finding.finding_key,
                Finding.status,
                Finding.version,
                Finding.case_id,
                Finding.person_id,
                Finding.row_hash,
                Finding.evidence,
                *(getattr(Finding, k) for k in FIGURES),
            )
        )
    }
    cases = dict(conn.execute(select(Case.subject_key, Case.id)).all())
    work = _Registration(
        build, run_id, [], [], [], [], [], dict.fromkeys(("opened", "changed", "unchanged", "resolved", "reopened"), 0)
    )
    now = utcnow()
    for key, f in findings.items():
        old = existing.get(key)
        row = {k: f[k] for k in DESCRIPTIVE + FIGURES}
        if old is None:
            case_id = cases.get(f["person_id"] or key)
            work.counts["opened"] += 1
            work.inserts.append(
                {
                    "finding_key": key,
                    **row,
                    "status": FindingStatus.open.value,
                    "version": 1,
                    "first_published_at": now,
                    "last_published_at": now,
                    "resolved_at": None,
                    "case_id": case_id,
                    "row_hash": f["row_hash"],
                    "publication_id": build,
                    "run_id": run_id,
                }
            )
            work.version(key, 1, f)
            work.audit("published", key, case_id, f["person_id"], None, _figures_json(f, "open"))
            continue
        if old.row_hash == f["row_hash"] and old.status == FindingStatus.open:
            work.counts["unchanged"] += 1
            continue
        _changed_finding(work, old, f, row, cases, now)
    for key, old in existing.items():
        if key not in findings and key not in awaiting and old.status == FindingStatus.open:
            work.counts["resolved"] += 1
            work.updates.append(
                {
                    "key_": key,
                    "status": FindingStatus.resolved_by_data.value,
                    "resolved_at": now,
                    "publication_id": build,
                    "run_id": run_id,
                }
            )
            before = _figures_json(old._mapping, "open")
            after = {"status": FindingStatus.resolved_by_data.value}
            work.audit("resolved_by_data", key, old.case_id, old.person_id, before, after)
            work.basis_change("resolved", key, old.case_id, before, after, old.evidence)
    _write_registration(conn, work)
    return work


def _changed_finding(
    work: _Registration, old: Any, f: dict[str, Any], row: dict[str, Any], cases: dict[str, int], now: Any
) -> None:
    """A finding already registered whose published row differs (or that comes back)."""
    key = f["finding_key"]
    before = {k: old._mapping[k] for k in FIGURES}
    figures_changed = _figures(before) != _figures(f)
    version = old.version + 1 if figures_changed else old.version
    if figures_changed:
        work.version(key, version, f)
    case_id = old.case_id or cases.get(f["person_id"] or key)
    if old.case_id is None and case_id is not None:
        work.attach.append({"key_": key, "case_id": case_id})
    evidence = [*(old.evidence or []), *f["evidence"]]
    if old.status != FindingStatus.open:
        work.counts["reopened"] += 1
        was, now_open = _figures_json(before, str(old.status.value)), _figures_json(f, "open")
        work.audit("reopened", key, case_id, f["person_id"], was, now_open)
        work.basis_change("reopened", key, old.case_id, was, now_open, evidence)
    elif figures_changed:
        work.counts["changed"] += 1
        was, now_open = _figures_json(before), _figures_json(f)
        work.audit("changed", key, case_id, f["person_id"], was, now_open)
        work.basis_change("changed", key, old.case_id, was, now_open, evidence)
    else:
        work.counts["unchanged"] += 1  # only descriptive columns moved (a name, the evidence)
    work.updates.append(
        {
            "key_": key,
            **row,
            "status": FindingStatus.open.value,
            "version": version,
            "last_published_at": now,
            "resolved_at": None,
            "row_hash": f["row_hash"],
            "publication_id": work.build,
            "run_id": work.run_id,
        }
    )


def _write_registration(conn: Connection, work: _Registration) -> None:
    if work.inserts:
        conn.execute(insert(Finding), work.inserts)
    by_key = Finding.finding_key == bindparam("key_")
    # One executemany per shape of update (the resolved ones set fewer columns).
    for shape in {tuple(sorted(u)) for u in work.updates}:
        rows = [u for u in work.updates if tuple(sorted(u)) == shape]
        conn.execute(update(Finding).where(by_key), rows)
    if work.attach:  # a case opened for the person since: the finding joins it (never re-homed)
        conn.execute(update(Finding).where(by_key, Finding.case_id.is_(None)), work.attach)
    if work.versions:
        conn.execute(insert(FindingVersion), work.versions)
    if work.basis:
        _record_basis_changes(conn, work)
    chain.append(conn, work.audits)


def _record_basis_changes(conn: Connection, work: _Registration) -> None:
    """依据已变更 on each case a changed finding is under, with the file versions this build read
    anew for the finding's feeds and periods (else every file it read anew). It waits for a
    correction proposal when a hold, a settlement, a demand or an issued notice rested on the
    earlier figures; otherwise it is only shown. An audit entry each."""
    earlier = aliased(FeedFile)
    known = select(earlier.file_hash).where(earlier.built_in < work.build)
    new_files = [
        {
            "feed": r.feed,
            "period": r.period,
            "path": r.path,
            "file_hash": r.file_hash,
            "ingested_at": str(r.ingested_at),
        }
        for r in conn.execute(
            select(FeedFile.feed, FeedFile.period, FeedFile.path, FeedFile.file_hash, FeedFile.ingested_at)
            .where(
                FeedFile.built_in == work.build,
                FeedFile.retired_in.is_(None),
                FeedFile.status == "loaded",
                FeedFile.file_hash.not_in(known),
            )
            .order_by(FeedFile.feed, FeedFile.period)
        )
    ]
    ids = {b["case_id"] for b in work.basis}
    decided = {
        *conn.scalars(
            select(PayrollHold.case_id).where(PayrollHold.case_id.in_(ids), PayrollHold.until_month.is_(None))
        ),
        *conn.scalars(select(Settlement.case_id).where(Settlement.case_id.in_(ids))),
        *conn.scalars(select(Demand.case_id).where(Demand.case_id.in_(ids))),
        *conn.scalars(select(IssuedFile.case_id).where(IssuedFile.case_id.in_(ids), IssuedFile.voided_at.is_(None))),
    }
    now = utcnow()
    rows = []
    for b in work.basis:
        sources = {tuple(ref.split("#")[0].split("/")[:2]) for ref in b.pop("evidence") or []}
        files = [f for f in new_files if (f["feed"], f["period"]) in sources] or new_files
        rows.append({**b, "files": files, "detected_at": now, "needs_correction": b["case_id"] in decided})
        work.audits.append(
            {
                "at": now,
                "actor_id": None,
                "actor": "system",
                "action": "basis_changed",
                "entity": "case",
                "entity_id": str(b["case_id"]),
                "case_id": b["case_id"],
                "person_id": None,
                "before": b["before"],
                "after": {**b["after"], "finding_key": b["finding_key"], "files": [f["path"] for f in files]},
                "reason": "依据已变更" + ("：须提出更正申请" if b["case_id"] in decided else ""),
            }
        )
    conn.execute(insert(BasisChange), rows)
