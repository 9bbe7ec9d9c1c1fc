"""`pension-audit run` loads what arrived in one Dagster run per cadence: a re-sent old month
and a new month are one run, and the months between are not materialised again."""

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.feed_assets import first_month, monthly_partitions
from orchestration.resources import DataHome
from orchestration.run import dagster_instance, load_batches, load_feeds
from orchestration.sensors import build_inbox_sensor
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings
from tests.conftest import write_csv, write_xlsx

HEADER = "个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月"
PAYMENTS = dg.AssetKey(["raw", "payments"])


def _payments(inbox, month: str, amount: str = "203.00"):
    write_csv(inbox / f"payments/{month}.csv", [HEADER, f"1504040001,王芳,{month},正常发放,{amount},成功,{month}"])


def _deaths(inbox, period: str):
    write_xlsx(
        inbox / f"cdc_deaths/{period}.xlsx",
        [["姓名", "有效证件号码", "死亡日期"], ["李四", "150102880730303", f"{period}-04"]],
    )


def test_a_resent_old_month_and_a_new_month_are_one_run_and_the_months_between_stay_as_they_were(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    for month in ("2025-01", "2025-02", "2025-03"):
        _payments(inbox, month)
    _deaths(inbox, "2025-02")
    for feeds, first, last, periods in load_batches(
        {"payments": ["2025-01", "2025-02", "2025-03"], "cdc_deaths": ["2025-02"]}
    ):
        assert load_feeds(settings.model_dump(), feeds, first, last, periods) == []

    _payments(inbox, "2025-01", "150.00")  # re-sent
    _payments(inbox, "2025-04")  # new
    _deaths(inbox, "2025-04")
    pending = {"cdc_deaths": ["2025-04"], "payments": ["2025-01", "2025-04"]}
    (batch,) = load_batches(pending)
    assert batch == (["cdc_deaths", "payments"], "2025-01", "2025-04", pending)
    assert load_feeds(settings.model_dump(), *batch) == []

    with dagster_instance(settings) as instance:
        runs = instance.get_run_records()
        assert len(runs) == 2, "the first load and the second: one run each"
        second = runs[0].dagster_run.run_id
        payments = instance.fetch_materializations(PAYMENTS, limit=100).records
        assert sorted(r.partition_key for r in payments if r.run_id == second) == ["2025-01", "2025-04"]
        deaths = instance.fetch_materializations(dg.AssetKey(["raw", "cdc_deaths"]), limit=100).records
        assert sorted(r.partition_key for r in deaths if r.run_id == second) == ["2025-04"]
        status = instance.get_status_by_partition(
            PAYMENTS, ["2025-01", "2025-02", "2025-03", "2025-04"], monthly_partitions(first_month(settings))
        )
        assert set(status.values()) == {dg.AssetPartitionStatus.MATERIALIZED}
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(PAYMENTS, "structure"), dg.AssetCheckKey(PAYMENTS, "quality")]
        )
        assert {key.name: c.run_id for key, c in checks.items()} == {"structure": second, "quality": second}
    with Warehouse(settings.warehouse_path) as wh:
        loaded = wh.con.execute("SELECT _period, amount FROM raw.payments ORDER BY _period").fetchall()
        checked = wh.con.execute(
            "SELECT DISTINCT period FROM meta.check_results WHERE feed = 'payments' ORDER BY period"
        ).fetchall()
    assert [(p, str(a)) for p, a in loaded] == [
        ("2025-01", "150.00"),
        ("2025-02", "203.00"),
        ("2025-03", "203.00"),
        ("2025-04", "203.00"),
    ]
    assert [p for (p,) in checked] == ["2025-01", "2025-02", "2025-03", "2025-04"]


def test_the_sensor_asks_for_one_run_per_cadence_for_what_arrived(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    for month in ("2025-01", "2025-02"):
        _payments(inbox, month)
    assert load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-02") == []
    _payments(inbox, "2025-01", "150.00")  # re-sent
    _payments(inbox, "2025-03")  # new
    _deaths(inbox, "2025-03")
    write_csv(inbox / "disability_severe/2025.csv", ["姓名"])  # an annual feed: its own run
    resources = {"data_home": DataHome.from_settings(settings)}
    with dagster_instance(settings) as instance:
        tick = build_inbox_sensor(first_month(settings))(
            dg.build_sensor_context(instance=instance, resources=resources)
        )
        monthly, annual = tick.run_requests
        assert (annual.job_name, annual.partition_key) == ("annual_feeds", "2025")
        assert monthly.job_name == "monthly_feeds" and monthly.partition_key is None
        assert (
            monthly.tags["dagster/asset_partition_range_start"],
            monthly.tags["dagster/asset_partition_range_end"],
        ) == (
            "2025-01",
            "2025-03",
        )
        assert set(monthly.asset_selection) == {PAYMENTS, dg.AssetKey(["raw", "cdc_deaths"])}
        ran = (
            build_definitions(settings)
            .resolve_job_def(monthly.job_name)
            .execute_in_process(
                instance=instance,
                tags=monthly.tags,
                run_config=monthly.run_config,
                asset_selection=monthly.asset_selection,
            )
        )
        assert ran.success
        payments = instance.fetch_materializations(PAYMENTS, limit=100).records
        assert sorted(r.partition_key for r in payments if r.run_id == ran.run_id) == ["2025-01", "2025-03"]
        assert (
            build_inbox_sensor(first_month(settings))(
                dg.build_sensor_context(instance=instance, cursor=tick.cursor, resources=resources)
            ).run_requests
            == []
        ), "what the run loaded is not asked for again"
