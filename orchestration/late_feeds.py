"""The calendar check: every feed-period past its due date that has not arrived (none, failed or
held) is a late-feed alert, in the run's output (Dagster's log, `pension-audit run`) and, once
published, on the console's 数据源 page. The calendar itself is decided in dbt
(`marts/feed_calendar`, from seeds/feed_due_dates.csv and the file log)."""

from pathlib import Path

import dagster as dg

from orchestration.case_store_assets import PUBLISHED_KEY
from orchestration.resources import DataHome
from orchestration.warehouse_queries import has_table, read
from pension_audit.ingest.feeds import FEEDS_BY_NAME

LATE_FEEDS_KEY = dg.AssetKey(["alerts", "late_feeds"])
CALENDAR_MODELS = [
    dg.AssetKey(["intermediate", "int_feed_periods"]),
    dg.AssetKey(["marts", "feed_calendar"]),
    dg.AssetKey(["published", "pub_feed_calendar"]),
]
STATUS_WORDS = {"missing": "未收到", "failed": "未能载入", "held": "暂缓载入"}


def late_feed_periods(warehouse: Path) -> list[tuple[str, str, str, str, str]]:
    """feed, period, due date, status, message of every feed-period late by the calendar."""
    if not has_table(warehouse, "published", "feed_calendar"):
        return []
    return read(
        warehouse,
        """SELECT feed, period, strftime(due_on, '%Y-%m-%d'), status, coalesce(message, '')
                              FROM published.feed_calendar ORDER BY feed, period""",
    )


def late_feed_alerts(warehouse: Path) -> list[str]:
    """One line per late feed-period, in Chinese."""
    lines = []
    for feed, period, due_on, status, message in late_feed_periods(warehouse):
        title = FEEDS_BY_NAME[feed].title if feed in FEEDS_BY_NAME else feed
        cause = f"：{message}" if message else ""
        lines.append(f"逾期：{title}（{feed}）{period} 应于 {due_on} 前报送，{STATUS_WORDS.get(status, status)}{cause}")
    return lines


@dg.asset(
    key=LATE_FEEDS_KEY,
    group_name="alerts",
    deps=[dg.AssetKey(["marts", "feed_calendar"])],
    description="按报送期限检查各数据源：已过期限而未到达（未报送、未能载入或暂缓）的期间逐一告警",
)
def late_feeds(context: dg.AssetExecutionContext, data_home: DataHome) -> dg.MaterializeResult:
    alerts = late_feed_alerts(data_home.settings().warehouse_path)
    for line in alerts:
        context.log.warning(line)
    if not alerts:
        context.log.info("各数据源均按期报送")
    return dg.MaterializeResult(
        metadata={
            "late": dg.MetadataValue.int(len(alerts)),
            "alerts": dg.MetadataValue.md("\n".join(f"- {line}" for line in alerts) or "无逾期"),
        }
    )


calendar_check_job = dg.define_asset_job(
    "feed_calendar_check",
    selection=dg.AssetSelection.assets(*CALENDAR_MODELS, LATE_FEEDS_KEY, PUBLISHED_KEY),
    description="按日历重算各数据源的逾期期间，告警并发布到案件库（数据源页面）",
)
