"""A release requested on the console takes effect with the daemon alone: the inbox sensor asks
for one run of the held file's feed and period, the run applies the request before reading the
file, and the file loads. Real Dagster: the data home's instance, the sensor evaluated against
it, the run it asks for executed in it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy import select

from casework.db import migrate, open_store, session_factory, transaction
from casework.models import FeedRelease, User
from casework.services.feed_releases import request_release
from orchestration.feed_assets import feed_assets, first_month
from orchestration.resources import DataHome
from orchestration.run import dagster_instance, load_feeds
from orchestration.sensors import RELEASE_TAG, build_inbox_sensor, feed_jobs
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings
from tests.ingest.test_drift import payments
from tests.orchestration.held_files import held_and_published


def _tick(settings: Settings, instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    sensor = build_inbox_sensor(first_month(settings))
    return sensor(
        dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"data_home": DataHome.from_settings(settings)}
        )
    )


def _file_log(settings: Settings, period: str) -> list[tuple]:
    with Warehouse(settings.warehouse_path) as wh:
        return wh.con.execute(
            "SELECT status, rows_loaded FROM meta.file_log WHERE feed = 'payments' AND period = ?"
            " ORDER BY ingested_at, status",
            [period],
        ).fetchall()


def test_a_console_release_is_one_sensor_run_that_loads_the_held_file(inbox: Path, tmp_path: Path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    for month in range(1, 5):
        payments(inbox, f"2025-{month:02d}", 60)
    payments(inbox, "2025-05", 4)  # a tenth of the usual: held
    load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-05")
    assert _file_log(settings, "2025-05") == [("held", 0)]
    engine = open_store(settings)
    migrate(engine)
    with transaction(session_factory(engine, writing=True)) as s:
        held_and_published(s, "2025-05")
    engine.dispose()

    with dagster_instance(settings) as instance:
        quiet = _tick(settings, instance)
        assert quiet.run_requests == [], "nothing new, nothing released: nothing to run"

        engine = open_store(settings)
        with transaction(session_factory(engine, writing=True)) as s:
            shuju = s.scalars(select(User).where(User.username == "shuju")).one()
            request_id = request_release(s, shuju, "payments", "2025-05").id

        asked = _tick(settings, instance, quiet.cursor)
        (request,) = asked.run_requests
        assert (request.partition_key, request.asset_selection, request.tags[RELEASE_TAG]) == (
            "2025-05",
            [dg.AssetKey(["raw", "payments"])],
            str(request_id),
        )
        assert request.run_key == f"release:{request_id}", "one run per request"

        # The run the sensor asked for, executed in the data home's instance.
        first = first_month(settings)
        defs = dg.Definitions(
            assets=list(feed_assets(first).values()),
            jobs=list(feed_jobs(first)),
            resources={"data_home": DataHome.from_settings(settings)},
        )
        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            asset_selection=request.asset_selection,
            tags=request.tags,
        )
        assert result.success

        assert _file_log(settings, "2025-05") == [("released", 0), ("loaded", 4)]
        with session_factory(engine)() as s:
            release = s.get(FeedRelease, request_id)
            assert release is not None and release.applied_at is not None
            assert release.outcome == "已放行 payments/2025-05.csv"
        engine.dispose()
        assert _tick(settings, instance, asked.cursor).run_requests == [], "applied: asked for no more"
