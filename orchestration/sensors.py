"""When Dagster runs as a service: a sensor on the inbox and a daily calendar check.

The sensor and `pension-audit run` share one truth, kept in the data home's Dagster instance
(orchestration/inbox_state.py): the file versions already ingested, whoever loaded them. After
a `pension-audit run` the sensor asks for nothing; a re-sent file is one run, of its own feed
and period; what arrived between two ticks is one run per cadence. A release requested on the
console (the 数据源 page) is one run of its feed and period, which applies it and loads the file:
the daemon alone serves the console's 放行 too."""

import functools
import hashlib
import json

import dagster as dg

from orchestration.decisions import pending_releases
from orchestration.feed_assets import feed_asset_key, monthly_partitions, yearly_partitions
from orchestration.inbox_state import record_versions, recorded_versions, signature
from orchestration.late_feeds import calendar_check_job
from orchestration.resources import DataHome
from pension_audit.ingest.feeds import FEEDS, FEEDS_BY_NAME
from pension_audit.ingest.reader import InboxFile, file_hash, scan_inbox
from pension_audit.settings import BUREAU_TIMEZONE

MONTHLY_JOB_NAME, ANNUAL_JOB_NAME = "monthly_feeds", "annual_feeds"


@functools.cache
def feed_jobs(first: str) -> tuple:
    """The loading jobs of the monthly and of the annual feeds, partitioned from `first`."""
    return (
        dg.define_asset_job(
            MONTHLY_JOB_NAME,
            selection=dg.AssetSelection.assets(*(feed_asset_key(f) for f in FEEDS if f.is_monthly)),
            partitions_def=monthly_partitions(first),
            description="载入各月报数据源的文件",
        ),
        dg.define_asset_job(
            ANNUAL_JOB_NAME,
            selection=dg.AssetSelection.assets(*(feed_asset_key(f) for f in FEEDS if not f.is_monthly)),
            partitions_def=yearly_partitions(first),
            description="载入各年报数据源的文件",
        ),
    )


# Every day at 08:00 北京时间: which feed-periods are past their due date and have not arrived.
CALENDAR_SCHEDULE = dg.ScheduleDefinition(
    name="feed_calendar_check",
    job=calendar_check_job,
    cron_schedule="0 8 * * *",
    execution_timezone=BUREAU_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每日8时（北京时间）按报送期限检查各数据源：已过期限而未到达（未报送、未能载入或暂缓）的期间逐一告警",
)


# Tags on the sensor's runs: the file version a run loads, and which attempt at it this is; or
# the console's release request (the 数据源 page's 放行) a run applies.
FILE_TAG, VERSION_TAG, ATTEMPT_TAG = "inbox_file", "pension_audit/file_version", "pension_audit/attempt"
RELEASE_TAG = "pension_audit/release"
MAX_ATTEMPTS = 5
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
RETRIED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _request(files: list[tuple[InboxFile, str]], attempt: int = 1) -> dg.RunRequest:
    """One run for well-named files of one cadence (their feeds and periods known): a single
    period is a run of that partition; several are a run over the range from the first to the
    last, each feed loading only its own periods (the ones between are not materialised)."""
    versions = sorted(f"{f.relative}@{digest}" for f, digest in files)
    periods: dict[str, list[str]] = {}
    for f, _ in files:
        assert f.feed is not None and f.period is not None
        periods.setdefault(f.feed.name, []).append(f.period)
    periods = {feed: sorted(set(ps)) for feed, ps in sorted(periods.items())}
    every = sorted({p for ps in periods.values() for p in ps})
    first_file = files[0][0]
    assert first_file.feed is not None
    job = MONTHLY_JOB_NAME if first_file.feed.is_monthly else ANNUAL_JOB_NAME
    key = versions[0] if len(versions) == 1 else hashlib.sha1("\n".join(versions).encode()).hexdigest()
    tags = {
        FILE_TAG: json.dumps(sorted(f.relative for f, _ in files), ensure_ascii=False)
        if len(files) > 1
        else first_file.relative,
        VERSION_TAG: json.dumps(versions, ensure_ascii=False) if len(versions) > 1 else versions[0],
        ATTEMPT_TAG: str(attempt),
    }
    selection = [dg.AssetKey(["raw", feed]) for feed in periods]
    if len(every) == 1:
        return dg.RunRequest(
            job_name=job,
            run_key=key if attempt == 1 else f"{key}#{attempt}",
            partition_key=every[0],
            asset_selection=selection,
            tags=tags,
        )
    return dg.RunRequest(
        job_name=job,
        run_key=key if attempt == 1 else f"{key}#{attempt}",
        asset_selection=selection,
        tags={**tags, RANGE_START_TAG: every[0], RANGE_END_TAG: every[-1]},
        run_config={
            "ops": {
                dg.AssetKey(["raw", feed]).to_python_identifier(): {"config": {"periods": ps}}
                for feed, ps in periods.items()
            }
        },
    )


def _versions(tag: str) -> list[str]:
    """The file versions a run of the sensor loads (one, or a JSON list of several)."""
    return json.loads(tag) if tag.startswith("[") else [tag]


def _by_cadence(files: list[tuple[InboxFile, str]], attempt: int = 1) -> list[dg.RunRequest]:
    """One run per cadence for the files that arrived."""
    cadences: dict[bool, list[tuple[InboxFile, str]]] = {}
    for f, digest in files:
        assert f.feed is not None
        cadences.setdefault(f.feed.is_monthly, []).append((f, digest))
    return [_request(group, attempt) for _, group in sorted(cadences.items(), reverse=True)]


