"""The calendar check: a daily schedule in 北京时间, on by default, that alerts on every
feed-period past its due date that has not arrived."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from orchestration.late_feeds import late_feed_alerts, late_feeds
from orchestration.resources import DataHome
from orchestration.sensors import CALENDAR_SCHEDULE
from pension_audit.settings import Settings


def test_the_schedule_ticks_every_morning_in_beijing_time():
    assert CALENDAR_SCHEDULE.default_status is dg.DefaultScheduleStatus.RUNNING
    assert CALENDAR_SCHEDULE.execution_timezone == "Asia/Shanghai"
    tick = dt.datetime(2026, 3, 6, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with dg.instance_for_test() as instance:
        result = CALENDAR_SCHEDULE.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        )
    assert len(result.run_requests) == 1


def test_every_late_feed_period_is_an_alert_in_the_run_output(tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    settings.home.mkdir()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("CREATE SCHEMA published")
        con.execute("""CREATE TABLE published.feed_calendar AS SELECT * FROM (VALUES
            ('payments', '2025-06', DATE '2025-07-05', 'missing', NULL, NULL),
            ('contributions', '2025-07', DATE '2025-08-10', 'failed', 'empty', 'contributions/2025-07.csv：文件为空'))
            AS t(feed, period, due_on, status, reason, message)""")
    alerts = late_feed_alerts(settings.warehouse_path)
    assert alerts == [
        (
            "逾期：缴费登记台账（contributions）2025-07 应于 2025-08-10 前报送，未能载入："
            "contributions/2025-07.csv：文件为空"
        ),
        "逾期：待遇发放明细（payments）2025-06 应于 2025-07-05 前报送，未收到",
    ]
    result = dg.materialize([late_feeds], resources={"data_home": DataHome.from_settings(settings)})
    (materialization,) = result.asset_materializations_for_node(late_feeds.op.name)
    assert materialization.metadata["late"].value == 2
    assert "待遇发放明细（payments）2025-06" in materialization.metadata["alerts"].value
