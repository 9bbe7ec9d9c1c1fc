"""Great Expectations validates freshly loaded periods in batches bounded by rows, so a cold
start over years of a district roster never holds them all in one DataFrame."""

from orchestration.feed_assets import validation_batches


def test_periods_are_grouped_in_order_up_to_the_row_limit():
    counts = {"2024-01": 300, "2024-02": 300, "2024-03": 300, "2024-04": 50}
    assert validation_batches(counts, limit=650) == [["2024-01", "2024-02"], ["2024-03", "2024-04"]]


def test_a_period_larger_than_the_limit_is_a_batch_of_its_own():
    counts = {"2024-01": 10, "2024-02": 5_000, "2024-03": 10}
    assert validation_batches(counts, limit=100) == [["2024-01"], ["2024-02"], ["2024-03"]]


def test_every_period_is_validated_even_an_empty_one():
    counts = {"2024-01": 0, "2024-02": 0}
    assert [p for batch in validation_batches(counts, limit=1) for p in batch] == list(counts)
