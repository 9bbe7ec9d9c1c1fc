"""`pension-audit run` and the Dagster sensor share one instance and one record of what was
ingested: after a run the sensor asks for nothing; a re-sent file is exactly one run. Real
Dagster: the data home's instance in a temporary DAGSTER_HOME, the sensor evaluated against it."""

import datetime as dt
import os

import dagster as dg

from orchestration.feed_assets import first_month, monthly_partitions
from orchestration.resources import DataHome
from orchestration.run import dagster_instance, load_batches, load_feeds, refused_in_ranges
from orchestration.sensors import build_inbox_sensor
from pension_audit.settings import Settings
from tests.conftest import write_csv

HEADER = "个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月"


def _payments(inbox, month: str, amount: str = "203.00"):
    return write_csv(
        inbox / f"payments/{month}.csv", [HEADER, f"1504040001,王芳,{month},正常发放,{amount},成功,{month}"]
    )


def _tick(settings: Settings, instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    sensor = build_inbox_sensor(first_month(settings))
    return sensor(
        dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"data_home": DataHome.from_settings(settings)}
        )
    )


def test_after_a_run_the_sensor_asks_for_nothing_and_a_resent_file_is_one_run(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    for month in ("2025-01", "2025-02", "2025-03"):
        _payments(inbox, month)
    # What `pension-audit run` does to load: the feed asset materialised in the data home's instance.
    assert load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-03") == []
    with dagster_instance(settings) as instance:
        first = _tick(settings, instance)
        assert first.run_requests == [], "the sensor knows what the run loaded"
        # Touched, same bytes: nothing to load.
        path = inbox / "payments/2025-02.csv"
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        assert _tick(settings, instance, first.cursor).run_requests == []
        # One re-sent file: exactly one run, of its feed and period.
        _payments(inbox, "2025-02", "150.00")
        resent = _tick(settings, instance, first.cursor)
        (request,) = resent.run_requests
        assert (request.partition_key, request.asset_selection) == ("2025-02", [dg.AssetKey(["raw", "payments"])])
        assert _tick(settings, instance, resent.cursor).run_requests == [], "asked for once"


def test_a_period_with_nothing_new_is_not_materialised_again(inbox, tmp_path):
    """The run loads only the pending periods: a re-sent month is one partition, not a range."""
    pending = {"payments": ["2025-02"], "roster": ["2025-01", "2025-02", "2025-04"]}
    assert load_batches(pending) == [(["payments", "roster"], "2025-01", "2025-04", pending)]
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    for month in ("2025-01", "2025-02", "2025-03"):
        _payments(inbox, month)
    load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-03")
    _payments(inbox, "2025-02", "150.00")
    load_feeds(settings.model_dump(), ["payments"], "2025-02", "2025-02")
    with dagster_instance(settings) as instance:
        events = instance.fetch_materializations(dg.AssetKey(["raw", "payments"]), limit=100).records
        partitions = sorted(e.partition_key for e in events)
    assert partitions == ["2025-01", "2025-02", "2025-02", "2025-03"]


def test_a_period_whose_file_failed_shows_as_failed(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    _payments(inbox, "2025-01")
    (inbox / "payments/2025-02.csv").write_bytes(b"")  # empty: refused
    assert load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-01") == []
    assert load_feeds(settings.model_dump(), ["payments"], "2025-02", "2025-02") == [], (
        "a refused file is not a failed run of the pipeline"
    )
    with dagster_instance(settings) as instance:
        materialized = {
            e.partition_key for e in instance.fetch_materializations(dg.AssetKey(["raw", "payments"]), limit=10).records
        }
        assert materialized == {"2025-01"}
        failed = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert [r.dagster_run.tags.get("dagster/partition") for r in failed] == ["2025-02"]


def test_a_refused_file_inside_a_range_is_run_again_alone_and_shows_as_failed(inbox, tmp_path):
    """A cold start loads a range of periods in one run; the period whose file was refused is
    then run alone, so Dagster shows it failed, not materialised with its neighbours."""
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    _payments(inbox, "2025-01")
    (inbox / "payments/2025-02.csv").write_bytes(b"")
    _payments(inbox, "2025-03")
    started = dt.datetime.now().replace(microsecond=0) - dt.timedelta(seconds=1)
    pending = {"payments": ["2025-01", "2025-02", "2025-03"]}
    load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-03")
    assert refused_in_ranges(settings, pending, started) == [("payments", "2025-02")]
    assert load_feeds(settings.model_dump(), ["payments"], "2025-02", "2025-02") == []
    with dagster_instance(settings) as instance:
        failed = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert [r.dagster_run.tags.get("dagster/partition") for r in failed] == ["2025-02"]
        status = instance.get_status_by_partition(
            dg.AssetKey(["raw", "payments"]),
            ["2025-01", "2025-02", "2025-03"],
            monthly_partitions(first_month(settings)),
        )
        assert status == {
            "2025-01": dg.AssetPartitionStatus.MATERIALIZED,
            "2025-02": dg.AssetPartitionStatus.FAILED,
            "2025-03": dg.AssetPartitionStatus.MATERIALIZED,
        }
        # The sensor has nothing to ask for: the refused version is recorded too.
        assert _tick(settings, instance).run_requests == []
