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


@dg.sensor(
    name="inbox_sensor",
    description="收件箱有新文件或文件被重新报送时，载入该数据源的对应期间",
    minimum_interval_seconds=60,
    jobs=[MONTHLY_FEEDS_JOB, ANNUAL_FEEDS_JOB],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def inbox_sensor(context: dg.SensorEvaluationContext, data_home: DataHome):
    """One run per new file version: the cursor remembers each file's size and mtime, and
    the run key makes a file version run once even if the cursor is lost."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    requests = []
    for f in scan_inbox(data_home.settings().inbox_path):
        stat = f.path.stat()
        signature = f"{stat.st_size}:{stat.st_mtime_ns}"
        if seen.get(f.relative) == signature:
            continue
        seen[f.relative] = signature
        if f.well_named:
            job = MONTHLY_FEEDS_JOB if f.feed.is_monthly else ANNUAL_FEEDS_JOB
            requests.append(dg.RunRequest(
                job_name=job.name, run_key=f"{f.relative}@{signature}", partition_key=f.period,
                asset_selection=[feed_asset_key(f.feed)], tags={"inbox_file": f.relative}))
        else:
            context.log.warning(f"文件名不合规，未载入：{f.relative}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen, ensure_ascii=False))
