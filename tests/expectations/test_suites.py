"""The GX suites derived from `feeds.py`: what they accept, what they refuse, how loudly.

Frames are built directly in the shape the loader hands over (DuckDB `.df()` types:
datetime64 dates, float64 amounts, int years, `str` text, `<id>_raw` / `<id>_valid`).
Row numbers start at 2 (row 1 is the header), so a failing frame index i is `_row` i + 2.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest

from expectations.suites import (
    LINEAGE_COLUMNS,
    STRUCTURAL,
    WARN,
    ValidationOutcome,
    build_suite,
    describe_suites,
    suite_as_json,
    validate,
    validate_periods,
)
from pension_audit.ingest.feeds import FEEDS, FEEDS_BY_NAME, Cadence, Feed, Kind

REPRESENTATIVE = ("roster", "payments", "court_sentences", "disability_severe")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(i: int) -> str:
    """A distinct 18-character resident ID with a correct check digit."""
    body = f"150404{1940 + i % 40}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def period_of(feed: Feed) -> str:
    return "2024-05" if feed.cadence is Cadence.MONTHLY else "2024"


def clean_frame(feed: Feed, n: int = 100) -> pd.DataFrame:
    """A frame the loader could have produced for `feed`: every value readable and plausible."""
    period = period_of(feed)
    month = pd.Timestamp(f"{period}-01" if feed.is_monthly else f"{period}-01-01")
    rows = range(n)
    data: dict[str, object] = {
        "_feed": [feed.name] * n,
        "_period": [period] * n,
        "_file_hash": ["9f2c" * 16] * n,
        "_row": [i + 2 for i in rows],
        "_loaded_at": [pd.Timestamp("2024-06-03 08:00:00")] * n,
    }
    for col in feed.columns:
        if col.kind is Kind.TEXT:
            data[col.name] = [f"文本{i}" for i in rows]
        elif col.kind is Kind.NAME:
            data[col.name] = [f"王{i}芳" for i in rows]
            data[f"{col.name}_raw"] = [f"王 {i} 芳" for i in rows]
        elif col.kind is Kind.ENUM:
            data[col.name] = [col.vocabulary[i % len(col.vocabulary)] for i in rows]
        elif col.kind is Kind.CASE_NO:
            data[col.name] = [f"(2024)内0204刑初{i}号" for i in rows]
        elif col.kind is Kind.PERSON_NO:
            data[col.name] = [f"{1500000000 + i:010d}" for i in rows]
        elif col.kind is Kind.TOWNSHIP:
            data[col.name] = ["150404001"] * n
        elif col.kind is Kind.DATE:
            data[col.name] = pd.to_datetime([dt.date(2024, 5, i % 28 + 1) for i in rows]).astype("datetime64[us]")
        elif col.kind is Kind.MONTH:
            data[col.name] = pd.Series([month] * n).astype("datetime64[us]")
        elif col.kind is Kind.YEAR:
            data[col.name] = pd.Series([2024] * n, dtype="int32")
        elif col.kind is Kind.AMOUNT:
            data[col.name] = [123.45 + i for i in rows]
        elif col.kind in (Kind.ID, Kind.DOC_ID):
            data[col.name] = [resident_id(i) for i in rows]
            data[f"{col.name}_raw"] = [resident_id(i) for i in rows]
            data[f"{col.name}_valid"] = [True] * n
        elif col.kind is Kind.DISABILITY_CERT:
            data[col.name] = [resident_id(i) + "12" for i in rows]
            data[f"{col.name}_raw"] = [resident_id(i) + "12" for i in rows]
            data[f"{col.name}_valid"] = [True] * n
            data["id_number"] = [resident_id(i) for i in rows]
            data["id_number_valid"] = [True] * n
        else:  # pragma: no cover - a new kind needs a value here
            raise AssertionError(f"no test value for {col.kind}")
    return pd.DataFrame(data)


def result(outcome: ValidationOutcome, check: str):
    found = [r for r in outcome.results if r.check == check]
    assert len(found) == 1, f"{check} not in {[r.check for r in outcome.results]}"
    return found[0]


def failing(outcome: ValidationOutcome) -> set[str]:
    return {r.check for r in outcome.failures}


def plain(value) -> bool:
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and plain(v) for k, v in value.items())
    return False


# --- suites from the declaration -----------------------------------------------------------


def test_every_feed_gets_a_suite_covering_its_declaration():
    rows = describe_suites()
    assert {r["feed"] for r in rows} == {f.name for f in FEEDS}
    assert {r["severity"] for r in rows} == {STRUCTURAL, WARN}
    for feed in FEEDS:
        mine = [r for r in rows if r["feed"] == feed.name]
        not_null = {r["column"] for r in mine if r["expectation"] == "expect_column_values_to_not_be_null"}
        assert {c.name for c in feed.required_columns} <= not_null, feed.name
        in_set = {
            r["column"]
            for r in mine
            if r["expectation"] == "expect_column_values_to_be_in_set" and r["severity"] == STRUCTURAL
        }
        assert {c.name for c in feed.columns if c.kind is Kind.ENUM} <= in_set, feed.name
        for r in mine:
            if r["column"] in not_null and r["expectation"] == "expect_column_values_to_not_be_null":
                assert r["severity"] == STRUCTURAL
                if r["column"] != "_row":
                    assert r["description"] == f"必填列「{feed.column(r['column']).header}」不得为空"

    suite = build_suite(FEEDS_BY_NAME["roster"])
    assert all(e.meta["severity"] in (STRUCTURAL, WARN) for e in suite.expectations)
    columns = next(e for e in suite.expectations if e.expectation_type == "expect_table_columns_to_match_set")
    assert set(columns.column_set) == {
        *LINEAGE_COLUMNS,
        *(c.name for c in FEEDS_BY_NAME["roster"].columns),
    }
    vocab = next(
        e
        for e in suite.expectations
        if e.expectation_type == "expect_column_values_to_be_in_set" and e.column == "doc_type"
    )
    assert list(vocab.value_set) == list(FEEDS_BY_NAME["roster"].column("doc_type").vocabulary)


def test_suite_json_is_serialisable_for_every_feed():
    for feed in FEEDS:
        doc = suite_as_json(feed)
        json.dumps(doc, ensure_ascii=False)
        required = {c.name for c in feed.required_columns}
        assert required <= {
            e["kwargs"].get("column") for e in doc["expectations"] if e["type"] == "expect_column_values_to_not_be_null"
        }


# --- clean data ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f.name for f in FEEDS])
def test_clean_frame_passes_everything(name):
    feed = FEEDS_BY_NAME[name]
    outcome = validate(feed, clean_frame(feed), previous_row_count=120)
    assert outcome.failures == []
    assert outcome.success_structural and outcome.success_all
    assert outcome.row_count == 100
    assert plain(outcome.to_dict())


def test_loader_types_and_python_objects_both_work():
    """Dates as datetime.date objects and amounts as Decimal (object columns) validate too."""
    feed = FEEDS_BY_NAME["roster"]
    df = clean_frame(feed, 30)
    df["birth_date"] = [dt.date(1950, 1, 1)] * 29 + [dt.date(201, 5, 3)]  # a typed year
    df["enrolled_on"] = [dt.date(2010, 3, 1)] * 30
    df["basic_pension"] = [Decimal("163.00")] * 29 + [Decimal("2000000.00")]
    df["account_balance"] = [Decimal("1234.56")] * 29 + [None]
    outcome = validate(feed, df)
    assert outcome.success_structural
    assert failing(outcome) == {"range:birth_date", "range:basic_pension"}
    assert result(outcome, "range:birth_date").unexpected_rows == [31]
    assert result(outcome, "range:basic_pension").unexpected_rows == [31]
    assert result(outcome, "range:basic_pension").severity == WARN


# --- structural failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "column", "header"),
    [
        ("roster", "id_number", "证件号码"),
        ("payments", "amount", "实发金额"),
        ("court_sentences", "case_no", "案号"),
        ("disability_severe", "certificate_no", "残疾人证号"),
    ],
)
def test_null_in_required_column_fails_structurally_naming_the_row(name, column, header):
    feed = FEEDS_BY_NAME[name]
    df = clean_frame(feed)
    df.loc[[3, 57], column] = None
    outcome = validate(feed, df)
    assert not outcome.success_structural and not outcome.success_all
    failed = result(outcome, f"not_null:{column}")
    assert failed.severity == STRUCTURAL and not failed.success
    assert failed.unexpected_count == 2
    assert failed.unexpected_rows == [5, 59]
    assert failed.description == f"必填列「{header}」不得为空"
    assert failed.expectation == "expect_column_values_to_not_be_null"
    assert [r.check for r in outcome.structural_failures] == [f"not_null:{column}"]


@pytest.mark.parametrize(
    ("name", "column", "bad"),
    [
        ("roster", "status", "正常享受待遇"),
        ("payments", "pay_type", "补发放"),
        ("court_sentences", "penalty", "缓刑"),
        ("disability_severe", "disability_grade", "三级"),
    ],
)
def test_value_outside_vocabulary_fails_structurally(name, column, bad):
    feed = FEEDS_BY_NAME[name]
    df = clean_frame(feed)
    df.loc[10, column] = bad
    outcome = validate(feed, df)
    assert not outcome.success_structural
    failed = result(outcome, f"in_set:{column}")
    assert failed.severity == STRUCTURAL
    assert (failed.unexpected_count, failed.unexpected_rows) == (1, [12])
    assert failing(outcome) == {f"in_set:{column}"}
    assert bad not in json.dumps(outcome.to_dict(), ensure_ascii=False)


def test_declared_parenthesis_form_is_the_only_accepted_one():
    """The loader maps （） variants onto the declared value; the suite accepts exactly that."""
    feed = FEEDS_BY_NAME["police_deregistrations"]
    df = clean_frame(feed, 10)
    df["reason"] = "出国（境）定居"  # as declared
    assert validate(feed, df).success_structural
    df.loc[4, "reason"] = "出国(境)定居"
    assert result(validate(feed, df), "in_set:reason").unexpected_rows == [6]


def test_missing_column_duplicate_row_and_foreign_period_fail_structurally():
    feed = FEEDS_BY_NAME["payments"]
    df = clean_frame(feed, 20).drop(columns=["pay_status"])
    df.loc[7, "_row"] = 3  # same file row as index 1
    df.loc[9, "pay_month"] = pd.Timestamp("2024-04-01")
    outcome = validate(feed, df)
    assert not outcome.success_structural
    assert result(outcome, "columns").observed == ["pay_status"]
    assert result(outcome, "not_null:pay_status").error == "缺少列:pay_status"
    assert result(outcome, "in_set:pay_status").success is False
    assert set(result(outcome, "unique:_row").unexpected_rows) == {3}
    assert result(outcome, "period:pay_month").unexpected_rows == [11]
    assert all(r.severity == STRUCTURAL for r in outcome.structural_failures)
    assert plain(outcome.to_dict())


def test_lineage_must_identify_the_partition():
    feed = FEEDS_BY_NAME["disability_severe"]
    df = clean_frame(feed, 10)
    df.loc[2, "_feed"] = "cdc_deaths"
    df.loc[3, "_period"] = "2024-05"  # an annual feed's period is a year
    outcome = validate(feed, df)
    assert result(outcome, "lineage:_feed").unexpected_rows == [4]
    assert result(outcome, "lineage:_period").unexpected_rows == [5]
    assert not outcome.success_structural


# --- warnings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid_column", "check"),
    [
        ("court_sentences", "id_number_valid", "id_valid:id_number"),
        ("payments", "id_number_valid", "id_valid:id_number"),
        ("roster", "id_number_valid", "id_valid:id_number"),
        ("disability_severe", "id_number_valid", "id_valid:id_number"),
        ("disability_severe", "certificate_no_valid", "id_valid:certificate_no"),
    ],
)
def test_ten_percent_invalid_ids_warn_but_do_not_block(name, valid_column, check):
    feed = FEEDS_BY_NAME[name]
    df = clean_frame(feed)
    bad = list(range(0, 100, 10))
    df.loc[bad, valid_column] = False
    outcome = validate(feed, df)
    assert outcome.success_structural
    assert not outcome.success_all
    warned = result(outcome, check)
    assert warned.severity == WARN and not warned.success
    assert warned.unexpected_count == 10
    assert warned.unexpected_rows == [i + 2 for i in bad]
    assert failing(outcome) == {check}


def test_a_few_invalid_ids_are_tolerated():
    feed = FEEDS_BY_NAME["court_sentences"]
    df = clean_frame(feed)
    df.loc[[5, 6, 7], "id_number_valid"] = False
    outcome = validate(feed, df)
    assert outcome.success_all
    assert result(outcome, "id_valid:id_number").unexpected_rows == [7, 8, 9]  # still reported


def test_roster_counts_id_validity_among_resident_documents_only():
    feed = FEEDS_BY_NAME["roster"]
    df = clean_frame(feed)
    df["doc_type"] = "居民身份证"
    passports = list(range(30))
    df.loc[passports, "doc_type"] = "护照"
    df.loc[passports, "id_number_valid"] = False  # a passport number is no resident ID
    df.loc[[40, 41], "doc_type"] = None  # empty means 居民身份证
    df.loc[[40, 41], "id_number_valid"] = False
    outcome = validate(feed, df)
    checked = result(outcome, "id_valid:id_number")
    assert checked.success  # 2 of 72 resident rows
    assert checked.unexpected_rows == [42, 43]
    df.loc[range(50, 60), "id_number_valid"] = False  # now 12 of 72
    assert not result(validate(feed, df), "id_valid:id_number").success


def test_informational_ids_are_judged_only_where_present():
    feed = FEEDS_BY_NAME["payments"]
    df = clean_frame(feed)
    empty = list(range(40))
    df.loc[empty, ["id_number", "id_number_raw"]] = None
    df.loc[empty, "id_number_valid"] = False
    assert validate(feed, df).success_all


def test_implausible_dates_months_years_and_amounts_warn():
    feed = FEEDS_BY_NAME["court_sentences"]
    df = clean_frame(feed, 20)
    df.loc[1, "custody_on"] = pd.Timestamp("1899-12-31")
    df.loc[2, "effective_on"] = pd.Timestamp("2101-01-01")
    outcome = validate(feed, df)
    assert outcome.success_structural and not outcome.success_all
    assert result(outcome, "range:custody_on").unexpected_rows == [3]
    assert result(outcome, "range:effective_on").unexpected_rows == [4]

    feed = FEEDS_BY_NAME["contributions"]
    df = clean_frame(feed, 20)
    df.loc[3, "contribution_year"] = 1999
    df.loc[4, "amount"] = -100_000.01
    df.loc[5, "tier"] = 1_000_000.0  # the band is inclusive
    df.loc[6, "person_no"] = "15000000"
    outcome = validate(feed, df)
    assert outcome.success_structural
    assert failing(outcome) == {"range:contribution_year", "range:amount", "code:person_no"}
    assert result(outcome, "range:contribution_year").unexpected_rows == [5]
    assert result(outcome, "range:amount").unexpected_rows == [6]
    assert result(outcome, "code:person_no").unexpected_rows == [8]


def test_row_count_collapse_warns():
    feed = FEEDS_BY_NAME["payments"]
    outcome = validate(feed, clean_frame(feed, 40), previous_row_count=100)
    assert outcome.success_structural and not outcome.success_all
    collapsed = result(outcome, "row_count")
    assert collapsed.severity == WARN and not collapsed.success
    assert collapsed.observed == 40
    assert "上期 100 行" in collapsed.description and "下限 50 行" in collapsed.description
    assert failing(outcome) == {"row_count"}

    assert validate(feed, clean_frame(feed, 50), previous_row_count=100).success_all
    no_previous = validate(feed, clean_frame(feed, 40))
    assert no_previous.success_all
    assert "row_count" not in {r.check for r in no_previous.results}


# --- empty frames, serialisation, privacy --------------------------------------------------------


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_empty_frame_passes_structurally(name):
    feed = FEEDS_BY_NAME[name]
    empty = clean_frame(feed, 1).iloc[0:0]
    outcome = validate(feed, empty)
    assert outcome.row_count == 0
    assert outcome.success_structural and outcome.success_all
    with_previous = validate(feed, empty, previous_row_count=100)
    assert with_previous.success_structural and not with_previous.success_all
    assert failing(with_previous) == {"row_count"}


def test_empty_frame_of_object_columns_passes():
    """A frame with no rows and no dtype information (e.g. built from a column list)."""
    feed = FEEDS_BY_NAME["court_sentences"]
    empty = pd.DataFrame(columns=list(clean_frame(feed, 1).columns))
    assert validate(feed, empty).success_structural


def test_outcome_is_plain_json_without_personal_data():
    feed = FEEDS_BY_NAME["roster"]
    df = clean_frame(feed)
    df["doc_type"] = "居民身份证"
    df.loc[range(20), "id_number_valid"] = False
    df.loc[3, "name"] = None
    df.loc[4, "status"] = "死亡"
    df.loc[5, "birth_date"] = pd.Timestamp("1850-01-01")
    outcome = validate(feed, df, previous_row_count=500)
    doc = outcome.to_dict()
    assert plain(doc)
    text = json.dumps(doc, ensure_ascii=False)
    for value in [*df["id_number"].dropna(), *df["name"].dropna(), *df["person_no"].dropna()]:
        assert value not in text
    assert "死亡" not in text and "1850" not in text
    assert {r["severity"] for r in doc["results"]} == {STRUCTURAL, WARN}
    assert all(len(r["unexpected_rows"]) <= 20 for r in doc["results"])
    assert result(outcome, "id_valid:id_number").unexpected_count == 20
    assert result(outcome, "id_valid:id_number").unexpected_rows == [i + 2 for i in range(20)]


# --- several periods in one run -------------------------------------------------------------------


def periods_frame(feed: Feed, sizes: dict[str, int]) -> pd.DataFrame:
    """Clean rows of several periods, as `SELECT ... ORDER BY _period, _row` returns them:
    every period's rows numbered from 2, its period column (if any) on its own month."""
    frames = []
    for period, n in sizes.items():
        df = clean_frame(feed, max(n, 1)).iloc[:n].copy()
        df["_period"] = period
        if feed.period_column:
            df[feed.period_column] = pd.Series([pd.Timestamp(f"{period}-01")] * n, dtype="datetime64[us]")
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def test_periods_are_validated_in_one_run_and_reported_separately():
    feed = FEEDS_BY_NAME["roster"]
    df = periods_frame(feed, {"2024-04": 50, "2024-05": 60})
    df.loc[(df["_period"] == "2024-05") & (df["_row"] == 9), "person_no"] = None
    outcomes = validate_periods(feed, df, {"2024-04": None, "2024-05": 50})
    assert list(outcomes) == ["2024-04", "2024-05"]
    april, may = outcomes["2024-04"], outcomes["2024-05"]
    assert (april.row_count, may.row_count) == (50, 60)
    assert april.success_structural and april.success_all and april.failures == []
    assert not may.success_structural
    assert [r.check for r in may.failures] == ["not_null:person_no"]
    failed = result(may, "not_null:person_no")
    assert (failed.unexpected_count, failed.unexpected_rows) == (1, [9])
    assert failed.unexpected_percent == round(100 / 60, 4)
    assert result(april, "not_null:person_no").unexpected_count == 0
    # file rows repeat across periods: _row is unique within a period only
    assert result(april, "unique:_row").success and result(may, "unique:_row").success
    # same checks, same order as a single-period validation
    single = validate(feed, df[df["_period"] == "2024-05"], previous_row_count=50)
    assert [r.check for r in may.results] == [r.check for r in single.results]
    assert may.to_dict() == single.to_dict()
    assert all(plain(o.to_dict()) for o in outcomes.values())


