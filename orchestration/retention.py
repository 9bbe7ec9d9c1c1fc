"""Retention: received files and quarantined raw rows (personal data as departments sent it)
are kept for `Settings.retention_years` and then purged, each purge recorded in the audit log
first (what, how much, up to when). Findings, cases, issued documents and the file log's
figures stay: they are the bureau's records.

The file archive's copy of each purged version goes with it (`pension-audit runs verify` of a
run that read it then names the missing file). What counts is when a file version was received (its first `ingested_at` in the file log), and
when a row was quarantined; a file still in the inbox that was never ingested is kept."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from casework.db import open_store, prepare_store, session_factory, transaction
from casework.services.audit import write
from pension_audit.ingest.archive import ARCHIVE_DIR, archive_path
from pension_audit.ingest.reader import file_hash
from pension_audit.settings import Settings

DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class RetentionError(RuntimeError):
    """A purge that cannot go on; the message says why, in Chinese."""


@dataclass
class Purge:
    cutoff: dt.datetime
    years: int
    files: list[dict[str, str]] = field(default_factory=list)  # path, sha256, received
    quarantine_rows: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "years": self.years,
            "files": self.files,
            "quarantine_rows": self.quarantine_rows,
        }


def cutoff_of(today: dt.date, years: int) -> dt.datetime:
    """The start of the same calendar day `years` years ago (29 February: the 28th)."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return dt.datetime.combine(day, dt.time())


def _writer(path: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), config=DUCKDB_CONFIG)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise RetentionError(f"数据仓库正被使用，{wait_seconds:.0f} 秒内未能取得写入锁：{exc}") from None
            time.sleep(1)


def plan(
    con: duckdb.DuckDBPyConnection, inbox: Path, cutoff: dt.datetime, years: int, archive: Path | None = None
) -> Purge:
    """What a purge removes: each file version received before the cut-off, from the inbox (if
    it is still there, unchanged) and from the file archive (unless the same content was
    received again since)."""
    purge = Purge(cutoff, years)
    received = con.execute(
        """
        SELECT path, file_hash, min(ingested_at) FROM meta.file_log GROUP BY path, file_hash
        HAVING min(ingested_at) < ?
           AND file_hash NOT IN (SELECT file_hash FROM meta.file_log WHERE ingested_at >= ?)
        ORDER BY path""",
        [cutoff, cutoff],
    ).fetchall()
    for relative, digest, first in received:
        path = inbox / relative
        in_inbox = path.is_file() and file_hash(path.read_bytes()) == digest
        archived = archive is not None and archive_path(archive, digest).is_file()
        if in_inbox or archived:
            purge.files.append({"path": relative, "sha256": digest, "received": first.isoformat(sep=" ")})
    counted = con.execute("SELECT count(*) FROM meta.quarantine WHERE quarantined_at < ?", [cutoff]).fetchone()
    purge.quarantine_rows = int(counted[0]) if counted else 0
    return purge


def purge(
    settings: Settings,
    years: int,
    today: dt.date,
    *,
    dry_run: bool = False,
    wait_seconds: float = 600,
    say: Callable[[str], None] = print,
) -> Purge:
    """Purge what is older than `years` (as of `today`): recorded in the audit log, then removed."""
    if years < 1:
        raise RetentionError("保存期限至少 1 年")
    if not settings.warehouse_path.exists():
        raise RetentionError("尚未构建数据仓库：没有可清理的内容")
    con = _writer(settings.warehouse_path, wait_seconds)  # no load runs meanwhile
    try:
        archive = settings.home / ARCHIVE_DIR
        found = plan(con, settings.inbox_path, cutoff_of(today, years), years, archive)
        if dry_run or not (found.files or found.quarantine_rows):
            return found
        prepare_store(settings)
        engine = open_store(settings)
        try:  # on record first: a purge that stops half-way is recorded, and the next one finishes it
            with transaction(session_factory(engine, writing=True)) as session:
                write(
                    session,
                    None,
                    "retention_purged",
                    "retention",
                    found.cutoff.date().isoformat(),
                    after=found.summary(),
                    reason=f"超过保存期限 {years} 年的收件与隔离数据行",
                    actor_name="system",
                )
        finally:
            engine.dispose()
        con.execute("BEGIN")
        con.execute("DELETE FROM meta.quarantine WHERE quarantined_at < ?", [found.cutoff])
        con.execute("COMMIT")
        for file in found.files:
            path = settings.inbox_path / file["path"]
            if path.is_file() and file_hash(path.read_bytes()) == file["sha256"]:
                path.unlink()
            archive_path(archive, file["sha256"]).unlink(missing_ok=True)
            say(f"  已删除 {file['path']}（收到于 {file['received']}）")
        return found
    finally:
        con.close()
