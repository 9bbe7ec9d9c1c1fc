"""`pension-audit runs verify RUN-ID`: rebuild a run from exactly what its manifest says it
read, in a temporary home, and confirm it publishes the same findings.

In order, the first difference found is the answer:

1. the run's snapshots (file log, case decisions, findings) have the digests the manifest gives;
2. the dbt project and the policy seeds are the ones the run used (else: verify on the source
   revision the manifest names);
3. every input file version is in the archive, with its SHA-256;
4. the case store's findings published by the run still have the figures the run published
   (when the run is the build readers see: every open finding of its snapshot);
5. the rebuild: the archived versions copied into a temporary inbox under their own names, the
   run's file log as the warehouse's history (each loaded version admitted as released, so no
   hold applies again), its case decisions, its day (`decided_on`) and data start; then the
   whole pipeline (load, dbt, publish into a temporary SQLite store). It must load the same
   versions and publish findings with the same digest.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import inspect, select

from casework.db import open_store
from casework.models import Finding, FindingStatus
from casework.published import Publication, current_build
from orchestration.manifest import (
    DECISION_TABLES,
    DUCKDB_CONFIG,
    FINDING_FIGURES,
    FINDINGS_SNAPSHOT,
    UnreadableManifest,
    code_identity,
    read_manifest,
    run_dir,
    table_digest,
)
from orchestration.run import run_pipeline
from pension_audit.ingest.archive import ARCHIVE_DIR, archive_path
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings

FIGURE_WORDS = {
    "exception_type": "疑点类型",
    "first_improper_month": "首个不当发放月",
    "last_improper_month": "末个不当发放月",
    "improper_months": "不当发放月数",
    "overpaid_amount": "涉及金额",
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str  # in Chinese: the confirmation, or the first difference


def _digest_of_parquet(path: Path, columns: list[str]) -> dict[str, Any]:
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        escaped = str(path).replace("'", "''")
        return table_digest(con, f"read_parquet('{escaped}')", columns)
    finally:
        con.close()


def _findings_of(path: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        escaped = str(path).replace("'", "''")
        cursor = con.execute(f"SELECT * FROM read_parquet('{escaped}') ORDER BY finding_key")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}
    finally:
        con.close()


def _list_digest(findings: dict[str, dict[str, Any]]) -> str:
    """The findings digest as the manifest computes it, from the kept per-finding digests."""
    return hashlib.sha256("\n".join(sorted(f["sha256"] for f in findings.values())).encode()).hexdigest()


def _figures_differ(key: str, ours: dict[str, Any], theirs: dict[str, Any], where: str, whose: str) -> str | None:
    for name in FINDING_FIGURES:
        a, b = ours.get(name), theirs.get(name)
        if isinstance(a, Decimal) or isinstance(b, Decimal):
            same = a is not None and b is not None and Decimal(a) == Decimal(b)
            same = same or (a is None and b is None)
        else:
            same = a == b
        if not same:
            return f"{where}疑点 {key} 的{FIGURE_WORDS[name]}为 {a}，{whose}为 {b}"
    return None


def check_snapshots(manifest: dict[str, Any], folder: Path) -> str | None:
    log = manifest["file_log"]
    kept = [(log["file"], log)] + [(t["file"], t) for t in (manifest["decisions"][n] for n in DECISION_TABLES)]
    for name, entry in kept:
        path = folder / name
        if not path.is_file():
            return f"运行记录缺少 {name}"
        if _digest_of_parquet(path, entry["columns"]) != {"rows": entry["rows"], "sha256": entry["sha256"]}:
            return f"运行记录 {name} 的内容与清单所记摘要不符（已被改动）"
    path = folder / FINDINGS_SNAPSHOT
    if not path.is_file():
        return f"运行记录缺少 {FINDINGS_SNAPSHOT}"
    findings = _findings_of(path)
    if len(findings) != manifest["findings"]["rows"] or _list_digest(findings) != manifest["findings"]["sha256"]:
        return f"运行记录 {FINDINGS_SNAPSHOT} 与清单所记疑点摘要不符（已被改动）"
    return None


def check_code(manifest: dict[str, Any]) -> str | None:
    now, then = code_identity(), manifest["code"]
    for key, label in (("dbt_project_sha256", "dbt 项目（规则）"), ("policy_seeds_sha256", "政策参数种子")):
        if now[key] != then[key]:
            return (
                f"当前{label}与运行时不同（运行时摘要 {then[key][:16]}…，现在 {now[key][:16]}…）："
                f"请在运行时的源码修订 {then['source_revision']} 上核验"
            )
    return None


def check_archive(manifest: dict[str, Any], archive: Path) -> str | None:
    for entry in manifest["inputs"]:
        path = archive_path(archive, entry["sha256"])
        where = f"输入文件 {entry['path']}（{entry['feed']} {entry['period']}）"
        if not path.is_file():
            return f"{where}不在文件存档中（{path}）"
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != entry["sha256"]:
            return f"{where}的存档内容已变：SHA-256 为 {actual}，清单记为 {entry['sha256']}"
    return None


def check_store(settings: Settings, run_id: str, findings: dict[str, dict[str, Any]]) -> str | None:
    """The findings the case store says this run published (open, their standing version of the
    run's build) still have the run's figures. A finding the run resolved carries the run too,
    and is not among its findings. When the run is the build readers see, a finding it
    published unchanged (still carrying the run that first published those figures) is
    checked as well: every open finding of its snapshot is what the store serves."""
    engine = open_store(settings)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(Finding.__tablename__):
                return None
            serving = conn.execute(select(Publication.run_id).where(Publication.id == current_build())).scalar()
            query = select(
                Finding.finding_key, Finding.run_id, *(getattr(Finding, name) for name in FINDING_FIGURES)
            ).where(Finding.status == FindingStatus.open)
            if serving != run_id:
                query = query.where(Finding.run_id == run_id)
            rows = conn.execute(query.order_by(Finding.finding_key)).all()
    finally:
        engine.dispose()
    for row in rows:
        stored = dict(row._mapping)
        published = findings.get(row.finding_key)
        if published is None and row.run_id != run_id:
            continue  # kept open while its data is awaited: not in any build's findings
        if published is None:
            return f"案件库中疑点 {row.finding_key} 记为运行 {run_id} 发布，但该运行没有发布它"
        if difference := _figures_differ(row.finding_key, stored, published, "案件库中", f"运行 {run_id} 发布时"):
            return difference
    return None


def rebuild(settings: Settings, manifest: dict[str, Any], scratch: Path) -> tuple[dict[str, Any] | None, Path, str]:
    """Run the pipeline on exactly the run's inputs in `scratch`: (its manifest, its home, what
    the pipeline said)."""
    folder = run_dir(settings.home, manifest["run_id"])
    home, inbox = scratch / "home", scratch / "inbox"
    archive = settings.home / ARCHIVE_DIR
    for entry in manifest["inputs"]:
        target = inbox / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive_path(archive, entry["sha256"]), target)
    with Warehouse(home / "warehouse.duckdb", memory_limit=settings.loader_memory) as wh:
        escaped = str(folder / manifest["file_log"]["file"]).replace("'", "''")
        wh.con.execute(f"""
            INSERT INTO meta.file_log BY NAME
            SELECT * REPLACE (CASE WHEN status = 'loaded' THEN 'released' ELSE status END AS status)
            FROM read_parquet('{escaped}')""")
    build = manifest["build"]
    rebuilt = Settings(
        home=home,
        inbox=inbox,
        database_url=f"sqlite:///{home / 'cases.sqlite'}",
        audit_key_file=home / "secrets" / "audit.key",
        audit_anchors=home / "audit-anchors",
        duckdb_memory=settings.duckdb_memory,
        loader_memory=settings.loader_memory,
        data_start=build["data_start"],
        today=build["decided_on"],
    )
    said: list[str] = []
    result = run_pipeline(rebuilt, echo=said.append, decisions_from=folder)
    return (read_manifest(home, result.run_id) if result.run_id else None), home, "\n".join(said)


def compare(manifest: dict[str, Any], folder: Path, rebuilt: dict[str, Any], rebuilt_home: Path) -> str | None:
    """The first difference between the run and its rebuild, or None."""
    ours = {(i["path"], i["sha256"]) for i in manifest["inputs"]}
    theirs = {(i["path"], i["sha256"]) for i in rebuilt["inputs"]}
    for path, digest in sorted(ours - theirs):
        return f"重建时输入文件 {path}（SHA-256 {digest[:16]}…）未能载入"
    if manifest["findings"] == {**rebuilt["findings"], "file": manifest["findings"]["file"]}:
        return None
    original = _findings_of(folder / FINDINGS_SNAPSHOT)
    again = _findings_of(run_dir(rebuilt_home, rebuilt["run_id"]) / FINDINGS_SNAPSHOT)
    for key in sorted(original.keys() | again.keys()):
        if key not in again:
            return f"疑点 {key}：运行 {manifest['run_id']} 发布了它，重建没有"
        if key not in original:
            return f"疑点 {key}：重建发布了它，运行 {manifest['run_id']} 没有"
        if original[key]["sha256"] != again[key]["sha256"]:
            differs = _figures_differ(key, again[key], original[key], "重建的", f"运行 {manifest['run_id']} 发布时")
            return differs or f"疑点 {key} 的内容（证据、说明或人员信息）与运行 {manifest['run_id']} 发布时不同"
    return f"重建的疑点摘要 {rebuilt['findings']['sha256'][:16]}… 与清单 {manifest['findings']['sha256'][:16]}… 不同"


def verify_run(settings: Settings, run_id: str, say: Callable[[str], None] = print) -> Verdict:
    try:
        manifest = read_manifest(settings.home, run_id)
    except UnreadableManifest as exc:
        return Verdict(False, str(exc))
    if manifest is None:
        return Verdict(False, f"没有运行 {run_id} 的清单（{run_dir(settings.home, run_id)}/manifest.json）")
    folder = run_dir(settings.home, run_id)
    for check in (
        lambda: check_snapshots(manifest, folder),
        lambda: check_code(manifest),
        lambda: check_archive(manifest, settings.home / ARCHIVE_DIR),
        lambda: check_store(settings, run_id, _findings_of(folder / FINDINGS_SNAPSHOT)),
    ):
        if problem := check():
            return Verdict(False, problem)
    say(f"按运行 {run_id} 的 {len(manifest['inputs'])} 个输入文件版本在临时目录中重建（完整运行一次）…")
    with tempfile.TemporaryDirectory(prefix="pension-audit-verify-") as scratch:
        rebuilt, home, said = rebuild(settings, manifest, Path(scratch))
        if rebuilt is None:
            tail = "\n".join(said.splitlines()[-15:])
            return Verdict(False, f"重建未能完成发布：\n{tail}")
        problem = compare(manifest, folder, rebuilt, home)
    if problem:
        return Verdict(False, problem)
    decisions = manifest["decisions"]
    return Verdict(
        True,
        f"运行 {run_id} 核验通过：按清单的 {len(manifest['inputs'])} 个输入文件版本、"
        f"{decisions['case_findings']['rows']} 条已立案疑点与 {decisions['payroll_holds']['rows']} 条暂停发放决定、"
        f"判断日 {manifest['build']['decided_on']} 重建，发布疑点 {manifest['findings']['rows']} 条，"
        f"摘要 {manifest['findings']['sha256'][:16]}… 与运行记录一致。",
    )