def test_per_period_counts_are_exact_beyond_the_listed_rows():
    """More failing rows than MAX_UNEXPECTED_ROWS in one period: counts stay exact per period."""
    feed = FEEDS_BY_NAME["payments"]
    df = periods_frame(feed, {"2024-01": 100, "2024-02": 100, "2024-03": 100})
    jan = df.index[df["_period"] == "2024-01"][:30]
    mar = df.index[df["_period"] == "2024-03"][40:45]
    df.loc[jan, "pay_status"] = "未知"
    df.loc[mar, "pay_status"] = "未知"
    df.loc[df["_period"] == "2024-02", "id_number_valid"] = False  # all of them: a warning
    outcomes = validate_periods(feed, df, dict.fromkeys(["2024-01", "2024-02", "2024-03"]))
    jan_result = result(outcomes["2024-01"], "in_set:pay_status")
    mar_result = result(outcomes["2024-03"], "in_set:pay_status")
    assert (jan_result.unexpected_count, mar_result.unexpected_count) == (30, 5)
    assert jan_result.unexpected_rows == list(range(2, 22))  # the first 20 of 30
    assert mar_result.unexpected_rows == list(range(42, 47))
    assert jan_result.unexpected_percent == 30.0
    assert result(outcomes["2024-02"], "in_set:pay_status").success
    assert not outcomes["2024-01"].success_structural and not outcomes["2024-03"].success_structural
    feb = outcomes["2024-02"]
    assert feb.success_structural and not feb.success_all
    assert failing(feb) == {"id_valid:id_number"}
    assert result(feb, "id_valid:id_number").unexpected_count == 100
    # `mostly` is judged per period: February's 100 % does not spill into its neighbours
    assert result(outcomes["2024-01"], "id_valid:id_number").success


