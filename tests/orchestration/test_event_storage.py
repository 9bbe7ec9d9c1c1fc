"""The runs' Dagster events are stored through one engine per database file, into the files
`dagster dev` reads with Dagster's own SQLite storage (the home's dagster.yaml)."""

from pathlib import Path

import dagster as dg

from orchestration.event_storage import SqliteEventLogStorageKeepingEngines
from orchestration.run import dagster_instance
from pension_audit.settings import Settings

MONTHS = dg.StaticPartitionsDefinition([f"2025-{m:02d}" for m in range(1, 13)])


@dg.asset(partitions_def=MONTHS, check_specs=[dg.AssetCheckSpec("rows", asset="monthly")])
def monthly(context: dg.AssetExecutionContext):
    yield dg.Output(None, metadata={"month": context.partition_key})
    yield dg.AssetCheckResult(check_name="rows", passed=context.partition_key != "2025-03")


def test_a_run_stores_its_events_with_one_engine_per_file_where_dagster_dev_reads_them(tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    with dagster_instance(settings) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, SqliteEventLogStorageKeepingEngines)
        runs = [dg.materialize([monthly], instance=instance, partition_key=key) for key in MONTHS.get_partition_keys()]
        assert all(run.success for run in runs)
        # Every event of twelve runs went through the kept engines: one per run's file, one index.
        assert set(storage._engines) == {run.run_id for run in runs} | {"index"}

    # Dagster's own storage, as `dagster dev` opens the home (its dagster.yaml), reads the same.
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as plain:
        assert type(plain.event_log_storage) is not SqliteEventLogStorageKeepingEngines
        assert {r.run_id for r in plain.get_runs()} == {run.run_id for run in runs}
        partitions = plain.get_materialized_partitions(dg.AssetKey("monthly"))
        assert partitions == set(MONTHS.get_partition_keys())
        failed = plain.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("monthly"), "rows"), limit=20
        )
        assert len(failed) == 12
        assert [r.status.value for r in failed].count("FAILED") == 1


def test_the_kept_connections_leave_the_files_to_dagsters_own_storage_while_open(tmp_path: Path):
    """The run's storage keeps a connection open on each file; Dagster's own storage, as the
    sensor and `dagster dev` open it (connections of their own), still writes and reads the same
    files meanwhile."""
    settings = Settings(home=tmp_path / "home")
    with dagster_instance(settings) as instance:
        first = dg.materialize([monthly], instance=instance, partition_key="2025-01")
        with dg.DagsterInstance.from_config(str(settings.dagster_home)) as plain:
            beside = dg.materialize([monthly], instance=plain, partition_key="2025-02")
            again = dg.materialize([monthly], instance=instance, partition_key="2025-03")
            assert first.success and beside.success and again.success
            partitions = {"2025-01", "2025-02", "2025-03"}
            assert plain.get_materialized_partitions(dg.AssetKey("monthly")) == partitions
            assert instance.get_materialized_partitions(dg.AssetKey("monthly")) == partitions


def test_a_home_whose_dagster_yaml_chooses_its_storage_keeps_it(tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    config = settings.prepare_dagster_home() / "dagster.yaml"
    elsewhere = tmp_path / "chosen"
    config.write_text(
        config.read_text(encoding="utf-8") + f"storage:\n  sqlite:\n    base_dir: {elsewhere}\n",
        encoding="utf-8",
    )
    with dagster_instance(settings) as instance:
        assert type(instance.event_log_storage) is not SqliteEventLogStorageKeepingEngines
        assert dg.materialize([monthly], instance=instance, partition_key="2025-01").success
    assert (elsewhere / "history" / "runs.db").exists()
