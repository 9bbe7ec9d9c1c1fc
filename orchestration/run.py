"""`pension-audit run`: every feed asset with new files, materialised in this process."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from rich.progress import Progress

from orchestration.case_store_assets import case_store, case_store_decisions, case_store_published
from orchestration.dbt_assets import build_dbt_models, dbt_resource
from orchestration.dbt_project import prepare_manifest
from orchestration.decisions import apply_releases
from orchestration.event_storage import sqlite_storage_keeping_engines
from orchestration.feed_assets import feed_assets, first_month
from orchestration.inbox_state import record_versions
from orchestration.late_feeds import late_feed_alerts
from orchestration.resources import DataHome
from orchestration.warehouse_queries import (
    accountability_awaiting,
    awaiting_summary,
    file_log_rows,
    findings_built,
    findings_summary,
    read,
)
from orchestration.work_counts import (
    count_dbt,
    count_loading,
    count_publishing,
    empty_counts,
    work_summary,
    write_counts,
)
from pension_audit.ingest.load import Warehouse
from pension_audit.ingest.reader import InboxFile, by_period, file_hash, naming_problem, scan_inbox
from pension_audit.settings import Settings

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# Loading: a step that fails because its files were refused is expected (the file log and the run's
# summary say why, in Chinese); only an unexpected error is printed, by load_feeds itself.
SILENT_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunResult:
    feeds_run: list[str]
    files: list[tuple]  # file log rows written by this run
    ok: bool
    published: dict[str, object] | None = None  # what publishing into the case store reported
    seconds: dict[str, float] = field(default_factory=dict)  # phase -> wall seconds
    run_id: str | None = None  # the build's run (its manifest: <home>/runs/<run_id>/manifest.json)
    counts: dict[str, Any] = field(default_factory=dict)  # phase -> work done (work_counts.py)


PHASE_LABELS = {
    "scan": "扫描收件箱",
    "load": "载入与校验",
    "decisions": "案件决定回写",
    "dbt": "dbt 构建",
    "publish": "发布到案件库",
}


class Stopwatch:
    """Wall time per phase of a run, shown to the data engineer and kept in the home's
    last_run.json (the benchmarks read it)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextlib.contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 3)

    def finish(self, home: Path) -> dict[str, float]:
        self.seconds["total"] = round(time.perf_counter() - self._started, 3)
        (home / "last_run.json").write_text(json.dumps(self.seconds, indent=2), encoding="utf-8")
        return self.seconds

    def summary(self) -> str:
        parts = [f"{PHASE_LABELS[k]} {v:.1f}" for k, v in self.seconds.items() if k in PHASE_LABELS]
        return f"用时 {self.seconds.get('total', 0):.1f} 秒（{'，'.join(parts)}）"


def pending_periods(wh: Warehouse, inbox_files: list[InboxFile]) -> dict[str, list[str]]:
    """Per feed, the periods whose files are new or changed since the last run."""
    pending: dict[str, set[str]] = {}
    for (feed, period), files in by_period(inbox_files).items():
        single = len(files) == 1
        if any(not wh.seen(f.relative, file_hash(f.path.read_bytes()), counting_duplicates=not single) for f in files):
            pending.setdefault(feed, set()).add(period)
    return {feed: sorted(periods) for feed, periods in sorted(pending.items())}


def load_batches(pending: dict[str, list[str]]) -> list[tuple[list[str], str, str, dict[str, list[str]]]]:
    """The Dagster runs that load the pending periods: one run per cadence, over the range from
    its first pending period to its last, with the feeds that have something pending; each
    feed loads (and materialises) only its own pending periods, not the ones between (a re-sent
    old month and a new month are one run). (feeds, first, last, feed -> its periods)."""
    cadences: dict[int, dict[str, list[str]]] = {}
    for feed, periods in sorted(pending.items()):
        cadences.setdefault(len(periods[0]), {})[feed] = periods
    return [
        (list(feeds), min(p for ps in feeds.values() for p in ps), max(p for ps in feeds.values() for p in ps), feeds)
        for _, feeds in sorted(cadences.items())
    ]