def test_row_count_collapse_warns_only_for_the_collapsed_period():
    feed = FEEDS_BY_NAME["payments"]
    df = periods_frame(feed, {"2024-01": 100, "2024-02": 40, "2024-03": 50})
    outcomes = validate_periods(feed, df, {"2024-01": None, "2024-02": 100, "2024-03": 100})
    assert "row_count" not in {r.check for r in outcomes["2024-01"].results}  # nothing to compare
    collapsed = result(outcomes["2024-02"], "row_count")
    assert collapsed.severity == WARN and not collapsed.success and collapsed.observed == 40
    assert "上期 100 行" in collapsed.description and "下限 50 行" in collapsed.description
    assert "本期 40 行" in collapsed.description
    assert outcomes["2024-02"].success_structural and failing(outcomes["2024-02"]) == {"row_count"}
    kept = result(outcomes["2024-03"], "row_count")
    assert kept.success and kept.observed == 50  # the floor is inclusive
    assert outcomes["2024-01"].success_all and outcomes["2024-03"].success_all
    assert outcomes["2024-02"].results[-1].check == "row_count"  # still last, as in the suite


def test_a_row_whose_period_column_is_not_its_own_period_fails_only_that_period():
    feed = FEEDS_BY_NAME["payments"]
    df = periods_frame(feed, {"2024-04": 20, "2024-05": 20})
    # a May row dated April: April is a period of this frame, but not this row's
    df.loc[(df["_period"] == "2024-05") & (df["_row"] == 7), "pay_month"] = pd.Timestamp("2024-04-01")
    outcomes = validate_periods(feed, df, {"2024-04": 20, "2024-05": 20})
    assert outcomes["2024-04"].success_all
    may = outcomes["2024-05"]
    assert not may.success_structural
    mismatch = result(may, "period:pay_month")
    assert mismatch.severity == STRUCTURAL and mismatch.column == "pay_month"
    assert (mismatch.unexpected_count, mismatch.unexpected_rows) == (1, [7])
    assert "_period" in mismatch.description
    assert failing(may) == {"period:pay_month"}


