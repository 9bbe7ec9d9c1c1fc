"""Great Expectations validates freshly loaded periods in batches bounded by rows, so a cold
start over years of a district roster never holds them all in one DataFrame; each period's
results are kept beside the file they judged."""

from orchestration.feed_assets import validate_periods, validation_batches
from pension_audit.ingest.feeds import FEEDS_BY_NAME
from pension_audit.ingest.load import Warehouse
from pension_audit.ingest.reader import scan_inbox
from tests.conftest import write_csv


def test_periods_are_grouped_in_order_up_to_the_row_limit():
    counts = {"2024-01": 300, "2024-02": 300, "2024-03": 300, "2024-04": 50}
    assert validation_batches(counts, limit=650) == [["2024-01", "2024-02"], ["2024-03", "2024-04"]]


def test_a_period_larger_than_the_limit_is_a_batch_of_its_own():
    counts = {"2024-01": 10, "2024-02": 5_000, "2024-03": 10}
    assert validation_batches(counts, limit=100) == [["2024-01"], ["2024-02"], ["2024-03"]]


def test_every_period_is_validated_even_an_empty_one():
    counts = {"2024-01": 0, "2024-02": 0}
    assert [p for batch in validation_batches(counts, limit=1) for p in batch] == list(counts)


def test_each_periods_check_results_are_kept_with_its_file_and_replaced_when_checked_again(inbox, tmp_path):
    header = "个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月"
    for month in ("2025-01", "2025-02"):
        write_csv(inbox / f"payments/{month}.csv", [header, f"1504040001,王芳,{month},正常发放,203.00,成功,{month}"])
    payments = FEEDS_BY_NAME["payments"]
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        for file in scan_inbox(inbox):
            wh.ingest(file)
        for _ in range(2):  # checked again: replaced, not added to
            outcomes = validate_periods(wh, payments, ["2025-01", "2025-02"])
        kept = wh.con.execute("""
            SELECT c.period, count(*), bool_and(c.file_hash = f.file_hash), count(DISTINCT c.expectation)
            FROM meta.check_results c JOIN meta.file_log f USING (feed, period)
            WHERE c.feed = 'payments' GROUP BY c.period ORDER BY c.period""").fetchall()
    assert kept == [
        (period, len(outcomes[period].results), True, len({r.expectation for r in outcomes[period].results}))
        for period in ("2025-01", "2025-02")
    ]
    assert all(len(outcomes[period].results) > 0 for period in outcomes)