def refused_in_ranges(settings: Settings, pending: dict[str, list[str]], since: dt.datetime) -> list[tuple[str, str]]:
    """(feed, period) of the files refused by this run's loading whose run was over a range of
    periods (a run of a single period already shows it failed)."""
    rows = read(
        settings.warehouse_path,
        """
        SELECT DISTINCT feed, period FROM meta.file_log
        WHERE status IN ('failed', 'held') AND feed IS NOT NULL AND period IS NOT NULL AND ingested_at >= ?
        ORDER BY 1, 2""",
        [since],
    )
    ranges = {feed: (first, last) for feeds, first, last, _ in load_batches(pending) for feed in feeds}
    return [
        (feed, period)
        for feed, period in rows
        if feed in ranges and ranges[feed][0] != ranges[feed][1] and period in pending[feed]
    ]


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The data home's Dagster instance (its runs, events and sensor cursors): the files its
    dagster.yaml gives `dagster dev`, the event log kept by `event_storage` (one engine per file)."""
    home = settings.prepare_dagster_home()
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=sqlite_storage_keeping_engines(home)))


def load_feeds(
    settings: dict[str, Any], feeds: list[str], first: str, last: str, periods: dict[str, list[str]] | None = None
) -> list[str]:
    """Materialise the feed assets over the partitions first..last in one Dagster run (in a
    child process: `settings` as `Settings.model_dump` gives them), each feed only over its
    `periods` when given; the feeds whose step failed."""
    resource = DataHome.from_settings(Settings(**settings))
    where: dict[str, Any] = (
        {"partition_key": first}
        if first == last
        else {"tags": {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}}
    )
    all_assets = feed_assets(first_month(resource.settings()))
    assets = [all_assets[feed] for feed in feeds]
    run_config: dict[str, Any] = dict(SILENT_RUN_CONFIG)
    if periods:
        run_config["ops"] = {
            all_assets[feed].op.name: {"config": {"periods": periods[feed]}} for feed in feeds if feed in periods
        }
    with dagster_instance(resource.settings()) as instance:
        result = dg.materialize(
            assets,
            instance=instance,
            resources={"data_home": resource},
            run_config=run_config,
            raise_on_error=False,
            **where,
        )
    # A step that failed because every file of its periods was refused shows those periods as
    # failed in Dagster; the file log says why. That is not a failed run.
    failed_steps = {
        event.step_key
        for event in result.get_step_failure_events()
        if event.step_failure_data.user_failure_data is None
    }
    for event in result.get_step_failure_events():
        if event.step_key in failed_steps and event.step_failure_data.error is not None:
            print(f"载入步骤 {event.step_key} 出错：{event.step_failure_data.error.message.strip()}", file=sys.stderr)
    refused_steps = {event.step_key for event in result.get_step_failure_events()} - failed_steps
    return [
        feed
        for feed, asset in zip(feeds, assets, strict=True)
        if asset.op.name in failed_steps or (not result.success and not failed_steps and not refused_steps)
    ]


def run_pipeline(
    settings: Settings, echo: Callable[[str], None] = print, decisions_from: Path | None = None
) -> RunResult:
    """Load what is new in the inbox, build, publish; the build's run is recorded in
    `<home>/runs/<run-id>/` (orchestration/manifest.py). `decisions_from`: a run's folder whose
    case decisions the build reads instead of the case store's (`pension-audit runs verify`)."""
    inbox = settings.inbox_path
    manifest = prepare_manifest()
    watch = Stopwatch()
    counts = empty_counts()
    started = dt.datetime.now().replace(microsecond=0)
    with watch.phase("scan"):
        inbox_files = scan_inbox(inbox)
        with Warehouse(settings.warehouse_path, memory_limit=settings.loader_memory) as wh:
            # Releases requested on the console apply first, as case decisions do: the held
            # file loads in this run.
            with case_store(DataHome.from_settings(settings)) as engine:
                for line in apply_releases(engine, wh):
                    echo(line)
            for f in inbox_files:
                if not f.well_named:
                    wh.refuse(f, "bad_name", naming_problem(f))
            pending = pending_periods(wh, inbox_files)
    counts["scan"] = {"inbox_files": len(inbox_files), "pending_periods": sum(len(p) for p in pending.values())}

    failed_runs: list[str] = []
    data_home = DataHome.from_settings(settings, decisions_from)
    resources = {"data_home": data_home}
    published = None
    if pending:
        # Loading runs in a child process: it leaves behind hundreds of megabytes (Great
        # Expectations' frames, Arrow buffers) that this process would otherwise hold while
        # dbt runs beside it. The child's memory goes back when it exits.
        spawn = multiprocessing.get_context("spawn")
        with (
            watch.phase("load"),
            Progress(transient=False) as progress,
            ProcessPoolExecutor(max_workers=1, mp_context=spawn) as loader,
        ):
            batches = load_batches(pending)
            task = progress.add_task("载入数据源", total=len(batches))
            for feeds, first, last, periods in batches:
                progress.update(task, description=f"载入 {len(feeds)} 个数据源（{first} 至 {last}）")
                failed_runs += loader.submit(load_feeds, settings.model_dump(), feeds, first, last, periods).result()
                progress.advance(task)
            # A refused file inside a range of periods: its period is run again alone, so that it
            # shows as failed in Dagster rather than materialised with its neighbours.
            for feed, period in refused_in_ranges(settings, pending, started):
                failed_runs += loader.submit(load_feeds, settings.model_dump(), [feed], period, period).result()

    with (
        dagster_instance(settings) as instance,
        Warehouse(settings.warehouse_path, memory_limit=settings.loader_memory) as wh,
    ):
        # The sensor shares this record: what was ingested here, it does not ask for again.
        ingested = []
        for f in inbox_files:
            digest = file_hash(f.path.read_bytes())
            if wh.seen(f.relative, digest):
                ingested.append((f, digest))
        record_versions(instance, ingested)
    files = file_log_rows(settings.warehouse_path, all_versions=True, since=started)
    count_loading(counts, files)
    if pending or not findings_built(settings.warehouse_path):
        with dagster_instance(settings) as instance:
            # The case store's decisions go into the warehouse first: the dbt source `casework`.
            with watch.phase("decisions"):
                decided = dg.materialize(
                    [case_store_decisions],
                    instance=instance,
                    resources=resources,
                    run_config=QUIET_RUN_CONFIG,
                    raise_on_error=False,
                )
            if not decided.success:
                failed_runs.append("case_store/decisions")
            echo("构建人员主索引与稽核疑点（dbt）…")
            # Built now, not before loading: the dbt assets hold the parsed manifest (~100 MB)
            # that this process would otherwise carry beside the loader.
            dbt_models = build_dbt_models(manifest)
            log = settings.home / "dbt_logs" / "build.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with watch.phase("dbt"), log.open("w", encoding="utf-8") as stream, contextlib.redirect_stdout(stream):
                result = dg.materialize(
                    [dbt_models],
                    instance=instance,
                    resources={"dbt": dbt_resource(), **resources},
                    run_config=QUIET_RUN_CONFIG,
                    raise_on_error=False,
                )
            if not result.success:
                failed_runs.append("dbt")
                problems = [
                    line
                    for line in log.read_text(encoding="utf-8").splitlines()
                    if " ERROR " in line or " FAIL " in line
                ]
                echo(f"  dbt 构建失败（完整日志：{log}）：")
                for line in problems[:10]:
                    echo(f"    {line.strip()}")
            else:
                count_dbt(counts, settings.home / "dbt_target", manifest, settings.warehouse_path)
                with watch.phase("publish"):
                    published = _publish(instance, case_store_published, resources, failed_runs)
                if published:  # what publishing wrote, for the benchmarks
                    (settings.home / "last_publication.json").write_text(
                        json.dumps({k: v for k, v in published.items() if k != "case_store"}, indent=2),
                        encoding="utf-8",
                    )
    seconds = watch.finish(settings.home)
    count_publishing(counts, published)
    write_counts(settings.home, counts)
    _report(echo, settings, pending, files, failed_runs, published)
    echo(watch.summary())
    echo(work_summary(counts))
    return RunResult(
        list(pending),
        files,
        ok=not failed_runs,
        published=published,
        seconds=seconds,
        run_id=str(published["run_id"]) if published else None,
        counts=counts,
    )


