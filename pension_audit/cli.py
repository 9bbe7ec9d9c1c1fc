"""`pension-audit`: the command line of the platform. The console speaks Chinese."""

from __future__ import annotations

import csv
import getpass
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.app import create_app
from api.schemas import MONTH_PATTERN, TOWNSHIP_PATTERN
from casework import chain
from casework.db import migrate, open_store, prepare_store, session_factory, transaction
from casework.errors import Problem
from casework.models import ROLE_LABELS, Role, User
from casework.services import signin
from casework.services import users as user_admin
from casework.services.cases import refer_overdue as refer
from casework.services.policy import normal_month
from casework.services.users import add_user
from orchestration import exports
from orchestration.manifest import read_runs
from orchestration.run import run_pipeline
from orchestration.verify import verify_run
from orchestration.warehouse_queries import (
    FILE_LOG_FIELDS,
    VALUE_ISSUE_FIELDS,
    file_log_export,
    file_log_rows,
    file_log_summary,
    quarantine_rows,
    value_issue_rows,
)
from pension_audit import operations
from pension_audit.chinese_click import ChineseGroup
from pension_audit.ingest.feeds import FEEDS_BY_NAME
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings, bureau_today
from reports.documents import KINDS, batch
from reports.documents.demand_notices import demand_of_case
from reports.documents.issuance import issue, issued_file
from reports.documents.lists import build_list
from reports.tables import export

HOME = click.option("--home", type=click.Path(path_type=Path), default=None, help="数据目录（默认 ./data）")
DATABASE_URL = click.option(
    "--database-url", default=None, help="案件库地址，如 postgresql+psycopg://user@host/db（默认数据目录下的 SQLite）"
)


def settings_for(home: Path | None = None, database_url: str | None = None, **values: object) -> Settings:
    """The settings, with what the command line said in place of what they say."""
    return Settings().with_overrides(home=home, database_url=database_url, **values)


def _echo_table(rows: list[tuple], headers: tuple[str, ...]) -> None:
    table = Table(*headers)
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    # Piped output has no terminal width: give tables room rather than wrapping every cell.
    Console(width=None if sys.stdout.isatty() else 140).print(table)


@click.group(cls=ChineseGroup, help="城乡居民基本养老保险待遇稽核平台")
def main() -> None:
    pass


@main.command(help="载入收件箱中新的或重新报送的文件，构建稽核结果并发布到案件库（在本进程内运行 Dagster 资产）")
@click.option(
    "--inbox",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="收件箱目录（默认 数据目录/inbox）",
)
@HOME
@DATABASE_URL
def run(inbox: Path | None, home: Path | None, database_url: str | None) -> None:
    result = run_pipeline(settings_for(home, database_url, inbox=inbox), echo=click.echo)
    sys.exit(0 if result.ok else 1)


@main.command(help="导出隔离区：无法读取的数据行及原因")
@HOME
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件（默认标准输出）")
def quarantine(home: Path | None, fmt: str, out: Path | None) -> None:
    rows = quarantine_rows(settings_for(home).warehouse_path)
    stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(("feed", "period", "row", "column", "value", "reason"))
            writer.writerows(rows)
        else:
            keys = ("feed", "period", "row", "column", "value", "reason")
            json.dump([dict(zip(keys, r)) for r in rows], stream, ensure_ascii=False, indent=1)
            stream.write("\n")
    finally:
        if out:
            stream.close()


def _export(kind: str, home: Path | None, fmt: str, out: Path | None, **kwargs) -> None:
    try:
        fields, rows = getattr(exports, kind)(settings_for(home).warehouse_path, xlsx=fmt == "xlsx", **kwargs)
        export(
            fields,
            rows,
            fmt,
            out,
            {"findings": "稽核疑点", "awaiting": "待数据的疑点", "accountability": "乡镇问责"}[kind],
            sys.stdout,
        )
    except exports.NotBuilt:
        raise click.ClickException("尚未构建稽核结果：请先运行 pension-audit run --inbox <收件箱>") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if out:
        click.echo(f"已导出 {len(rows)} 行到 {out}", err=True)


@main.command(help="导出稽核疑点清单（CSV 表头固定；XLSX 为中文表头，供稽核人员使用）")
@HOME
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx", "json")), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件（CSV/JSON 默认标准输出）")
@click.option(
    "--awaiting",
    is_flag=True,
    default=False,
    help="导出待数据的疑点：所需数据期间已过报送期限而未到达，暂不决定、不发布",
)
def findings(home: Path | None, fmt: str, out: Path | None, awaiting: bool) -> None:
    _export("awaiting" if awaiting else "findings", home, fmt, out)


