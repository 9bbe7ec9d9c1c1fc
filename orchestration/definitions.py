"""The one way into the platform's Dagster code: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.feed_assets import FEED_ASSETS
from orchestration.resources import DataHome
from orchestration.sensors import MONTHLY_FEEDS_JOB, MONTHLY_SCHEDULE, inbox_sensor
from pension_audit.home import go_offline

go_offline()

defs = dg.Definitions(
    assets=list(FEED_ASSETS.values()),
    jobs=[MONTHLY_FEEDS_JOB],
    schedules=[MONTHLY_SCHEDULE],
    sensors=[inbox_sensor],
    resources={
        "data_home": DataHome(
            home=dg.EnvVar("PENSION_AUDIT_HOME"), inbox=dg.EnvVar("PENSION_AUDIT_INBOX")),
    },
    executor=dg.in_process_executor,
)