def _releases(context: dg.SensorEvaluationContext, data_home: DataHome, first: str) -> list[dg.RunRequest]:
    """One run per release the console recorded and no run has applied: the run applies it
    before reading the held file, which loads (the run key makes a request run once)."""
    requests = []
    for request_id, feed_name, period in pending_releases(data_home.settings()):
        feed = FEEDS_BY_NAME.get(feed_name)
        if feed is None or period < first[: len(period)]:
            context.log.warning(f"放行申请 {feed_name} {period} 不在本区的数据源或期间内，未处理")
            continue
        requests.append(
            dg.RunRequest(
                job_name=MONTHLY_JOB_NAME if feed.is_monthly else ANNUAL_JOB_NAME,
                run_key=f"release:{request_id}",
                partition_key=period,
                asset_selection=[feed_asset_key(feed)],
                tags={RELEASE_TAG: str(request_id)},
            )
        )
    return requests


def _retries(
    context: dg.SensorEvaluationContext, files: dict[str, InboxFile], current: dict[str, str], attempts: dict[str, int]
) -> list[dg.RunRequest]:
    """Runs of the current version of a file that failed or were stopped: asked for again. A file
    whose content is bad is recorded as ingested (the loader logs it and waits for a new version),
    so what comes back here failed for a passing reason: a lock, a killed process, a full disk."""
    requests = []
    for record in context.instance.get_run_records(dg.RunsFilter(statuses=RETRIED), limit=200):
        tags = record.dagster_run.tags
        if tags.get(VERSION_TAG) is None:
            continue  # not the sensor's
        attempt = int(tags.get(ATTEMPT_TAG, "1"))
        again = []
        for version in _versions(tags[VERSION_TAG]):
            relative = version.rsplit("@", 1)[0]
            if relative not in files or version != f"{relative}@{current.get(relative)}":
                continue  # ingested since, or a newer version of the file came
            if attempts.get(version, 1) > attempt:
                continue  # already asked for again
            if attempt >= MAX_ATTEMPTS:
                context.log.warning(f"{relative} 已连续 {attempt} 次载入失败，不再自动重试，请查看运行日志")
                continue
            attempts[version] = attempt + 1
            again.append((files[relative], current[relative]))
        if again:
            requests += _by_cadence(again, attempt + 1)
    return requests


def build_inbox_sensor(first: str) -> dg.SensorDefinition:
    jobs = feed_jobs(first)

    @dg.sensor(
        name="inbox_sensor",
        description="收件箱有未载入过的文件版本（新文件或重新报送）时，载入该数据源的对应期间；"
        "pension-audit run 已载入的不再载入；因临时原因失败的载入在下一次检查时重试；"
        "控制台（数据源页面）放行的暂缓文件，由一次运行放行并载入",
        minimum_interval_seconds=60,
        jobs=list(jobs),
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def inbox_sensor(context: dg.SensorEvaluationContext, data_home: DataHome):
        """One run per file version nobody has ingested (the instance's record, shared with
        `pension-audit run`); the run key makes a version run once. A version whose run failed is
        asked for again at the next tick (up to MAX_ATTEMPTS)."""
        state = json.loads(context.cursor) if context.cursor else {}
        attempts: dict[str, int] = state.get("attempts", {})
        requested: dict[str, str] = state.get("requested", {})  # asked for, not yet recorded as ingested
        inbox = scan_inbox(data_home.settings().inbox_path)
        recorded = recorded_versions(context.instance, inbox)
        requests, files, current, touched, arrived = [], {}, {}, [], []
        for f in inbox:
            seen = recorded.get(f.relative)
            if seen and seen["signature"] == signature(f):
                current[f.relative] = seen["hash"]
                if f.well_named:
                    files[f.relative] = f
                continue
            digest = file_hash(f.path.read_bytes())
            current[f.relative] = digest
            if seen and seen["hash"] == digest:
                touched.append((f, digest))  # copied or touched, same content: nothing to load
            elif not f.well_named:
                context.log.warning(f"文件名不合规，未载入：{f.relative}")
                touched.append((f, digest))  # warned once per version
            elif requested.get(f.relative) == digest:
                files[f.relative] = f  # its run is under way (or failed: see the retries)
            elif f.period is not None and f.period < first[: len(f.period)]:
                context.log.warning(
                    f"{f.relative} 早于本区数据起始期间 {first}，未载入；请设置 PENSION_AUDIT_DATA_START 后重新加载定义"
                )
            else:
                files[f.relative] = f
                requested[f.relative] = digest
                arrived.append((f, digest))
        requests += _by_cadence(arrived)
        record_versions(context.instance, touched)
        requests += _retries(context, files, current, attempts)
        requests += _releases(context, data_home, first)
        live = {f"{relative}@{digest}" for relative, digest in current.items()}
        attempts = {version: n for version, n in attempts.items() if version.split("#")[0] in live}
        requested = {
            relative: digest
            for relative, digest in requested.items()
            if f"{relative}@{digest}" in live and recorded.get(relative, {}).get("hash") != digest
        }
        return dg.SensorResult(
            run_requests=requests, cursor=json.dumps({"attempts": attempts, "requested": requested}, ensure_ascii=False)
        )

    return inbox_sensor