@main.command(help="导出乡镇问责统计：每个乡镇每年一行")
@HOME
@click.option("--year", type=int, default=None, help="只导出该年度")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx", "json")), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
def accountability(home: Path | None, year: int | None, fmt: str, out: Path | None) -> None:
    _export("accountability", home, fmt, out, year=year)


def _write_rows(fields: tuple[str, ...], rows: list[tuple], fmt: str, out: Path | None) -> None:
    stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(fields)
            writer.writerows(rows)
        else:
            json.dump([dict(zip(fields, r, strict=True)) for r in rows], stream, ensure_ascii=False, indent=1)
            stream.write("\n")
    finally:
        if out:
            stream.close()


@main.command(
    help="文件日志：每个文件版本的读取、载入、隔离情况（--format csv|json 导出全部版本，"
    "状态为 loaded、replaced、failed、held、released）"
)
@HOME
@click.option("--all-versions", is_flag=True, help="包括已被替换的旧版本")
@click.option("--summary", is_flag=True, help="按数据源汇总")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件（默认标准输出）")
def files(home: Path | None, all_versions: bool, summary: bool, fmt: str, out: Path | None) -> None:
    warehouse = settings_for(home).warehouse_path
    if fmt != "table":
        _write_rows(FILE_LOG_FIELDS, file_log_export(warehouse), fmt, out)
        return
    if summary:
        _echo_table(
            file_log_summary(warehouse),
            ("数据源", "期间", "已载入文件", "无法读取", "暂缓载入", "数据行", "入库", "隔离"),
        )
        return
    rows = file_log_rows(warehouse, all_versions)
    _echo_table([r[:6] + (r[7],) for r in rows], ("文件", "状态", "编码", "数据行", "载入", "隔离", "时间"))
    for r in rows:
        if r[1] == "failed":
            click.echo(f"✗ {r[6]}")
        elif r[1] == "held":
            click.echo(f"⏸ {r[0]}：暂缓载入，{r[6]}")


@main.command(
    "value-issues", help="取值问题：不参与稽核规则的列中无法识别的取值（该行照常载入，该格为空，原值保留于此）"
)
@HOME
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件（默认标准输出）")
def value_issues(home: Path | None, fmt: str, out: Path | None) -> None:
    _write_rows(VALUE_ISSUE_FIELDS, value_issue_rows(settings_for(home).warehouse_path), fmt, out)


@main.command(help="放行暂缓载入的文件：核实该文件确实完整后放行，下次运行时载入（记录放行人与时间）")
@click.argument("feed", type=click.Choice(tuple(FEEDS_BY_NAME)))
@click.argument("period")
@click.option("--by", "by", default=None, help="放行人（默认当前系统用户）")
@HOME
def release(feed: str, period: str, by: str | None, home: Path | None) -> None:
    settings = settings_for(home)
    who = by or getpass.getuser()
    with Warehouse(settings.warehouse_path, memory_limit=settings.loader_memory) as wh:
        try:
            path = wh.release(feed, period, who)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"已放行 {path}（放行人：{who}）；下次运行 pension-audit run 时载入。")


@main.command(help="启动案件办理服务（FastAPI；默认案件库为数据目录下的 SQLite）")
@HOME
@DATABASE_URL
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="服务进程数（默认 1；多于 1 个时案件库须为 PostgreSQL）"
)
def serve(home: Path | None, database_url: str | None, host: str, port: int, workers: int | None) -> None:
    settings = settings_for(home, database_url, workers=workers)
    if settings.workers > 1 and settings.uses_sqlite:
        raise click.ClickException(
            "SQLite 案件库只能由一个服务进程使用：多进程（--workers 大于 1）请改用 PostgreSQL"
            "（--database-url postgresql+psycopg://…）"
        )
    prepare_store(settings)  # once, before any worker starts
    click.echo(f"案件办理服务：http://{host}:{port}/web/ （网页）  http://{host}:{port}/docs （接口文档）")
    if settings.workers == 1:
        # proxy_headers off: who the client is behind a proxy is the settings' to say (trusted_proxies)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", proxy_headers=False)
        return
    # Several processes: uvicorn's supervisor in place of this one, its workers building the app
    # from the settings handed to them in their environment.
    os.execve(
        sys.executable,
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--workers",
            str(settings.workers),
            "--host",
            host,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        {**os.environ, **settings.environment()},
    )


