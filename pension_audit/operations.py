"""`pension-audit backup`, `restore` and `purge`: the commands that keep a deployment over
the years (the work is orchestration.backup's). Registered on the main command by cli.py."""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.backup import BackupError, backup, restore
from orchestration.retention import RetentionError, purge
from pension_audit.chinese_click import ChineseHelp
from pension_audit.settings import Settings, bureau_today

HOME = click.option("--home", type=click.Path(path_type=Path), default=None, help="数据目录（默认 ./data）")
DATABASE_URL = click.option(
    "--database-url", default=None, help="案件库地址，如 postgresql+psycopg://user@host/db（默认数据目录下的 SQLite）"
)


def _settings(home: Path | None, database_url: str | None) -> Settings:
    return Settings().with_overrides(home=home, database_url=database_url)


@click.command(
    "backup",
    cls=ChineseHelp,
    help="在服务运行时备份：案件库、数据仓库、收件箱与数据目录中的其他文件、审计日志锚点与密钥、"
    "Dagster 存储，并写出清单 manifest.json（每个文件的大小与 SHA-256、版本、迁移版本）。"
    "备份含审计日志密钥与个人信息：请妥善保管",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="备份目录（新的或空的）")
@click.option(
    "--pg-method",
    type=click.Choice(("auto", "pg_dump", "tables")),
    default="auto",
    show_default=True,
    help="PostgreSQL 案件库的备份方式：pg_dump；或在一个 REPEATABLE READ 事务中逐表复制（tables）；"
    "auto 为有 pg_dump 时用 pg_dump",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.IntRange(0),
    default=600,
    show_default=True,
    help="数据仓库正被写入时最多等待的秒数",
)
@HOME
@DATABASE_URL
def backup_command(out: Path, pg_method: str, wait_seconds: int, home: Path | None, database_url: str | None) -> None:
    try:
        result = backup(
            _settings(home, database_url),
            out,
            pg_method=pg_method,
            wait_seconds=wait_seconds,
            say=lambda m: click.echo(m, err=True),
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    files = result.manifest["files"]
    size = sum(f["size"] for f in files)
    click.echo(f"备份完成：{out}（{len(files)} 个文件，共 {size / 1e6:.1f} MB；清单 {out / 'manifest.json'}）")
    if result.manifest.get("audit_key"):
        click.echo("注意：备份中的 secrets/audit.key 是审计日志密钥，须与备份一同保密保存（权限 0600）", err=True)


@click.command(
    "restore",
    cls=ChineseHelp,
    help="从备份恢复到新的数据目录（须为空或不存在；PostgreSQL 案件库须为空数据库），"
    "先逐一核对清单中的校验和，恢复后案件库按迁移升级到当前版本",
)
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False), metavar="备份目录")
@click.option("--home", type=click.Path(path_type=Path), required=True, help="新的数据目录")
@DATABASE_URL
def restore_command(source: Path, home: Path, database_url: str | None) -> None:
    settings = _settings(home, database_url)
    try:
        manifest = restore(source, settings, say=lambda m: click.echo(m, err=True))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"已恢复到 {settings.home}（备份于 {manifest['created_at']}，案件库迁移版本 "
        f"{manifest['store']['alembic_revision']}，已升级到当前版本）。"
        f"请运行 pension-audit audit verify --home {settings.home} 核对审计日志"
    )


@click.command(
    "purge",
    cls=ChineseHelp,
    short_help="清理超过保存期限的收件与隔离区数据行",
    help="清理超过保存期限的收件（收件箱中的文件）与隔离区数据行，先记入审计日志。"
    "稽核疑点、案件、已出具文书与文件日志的统计是局里的档案，不清理",
)
@click.option(
    "--older-than-years",
    "years",
    type=click.IntRange(1),
    default=None,
    help="保存期限（年），默认取设置 PENSION_AUDIT_RETENTION_YEARS（10）",
)
@click.option("--dry-run", is_flag=True, help="只列出将清理的内容")
@click.option(
    "--inbox", type=click.Path(path_type=Path, file_okay=False), default=None, help="收件箱目录（默认 数据目录/inbox）"
)
@HOME
@DATABASE_URL
def purge_command(
    years: int | None, dry_run: bool, inbox: Path | None, home: Path | None, database_url: str | None
) -> None:
    settings = _settings(home, database_url).with_overrides(inbox=inbox)
    years = years or settings.retention_years
    try:
        found = purge(settings, years, bureau_today(), dry_run=dry_run, say=click.echo)
    except RetentionError as exc:
        raise click.ClickException(str(exc)) from None
    what = f"{len(found.files)} 个收件、{found.quarantine_rows} 行隔离数据（{found.cutoff.date()} 之前收到，保存期限 {years} 年）"
    if dry_run:
        for file in found.files:
            click.echo(f"  {file['path']}（收到于 {file['received']}）")
        click.echo(f"将清理 {what}")
    elif found.files or found.quarantine_rows:
        click.echo(f"已清理 {what}，已记入审计日志。隔离数据行在下一次构建发布后从案件库中移除")
    else:
        click.echo(f"没有超过保存期限 {years} 年的收件或隔离数据")


COMMANDS = (backup_command, restore_command, purge_command)
