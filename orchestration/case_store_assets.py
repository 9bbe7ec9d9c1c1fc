"""The case store at both ends of the dbt build.

`case_store/decisions` copies what the bureau decided (cases and their status, records held
from payment) into the warehouse; the dbt source `casework` names it as its asset, so every
dbt build starts from it. `case_store/published` publishes the build's serving contract (the
dbt models under `published`) into the case store, which is where the lineage ends:
feed → staging → intermediate → marts → published → case store.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from casework.db import migrate, open_store, session_factory, transaction
from casework.published import PUBLISHED_TABLES
from casework.services.cases import refer_overdue
from orchestration.decisions import export_decisions, import_decisions
from orchestration.manifest import new_run_id, record_run, write_manifest
from orchestration.publish import publish
from orchestration.resources import DataHome
from pension_audit.settings import bureau_today

DECISIONS_KEY = dg.AssetKey(["case_store", "decisions"])
PUBLISHED_KEY = dg.AssetKey(["case_store", "published"])
# The dbt models of the serving contract (dbt_project/models/published), one per store table.
PUBLISHED_MODELS = [
    dg.AssetKey(["published", f"pub_{name}"])
    for name in ("findings", "build", *(model.__tablename__ for model in PUBLISHED_TABLES))
]


def store_label(url: str) -> str:
    """Where the case store is, for people: a SQLite file's path, else the URL without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or url
    return parsed.render_as_string(hide_password=True)


@contextmanager
def case_store(data_home: DataHome) -> Iterator[Engine]:
    """The case store, its schema brought up to date."""
    engine = open_store(data_home.settings())
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


@dg.asset(
    key=DECISIONS_KEY,
    group_name="case_store",
    description="案件库中的办案决定（疑点所属案件及其状态、暂停发放名单）写入数据仓库 casework，供 dbt 计算办理状态",
)
def case_store_decisions(data_home: DataHome) -> dg.MaterializeResult:
    if data_home.decisions_from:  # `pension-audit runs verify`: the decisions a run recorded
        cased, holds = import_decisions(Path(data_home.decisions_from), data_home.settings().warehouse_path)
        source = data_home.decisions_from
    else:
        with case_store(data_home) as engine:
            cased, holds = export_decisions(engine, data_home.settings().warehouse_path)
        source = store_label(data_home.settings().store_url)
    return dg.MaterializeResult(
        metadata={
            "case_findings": dg.MetadataValue.int(cased),
            "payroll_holds": dg.MetadataValue.int(holds),
            "case_store": dg.MetadataValue.text(source),
        }
    )


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="case_store",
    deps=PUBLISHED_MODELS,
    description="把本次构建发布到案件库：服务读取的全部数据（疑点、人员、问责、认证、数据源、政策），"
    "只写变化的行，读者看到的要么是上一次构建、要么是本次构建",
)
def case_store_published(data_home: DataHome) -> dg.MaterializeResult:
    settings = data_home.settings()
    run_id = new_run_id()
    manifest = record_run(settings, run_id)  # what the build read and what it publishes
    with case_store(data_home) as engine:
        summary = publish(engine, settings.warehouse_path, run_id, manifest)
    write_manifest(settings, {**manifest, "publication": summary.build})
    return dg.MaterializeResult(
        metadata={
            "run_id": dg.MetadataValue.text(run_id),
            "findings_sha256": dg.MetadataValue.text(manifest["findings"]["sha256"]),
            "as_of_month": dg.MetadataValue.text(summary.as_of_month),
            "next_pay_month": dg.MetadataValue.text(summary.next_pay_month),
            "opened": dg.MetadataValue.int(summary.opened),
            "changed": dg.MetadataValue.int(summary.changed),
            "unchanged": dg.MetadataValue.int(summary.unchanged),
            "resolved": dg.MetadataValue.int(summary.resolved),
            "reopened": dg.MetadataValue.int(summary.reopened),
            "build": dg.MetadataValue.int(summary.build),
            "rows_written": dg.MetadataValue.int(summary.rows_written),
            "rows_retired": dg.MetadataValue.int(summary.rows_retired),
            "switch_seconds": dg.MetadataValue.float(summary.switch_seconds),
            "case_store": dg.MetadataValue.text(store_label(data_home.settings().store_url)),
        }
    )


CASE_STORE_ASSETS = [case_store_decisions, case_store_published]


@dg.op(description="把逾期未足额退还的追缴移交区人社局（第二十九条第四项）")
def refer_overdue_demands(context: dg.OpExecutionContext, data_home: DataHome) -> int:
    with case_store(data_home) as engine, transaction(session_factory(engine, writing=True)) as session:
        referrals = refer_overdue(session, bureau_today())
        for referral in referrals:
            context.log.info(f"案件 {referral.case_id}：{referral.reason}")
    return len(referrals)


@dg.job(description="每日将逾期追缴移交区人社局")
def referral_job() -> None:
    refer_overdue_demands()


# Every morning before office hours: a demand whose deadline passed yesterday is referred today.
REFERRAL_SCHEDULE = dg.ScheduleDefinition(
    job=referral_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    description="每日6时移交逾期未退还的追缴",
)