@main.group(help="用户管理")
def users() -> None:
    pass


@users.command("add", help="新增用户（密码从 PENSION_AUDIT_PASSWORD 或交互输入读取）")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option(
    "--role",
    type=click.Choice(tuple(Role)),
    required=True,
    help="inspector 区社保局经办；reviewer 区社保局复核；township_officer 乡镇社会事务办；"
    "hr_bureau 区人社局；data_engineer 数据工程师；admin 系统管理员",
)
@click.option("--township", "township_code", default=None, help="乡镇（街道）代码（乡镇用户必填）")
@click.option("--password", envvar="PENSION_AUDIT_PASSWORD", prompt="密码", hide_input=True, confirmation_prompt=True)
@HOME
@DATABASE_URL
def users_add(
    username: str,
    display_name: str,
    role: str,
    township_code: str | None,
    password: str,
    home: Path | None,
    database_url: str | None,
) -> None:
    engine = open_store(settings_for(home, database_url))
    migrate(engine)
    try:
        with transaction(session_factory(engine, writing=True)) as session:
            add_user(session, username, display_name, Role(role), password, township_code)
    except Problem as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()
    click.echo(
        f"已新增用户 {username}（{display_name}，{ROLE_LABELS[Role(role)]}"
        f"{'，' + township_code if township_code else ''}）"
    )


@main.group(help="审计日志")
def audit() -> None:
    pass


@audit.command(
    "verify",
    help="校验审计日志：逐条核对校验码链（密钥在数据库之外），再与每日锚点比对。"
    "完好时退出码 0，否则退出码 1 并指出第一条不符的记录",
)
@HOME
@DATABASE_URL
def audit_verify(home: Path | None, database_url: str | None) -> None:
    engine = open_store(settings_for(home, database_url))
    try:
        migrate(engine)
        with engine.connect() as connection:
            verdict = chain.verify(connection, chain.seal_of(engine))
            anchored = len(chain.anchors(chain.seal_of(engine)))
    finally:
        engine.dispose()
    if not verdict.intact:
        click.echo(f"审计日志校验未通过：{verdict.problem}（其前 {verdict.count} 条完好）", err=True)
        sys.exit(1)
    click.echo(f"审计日志完好：共 {verdict.count} 条，{anchored} 个每日锚点均相符")


@main.group(help="运行记录：每次构建的清单（输入文件、代码版本、办案决定、发布的疑点摘要、身份匹配统计）及其核验")
def runs() -> None:
    pass


@runs.command("list", help="列出数据目录中的运行（最新在前）")
@HOME
def runs_list(home: Path | None) -> None:
    found, damaged = read_runs(settings_for(home).home)
    if damaged:
        click.echo(f"以下运行的清单无法读取（已损坏或被改动），未列出：{'、'.join(damaged)}", err=True)
    if not found:
        click.echo("尚无运行记录（每次 pension-audit run 构建并发布后记录一次）")
        return
    _echo_table(
        [
            (
                m["run_id"],
                m["recorded_at"].replace("T", " "),
                m["build"]["as_of_month"],
                m["build"]["decided_on"],
                len(m["inputs"]),
                m["findings"]["rows"],
                m["findings"]["sha256"][:16],
                m["code"]["source_revision"][:12],
            )
            for m in found
        ],
        ("运行编号", "时间", "数据截至", "判断日", "输入文件", "疑点", "疑点摘要", "源码修订"),
    )


@runs.command(
    "verify",
    help="核验一次运行：按其清单中的输入文件版本（取自文件存档）、办案决定与判断日在临时目录中重建，"
    "确认发布的疑点摘要相同。一致时退出码 0，否则退出码 1 并指出第一处不同",
)
@click.argument("run_id")
@HOME
@DATABASE_URL
def runs_verify(run_id: str, home: Path | None, database_url: str | None) -> None:
    verdict = verify_run(settings_for(home, database_url), run_id, say=click.echo)
    if not verdict.ok:
        click.echo(f"运行 {run_id} 核验未通过：{verdict.message}", err=True)
        sys.exit(1)
    click.echo(verdict.message)


def _managing_users(home: Path | None, database_url: str | None, work) -> None:
    """Run one change to the users in a write transaction; a refusal is the command's error."""
    engine = open_store(settings_for(home, database_url))
    migrate(engine)
    try:
        with transaction(session_factory(engine, writing=True)) as session:
            work(session)
    except Problem as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()


