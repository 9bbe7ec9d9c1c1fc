"""One Dagster asset per feed, partitioned by the feed's cadence, with its quality checks.

The asset is a thin adapter: it finds the inbox files of the partitions it was asked for,
hands them to the warehouse loader, checks what loaded with the feed's suite (its structural
checks in DuckDB, where the rows are; its quality checks by Great Expectations), and reports
both. A run may cover a range of partitions at once (single-run backfill), so a cold start
over years of months is one run per cadence; given `periods`, it loads and materialises only
those partitions of its range, so what arrived for a cadence is one run whatever its gaps.
"""

import functools
import warnings
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.base import PartitionKeyFilter

from expectations.structure import combine, structural_results
from expectations.suites import STRUCTURAL, WARN, ExpectationResult, ValidationOutcome, columns_read
from expectations.suites import validate_periods as validate_with_suite
from orchestration.decisions import apply_console_releases
from orchestration.inbox_state import record_versions
from orchestration.resources import DataHome
from pension_audit.ingest.feeds import FEEDS, Feed, Kind
from pension_audit.ingest.load import FileOutcome, Warehouse, feed_table_columns
from pension_audit.ingest.reader import by_period, file_hash, scan_inbox
from pension_audit.settings import Settings, bureau_today

# Single-run backfills are "beta" in Dagster 1.13; they are what makes a cold start one run.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=Warning)
# So are partitioned asset checks ("preview"): what keeps each period's check result under its partition.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=Warning)


def first_month(settings: Settings) -> str:
    """Where the district's data starts ('YYYY-MM'): the configured `data_start`, else the
    earliest period of a well-named file in the inbox, else this month. The feed partitions start
    there: no decade of empty periods before the district's first file."""
    if settings.data_start:
        return settings.data_start
    periods = [
        f.period if len(f.period) == 7 else f"{f.period}-01"
        for f in scan_inbox(settings.inbox_path)
        if f.well_named and f.period
    ]
    return min(periods) if periods else bureau_today().strftime("%Y-%m")


@functools.cache
def monthly_partitions(first: str) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 * *", fmt="%Y-%m", start=first, end_offset=1)


@functools.cache
def yearly_partitions(first: str) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", fmt="%Y", start=first[:4], end_offset=1)


STRUCTURE_CHECK = "structure"
QUALITY_CHECK = "quality"


def partitions_for(feed: Feed, first: str) -> dg.TimeWindowPartitionsDefinition:
    return monthly_partitions(first) if feed.is_monthly else yearly_partitions(first)


def feed_asset_key(feed: Feed) -> dg.AssetKey:
    return dg.AssetKey(["raw", feed.name])


# Rows validated per Great Expectations run. GX costs about a second a run whatever its size,
# and its frames are the loader's largest memory, so a cold start over years of a district
# roster (about 120,000 rows a month) goes about a month a run.
VALIDATION_BATCH_ROWS = 125_000


def validation_batches(row_counts: dict[str, int], limit: int = VALIDATION_BATCH_ROWS) -> list[list[str]]:
    """Consecutive periods grouped so each group holds at most `limit` rows (a single period
    larger than that is a group of its own)."""
    batches: list[list[str]] = []
    size = 0
    for period, rows in row_counts.items():
        if not batches or size + rows > limit:
            batches.append([])
            size = 0
        batches[-1].append(period)
        size += rows
    return batches


def validation_columns(feed: Feed, severities: tuple[str, ...] = (WARN,)) -> str:
    """What GX reads, in the types it compares fastest: only the columns its checks of these
    severities look at; text stays Arrow-backed (pandas' string dtype, no Python string per
    cell), amounts are read as DOUBLE for the plausibility band only (the warehouse keeps them
    exact)."""
    amounts = {c.name for c in feed.columns if c.kind is Kind.AMOUNT}
    table = {name for name, _ in feed_table_columns(feed)}
    names = [n for n in columns_read(feed, severities) if n in table]
    return ", ".join(f'CAST("{n}" AS DOUBLE) AS "{n}"' if n in amounts else f'"{n}"' for n in names)


def structure_periods(wh: Warehouse, feed: Feed, periods: list[str]) -> dict[str, list[ExpectationResult]]:
    """The suite's STRUCTURAL checks over the freshly loaded periods, computed in DuckDB."""
    return structural_results(wh.con, feed, periods)


def quality_periods(wh: Warehouse, feed: Feed, periods: list[str]) -> dict[str, ValidationOutcome]:
    """The suite's WARN checks over the freshly loaded periods, by Great Expectations, a
    bounded batch of periods per run (only the columns those checks read)."""
    outcomes: dict[str, ValidationOutcome] = {}
    counts = dict(
        wh.con.execute(
            f"SELECT _period, count(*) FROM {feed.table} WHERE _period IN (SELECT unnest(?)) GROUP BY _period",
            [periods],
        ).fetchall()
    )
    columns = validation_columns(feed)
    for batch in validation_batches({p: counts.get(p, 0) for p in periods}):
        df = (
            wh.con.sql(
                f"SELECT {columns} FROM {feed.table} WHERE _period IN (SELECT unnest($batch)) ORDER BY _period, _row",
                params={"batch": batch},
            )
            .to_arrow_table()
            .to_pandas(date_as_object=False)
        )
        previous = {period: wh.previous_row_count(feed, period) for period in batch}
        outcomes |= validate_with_suite(feed, df, previous, severities=(WARN,))
        del df
    return outcomes


