"""Feeds that drift: a value no rule reads never costs its row, amounts come with units,
collapsed files are held until released (issue 15, items 1, 2 and 4)."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pension_audit.cli import main
from pension_audit.ingest.holds import History, hold_reason, load_thresholds, thresholds_for
from pension_audit.ingest.load import Warehouse
from pension_audit.ingest.reader import by_period, scan_inbox
from tests.conftest import write_csv, write_xlsx

CONTRIBUTIONS_HEADER = "个人编号,姓名,缴费年度,缴费档次,缴费金额,缴费方式,登记日期,乡镇(街道)代码"
PAYMENTS_HEADER = "个人编号,所属年月,发放类型,实发金额,发放状态,发放年月,基础养老金"


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def warehouse(home):
    with Warehouse(home / "warehouse.duckdb") as wh:
        yield wh


def ingest(wh: Warehouse, inbox: Path) -> dict:
    out = []
    for group in by_period(scan_inbox(inbox)).values():
        out += wh.ingest_period(group)
    return {o.relative: o for o in out}


def rows(wh, sql, params=None):
    return wh.con.execute(sql, params).fetchall()


def payments(inbox: Path, period: str, count: int, bad_amount_rows: int = 0) -> Path:
    lines = [PAYMENTS_HEADER]
    for i in range(count):
        amount = "20O.00" if i < bad_amount_rows else "203.00"
        lines.append(f"{1504040000 + i},{period},正常发放,{amount},成功,{period},183.00")
    return write_csv(inbox / f"payments/{period}.csv", lines)


# --- item 1: a row is quarantined only for what the findings need --------------------------


def test_unreadable_value_in_a_column_no_rule_reads_keeps_the_row(inbox, warehouse):
    write_csv(
        inbox / "contributions/2025-03.csv",
        [
            CONTRIBUTIONS_HEADER,
            "1504040001,王芳,2025,第2档,200.00,POS,2025-03-05,150404001",  # tier as a label
            "1504040002,李四,2025,２００元档,200.00,现金,2025-03-06,15040400",  # code one digit short
            "1504040003,张三,2025,300,30O.00,POS,2025-03-07,150404001",  # required amount: quarantined
            "1504040004,赵六,2025,400,,POS,2025-03-08,150404001",  # required amount missing
        ],
    )
    outcome = ingest(warehouse, inbox)["contributions/2025-03.csv"]
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (4, 2, 2)
    assert outcome.value_issues == 2
    assert rows(warehouse, "SELECT person_no, tier, amount, township_code FROM raw.contributions ORDER BY 1") == [
        ("1504040001", None, Decimal("200.00"), "150404001"),
        ("1504040002", Decimal("200.00"), Decimal("200.00"), None),
    ]
    assert rows(warehouse, "SELECT row_number, column_name, header, value, reason FROM meta.value_issues") == [
        (2, "tier", "缴费档次", "第2档", "invalid_amount"),
        (3, "township_code", "乡镇(街道)代码", "15040400", "invalid_code"),
    ]
    assert rows(warehouse, "SELECT row_number, column_name, reason FROM meta.quarantine ORDER BY 1") == [
        (4, "amount", "invalid_amount"),
        (5, "amount", "missing_required"),
    ]


def test_optional_column_that_decides_still_quarantines(inbox, warehouse):
    """刑期届满日期 is optional but the imprisonment rule reads it: an unreadable one costs the row."""
    write_xlsx(
        inbox / "court_sentences/2025-03.xlsx",
        [
            ["身份证号", "案号", "刑罚种类", "判决生效日期", "刑期届满日期", "罪名"],
            ["11010519491231002X", "(2025)蒙0404刑初1号", "有期徒刑", "2025-03-01", "2027-02-30", "盗窃罪"],
        ],
    )
    outcome = ingest(warehouse, inbox)["court_sentences/2025-03.xlsx"]
    assert (outcome.rows_loaded, outcome.rows_quarantined, outcome.value_issues) == (0, 1, 0)


def test_value_issue_keeps_the_value_exactly_as_it_arrived(inbox, warehouse):
    write_xlsx(
        inbox / "cdc_deaths/2025-03.xlsx",
        [
            ["姓名", "有效证件号码", "死亡日期", "性别", "报告日期"],
            ["王芳", "11010519491231002X", dt.date(2025, 3, 5), "女 性", "２０２５年３月３２日"],
        ],
    )
    outcome = ingest(warehouse, inbox)["cdc_deaths/2025-03.xlsx"]
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 0)
    assert rows(warehouse, "SELECT column_name, value, reason FROM meta.value_issues ORDER BY 1") == [
        ("reported_on", "２０２５年３月３２日", "invalid_date"),
        ("sex", "女 性", "unknown_value"),
    ]


@pytest.mark.parametrize(
    ("header", "cell", "expected"),
    [
        ("拨付金额", "1,234,567.89元", Decimal("1234567.89")),
        ("拨付金额", "¥1,234.50", Decimal("1234.50")),
        ("拨付金额", "1,000元整", Decimal("1000.00")),
        ("拨付金额", "12.345678万元", Decimal("123456.78")),
        ("拨付金额(元)", "1234.5", Decimal("1234.50")),
        ("拨付金额（万元）", "12.345678", Decimal("123456.78")),
        ("拨付金额(万元)", "500元", Decimal("500.00")),  # the cell names its own unit
    ],
)
def test_amounts_with_units(inbox, warehouse, header, cell, expected):
    write_xlsx(
        inbox / "finance_disbursements/2025-03.xlsx",
        [["拨付年月", "拨付日期", header], ["2025-03", "2025-03-05 00:00:00", cell]],
    )
    outcome = ingest(warehouse, inbox)["finance_disbursements/2025-03.xlsx"]
    assert outcome.rows_loaded == 1, rows(warehouse, "SELECT * FROM meta.quarantine")
    assert rows(warehouse, "SELECT amount, disbursed_on FROM raw.finance_disbursements") == [
        (expected, dt.date(2025, 3, 5))
    ]


def test_an_amount_in_wan_yuan_more_precise_than_the_fen_is_refused(inbox, warehouse):
    write_xlsx(
        inbox / "finance_disbursements/2025-03.xlsx",
        [["拨付年月", "拨付日期", "拨付金额(万元)"], ["2025-03", "2025-03-05", "1.2345678"]],
    )
    assert ingest(warehouse, inbox)["finance_disbursements/2025-03.xlsx"].rows_quarantined == 1


# --- item 2: collapsed files are held -------------------------------------------------------


def test_thresholds_are_a_versioned_seed():
    table = load_thresholds()
    assert thresholds_for("roster", "2025-03", table).feed == "roster"
    assert thresholds_for("cdc_deaths", "2025-03", table).feed == "*"
    header = Path("dbt_project/seeds/hold_thresholds.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("feed,effective_from,")


def history(counts: dict[str, int], quarantined: int = 0) -> History:
    return History({p: (n, n - quarantined) for p, n in counts.items()})


MONTHS = {f"2024-{m:02d}": 100 for m in range(1, 13)}


@pytest.mark.parametrize(
    ("feed", "period", "hist", "read", "readable", "held"),
    [
        ("payments", "2025-01", {}, 3, 3, None),  # first period: never for size
        ("payments", "2025-01", MONTHS, 100, 100, None),
        ("payments", "2025-01", MONTHS, 30, 30, "too_few_rows"),
        ("cdc_deaths", "2025-01", {p: 10 for p in MONTHS}, 1, 1, None),  # a small feed is left alone
        # seasonal: a fifth of the recent months is normal when last year's same month was as low
        ("contributions", "2025-01", {**MONTHS, "2024-01": 25}, 20, 20, None),
        ("contributions", "2025-01", {**MONTHS, "2024-01": 100}, 5, 5, "too_few_rows"),
        ("contributions", "2025-01", MONTHS, 100, 40, "quarantine_jump"),
        # certifications close in November: December is compared with last December only
        ("certifications", "2024-12", {f"2024-{m:02d}": 140 for m in range(1, 12)}, 3, 3, None),
        ("certifications", "2025-12", {**MONTHS, "2024-12": 100}, 3, 3, "too_few_rows"),
    ],
)
def test_hold_rules(feed, period, hist, read, readable, held):
    reason = hold_reason(period, read, readable, history(hist), thresholds_for(feed, period))
    assert (reason[0] if reason else None) == held


def test_truncated_file_is_held_and_previous_version_stays_until_released(inbox, home, warehouse):
    for month in range(1, 7):
        payments(inbox, f"2025-{month:02d}", 60)
    ingest(warehouse, inbox)
    payments(inbox, "2025-07", 5)
    outcome = ingest(warehouse, inbox)["payments/2025-07.csv"]
    assert outcome.status == "held" and outcome.reason == "too_few_rows"
    assert rows(warehouse, "SELECT count(*) FROM raw.payments WHERE _period = '2025-07'") == [(0,)]
    assert ingest(warehouse, inbox)["payments/2025-07.csv"].status == "unchanged"  # held once, not re-read

    # a held re-send of a loaded period leaves the loaded version in force
    payments(inbox, "2025-06", 6)
    assert ingest(warehouse, inbox)["payments/2025-06.csv"].status == "held"
    assert rows(warehouse, "SELECT count(*) FROM raw.payments WHERE _period = '2025-06'") == [(60,)]

    path = warehouse.release("payments", "2025-06", "数据工程师甲")
    assert path == "payments/2025-06.csv"
    ((status, by, at, message),) = rows(
        warehouse,
        "SELECT status, released_by, released_at, message FROM meta.file_log WHERE path = ? AND status = 'released'",
        [path],
    )
    assert (status, by) == ("released", "数据工程师甲") and at is not None and "由 数据工程师甲 放行" in message
    assert ingest(warehouse, inbox)["payments/2025-06.csv"].status == "loaded"
    assert rows(warehouse, "SELECT count(*) FROM raw.payments WHERE _period = '2025-06'") == [(6,)]
    with pytest.raises(LookupError):
        warehouse.release("payments", "2025-06", "数据工程师甲")


def test_quarantine_jump_is_held(inbox, warehouse):
    for month in range(1, 4):
        payments(inbox, f"2025-{month:02d}", 60)
    payments(inbox, "2025-04", 60, bad_amount_rows=40)
    outcome = ingest(warehouse, inbox)["payments/2025-04.csv"]
    assert (outcome.status, outcome.reason) == ("held", "quarantine_jump")
    assert rows(warehouse, "SELECT count(*) FROM meta.quarantine") == [(0,)]


# --- the command line: release, the file log as data, value issues --------------------------


def test_release_files_and_value_issues_commands(inbox, home):
    for month in range(1, 5):
        payments(inbox, f"2025-{month:02d}", 60)
    payments(inbox, "2025-05", 4)
    write_csv(
        inbox / "contributions/2025-03.csv",
        [CONTRIBUTIONS_HEADER, "1504040001,王芳,2025,第2档,200.00,POS,2025-03-05,150404001"],
    )
    with Warehouse(home / "warehouse.duckdb") as wh:
        ingest(wh, inbox)
    runner = CliRunner()
    exported = runner.invoke(main, ["files", "--home", str(home), "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    table = list(csv.DictReader(io.StringIO(exported.output)))
    assert list(table[0]) == [
        "feed",
        "period",
        "file",
        "status",
        "encoding",
        "rows",
        "loaded",
        "quarantined",
        "reason",
        "at",
    ]
    held = next(r for r in table if r["file"] == "payments/2025-05.csv")
    assert (held["status"], held["reason"], held["rows"], held["loaded"]) == ("held", "too_few_rows", "4", "0")
    assert {r["status"] for r in table} == {"loaded", "held"}

    released = runner.invoke(main, ["release", "payments", "2025-05", "--home", str(home), "--by", "张工"])
    assert released.exit_code == 0 and "已放行" in released.output
    as_json = json.loads(runner.invoke(main, ["files", "--home", str(home), "--format", "json"]).output)
    assert next(r for r in as_json if r["file"] == "payments/2025-05.csv")["status"] == "released"
    again = runner.invoke(main, ["release", "payments", "2025-05", "--home", str(home)])
    assert again.exit_code != 0 and "没有暂缓载入的文件" in again.output

    issues = runner.invoke(main, ["value-issues", "--home", str(home)])
    assert issues.exit_code == 0
    assert list(csv.reader(io.StringIO(issues.output))) == [
        ["feed", "period", "file", "row", "column", "header", "value", "reason"],
        ["contributions", "2025-03", "contributions/2025-03.csv", "2", "tier", "缴费档次", "第2档", "invalid_amount"],
    ]