@users.command("disable", help="停用用户：不能再登录，已有的登录立即失效")
@click.argument("username")
@HOME
@DATABASE_URL
def users_disable(username: str, home: Path | None, database_url: str | None) -> None:
    _managing_users(
        home, database_url, lambda s: user_admin.set_active(s, None, user_admin.find_user(s, username), False)
    )
    click.echo(f"已停用用户 {username}")


@users.command("enable", help="启用用户")
@click.argument("username")
@HOME
@DATABASE_URL
def users_enable(username: str, home: Path | None, database_url: str | None) -> None:
    _managing_users(
        home, database_url, lambda s: user_admin.set_active(s, None, user_admin.find_user(s, username), True)
    )
    click.echo(f"已启用用户 {username}")


@users.command(
    "passwd",
    help="重设密码（从 PENSION_AUDIT_PASSWORD 或交互输入读取；至少 10 位，不能与用户名相同或过于常见）；"
    "原有登录立即失效",
)
@click.argument("username")
@click.option("--password", envvar="PENSION_AUDIT_PASSWORD", prompt="新密码", hide_input=True, confirmation_prompt=True)
@HOME
@DATABASE_URL
def users_passwd(username: str, password: str, home: Path | None, database_url: str | None) -> None:
    _managing_users(
        home, database_url, lambda s: user_admin.set_password(s, None, user_admin.find_user(s, username), password)
    )
    click.echo(f"已重设用户 {username} 的密码")


@users.command("unlock", help="解除该用户名因多次登录失败而生效的锁定")
@click.argument("username")
@HOME
@DATABASE_URL
def users_unlock(username: str, home: Path | None, database_url: str | None) -> None:
    _managing_users(home, database_url, lambda s: signin.unlock(s, None, user_admin.find_user(s, username).username))
    click.echo(f"已解除用户 {username} 的登录锁定")


@main.command("refer-overdue", help="将逾期未足额退还的追缴移交区人社局（每日运行）")
@HOME
@DATABASE_URL
def refer_overdue(home: Path | None, database_url: str | None) -> None:
    engine = open_store(settings_for(home, database_url))
    migrate(engine)
    try:
        with transaction(session_factory(engine, writing=True)) as session:
            referrals = refer(session, bureau_today())
            for r in referrals:
                click.echo(f"  案件 {r.case_id}：{r.reason}")
    finally:
        engine.dispose()
    click.echo(f"移交区人社局 {len(referrals)} 件")


REPORT_NAMES = {
    "recovery-notice": "冒领社会保险待遇追缴通知书（--case 或 --demand）",
    "return-notice": "社会保险待遇返还通知书（--case 或 --demand）",
    "deregistration-notice": "申请注销登记告知书（--case）",
    "benefit-notice": "待遇领取告知书（--month，及 --township 或 --person）",
    "suspension-list": "待遇暂停名单（--month）",
    "resumption-list": "待遇恢复名单（--month）",
    "inspection-summary": "稽核情况月报（--month [--township]）",
    "certification-report": "资格认证报告书（--year --township）",
    "accountability-report": "乡镇问责报告（--year 或 --month）",
}
MONTH_FORMS = "2026-01、2026/01、2026年1月"  # as the web forms read a month (policy.normal_month)


def _month_and_township(month: str | None, township: str | None) -> str | None:
    """A document command's --month and --township, checked as the document endpoints check
    them: the month as people type it, read as the web forms read it, comes back as 'YYYY-MM';
    the township is a 9-digit code."""
    if month is not None:
        month = normal_month(month)
        if not re.fullmatch(MONTH_PATTERN, month):
            raise click.BadParameter(f"应为 YYYY-MM，如 {MONTH_FORMS}", param_hint="--month")
    if township is not None and not re.fullmatch(TOWNSHIP_PATTERN, township):
        raise click.BadParameter("应为9位乡镇（街道）代码", param_hint="--township")
    return month