def _publish(
    instance: dg.DagsterInstance, asset: dg.AssetsDefinition, resources: dict[str, Any], failed_runs: list[str]
) -> dict[str, object] | None:
    """Publish the build into the case store; what it reported (counts, where the store is)."""
    result = dg.materialize(
        [asset], instance=instance, resources=resources, run_config=QUIET_RUN_CONFIG, raise_on_error=False
    )
    if not result.success:
        failed_runs.append("case_store/published")
        return None
    (materialization,) = result.asset_materializations_for_node(asset.op.name)
    return {key: value.value for key, value in materialization.metadata.items()}


def dagster_dev_hint(settings: Settings) -> str:
    """The command that opens the Dagster UI on this data home and inbox."""
    today = f"PENSION_AUDIT_TODAY={settings.today.isoformat()} " if settings.today else ""
    return (
        f"PENSION_AUDIT_HOME={settings.home} PENSION_AUDIT_INBOX={settings.inbox_path} "
        f"DAGSTER_HOME={settings.dagster_home} {today}"
        f".venv/bin/dagster dev -m orchestration.definitions"
    )


def _report(echo, settings: Settings, pending, files, failed_runs, published=None) -> None:
    if not pending and not files:
        echo("没有新文件或重新报送的文件，无需载入。")
    loaded = [f for f in files if f[1] == "loaded"]
    failed = [f for f in files if f[1] == "failed"]
    held = [f for f in files if f[1] == "held"]
    echo(
        f"本次载入 {len(loaded)} 个文件：{sum(f[4] for f in loaded)} 行入库，"
        f"{sum(f[5] for f in loaded)} 行进入隔离区；{len(failed)} 个文件无法读取。"
    )
    for f in failed:
        echo(f"  ✗ {f[6]}")
    if held:
        echo(f"暂缓载入 {len(held)} 个文件（其数据不参与稽核，视同未到；核实后用 pension-audit release 放行）：")
        for f in held:
            feed, period = f[0].split("/")[0], f[0].split("/")[1].rsplit(".", 1)[0]
            echo(f"  ⏸ {f[0]}：{f[6]}；放行：pension-audit release {feed} {period} --home {settings.home}")
    for feed in failed_runs:
        echo(f"  ✗ {feed} 的运行失败，详见 Dagster 运行日志")
    summary = findings_summary(settings.warehouse_path)
    if summary:
        echo(f"稽核疑点 {sum(n for _, _, n, _ in summary)} 条，涉及金额 {sum(a for *_, a in summary):,.2f} 元：")
        for code, label, count, amount in summary:
            echo(f"  {label}（{code}）：{count} 条，{amount:,.2f} 元")
    awaiting = awaiting_summary(settings.warehouse_path)
    if awaiting:
        echo(f"待数据的疑点 {sum(n for _, n in awaiting)} 条（所需数据期间已过报送期限而未到达，暂不决定、不发布）：")
        for label, count in awaiting:
            echo(f"  {label}：{count} 条")
        echo(f"  清单：pension-audit findings --awaiting --home {settings.home}")
    for inputs, events, townships in accountability_awaiting(settings.warehouse_path):
        echo(f"待数据的乡镇问责事件 {events} 件（{townships} 个乡镇，不计为漏报）：待 {inputs}")
    alerts = late_feed_alerts(settings.warehouse_path)
    if alerts:
        echo(f"逾期数据源期间 {len(alerts)} 个：")
        for line in alerts[:20]:
            echo(f"  ⚠ {line}")
        if len(alerts) > 20:
            echo(f"  …… 另有 {len(alerts) - 20} 个，见数据源页面")
    if published:
        reopened = f"，重新出现 {published['reopened']} 条" if published["reopened"] else ""
        echo(
            f"发布到案件库：新增 {published['opened']} 条，变更 {published['changed']} 条，"
            f"数据已消除 {published['resolved']} 条，未变 {published['unchanged']} 条{reopened}"
            f"（数据截至 {published['as_of_month']}，停发自 {published['next_pay_month']} 起）"
        )
        echo(
            f"  第 {published['build']} 次发布：写入 {published['rows_written']} 行，"
            f"退役 {published['rows_retired']} 行；切换用时 {published['switch_seconds']:.2f} 秒"
        )
        echo(
            f"  运行编号 {published['run_id']}（清单：{settings.home / 'runs' / str(published['run_id'])}"
            f"/manifest.json；核验：pension-audit runs verify {published['run_id']} --home {settings.home}）"
        )
    echo("查看结果：")
    echo(f"  数据仓库（DuckDB）：{settings.warehouse_path}")
    if published:
        echo(f"  案件库：  {published['case_store']}")
        echo(
            f"  案件办理：pension-audit users add <用户名> --name <姓名> --role inspector --home {settings.home}；"
            f"pension-audit serve --home {settings.home}"
        )
    echo(f"  文件日志：pension-audit files --home {settings.home}")
    echo(f"  隔离区：  pension-audit quarantine --home {settings.home} --format csv")
    echo(f"  稽核疑点：pension-audit findings --home {settings.home} --format xlsx --out 疑点清单.xlsx")
    echo(f"  Dagster 界面：{dagster_dev_hint(settings)}")
