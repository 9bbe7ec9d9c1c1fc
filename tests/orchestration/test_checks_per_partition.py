"""Each period's check results are Dagster's under that period's partition, even when one run
loads several periods (issue 15): what the UI shows on a feed asset's checks, period by period."""

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from orchestration.feed_assets import first_month, monthly_partitions
from orchestration.run import dagster_instance, load_feeds
from pension_audit.settings import Settings
from tests.conftest import write_csv

HEADER = "个人编号,姓名,证件号码,所属年月,发放类型,实发金额,发放状态,发放年月"
PAYMENTS = dg.AssetKey(["raw", "payments"])
BAD_CHECK_DIGIT = "150102198807303036"  # loads (the ID is informational), but the quality check warns
Evaluation = tuple[str, bool, dg.AssetCheckSeverity]


def _payments(inbox, month: str, id_number: str = "150102198807303035", amount: str = "203.00"):
    write_csv(
        inbox / f"payments/{month}.csv",
        [HEADER, f"1504040001,王芳,{id_number},{month},正常发放,{amount},成功,{month}"],
    )


def _evaluations(instance: dg.DagsterInstance, check: str) -> dict[str, list[Evaluation]]:
    """Every evaluation of a check of raw/payments by partition, newest first: (run, passed, severity)."""
    by_partition: dict[str, list[Evaluation]] = {}
    for record in instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(PAYMENTS, check), limit=100
    ):
        event = record.event.dagster_event if record.event else None
        if event is None or event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue  # planned, not evaluated
        evaluation = event.asset_check_evaluation_data
        assert record.partition == evaluation.partition
        by_partition.setdefault(str(record.partition), []).append(
            (record.run_id, evaluation.passed, evaluation.severity)
        )
    return by_partition


def _shown(instance: dg.DagsterInstance, settings: Settings, check: str) -> dict[str, list[str]]:
    """The partitions of each status the UI shows for a check of raw/payments (its partition
    statuses come from this state)."""
    key = dg.AssetCheckKey(PAYMENTS, check)
    state = instance.event_log_storage.get_asset_check_state([(key, monthly_partitions(first_month(settings)))])[key]
    return {
        status.value: sorted(subset.subset_value.get_partition_keys())
        for status, subset in state.subsets.items()
        if not subset.is_empty
    }


def test_two_periods_loaded_in_one_run_have_each_their_own_check_evaluation(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    _payments(inbox, "2025-01")
    _payments(inbox, "2025-02", BAD_CHECK_DIGIT)
    assert load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-02") == []

    with dagster_instance(settings) as instance:
        (run,) = instance.get_run_records()
        run_id = run.dagster_run.run_id
        assert _evaluations(instance, "structure") == {
            "2025-01": [(run_id, True, dg.AssetCheckSeverity.ERROR)],
            "2025-02": [(run_id, True, dg.AssetCheckSeverity.ERROR)],
        }
        assert _evaluations(instance, "quality") == {
            "2025-01": [(run_id, True, dg.AssetCheckSeverity.WARN)],
            "2025-02": [(run_id, False, dg.AssetCheckSeverity.WARN)],
        }
        assert _shown(instance, settings, "quality") == {"SUCCEEDED": ["2025-01"], "FAILED": ["2025-02"]}
        assert _shown(instance, settings, "structure") == {"SUCCEEDED": ["2025-01", "2025-02"]}
        # What a period failed on is in its own evaluation.
        (failed,) = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(PAYMENTS, "quality"), limit=10, status={AssetCheckExecutionRecordStatus.FAILED}
        )
        assert failed.event and failed.event.dagster_event
        failures = failed.event.dagster_event.asset_check_evaluation_data.metadata["failures"].value
        assert list(failures) == ["2025-02"] and "证件号码" in failures["2025-02"][0]


def test_periods_a_run_spans_without_loading_them_keep_their_check_results(inbox, tmp_path):
    settings = Settings(home=tmp_path / "home", inbox=inbox)
    _payments(inbox, "2025-01")
    _payments(inbox, "2025-02", BAD_CHECK_DIGIT)
    _payments(inbox, "2025-03")
    assert load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-03") == []
    _payments(inbox, "2025-01", amount="150.00")  # re-sent
    _payments(inbox, "2025-04")  # new: one run over 2025-01..2025-04 loads these two only
    assert (
        load_feeds(settings.model_dump(), ["payments"], "2025-01", "2025-04", {"payments": ["2025-01", "2025-04"]})
        == []
    )

    with dagster_instance(settings) as instance:
        second, first = (r.dagster_run.run_id for r in instance.get_run_records())
        quality = _evaluations(instance, "quality")
        assert quality["2025-01"] == [
            (second, True, dg.AssetCheckSeverity.WARN),
            (first, True, dg.AssetCheckSeverity.WARN),
        ]
        assert quality["2025-04"] == [(second, True, dg.AssetCheckSeverity.WARN)]
        # February and March were not loaded again: their results stand as the first run judged them.
        assert [passed for _, passed, _ in quality["2025-02"]] == [False, False]
        assert [passed for _, passed, _ in quality["2025-03"]] == [True, True]
        assert _shown(instance, settings, "quality") == {
            "SUCCEEDED": ["2025-01", "2025-03", "2025-04"],
            "FAILED": ["2025-02"],
        }
        (carried, _) = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(PAYMENTS, "quality"), limit=10, status={AssetCheckExecutionRecordStatus.FAILED}
        )
        assert carried.event and carried.event.dagster_event
        assert carried.event.dagster_event.asset_check_evaluation_data.metadata["checked_in_run"].value == first
