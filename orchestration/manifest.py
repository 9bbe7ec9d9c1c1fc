"""Every build is a run anyone can verify: `<home>/runs/<run-id>/manifest.json`.

The publishing step (orchestration/case_store_assets.py) gives each build a run id and, before
publishing it, records what the build was made from and what it published:

- `inputs`: every file version the build read (the file log's loaded versions: feed, period,
  path, SHA-256, rows), each kept in the file archive by its hash (pension_audit/ingest/archive.py);
- `code`: the package version, the source revision (git, else "unknown"), and SHA-256 digests
  of the dbt project (models, macros, tests, its configuration) and of the policy seeds;
- `build`: the as-of month, the next 发放年月, the day the build decided on (`decided_on`: due
  dates and late feeds depend on it) and the configured data start;
- `decisions`: the case decisions the build read back from the case store (dbt source
  `casework`: cased findings and their status, payroll holds), kept beside the manifest as
  Parquet with their digests;
- `file_log`: the whole file log as the build saw it (failed and held versions too: whether a
  feed-period has arrived is decided from it), kept as Parquet with its digest;
- `findings`: the number of findings published and the digest of their rows: SHA-256 over the
  sorted SHA-256 of each row's canonical JSON, computed in DuckDB (order-independent); each
  finding's own digest and figures are kept as Parquet, so a difference can be named;
- `identity`: match quality per feed and period (marts.identity_match_stats).

Digests of tables are computed in DuckDB over their rows, never over file bytes, so the same
rows give the same digest whatever file holds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb

from orchestration.dbt_project import PROJECT_DIR, ROOT
from orchestration.publish import FINDING_COLUMNS  # what a build's findings are, as published
from pension_audit.settings import Settings, bureau_now

FORMAT = 1
RUNS_DIR = "runs"
MANIFEST = "manifest.json"
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
# Kept per finding beside the manifest: enough to name what differs.
FINDING_FIGURES = (
    "exception_type",
    "first_improper_month",
    "last_improper_month",
    "improper_months",
    "overpaid_amount",
)
FILE_LOG_SNAPSHOT = "file_log.parquet"
FINDINGS_SNAPSHOT = "findings.parquet"
DECISION_TABLES = ("case_findings", "payroll_holds")
IDENTITY_COUNTS = (
    "source_rows",
    "exact",
    "upgraded_15",
    "check_digit",
    "fuzzy",
    "by_person_no",
    "unresolved",
    "not_enrolled",
    "unlinked",
)


def new_run_id(now: dt.datetime | None = None) -> str:
    """A run's id: when it published (北京时间), and four random hex digits."""
    return f"{(now or bureau_now()):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def runs_dir(home: Path) -> Path:
    return home / RUNS_DIR


def run_dir(home: Path, run_id: str) -> Path:
    return runs_dir(home) / run_id


# ------------------------------------------------------------------------------ digests


def row_digest_sql(columns: tuple[str, ...] | list[str]) -> str:
    """A row's SHA-256, over its columns as canonical JSON (names in a fixed order)."""
    fields = ", ".join(f"'{name}': \"{name}\"" for name in columns)
    return f"sha256(to_json({{{fields}}}))"


def table_digest(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...] | list[str]) -> dict:
    """The rows of a relation and their order-independent digest."""
    rows, digest = con.execute(f"""
        SELECT count(*), sha256(coalesce(string_agg(h, chr(10) ORDER BY h), ''))
        FROM (SELECT {row_digest_sql(columns)} AS h FROM {relation})""").fetchone() or (0, "")
    return {"rows": int(rows), "sha256": digest}


def tree_digest(paths: list[Path], base: Path) -> str:
    """SHA-256 over the sorted (relative path, SHA-256 of content) of the files."""
    listing = sorted(
        f"{p.relative_to(base).as_posix()}\t{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in paths if p.is_file()
    )
    return hashlib.sha256("\n".join(listing).encode()).hexdigest()


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts)]


def code_identity() -> dict[str, str]:
    """What the build ran: the package version, the source revision, the dbt project and seeds."""
    project = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        project += _files(PROJECT_DIR / folder)
    try:
        version = importlib.metadata.version("pension-audit")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "package_version": version,
        "source_revision": source_revision(),
        "dbt_project_sha256": tree_digest(project, PROJECT_DIR),
        "policy_seeds_sha256": tree_digest(_files(PROJECT_DIR / "seeds"), PROJECT_DIR),
    }


