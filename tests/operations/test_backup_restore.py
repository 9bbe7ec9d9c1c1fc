"""`pension-audit backup` while the service runs and a reader is active, then `pension-audit
restore` into a new home: the same findings, cases and issued documents (byte for byte), the
same warehouse, and an audit log that verifies there. On SQLite and on PostgreSQL (pg_dump, and
the table-by-table copy in one REPEATABLE READ transaction)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from casework.db import MIGRATIONS, migrate, open_store, service_role
from casework.models import Case, Demand, Finding, IssuedFile
from pension_audit.cli import main
from pension_audit.settings import Settings
from tests.api.conftest import api, store, store_settings, store_url  # noqa: F401
from tests.reports.support import finding, issue_pdf, open_case, settled_demand

# Another process reading the warehouse (as the pipeline's exports do) while the backup runs.
WAREHOUSE_READER = """import duckdb, sys, time
c = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(600)"""


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


@pytest.fixture
def restore_url(store_url: str, request) -> Iterator[str | None]:  # noqa: F811
    """Where the restored store goes: a new SQLite file in the new home, or a second, empty
    PostgreSQL database."""
    if store_url.startswith("sqlite"):
        yield None
        return
    server = request.getfixturevalue("postgres_server")
    name = f"pa_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'DROP ROLE IF EXISTS "{service_role(url)}"'))
    admin.dispose()


def snapshot(settings: Settings) -> dict[str, list]:
    engine = open_store(settings)
    try:
        with engine.connect() as c:
            return {
                "findings": [tuple(r) for r in c.execute(select(Finding.__table__).order_by(Finding.finding_key))],
                "cases": [tuple(r) for r in c.execute(select(Case.__table__).order_by(Case.id))],
                "demands": [tuple(r) for r in c.execute(select(Demand.__table__).order_by(Demand.id))],
                "issued": [tuple(r) for r in c.execute(select(IssuedFile.__table__).order_by(IssuedFile.id))],
            }
    finally:
        engine.dispose()


def backup_and_restore(
    api,  # noqa: F811
    store,  # noqa: F811
    store_settings: Settings,  # noqa: F811
    restore_url: str | None,
    tmp_path: Path,
    pg_method: str,
) -> None:
    case, demand = settled_demand(api, "death", "林晓梅", "子女")
    notice = issue_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    open_case(api, finding(api, "detention")["finding_key"])
    before = snapshot(store_settings)
    assert before["issued"], "a notice was issued"
    deployment = {
        "PENSION_AUDIT_AUDIT_KEY_FILE": str(store_settings.audit_key_path),
        "PENSION_AUDIT_AUDIT_ANCHORS": str(store_settings.audit_anchors_path),
    }
    common = ["--home", str(store_settings.home), "--database-url", store_settings.store_url]
    original_findings = CliRunner().invoke(main, ["findings", "--home", str(store_settings.home), "--format", "csv"])
    assert original_findings.exit_code == 0, original_findings.output
    out = tmp_path / "backup"

    # A reader of the store is in the middle of a transaction, a reader of the warehouse has it
    # open, and the service answers, while the backup runs.
    with store.connect() as reader, reader.begin():
        assert reader.scalar(select(Finding.finding_key).limit(1))
        warehouse_reader = subprocess.Popen(
            [sys.executable, "-c", WAREHOUSE_READER, str(store_settings.warehouse_path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert warehouse_reader.stdout.readline().strip() == "open"
            made = CliRunner(env=deployment).invoke(
                main, ["backup", "--out", str(out), "--pg-method", pg_method, *common]
            )
            assert api.get("jingban", f"/cases/{case['id']}").status_code == 200
        finally:
            warehouse_reader.kill()
            warehouse_reader.wait()
    assert made.exit_code == 0, made.output
    assert "备份完成" in made.output and "审计日志密钥" in made.output

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"]["alembic_revision"] == head_revision()
    assert manifest["store"]["method"] == ("sqlite-backup" if restore_url is None else pg_method)
    assert {"sha256", "size", "path"} <= set(manifest["files"][0])
    paths = {f["path"] for f in manifest["files"]}
    assert "warehouse/warehouse.duckdb" in paths and "secrets/audit.key" in paths
    assert any(p.startswith("audit-anchors/") for p in paths), "the anchors are backed up"
    assert any(p.startswith("dagster/") for p in paths), "Dagster's storage is backed up"
    assert stat.S_IMODE((out / "secrets" / "audit.key").stat().st_mode) == 0o600

    # After the backup the live deployment goes on: the restored one does not have this case.
    open_case(api, finding(api, "imprisonment")["finding_key"])

    new_home = tmp_path / "new-home"
    restore = ["restore", str(out), "--home", str(new_home)] + (["--database-url", restore_url] if restore_url else [])
    done = CliRunner().invoke(main, restore)
    assert done.exit_code == 0, done.output
    restored = Settings(home=new_home, database_url=restore_url)
    assert stat.S_IMODE(restored.audit_key_path.stat().st_mode) == 0o600
    assert restored.audit_key_path.read_bytes() == store_settings.audit_key_path.read_bytes()

    assert snapshot(restored) == before, "the same findings, cases, demands and issued documents"
    new_common = ["--home", str(new_home)] + (["--database-url", restore_url] if restore_url else [])
    verified = CliRunner().invoke(main, ["audit", "verify", *new_common])
    assert verified.exit_code == 0, verified.output
    assert "审计日志完好" in verified.output
    reprinted = tmp_path / "reprinted.pdf"
    again = CliRunner().invoke(
        main, ["report", "recovery-notice", "--case", str(case["id"]), "--out", str(reprinted), *new_common]
    )
    assert again.exit_code == 0, again.output
    assert reprinted.read_bytes() == notice, "the issued notice, byte for byte"
    restored_findings = CliRunner().invoke(main, ["findings", "--home", str(new_home), "--format", "csv"])
    assert restored_findings.output == original_findings.output, "the same warehouse"

    refused = CliRunner().invoke(main, restore)
    assert refused.exit_code == 1 and "不是空的" in refused.output


def test_backup_while_serving_restores_the_same_deployment(
    api,  # noqa: F811
    store,  # noqa: F811
    store_settings,  # noqa: F811
    restore_url,
    tmp_path: Path,
):
    backup_and_restore(api, store, store_settings, restore_url, tmp_path, "pg_dump")


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_copied_table_by_table_restores_the_same(
    api,  # noqa: F811
    store,  # noqa: F811
    store_settings,  # noqa: F811
    restore_url,
    tmp_path: Path,
):
    backup_and_restore(api, store, store_settings, restore_url, tmp_path, "tables")


def test_a_damaged_or_incomplete_backup_is_refused(tmp_path: Path):
    home = tmp_path / "home"
    settings = Settings(home=home)
    engine = open_store(settings)
    migrate(engine)
    engine.dispose()
    out = tmp_path / "backup"
    made = CliRunner().invoke(main, ["backup", "--out", str(out), "--home", str(home)])
    assert made.exit_code == 0, made.output
    again = CliRunner().invoke(main, ["backup", "--out", str(out), "--home", str(home)])
    assert again.exit_code == 1 and "备份目录不是空的" in again.output
    key = out / "secrets" / "audit.key"
    key.write_text("0" * 64 + "\n")
    damaged = CliRunner().invoke(main, ["restore", str(out), "--home", str(tmp_path / "new")])
    assert damaged.exit_code == 1 and "校验和不符" in damaged.output and "secrets/audit.key" in damaged.output
    key.unlink()
    missing = CliRunner().invoke(main, ["restore", str(out), "--home", str(tmp_path / "new")])
    assert missing.exit_code == 1 and "缺少 secrets/audit.key" in missing.output
    assert not (tmp_path / "new").exists(), "nothing is written from a backup that does not check out"