def test_period_format_is_checked_per_row_over_several_periods():
    feed = FEEDS_BY_NAME["disability_severe"]
    df = periods_frame(feed, {"2023": 10, "2024": 10})
    df.loc[df.index[15], "_feed"] = "cdc_deaths"
    outcomes = validate_periods(feed, df, {"2023": None, "2024": None})
    assert outcomes["2023"].success_all
    assert result(outcomes["2024"], "lineage:_feed").unexpected_rows == [7]
    assert result(outcomes["2024"], "lineage:_period").success


def test_a_listed_period_without_rows_passes_structurally():
    feed = FEEDS_BY_NAME["court_sentences"]
    df = periods_frame(feed, {"2024-04": 30})
    df.loc[3, "case_no"] = None
    outcomes = validate_periods(feed, df, {"2024-04": None, "2024-05": None, "2024-06": 30})
    assert not outcomes["2024-04"].success_structural
    empty = outcomes["2024-05"]
    assert empty.row_count == 0 and empty.success_structural and empty.success_all
    assert result(empty, "not_null:case_no").unexpected_count == 0
    collapsed = outcomes["2024-06"]  # nothing arrived after 30 rows: structurally fine, warns
    assert collapsed.success_structural and failing(collapsed) == {"row_count"}

    nothing = validate_periods(feed, df.iloc[0:0], {"2024-05": None})
    assert nothing["2024-05"].success_structural and nothing["2024-05"].row_count == 0
    assert plain(nothing["2024-05"].to_dict())


def test_rows_of_periods_not_listed_are_ignored():
    feed = FEEDS_BY_NAME["payments"]
    df = periods_frame(feed, {"2024-04": 10, "2024-05": 10})
    df.loc[df["_period"] == "2024-04", "amount"] = None
    outcomes = validate_periods(feed, df, {"2024-05": None})
    assert list(outcomes) == ["2024-05"] and outcomes["2024-05"].success_all
    assert outcomes["2024-05"].row_count == 10


def test_one_run_validates_many_periods_in_about_the_time_of_one():
    import time

    feed = FEEDS_BY_NAME["payments"]
    periods = {f"2024-{m:02d}": 500 for m in range(1, 13)}
    df = periods_frame(feed, periods)
    validate(feed, df[df["_period"] == "2024-01"])  # suite built, GX warm
    start = time.perf_counter()
    single = validate(feed, df[df["_period"] == "2024-01"], previous_row_count=500)
    one = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = validate_periods(feed, df, periods)
    twelve = time.perf_counter() - start
    assert all(o.success_all for o in outcomes.values()) and single.success_all
    assert twelve < 4 * one + 1.0, (one, twelve)  # one run, not twelve
