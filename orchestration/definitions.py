"""The one way into the platform's Dagster code: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_manifest import ensure_manifest
from pension_audit.home import go_offline

go_offline()
ensure_manifest()  # the dbt assets below are built from it

from orchestration.case_store_assets import CASE_STORE_ASSETS, REFERRAL_SCHEDULE, referral_job
from orchestration.dbt_assets import DBT_OFFLINE, DBT_PROJECT, dbt_models
from orchestration.feed_assets import FEED_ASSETS
from orchestration.resources import DataHome
from orchestration.sensors import (
    ANNUAL_FEEDS_JOB,
    MONTHLY_FEEDS_JOB,
    MONTHLY_SCHEDULE,
    inbox_sensor,
)

defs = dg.Definitions(
    assets=[*FEED_ASSETS.values(), dbt_models, *CASE_STORE_ASSETS],
    jobs=[MONTHLY_FEEDS_JOB, ANNUAL_FEEDS_JOB, referral_job],
    schedules=[MONTHLY_SCHEDULE, REFERRAL_SCHEDULE],
    sensors=[inbox_sensor],
    resources={
        "data_home": DataHome(
            home=dg.EnvVar("PENSION_AUDIT_HOME"), inbox=dg.EnvVar("PENSION_AUDIT_INBOX")),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_OFFLINE)),
    },
    executor=dg.in_process_executor,
)
