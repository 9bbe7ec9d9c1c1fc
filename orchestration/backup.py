"""Backing up a deployment while it runs, and bringing it back in a new home.

What a deployment is: the case store (SQLite or PostgreSQL), the warehouse, the received files
(the inbox, and whatever else the home keeps), the audit log's anchors, the audit key, and
Dagster's storage. A backup copies each consistently, in an order that keeps them consistent
with one another:

1. the audit key, then the anchors: anchors only move forward, so copied before the store they
   never name an entry the copied store lacks (`audit verify` passes on the copy);
2. the case store, as one snapshot: SQLite's online backup API (readers and writers go on);
   PostgreSQL through `pg_dump` (one REPEATABLE READ snapshot) when it is installed, otherwise
   table by table inside one REPEATABLE READ, read-only transaction (`tables` method);
3. the warehouse, while holding DuckDB's own file lock as a reader: no load or dbt build can
   write it meanwhile (one that starts fails and is retried, as the sensor retries a failed
   load); the service never opens it;
4. Dagster's storage (its SQLite files through the online backup API), the inbox and the rest
   of the home.

`manifest.json` lists every file with its size and SHA-256, the versions of what wrote it and
the store's alembic revision. A restore checks every file against it first, refuses a target
that is not empty, puts everything in place and upgrades the store to the current schema by
its migrations alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, Table, inspect, make_url, select, text

from casework.db import MIGRATIONS, make_engine, prepare_store
from pension_audit.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
STORE_SQLITE = "store/cases.sqlite"
STORE_DUMP = "store/cases.pgdump"
STORE_TABLES = "store/tables"
WAREHOUSE = "warehouse/warehouse.duckdb"
KEY = "secrets/audit.key"
ANCHORS = "audit-anchors"
DAGSTER = "dagster"
INBOX = "inbox"
HOME = "home"  # everything else the home keeps (the file archive, run manifests, ...)
# Never copied: live side files of databases, locks and drafts.
TRANSIENT_SUFFIXES = ("-wal", "-shm", "-journal", ".wal", ".lock", ".tmp")
TRANSIENT_NAMES = {".lock", "__pycache__"}
REBUILT = ("dbt_target",)  # what every build writes again: not backed up
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


@dataclass(frozen=True)
class Result:
    directory: Path
    manifest: dict[str, Any]


# ------------------------------------------------------------------------------- helpers


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _transient(path: Path) -> bool:
    return path.name in TRANSIENT_NAMES or path.name.endswith(TRANSIENT_SUFFIXES) or path.name.startswith(".")


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and not any(_transient(p) for p in path.relative_to(root).parents if p.name)
            and not _transient(path)
        ):
            yield path


def _sqlite_copy(source: Path, target: Path) -> None:
    """One consistent copy of a SQLite database while others read and write it (the online
    backup API, in one step: a read snapshot of every page)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _copy_tree(source: Path, target: Path, skip: Callable[[Path], bool] = lambda p: False) -> None:
    """Files under `source` into `target`; SQLite databases (Dagster's) by the backup API."""
    for path in _files_under(source):
        if skip(path):
            continue
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".db" and _is_sqlite(path):
            _sqlite_copy(path, out)
        else:
            shutil.copy2(path, out)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("pension-audit", "duckdb", "sqlalchemy", "alembic", "dagster", "psycopg"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def alembic_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


# ---------------------------------------------------------------------- the case store


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq (pg_dump, pg_restore) reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _backup_sqlite_store(settings: Settings, out: Path) -> dict[str, Any]:
    path = Path(settings.store_url.split("///", 1)[-1])
    if not path.exists():
        raise BackupError(f"案件库不存在：{path}")
    _sqlite_copy(path, out / STORE_SQLITE)
    c = sqlite3.connect(out / STORE_SQLITE)
    try:
        revision = c.execute("SELECT version_num FROM alembic_version").fetchone()
        c.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        c.close()
    return {
        "dialect": "sqlite",
        "method": "sqlite-backup",
        "path": STORE_SQLITE,
        "alembic_revision": revision[0] if revision else None,
    }


def _backup_postgres_store(settings: Settings, out: Path, method: str, say: Callable[[str], None]) -> dict[str, Any]:
    pg_dump = shutil.which("pg_dump")
    engine = make_engine(settings.store_url)
    try:
        with engine.connect() as c:
            server = c.scalar(text("SHOW server_version"))
        if method == "auto":
            method = "pg_dump" if pg_dump else "tables"
            if not pg_dump:
                say("未找到 pg_dump：改为在一个 REPEATABLE READ 事务中逐表复制案件库")
        if method == "pg_dump":
            if not pg_dump:
                raise BackupError("未找到 pg_dump（请安装 postgresql-client），或改用 --pg-method tables")
            target = out / STORE_DUMP
            target.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(target),
                    "--dbname",
                    _libpq_url(settings.store_url),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump 失败：{done.stderr.strip()}")
            with engine.connect() as c:  # the dump's revision: migrations do not run under a backup
                revision = alembic_revision(c)
            return {
                "dialect": "postgresql",
                "method": "pg_dump",
                "path": STORE_DUMP,
                "alembic_revision": revision,
                "server_version": server,
                "pg_dump": subprocess.run(
                    [pg_dump, "--version"], capture_output=True, text=True, check=False
                ).stdout.strip(),
            }
        revision, counts = _dump_tables(engine, out / STORE_TABLES)
        return {
            "dialect": "postgresql",
            "method": "tables",
            "path": STORE_TABLES,
            "alembic_revision": revision,
            "server_version": server,
            "rows": counts,
        }
    finally:
        engine.dispose()


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (dict, list)):
        return {"$json": value}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "$datetime":
            return dt.datetime.fromisoformat(raw)
        if kind == "$date":
            return dt.date.fromisoformat(raw)
        if kind == "$decimal":
            return Decimal(raw)
        if kind == "$bytes":
            return base64.b64decode(raw)
        if kind == "$json":
            return raw
    return value