def validate_periods(wh: Warehouse, feed: Feed, periods: list[str]) -> dict[str, ValidationOutcome]:
    """Run the feed's expectation suite over the freshly loaded periods (its structural checks
    in DuckDB, its quality checks by GX) and store each period's results beside its data, so
    later layers and the console can see which partitions are blocked."""
    outcomes = combine(feed, structure_periods(wh, feed, periods), quality_periods(wh, feed, periods))
    wh.record_checks(feed, outcomes)
    return outcomes


NOT_IN_FORCE = ("failed", "held")


def not_in_force(wh: Warehouse, feed: Feed, periods: list[str]) -> dict[str, str]:
    """The periods whose newest file version failed or is held, with its message."""
    rows = wh.con.execute(
        """
        SELECT period, status, coalesce(message, reason, status) FROM (
            SELECT *, row_number() OVER (PARTITION BY period ORDER BY ingested_at DESC, status) AS newest
            FROM meta.file_log WHERE feed = ? AND period IN (SELECT unnest(?)))
        WHERE newest = 1""",
        [feed.name, periods],
    ).fetchall()
    return {period: message for period, status, message in rows if status in NOT_IN_FORCE}


def _check_metadata(outcomes: dict[str, ValidationOutcome], severity: str) -> dict[str, dg.MetadataValue]:
    failed = {
        period: [
            f"{r.description}（{r.unexpected_count} 行）" for r in o.results if r.severity == severity and not r.success
        ]
        for period, o in outcomes.items()
    }
    failed = {p: f for p, f in failed.items() if f}
    return {
        "periods_checked": dg.MetadataValue.int(len(outcomes)),
        "periods_failed": dg.MetadataValue.text(", ".join(sorted(failed)) or "无"),
        "failures": dg.MetadataValue.json(failed),
    }


# Each check, its severity in Dagster, and which of a period's results it judges.
CHECKS = (
    (STRUCTURE_CHECK, dg.AssetCheckSeverity.ERROR, STRUCTURAL),
    (QUALITY_CHECK, dg.AssetCheckSeverity.WARN, WARN),
)
JUDGED = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}


def check_evaluations(
    context: dg.AssetExecutionContext, key: dg.AssetKey, checks: dict[str, ValidationOutcome], spanned: list[str]
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    """Each check's result per period, under the period's partition: a run over several
    partitions cannot say it with an AssetCheckResult (Dagster ties one to a partition only in
    a single-partition run), so the evaluations name their partition and the materialisation
    they judged (this run's, stored by now). The periods the run `spanned` without loading them
    keep their latest result: Dagster planned the checks on them too, and would otherwise show
    them as skipped."""
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    materialised = (
        context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=list(checks)), limit=len(checks)
        ).records
        if checks
        else []
    )
    for record in materialised:  # newest first
        if record.partition_key is not None and record.partition_key not in targets:
            targets[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
            )
    blocking = {spec.name: spec.blocking for spec in context.assets_def.check_specs}
    for period, outcome in checks.items():
        for name, severity, judged in CHECKS:
            yield dg.AssetCheckEvaluation(
                asset_key=key,
                check_name=name,
                passed=outcome.success_structural if judged == STRUCTURAL else outcome.success_all,
                metadata=_check_metadata({period: outcome}, judged),
                target_materialization_data=targets.get(period),
                severity=severity,
                blocking=blocking[name],
                partition=period,
            )
    storage = context.instance.event_log_storage
    for period in spanned:
        for name, _, _ in CHECKS:
            for last in storage.get_asset_check_execution_history(
                dg.AssetCheckKey(key, name), limit=1, status=JUDGED, partition_filter=PartitionKeyFilter(key=period)
            ):
                if last.event is not None and last.event.dagster_event is not None:
                    evaluation = last.event.dagster_event.asset_check_evaluation_data
                    # Logged, not yielded: an earlier run's failed structure check does not fail this run.
                    context.log_event(evaluation.with_metadata({"checked_in_run": last.run_id, **evaluation.metadata}))
    for name, _, _ in CHECKS:
        yield dg.Output(
            None, output_name=context.assets_def.get_output_name_for_asset_check_key(dg.AssetCheckKey(key, name))
        )


class FeedLoadConfig(dg.Config):
    """Which partitions of the run's range to load: a run over a cadence's pending periods
    spans from the first to the last of them, and loads (and materialises) only those."""

    periods: list[str] | None = None  # None: every partition of the run


