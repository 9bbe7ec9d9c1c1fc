"""The one way into the platform's Dagster code: `dagster dev -m orchestration.definitions`.

The definitions are built when Dagster loads them, not at import: the settings are read then,
and the dbt manifest prepared (parsed under `dagster dev`, and wherever it is stale)."""

from __future__ import annotations

import dagster as dg

from orchestration.case_store_assets import CASE_STORE_ASSETS, REFERRAL_SCHEDULE, referral_job
from orchestration.dbt_assets import build_dbt_models, dbt_resource
from orchestration.dbt_project import DBT_PROJECT, PREPARER, prepare_manifest
from orchestration.feed_assets import feed_assets, first_month
from orchestration.late_feeds import calendar_check_job, late_feeds
from orchestration.resources import DataHome
from orchestration.sensors import CALENDAR_SCHEDULE, build_inbox_sensor, feed_jobs
from pension_audit.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    PREPARER.prepare_if_dev(DBT_PROJECT)  # under `dagster dev`: parse on every load
    first = first_month(settings)  # the feed partitions start where the district's data starts
    return dg.Definitions(
        assets=[*feed_assets(first).values(), build_dbt_models(prepare_manifest()), *CASE_STORE_ASSETS, late_feeds],
        jobs=[*feed_jobs(first), calendar_check_job, referral_job],
        schedules=[CALENDAR_SCHEDULE, REFERRAL_SCHEDULE],
        sensors=[build_inbox_sensor(first)],
        resources={"data_home": DataHome.from_settings(settings), "dbt": dbt_resource()},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings())