def source_revision() -> str:
    """The git commit of the source ('+modified' when the working tree differs), or 'unknown'."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return "unknown"
    try:
        head = subprocess.run(
            [git, "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+modified" if dirty else head


# ------------------------------------------------------------------------------ recording


def record_run(settings: Settings, run_id: str) -> dict[str, Any]:
    """Write the run's snapshots (file log, decisions, findings) into its folder and return its
    manifest (not yet written: `write_manifest` does, once the build is published)."""
    folder = run_dir(settings.home, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True, config=DUCKDB_CONFIG)
    try:
        return _record(con, settings, run_id, folder)
    finally:
        con.close()


def _copy_out(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    escaped = str(path).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{escaped}' (FORMAT parquet)")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def _record(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, folder: Path) -> dict[str, Any]:
    as_of, next_pay, decided_on = con.execute(
        "SELECT as_of_month, next_pay_month, decided_on FROM published.build"
    ).fetchone() or (None, None, None)
    inputs = [
        {"feed": feed, "period": period, "path": path, "sha256": digest, "bytes": size, "rows_loaded": rows}
        for feed, period, path, digest, size, rows in con.execute("""
            SELECT feed, period, path, file_hash, size_bytes, rows_loaded FROM meta.file_log
            WHERE status = 'loaded' ORDER BY feed, period, path""").fetchall()
    ]
    file_log_columns = _columns(con, "meta.file_log")
    _copy_out(
        con, "SELECT * FROM meta.file_log ORDER BY ingested_at, path, file_hash, status", folder / FILE_LOG_SNAPSHOT
    )
    decisions: dict[str, Any] = {}
    for table in DECISION_TABLES:
        relation = f"casework.{table}"
        columns = _columns(con, relation)
        _copy_out(con, f"SELECT * FROM {relation}", folder / f"{table}.parquet")
        decisions[table] = {"file": f"{table}.parquet", "columns": columns, **table_digest(con, relation, columns)}
    _copy_out(
        con,
        f"SELECT finding_key, {row_digest_sql(FINDING_COLUMNS)} AS sha256, {', '.join(FINDING_FIGURES)} "
        "FROM published.findings ORDER BY finding_key",
        folder / FINDINGS_SNAPSHOT,
    )
    identity = [
        dict(zip(("feed", "period", *IDENTITY_COUNTS), row))
        for row in con.execute(
            f"SELECT feed, period, {', '.join(IDENTITY_COUNTS)} FROM published.identity_stats ORDER BY feed, period"
        ).fetchall()
    ]
    return {
        "format": FORMAT,
        "run_id": run_id,
        "recorded_at": bureau_now().isoformat(timespec="seconds"),
        "code": code_identity(),
        "build": {
            "as_of_month": as_of,
            "next_pay_month": next_pay,
            "decided_on": decided_on.isoformat() if decided_on else None,
            "data_start": settings.data_start,
        },
        "inputs": inputs,
        "file_log": {
            "file": FILE_LOG_SNAPSHOT,
            "columns": file_log_columns,
            **table_digest(con, "meta.file_log", file_log_columns),
        },
        "decisions": decisions,
        "findings": {"file": FINDINGS_SNAPSHOT, **table_digest(con, "published.findings", FINDING_COLUMNS)},
        "identity": identity,
    }


def write_manifest(settings: Settings, manifest: dict[str, Any]) -> Path:
    """The manifest, written last (a run folder without one is a run that did not publish)."""
    path = run_dir(settings.home, manifest["run_id"]) / MANIFEST
    draft = path.with_suffix(".json.draft")
    draft.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    draft.replace(path)
    return path


class UnreadableManifest(Exception):
    """A run's manifest.json that is not a manifest (damaged or altered): said, never a traceback."""


def _parsed(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise UnreadableManifest(f"运行清单 {path} 无法读取（已损坏或被改动：{type(exc).__name__}）") from None
    if (
        not isinstance(manifest, dict)
        or not {"run_id", "recorded_at", "build", "inputs", "findings", "code"} <= manifest.keys()
    ):
        raise UnreadableManifest(f"运行清单 {path} 无法读取（已损坏或被改动：缺少必需的项）")
    return manifest


def read_manifest(home: Path, run_id: str) -> dict[str, Any] | None:
    """The run's manifest; None when there is none; UnreadableManifest when it is not one."""
    path = run_dir(home, run_id) / MANIFEST
    if "/" in run_id or run_id.startswith(".") or not path.is_file():
        return None
    return _parsed(path)


def read_runs(home: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every run of the home with a readable manifest, newest first, and the run folders whose
    manifest.json is not a manifest (damaged or altered): each manifest read once."""
    folder = runs_dir(home)
    found, unreadable = [], []
    for path in sorted(folder.glob(f"*/{MANIFEST}")) if folder.is_dir() else []:
        try:
            found.append(_parsed(path))
        except UnreadableManifest:
            unreadable.append(path.parent.name)
    return sorted(found, key=lambda m: (m.get("recorded_at", ""), m["run_id"]), reverse=True), unreadable


def list_runs(home: Path) -> list[dict[str, Any]]:
    """Every run of the home with a readable manifest, newest first."""
    return read_runs(home)[0]