def _load_metadata(outcomes: list[FileOutcome]) -> dict[str, dg.MetadataValue]:
    loaded = [o for o in outcomes if o.status == "loaded"]
    return {
        "files_loaded": dg.MetadataValue.int(len(loaded)),
        "files_failed": dg.MetadataValue.int(sum(o.status == "failed" for o in outcomes)),
        "files_held": dg.MetadataValue.int(sum(o.status == "held" for o in outcomes)),
        "files_unchanged": dg.MetadataValue.int(sum(o.status == "unchanged" for o in outcomes)),
        "rows_loaded": dg.MetadataValue.int(sum(o.rows_loaded for o in outcomes)),
        "rows_quarantined": dg.MetadataValue.int(sum(o.rows_quarantined for o in outcomes)),
        "files": dg.MetadataValue.md("\n".join(f"- {o.summary}" for o in outcomes) or "无新文件"),
    }


def build_feed_asset(feed: Feed, first: str) -> dg.AssetsDefinition:
    key = feed_asset_key(feed)

    @dg.asset(
        key=key,
        group_name="feeds",
        description=f"{feed.sender}：{feed.title}（{'月' if feed.is_monthly else '年'}报）",
        partitions_def=partitions_for(feed, first),
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"duckdb", "python"},
        tags={"cadence": feed.cadence.value},
        # A run over a range with gaps materialises only the periods it loaded (below).
        output_required=False,
        check_specs=[
            dg.AssetCheckSpec(
                STRUCTURE_CHECK,
                asset=key,
                blocking=True,
                description="结构性检查：必填列、取值范围、行号唯一；不通过则阻断下游",
                partitions_def=partitions_for(feed, first),
            ),
            dg.AssetCheckSpec(
                QUALITY_CHECK,
                asset=key,
                description="质量检查：证件号校验位、日期与金额合理范围、行数未骤降；不通过仅告警",
                partitions_def=partitions_for(feed, first),
            ),
        ],
    )
    def _feed_asset(context: dg.AssetExecutionContext, config: FeedLoadConfig, data_home: DataHome):
        groups = by_period(scan_inbox(data_home.settings().inbox_path))
        outcomes: list[FileOutcome] = []
        in_run = context.partition_keys
        periods = in_run if config.periods is None else [p for p in in_run if p in set(config.periods)]
        with data_home.warehouse() as wh:
            # Releases requested on the console (the 数据源 page) apply before the files are read,
            # in the sensor's runs as in `pension-audit run`'s.
            for line in apply_console_releases(data_home.settings(), wh, feed.name, periods):
                context.log.info(line)
            arrived = [groups[(feed.name, p)] for p in periods if (feed.name, p) in groups]
            outcomes += wh.ingest_periods(arrived, workers=data_home.settings().load_workers)
            # What was ingested is what Dagster's sensor need not ask for again.
            record_versions(
                context.instance,
                [
                    (f, digest)
                    for files in arrived
                    for f in files
                    if wh.seen(f.relative, digest := file_hash(f.path.read_bytes()))
                ],
            )
            # Each log line is an event Dagster stores (~20 ms): a line per failed file, one
            # for the rest; every file's line is in the materialisation's metadata.
            for o in outcomes:
                if o.status in ("failed", "held"):
                    context.log.warning(o.summary)
            loaded = [o.period for o in outcomes if o.status == "loaded" and o.period is not None]
            context.log.info(
                f"{feed.title}：载入 {len(loaded)} 个文件，"
                f"{sum(o.rows_loaded for o in outcomes)} 行入库，"
                f"{sum(o.rows_quarantined for o in outcomes)} 行隔离；"
                f"未变化 {sum(o.status == 'unchanged' for o in outcomes)} 个"
            )
            checks = validate_periods(wh, feed, loaded)
            refused = not_in_force(wh, feed, periods)
        if refused and len(refused) == len(periods) == len(in_run):
            # The newest file of every period of this run failed or is held: they show as failed
            # in Dagster, not green (the file log says why).
            raise dg.Failure(
                description="；".join(refused.values()),
                metadata={"files": dg.MetadataValue.md("\n".join(f"- {m}" for m in refused.values()))},
                allow_retries=False,
            )
        if len(periods) == len(in_run):
            yield dg.MaterializeResult(metadata=_load_metadata(outcomes))
        else:  # the periods between the ones that arrived are not materialised again
            for period in periods:
                yield dg.AssetMaterialization(
                    asset_key=key,
                    partition=period,
                    metadata=_load_metadata([o for o in outcomes if o.period == period]),
                )
        yield from check_evaluations(context, key, checks, [p for p in in_run if p not in periods])

    return _feed_asset


@functools.cache
def feed_assets(first: str) -> dict[str, dg.AssetsDefinition]:
    """One asset per feed, its partitions starting at the district's first month `first`."""
    return {feed.name: build_feed_asset(feed, first) for feed in FEEDS}
