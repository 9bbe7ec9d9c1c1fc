"""`pension-audit purge`: received files and quarantined rows past the retention are removed,
what was purged is in the audit log first, and everything younger stays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from click.testing import CliRunner
from sqlalchemy import select

from casework.db import open_store
from casework.models import AuditEntry
from pension_audit.cli import main
from pension_audit.ingest.archive import archive_path
from pension_audit.settings import Settings


def test_purge_removes_what_is_past_the_retention_and_records_it(tiny_district, tmp_path: Path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    shutil.copytree(
        tiny_district.home, home, ignore=shutil.ignore_patterns("cases.sqlite*", "secrets", "audit-anchors")
    )
    shutil.copytree(tiny_district.inbox, inbox)
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ((feed, rows),) = con.execute(
            "SELECT feed, count(*) FROM meta.quarantine GROUP BY feed ORDER BY count(*) DESC, feed LIMIT 1"
        ).fetchall()
        # This feed's files arrived, and its rows were quarantined, eleven years ago.
        con.execute("UPDATE meta.file_log SET ingested_at = ingested_at - INTERVAL 11 YEAR WHERE feed = ?", [feed])
        con.execute(
            "UPDATE meta.quarantine SET quarantined_at = quarantined_at - INTERVAL 11 YEAR WHERE feed = ?", [feed]
        )
        aged = sorted(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT path FROM meta.file_log WHERE feed = ? AND status <> 'failed'", [feed]
            ).fetchall()
        )
        total = con.execute("SELECT count(*) FROM meta.quarantine").fetchone()[0]
        kept = {
            d for (d,) in con.execute("SELECT DISTINCT file_hash FROM meta.file_log WHERE feed = ?", [feed]).fetchall()
        }
    assert aged and rows > 0
    assert all(archive_path(home / "archive", d).exists() for d in kept), "the archive kept every version"
    others = sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file() and p.parts[-2] != feed)
    common = ["--home", str(home), "--inbox", str(inbox)]

    looked = CliRunner().invoke(main, ["purge", "--dry-run", *common])
    assert looked.exit_code == 0, looked.output
    assert f"将清理 {len(aged)} 个收件、{rows} 行隔离数据" in looked.output and "保存期限 10 年" in looked.output
    assert all((inbox / p).exists() for p in aged), "a dry run removes nothing"

    done = CliRunner().invoke(main, ["purge", "--older-than-years", "10", *common])
    assert done.exit_code == 0, done.output
    assert "已清理" in done.output and "已记入审计日志" in done.output
    assert not any((inbox / p).exists() for p in aged)
    assert not any(archive_path(home / "archive", d).exists() for d in kept), "nor is the archive's copy kept"
    assert sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file()) == others
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.quarantine WHERE feed = ?", [feed]).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM meta.quarantine").fetchone()[0] == total - rows
        assert con.execute("SELECT count(*) FROM meta.file_log WHERE feed = ?", [feed]).fetchone()[0] > 0, (
            "the file log's figures are the bureau's record"
        )

    engine = open_store(Settings(home=home))
    try:
        with engine.connect() as c:
            entry = c.execute(select(AuditEntry).where(AuditEntry.action == "retention_purged")).one()
    finally:
        engine.dispose()
    after = entry.after if isinstance(entry.after, dict) else json.loads(entry.after)
    assert sorted(f["path"] for f in after["files"]) == aged and after["quarantine_rows"] == rows
    assert after["years"] == 10 and entry.actor == "system"
    verified = CliRunner().invoke(main, ["audit", "verify", "--home", str(home)])
    assert verified.exit_code == 0, verified.output

    again = CliRunner().invoke(main, ["purge", *common])
    assert again.exit_code == 0 and "没有超过保存期限 10 年" in again.output