def _dump_tables(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """Every table, one JSON line a row, read inside one REPEATABLE READ, read-only transaction:
    one snapshot of the whole store, taken without blocking anyone."""
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    reading = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with reading.connect() as c, c.begin():
        revision = alembic_revision(c)
        metadata = MetaData()
        metadata.reflect(c)
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            with (target / f"{table.name}.jsonl").open("w", encoding="utf-8") as f:
                n = 0
                for row in c.execution_options(yield_per=2000).execute(select(table).order_by(*order)).mappings():
                    f.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                    n += 1
            counts[table.name] = n
    return revision, counts


def _load_tables(engine: Engine, source: Path, revision: str | None) -> None:
    """The tables of a `tables` backup into an empty store: its schema made by the migrations
    up to the backup's revision, the rows copied in dependency order, the sequences moved past
    them. The store is upgraded to the current schema afterwards, like any other."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as c:
        config.attributes["connection"] = c
        config.attributes["audit_seal"] = engine.get_execution_options().get("audit_seal")
        if revision is not None:
            command.upgrade(config, revision)
        sqlite = c.dialect.name == "sqlite"
        if sqlite:
            c.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        metadata = MetaData()
        metadata.reflect(c)
        tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
        for table in reversed(tables):  # what the migrations seeded gives way to what the backup holds
            if table.name != "audit_log":
                c.execute(table.delete())
        last: list[Table] = [t for t in tables if t.name == "store_revision"]  # its triggers count the rest
        for table in [t for t in tables if t.name != "store_revision"] + last:
            if table.name == "store_revision":
                c.execute(table.delete())
            path = source / f"{table.name}.jsonl"
            if not path.exists():
                continue
            batch: list[dict[str, Any]] = []
            with path.open(encoding="utf-8") as f:
                for line in f:
                    batch.append({k: _decode(v) for k, v in json.loads(line).items()})
                    if len(batch) >= 1000:
                        c.execute(table.insert(), batch)
                        batch = []
            if batch:
                c.execute(table.insert(), batch)
        if not sqlite:
            for table in tables:
                for column in table.primary_key.columns:
                    sequence = c.scalar(
                        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
                    )
                    if sequence:
                        c.execute(
                            text(
                                f"SELECT setval(:s, COALESCE((SELECT max({column.name}) FROM "
                                f"{c.dialect.identifier_preparer.quote(table.name)}), 0) + 1, false)"
                            ),
                            {"s": sequence},
                        )


# ----------------------------------------------------------------------------- the warehouse


def _backup_warehouse(settings: Settings, out: Path, wait_seconds: float, say: Callable[[str], None]) -> dict | None:
    source = settings.warehouse_path
    if not source.exists():
        return None
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        try:
            reader = duckdb.connect(str(source), read_only=True, config=DUCKDB_CONFIG)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise BackupError(f"数据仓库正被写入，{wait_seconds:.0f} 秒内未能取得读取锁：{exc}") from None
            if not announced:
                say("数据仓库正在载入或构建：等待其完成后复制……")
                announced = True
            time.sleep(1)
    try:  # while this reader holds DuckDB's lock, no process can write the file
        target = out / WAREHOUSE
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, target.with_name(target.name + ".wal"))
        tables = reader.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    finally:
        reader.close()
    return {"path": WAREHOUSE, "tables": tables[0] if tables else 0}


# ------------------------------------------------------------------------------- backup


def backup(
    settings: Settings,
    out: Path,
    *,
    pg_method: str = "auto",
    wait_seconds: float = 600,
    say: Callable[[str], None] = print,
) -> Result:
    """A consistent copy of the deployment of these settings in `out` (which must be new or
    empty), with its manifest."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录不是空的：{out}")
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # it holds the audit key and personal data
    home = settings.home
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "versions": _versions(),
        "source": {
            "home": str(home),
            "inbox": str(settings.inbox_path),
            "store": make_url(settings.store_url).render_as_string(hide_password=True),
        },
    }
    # 1. the key, then the anchors
    key = settings.audit_key_path
    if key.exists():
        (out / KEY).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with os.fdopen(os.open(out / KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(key.read_bytes())
        manifest["audit_key"] = {"path": KEY, "secret": True}
        say(f"已复制审计日志密钥（机密文件，权限 0600）：{out / KEY}")
    else:
        manifest["audit_key"] = None
        say("数据目录中没有审计日志密钥：备份不含密钥")
    anchors = settings.audit_anchors_path
    if anchors.is_dir():
        _copy_tree(anchors, out / ANCHORS)
    # 2. the case store
    if settings.uses_sqlite:
        manifest["store"] = _backup_sqlite_store(settings, out)
    else:
        manifest["store"] = _backup_postgres_store(settings, out, pg_method, say)
    say(f"已备份案件库（{manifest['store']['method']}，迁移版本 {manifest['store']['alembic_revision']}）")
    # 3. the warehouse
    manifest["warehouse"] = _backup_warehouse(settings, out, wait_seconds, say)
    # 4. Dagster's storage, the inbox, the rest of the home
    if settings.dagster_home.is_dir():
        _copy_tree(settings.dagster_home, out / DAGSTER)
    inbox = settings.inbox_path
    manifest["inbox"] = None
    if inbox.is_dir():
        _copy_tree(inbox, out / INBOX)
        manifest["inbox"] = {"path": INBOX, "inside_home": _inside(inbox, home)}
    # The rest of the home: not what was copied above, nor what is rebuilt, nor what sits in the
    # default places of the store, the key and the anchors when these settings keep them elsewhere
    # (another deployment's, not this one's).
    handled = {
        settings.warehouse_path,
        settings.dagster_home,
        inbox,
        key,
        anchors,
        *(home / n for n in REBUILT),
        home / "secrets",
        home / "audit-anchors",
        home / "cases.sqlite",
    }
    if settings.uses_sqlite:
        handled.add(Path(settings.store_url.split("///", 1)[-1]))
    if home.is_dir():
        _copy_tree(home, out / HOME, skip=lambda p: any(p == h or _inside(p, h) for h in handled))
    manifest["files"] = [
        {"path": str(p.relative_to(out)), "size": p.stat().st_size, "sha256": sha256_of(p)}
        for p in _files_under(out)
        if p.name != MANIFEST
    ]
    # Side files copied on purpose (the warehouse's WAL) are listed too.
    listed = {f["path"] for f in manifest["files"]}
    for p in sorted(out.rglob("*.wal")):
        if str(p.relative_to(out)) not in listed:
            manifest["files"].append(
                {"path": str(p.relative_to(out)), "size": p.stat().st_size, "sha256": sha256_of(p)}
            )
    manifest["finished_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return Result(out, manifest)


# ------------------------------------------------------------------------------ restore


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists (size and SHA-256)."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是备份目录（没有 {MANIFEST}）：{source}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    for entry in manifest["files"]:
        file = source / entry["path"]
        if not file.is_file():
            raise BackupError(f"备份不完整：缺少 {entry['path']}")
        if file.stat().st_size != entry["size"] or sha256_of(file) != entry["sha256"]:
            raise BackupError(f"备份文件已损坏（校验和不符）：{entry['path']}")
    return manifest


def _empty_postgres(engine: Engine) -> bool:
    with engine.connect() as c:
        return not inspect(c).get_table_names()


def restore(source: Path, settings: Settings, say: Callable[[str], None] = print) -> dict[str, Any]:
    """The backup in `source` brought back as the deployment of these settings (a new, empty
    home; an empty PostgreSQL database if the store is there); the store then upgraded to the
    current schema by its migrations. Returns the manifest."""
    manifest = read_manifest(source)
    home = settings.home
    if home.exists() and any(home.iterdir()):
        raise BackupError(f"目标数据目录不是空的：{home}（恢复只写入新的或空的目录）")
    store = manifest["store"]
    if not settings.uses_sqlite:
        engine = make_engine(settings.store_url)
        try:
            if not _empty_postgres(engine):
                raise BackupError("目标 PostgreSQL 数据库不是空的：恢复只写入空的数据库")
        finally:
            engine.dispose()
    if store["method"] == "pg_dump" and settings.uses_sqlite:
        raise BackupError("该备份由 pg_dump 导出，只能恢复到 PostgreSQL：请给出 --database-url postgresql+psycopg://…")
    if store["method"] == "sqlite-backup" and not settings.uses_sqlite:
        raise BackupError("该备份的案件库为 SQLite，只能恢复为 SQLite 案件库（不要给出 --database-url）")
    for target in (settings.audit_key_path, settings.audit_anchors_path, settings.inbox_path):
        if not _inside(target, home) and target.exists() and (target.is_file() or any(target.iterdir())):
            raise BackupError(f"目标已存在：{target}")
    home.mkdir(parents=True, exist_ok=True)
    # the rest of the home first, then what has its own place
    if (source / HOME).is_dir():
        _copy_tree(source / HOME, home)
    if manifest.get("audit_key"):
        key = settings.audit_key_path
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with os.fdopen(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write((source / KEY).read_bytes())
        say(f"已恢复审计日志密钥（机密文件，权限 0600）：{key}")
    if (source / ANCHORS).is_dir():
        _copy_tree(source / ANCHORS, settings.audit_anchors_path)
    if manifest.get("warehouse"):
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / WAREHOUSE, settings.warehouse_path)
        wal = source / (WAREHOUSE + ".wal")
        if wal.exists():
            shutil.copy2(wal, settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal"))
    if (source / DAGSTER).is_dir():
        _copy_tree(source / DAGSTER, settings.dagster_home)
    if manifest.get("inbox"):
        _copy_tree(source / INBOX, settings.inbox_path)
    _restore_store(source, store, settings)
    prepare_store(settings)  # upgrade to the current schema; on PostgreSQL, the service's grants
    return manifest


def _restore_store(source: Path, store: dict[str, Any], settings: Settings) -> None:
    if store["method"] == "sqlite-backup" and settings.uses_sqlite:
        target = Path(settings.store_url.split("///", 1)[-1])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / store["path"], target)
        return
    if store["method"] == "pg_dump":
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise BackupError("未找到 pg_restore（请安装 postgresql-client）")
        done = subprocess.run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                _libpq_url(settings.store_url),
                str(source / store["path"]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore 失败：{done.stderr.strip()}")
        return
    engine = make_engine(settings.store_url)
    try:
        _load_tables(engine, source / store["path"], store["alembic_revision"])
    finally:
        engine.dispose()
