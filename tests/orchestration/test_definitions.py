"""What `dagster dev` shows: every feed asset, its checks, the sensor and the schedule."""

import json
import os

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.feed_assets import (
    feed_asset_key,
    first_month,
    monthly_partitions,
    yearly_partitions,
)
from orchestration.resources import DataHome
from orchestration.sensors import build_inbox_sensor
from pension_audit.ingest.feeds import FEEDS
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings, bureau_today
from tests.conftest import write_csv

# Its tests share a module fixture: one worker runs them all, so it is made once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("dagster-definitions")


def inbox_sensor(context: dg.SensorEvaluationContext):
    """The sensor as the definitions of the context's data home build it."""
    settings = context.resources.data_home.settings()
    return build_inbox_sensor(first_month(settings))(context)


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    return build_definitions(Settings(home=tmp_path_factory.mktemp("home")))


def test_definitions_load_as_dagster_dev_loads_them(defs):
    dg.Definitions.validate_loadable(defs)


def test_every_feed_is_an_asset_partitioned_by_its_cadence(defs):
    graph = defs.resolve_asset_graph()
    assert {feed_asset_key(f) for f in FEEDS} <= graph.get_all_asset_keys()
    for feed in FEEDS:
        node = graph.get(feed_asset_key(feed))
        first = bureau_today().strftime("%Y-%m")  # an empty inbox: partitions start this month
        assert node.partitions_def == (monthly_partitions(first) if feed.is_monthly else yearly_partitions(first))


def test_feed_partitions_start_where_the_districts_data_starts(inbox, tmp_path):
    write_csv(inbox / "payments/2024-11.csv", ["个人编号"])
    write_csv(inbox / "disability_severe/2024.csv", ["姓名"])
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    assert first_month(settings) == "2024-01"  # the annual file's year starts it
    keys = monthly_partitions(first_month(settings)).get_partition_keys()
    assert keys[0] == "2024-01" and "2015-01" not in keys
    configured = Settings(home=tmp_path / "home", inbox=inbox, data_start="2024-06")
    assert monthly_partitions(first_month(configured)).get_partition_keys()[0] == "2024-06"


def test_every_feed_asset_has_a_blocking_structure_check_and_a_quality_check(defs):
    checks = defs.resolve_asset_graph().asset_check_keys
    for feed in FEEDS:
        key = feed_asset_key(feed)
        assert dg.AssetCheckKey(key, "structure") in checks
        assert dg.AssetCheckKey(key, "quality") in checks
    specs = {s.key.name: s for s in defs.resolve_assets_def(feed_asset_key(FEEDS[0])).check_specs}
    assert specs["structure"].blocking and not specs["quality"].blocking


def test_sensor_and_the_calendar_check_are_defined_and_on(defs):
    assert defs.resolve_sensor_def("inbox_sensor").default_status is dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("feed_calendar_check")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status is dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "feed_calendar_check"
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["marts", "feed_calendar"]) in graph.get(dg.AssetKey(["alerts", "late_feeds"])).parent_keys


def test_sensor_requests_one_run_per_new_file_version(inbox, tmp_path):
    resources = {"data_home": DataHome.from_settings(Settings(home=tmp_path / "home", inbox=inbox))}
    write_csv(inbox / "payments/2025-03.csv", ["个人编号"])
    write_csv(inbox / "cdc_deaths/2025.csv", ["姓名"], "utf-8")  # badly named: reported, not run
    with dg.instance_for_test() as instance:
        first = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert [(r.job_name, r.partition_key, r.asset_selection) for r in first.run_requests] == [
            ("monthly_feeds", "2025-03", [dg.AssetKey(["raw", "payments"])])
        ]
        again = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources))
        assert again.run_requests == []
        path = inbox / "payments/2025-03.csv"
        write_csv(path, ["个人编号", "1504040001"])
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        resent = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources))
        assert len(resent.run_requests) == 1 and json.loads(resent.cursor)


def test_a_load_that_failed_for_a_passing_reason_is_asked_for_again_at_the_next_tick(inbox, tmp_path):
    """A lock, a killed process, a full disk: the run of a file version fails; the next tick asks
    for that version again (a new run key), and not once it is superseded by a newer version."""
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    resources = {"data_home": DataHome.from_settings(settings)}
    write_csv(
        inbox / "payments/2025-03.csv",
        [
            "个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月",
            "1504040001,王芳,2025-03,正常发放,203.00,成功,2025-03",
        ],
    )
    with Warehouse(settings.warehouse_path) as wh:  # the passing trouble: a damaged table
        wh.con.execute("ALTER TABLE raw.payments DROP COLUMN amount").fetchall()
    definitions = build_definitions(settings)
    with dg.instance_for_test() as instance:
        first = inbox_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        (request,) = first.run_requests
        ran = definitions.resolve_job_def(request.job_name).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            raise_on_error=False,
            asset_selection=request.asset_selection,
        )
        assert not ran.success
        retried = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources))
        (again,) = retried.run_requests
        assert again.run_key == f"{request.run_key}#2" and again.tags["pension_audit/attempt"] == "2"
        quiet = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=retried.cursor, resources=resources))
        assert quiet.run_requests == [], "asked for again once, not at every tick"


def test_lineage_runs_unbroken_from_each_feed_to_the_findings(defs):
    graph = defs.resolve_asset_graph()
    for feed in FEEDS:
        staging = dg.AssetKey(["staging", f"stg_{feed.name}"])
        assert feed_asset_key(feed) in graph.get(staging).parent_keys
    upstream = graph.get(dg.AssetKey(["marts", "findings"])).parent_keys
    # The inspection lists make up the findings (lineage reads: inspect_<type> → findings).
    assert {dg.AssetKey(["marts", f"inspect_{t}"]) for t in ("death", "subsidy_missed", "disbursement_gap")} <= upstream
    ancestors = set()
    frontier = {dg.AssetKey(["marts", "findings"])}
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                if graph.has(parent):
                    frontier.add(parent)
    assert {feed_asset_key(f) for f in FEEDS if not f.enriches_only} <= ancestors
    assert dg.AssetKey(["intermediate", "int_findings_triggered"]) in ancestors
    assert dg.AssetKey(["intermediate", "int_findings_awaiting"]) in ancestors


def test_the_case_store_sits_at_both_ends_of_the_dbt_build(defs):
    """Decisions flow in through the dbt source `casework`; the marts the workflow reads flow
    out into the case store."""
    graph = defs.resolve_asset_graph()
    decisions, published = dg.AssetKey(["case_store", "decisions"]), dg.AssetKey(["case_store", "published"])
    for staging in ("stg_case_findings", "stg_payroll_holds"):
        assert decisions in graph.get(dg.AssetKey(["staging", staging])).parent_keys
    assert {
        dg.AssetKey(["published", name])
        for name in (
            "pub_findings",
            "pub_hold_recommendations",
            "pub_settlement_basis",
            "pub_person_events",
            "pub_build",
        )
    } <= graph.get(published).parent_keys
    assert graph.get(dg.AssetKey(["published", "pub_findings"])).parent_keys == {dg.AssetKey(["marts", "findings"])}
    assert graph.get(decisions).partitions_def is None and graph.get(published).partitions_def is None