@main.command(
    help="文书：通知书、告知书须先由经办人员出具（--as 用户名：编文号并留存原件），之后按原件输出；"
    "名单、报告为 PDF 或 XLSX（按 --out 的扩展名）。\n\n\b\n名称：\n"
    + "\n".join(f"  {k:<23}{v}" for k, v in REPORT_NAMES.items())
)
@click.argument("name", type=click.Choice(tuple(REPORT_NAMES)), metavar="名称")
@click.option("--year", type=int, default=None, help="年度")
@click.option("--month", default=None, help=f"年月，如 {MONTH_FORMS}")
@click.option("--township", default=None, help="乡镇（街道）代码（9位）")
@click.option("--case", "case_id", type=int, default=None, help="案件号")
@click.option("--demand", "demand_id", type=int, default=None, help="追缴、返还通知编号（默认取案件最近一份）")
@click.option("--person", "person_no", default=None, help="个人编号（待遇领取告知书）")
@click.option("--as", "as_user", default=None, help="出具通知书的经办人员用户名（编文号、留存原件，记入审计日志）")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="输出文件：.pdf 或 .xlsx（名单、报告）",
)
@HOME
@DATABASE_URL
def report(
    name: str,
    year: int | None,
    month: str | None,
    township: str | None,
    case_id: int | None,
    demand_id: int | None,
    person_no: str | None,
    as_user: str | None,
    out: Path,
    home: Path | None,
    database_url: str | None,
) -> None:
    month = _month_and_township(month, township)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        raise click.BadParameter("输出文件的扩展名应为 .pdf 或 .xlsx", param_hint="--out")
    kind = KINDS[name]
    if fmt == "xlsx" and not kind.is_list:
        raise click.ClickException(f"{kind.label}没有 XLSX 格式（通知书只有 PDF）")

    def make(session: Session) -> tuple[bytes, str]:
        if kind.numbered:
            return _notice(
                session,
                name,
                as_user,
                case_id=case_id,
                demand_id=demand_id,
                month=month,
                township=township,
                person_no=person_no,
            )
        document = build_list(name, session, None, year=year, month=month, township=township)
        return document.xlsx() if fmt == "xlsx" else document.pdf(), f"已生成{document.title}"

    _write_document(settings_for(home, database_url), out, make, writing=True)


def _write_document(
    settings: Settings, out: Path, make: Callable[[Session], tuple[bytes, str]], *, writing: bool = False
) -> None:
    """Makes a document in one session of the store (a writing one when it issues) and writes it
    to `out`; a refusal (Problem) is the command's error, in its own words."""
    engine = open_store(settings)
    migrate(engine)
    try:
        factory = session_factory(engine, writing=writing)
        with transaction(factory) if writing else factory() as session:
            content, said = make(session)
    except Problem as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    click.echo(f"{said}：{out}", err=True)


def _notice(
    session: Session, name: str, as_user: str | None, *, case_id: int | None, demand_id: int | None, **params: Any
) -> tuple[bytes, str]:
    """A notice's bytes: issued now as `as_user` if it has not been, else as it was issued."""
    if name in ("recovery-notice", "return-notice"):
        params["demand_id"] = demand_id if demand_id is not None else demand_of_case(session, case_id, name)
    elif name == "deregistration-notice":
        params["case_id"] = case_id
    if as_user is None:
        issued = issued_file(session, None, name, **params)
        return issued.content, f"已输出{issued.title}（出具原件）"
    user = session.scalar(select(User).where(User.username == as_user, User.active.is_(True)))
    if user is None:
        raise click.ClickException(f"没有名为 {as_user} 的在用用户")
    issued, created = issue(session, user, name, bureau_today(), **params)
    return issued.content, f"{'已出具' if created else '此前已出具'}{issued.title}"


@main.group(help="已出具的文书")
def documents() -> None:
    pass


@documents.command(
    "batch",
    help="批量打印：某乡镇某月（北京时间）已出具、未作废的通知书合为一个PDF，按文号排列，每份从奇数页起（双面打印）",
)
@click.option("--township", required=True, help="乡镇（街道）代码（9位）")
@click.option("--month", required=True, help=f"出具年月，如 {MONTH_FORMS}")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="输出 PDF 文件")
@HOME
@DATABASE_URL
def documents_batch(township: str, month: str, out: Path, home: Path | None, database_url: str | None) -> None:
    """The same batch as GET /documents/issued/batch (reports.documents.batch): kept bytes only."""
    month = _month_and_township(month, township) or month  # required: never None
    if out.suffix.lower() != ".pdf":
        raise click.BadParameter("输出文件的扩展名应为 .pdf", param_hint="--out")

    def make(session: Session) -> tuple[bytes, str]:
        found = batch.batch(session, None, township, month)
        return found.pdf(), f"已输出{found.title}"

    _write_document(settings_for(home, database_url), out, make)


for _command in operations.COMMANDS:  # backup, restore: kept in their own module
    main.add_command(_command)
