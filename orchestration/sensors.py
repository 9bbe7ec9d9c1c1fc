"""When Dagster runs as a service: a sensor on the inbox and a monthly schedule."""


import json

import dagster as dg

from orchestration.feed_assets import MONTHLY, YEARLY, feed_asset_key
from orchestration.resources import DataHome
from pension_audit.ingest.feeds import FEEDS
from pension_audit.ingest.reader import scan_inbox

MONTHLY_FEEDS_JOB = dg.define_asset_job(
    "monthly_feeds",
    selection=dg.AssetSelection.assets(*(feed_asset_key(f) for f in FEEDS if f.is_monthly)),
    partitions_def=MONTHLY,
    description="每月载入各月报数据源的当月文件",
)

ANNUAL_FEEDS_JOB = dg.define_asset_job(
    "annual_feeds",
    selection=dg.AssetSelection.assets(*(feed_asset_key(f) for f in FEEDS if not f.is_monthly)),
    partitions_def=YEARLY,
    description="载入各年报数据源的文件",
)

# The 5th of each month at 02:00: the month's files are in by then.
MONTHLY_SCHEDULE = dg.build_schedule_from_partitioned_job(
    MONTHLY_FEEDS_JOB, day_of_month=5, hour_of_day=2, description="每月5日凌晨载入上月文件")


# Tags on the sensor's runs: the file version a run loads, and which attempt at it this is.
FILE_TAG, VERSION_TAG, ATTEMPT_TAG = "inbox_file", "pension_audit/file_version", "pension_audit/attempt"
MAX_ATTEMPTS = 5
RETRIED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _request(f, signature: str, attempt: int = 1) -> dg.RunRequest:
    version = f"{f.relative}@{signature}"
    job = MONTHLY_FEEDS_JOB if f.feed.is_monthly else ANNUAL_FEEDS_JOB
    return dg.RunRequest(job_name=job.name, run_key=version if attempt == 1 else f"{version}#{attempt}",
                         partition_key=f.period, asset_selection=[feed_asset_key(f.feed)],
                         tags={FILE_TAG: f.relative, VERSION_TAG: version, ATTEMPT_TAG: str(attempt)})


def _retries(context: dg.SensorEvaluationContext, files: dict, seen: dict[str, str],
             attempts: dict[str, int]) -> list[dg.RunRequest]:
    """Runs of the current version of a file that failed or were stopped: asked for again. A file
    whose content is bad does not fail its run (the loader logs it and waits for a new version),
    so what comes back here failed for a passing reason: a lock, a killed process, a full disk."""
    requests = []
    for record in context.instance.get_run_records(dg.RunsFilter(statuses=RETRIED), limit=200):
        tags = record.dagster_run.tags
        version, relative = tags.get(VERSION_TAG), tags.get(FILE_TAG)
        if version is None or relative is None or relative not in files \
                or version != f"{relative}@{seen.get(relative)}":
            continue  # not the sensor's, or a newer version of the file came since
        attempt = int(tags.get(ATTEMPT_TAG, "1"))
        if attempts.get(version, 1) > attempt:
            continue  # already asked for again
        if attempt >= MAX_ATTEMPTS:
            context.log.warning(f"{relative} 已连续 {attempt} 次载入失败，不再自动重试，请查看运行日志")
            continue
        attempts[version] = attempt + 1
        requests.append(_request(files[relative], seen[relative], attempt + 1))
    return requests


@dg.sensor(
    name="inbox_sensor",
    description="收件箱有新文件或文件被重新报送时，载入该数据源的对应期间；因临时原因失败的载入在下一次检查时重试",
    minimum_interval_seconds=60,
    jobs=[MONTHLY_FEEDS_JOB, ANNUAL_FEEDS_JOB],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def inbox_sensor(context: dg.SensorEvaluationContext, data_home: DataHome):
    """One run per new file version: the cursor remembers each file's size and mtime, and the
    run key makes a file version run once even if the cursor is lost. A version whose run
    failed is asked for again at the next tick (up to MAX_ATTEMPTS)."""
    state = json.loads(context.cursor) if context.cursor else {}
    seen: dict[str, str] = state.get("files", {})
    attempts: dict[str, int] = state.get("attempts", {})
    requests, files = [], {}
    for f in scan_inbox(data_home.settings().inbox_path):
        stat = f.path.stat()
        signature = f"{stat.st_size}:{stat.st_mtime_ns}"
        if f.well_named:
            files[f.relative] = f
        if seen.get(f.relative) == signature:
            continue
        seen[f.relative] = signature
        if f.well_named:
            requests.append(_request(f, signature))
        else:
            context.log.warning(f"文件名不合规，未载入：{f.relative}")
    requests += _retries(context, files, seen, attempts)
    current = {f"{relative}@{signature}" for relative, signature in seen.items()}
    attempts = {version: n for version, n in attempts.items() if version in current}
    return dg.SensorResult(run_requests=requests,
                           cursor=json.dumps({"files": seen, "attempts": attempts}, ensure_ascii=False))
