"""The structural checks that decide whether a period loads are computed in DuckDB, where the
loaded rows are; Great Expectations runs only the quality checks, over the columns they read.
Together they give, per period, exactly what the whole suite in GX gave before."""

import shutil

import duckdb

from expectations.structure import structural_results
from expectations.suites import ROW_KEY, STRUCTURAL, validate_periods
from orchestration.feed_assets import validate_periods as check_periods
from pension_audit.ingest.feeds import FEEDS, FEEDS_BY_NAME, Feed, Kind
from pension_audit.ingest.load import Warehouse, feed_table_columns
from pension_audit.ingest.reader import scan_inbox
from tests.conftest import write_csv


def _whole_suite_in_gx(con: duckdb.DuckDBPyConnection, feed: Feed, periods: list[str]) -> dict:
    """How the loader checked a period before: every column but names as they arrived, the
    whole suite (structural and quality) in one GX run."""
    names = [
        name
        for name, _ in feed_table_columns(feed)
        if not (name.endswith("_raw") and feed.column(name.removesuffix("_raw")).kind is Kind.NAME)
    ]
    amounts = {c.name for c in feed.columns if c.kind is Kind.AMOUNT}
    columns = ", ".join(f'CAST("{n}" AS DOUBLE) AS "{n}"' if n in amounts else f'"{n}"' for n in names)
    df = (
        con.sql(
            f"SELECT {columns} FROM {feed.table} WHERE _period IN (SELECT unnest($p)) ORDER BY _period, _row",
            params={"p": periods},
        )
        .to_arrow_table()
        .to_pandas(date_as_object=False)
    )
    previous = {}
    for period in periods:
        found = con.execute(
            "SELECT rows_loaded FROM meta.file_log WHERE feed = ? AND period < ? AND status = 'loaded' "
            "ORDER BY period DESC LIMIT 1",
            [feed.name, period],
        ).fetchall()
        previous[period] = found[0][0] if found else None
    return {p: o.to_dict() for p, o in validate_periods(feed, df, previous).items()}


def test_every_periods_check_results_on_the_small_district_are_what_the_whole_suite_gave(small_district, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(small_district.home / "warehouse.duckdb", warehouse)
    with Warehouse(warehouse) as wh:
        compared = 0
        for feed in FEEDS:
            periods = [
                p
                for (p,) in wh.con.execute(
                    "SELECT period FROM meta.file_log WHERE feed = ? AND status = 'loaded' ORDER BY period",
                    [feed.name],
                ).fetchall()
            ]
            before = _whole_suite_in_gx(wh.con, feed, periods)
            now = {p: o.to_dict() for p, o in check_periods(wh, feed, periods).items()}
            assert now == before, feed.name
            compared += len(periods)
        # What the run stored for the 数据源 page is the same as what is computed again here.
        stored = wh.con.execute("SELECT count(*) FROM meta.check_results").fetchone()
    assert compared > 300 and stored is not None and stored[0] > 4000


PAYMENTS = "个人编号,姓名,所属年月,发放类型,实发金额,发放状态,发放年月"


def test_a_damaged_period_fails_the_same_structural_checks_in_duckdb_as_in_gx(inbox, tmp_path):
    """Rows the loader would never write (a duplicate row number, an empty required value, a
    value outside the vocabulary, a month not the file's, a foreign lineage) put in by hand:
    DuckDB finds exactly the rows GX finds."""
    for month in ("2025-01", "2025-02"):
        write_csv(
            inbox / f"payments/{month}.csv",
            [PAYMENTS] + [f"150404000{i},王芳,{month},正常发放,203.00,成功,{month}" for i in range(1, 6)],
        )
    payments = FEEDS_BY_NAME["payments"]
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        for file in scan_inbox(inbox):
            wh.ingest(file)
        wh.con.execute(f"""
            INSERT INTO raw.payments (_feed, _period, _file_hash, {ROW_KEY}, person_no, pay_type, pay_status,
                                      pay_month, for_month, amount)
            VALUES ('payments', '2025-02', 'x', 3, '1504040009', '正常发放', '成功', DATE '2025-02-01',
                    DATE '2025-02-01', 1),
                   ('payments', '2025-02', 'x', 7, NULL, '其他类型', '成功', DATE '2025-03-01', DATE '2025-02-01', 1),
                   ('roster', '2025-02', 'x', NULL, '1504040008', '正常发放', '成功', NULL, NULL, NULL)""").fetchall()
        gx = _whole_suite_in_gx(wh.con, payments, ["2025-01", "2025-02"])
        duck = structural_results(wh.con, payments, ["2025-01", "2025-02"])
    for period in ("2025-01", "2025-02"):
        assert [r.__dict__ for r in duck[period]] == [r for r in gx[period]["results"] if r["severity"] == STRUCTURAL]
    failed = {r.check: (r.unexpected_count, r.unexpected_rows) for r in duck["2025-02"] if not r.success}
    assert failed == {
        f"unique:{ROW_KEY}": (2, [3, 3]),
        f"not_null:{ROW_KEY}": (1, []),
        "lineage:_feed": (1, []),
        "not_null:person_no": (1, [7]),
        "not_null:amount": (1, []),
        "not_null:pay_month": (1, []),
        "not_null:for_month": (1, []),
        "in_set:pay_type": (1, [7]),
        "period:pay_month": (1, [7]),
    }
    assert all(r.success for r in duck["2025-01"])
