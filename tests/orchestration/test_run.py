"""`pension-audit run`: real Dagster materialisations on a persistent instance."""

import json

import dagster as dg
import duckdb
from click.testing import CliRunner

from orchestration.feed_assets import first_month, monthly_partitions
from orchestration.run import load_feeds
from pension_audit.cli import main
from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings
from tests.conftest import write_csv, write_xlsx

PAYMENTS = ["个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月"]


def test_run_loads_files_records_checks_and_a_rerun_does_nothing(inbox, tmp_path):
    for month in ("2025-01", "2025-02", "2025-03"):
        write_csv(
            inbox / f"payments/{month}.csv",
            PAYMENTS + [f"150404000{i},王芳,{month},正常发放,203.00,成功,{month}" for i in range(1, 4)],
        )
    write_xlsx(
        inbox / "cdc_deaths/2025-02.xlsx",
        [
            ["姓名", "有效证件号码", "死亡日期"],
            ["王芳", "1.50404195503E+17", "2025-02-03"],
            ["李四", "150102880730303", "2025-02-04"],
        ],
    )
    write_xlsx(inbox / "cdc_deaths/2025-03.xlsx", [["姓名"]])
    home = tmp_path / "home"
    runner = CliRunner()

    first = runner.invoke(main, ["run", "--inbox", str(inbox), "--home", str(home)])
    assert first.exit_code == 0, first.output
    assert "本次载入 4 个文件：10 行入库，1 行进入隔离区；1 个文件无法读取。" in first.output
    assert "发布到案件库：新增" in first.output and (home / "cases.sqlite").exists()
    assert "cdc_deaths/2025-03.xlsx：第 1 行表头缺少必填列：有效证件号码、死亡日期" in first.output

    # The time of each phase is shown and kept for the benchmarks.
    phases = json.loads((home / "last_run.json").read_text(encoding="utf-8"))
    assert {"scan", "load", "decisions", "dbt", "publish", "total"} <= set(phases)
    assert phases["total"] >= sum(v for k, v in phases.items() if k != "total")
    assert f"用时 {phases['total']:.1f} 秒（扫描收件箱" in first.output

    # Real materialisations on the instance in the data home: one run per run of pending periods.
    with dg.DagsterInstance.from_config(str(Settings(home=home).dagster_home)) as instance:
        payments = dg.AssetKey(["raw", "payments"])
        assert instance.get_materialized_partitions(payments) == {"2025-01", "2025-02", "2025-03"}
        records = instance.fetch_materializations(payments, limit=10).records
        assert len({r.run_id for r in records}) == 1  # one single-run backfill over the three months
        deaths_key = dg.AssetKey(["raw", "cdc_deaths"])
        deaths = instance.fetch_materializations(deaths_key, limit=10).records
        assert {r.partition_key for r in deaths} == {"2025-02", "2025-03"}
        # The month whose file was refused is run again alone and shows as failed.
        status = instance.get_status_by_partition(
            deaths_key, ["2025-02", "2025-03"], monthly_partitions(first_month(Settings(home=home, inbox=inbox)))
        )
        assert status == {"2025-02": dg.AssetPartitionStatus.MATERIALIZED, "2025-03": dg.AssetPartitionStatus.FAILED}
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(payments, "structure")]
        )
        assert checks[dg.AssetCheckKey(payments, "structure")].status.value == "SUCCEEDED"

    with dg.DagsterInstance.from_config(str(Settings(home=home).dagster_home)) as instance:
        runs = len(instance.get_run_records())
    again = runner.invoke(main, ["run", "--inbox", str(inbox), "--home", str(home)])
    assert "没有新文件或重新报送的文件，无需载入。" in again.output
    with dg.DagsterInstance.from_config(str(Settings(home=home).dagster_home)) as instance:
        assert len(instance.get_run_records()) == runs, "nothing arrived: no Dagster run at all"

    exported = runner.invoke(main, ["quarantine", "--home", str(home), "--format", "csv"])
    assert exported.output.splitlines() == [
        "feed,period,row,column,value,reason",
        "cdc_deaths,2025-02,2,id_number,1.50404195503E+17,unrecoverable_id",
    ]


def test_a_feed_whose_step_fails_is_named_and_the_others_in_its_run_still_load(inbox, tmp_path):
    write_csv(inbox / "payments/2025-01.csv", PAYMENTS + ["1504040001,王芳,2025-01,正常发放,203.00,成功,2025-01"])
    write_xlsx(
        inbox / "cdc_deaths/2025-01.xlsx",
        [["姓名", "有效证件号码", "死亡日期"], ["李四", "150102880730303", "2025-01-04"]],
    )
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    with Warehouse(settings.warehouse_path) as wh:  # a damaged warehouse: the deaths table lost a column
        wh.con.execute("ALTER TABLE raw.cdc_deaths DROP COLUMN death_date").fetchall()

    assert load_feeds(settings.model_dump(), ["cdc_deaths", "payments"], "2025-01", "2025-01") == ["cdc_deaths"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.payments").fetchone() == (1,)
