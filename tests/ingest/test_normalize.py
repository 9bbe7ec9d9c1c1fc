"""docs/rules.md's identity rules and docs/feeds.md's value formats, one case per variant."""

import datetime as dt
from decimal import Decimal

import pytest

from pension_audit.ingest.normalize import connect


@pytest.fixture(scope="module")
def sql():
    con = connect()

    def evaluate(expr: str, value):
        return con.execute(f"SELECT {expr}", [value]).fetchone()[0]

    return evaluate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),  # already normal
        ("11010519491231002x", "11010519491231002X"),  # lowercase x
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width digits and letter
        (" 1101 0519 4912 3100 2X ", "11010519491231002X"),  # inner and surrounding spaces
        ("'11010519491231002X", "11010519491231002X"),  # leading apostrophe forced by Excel
        ("150102880730303", "150102198807303035"),  # 15-digit form upgraded (the standard's own sample)
        ("110105194912310021", "110105194912310021"),  # wrong check digit: kept, flagged invalid
        ("E12345678", "E12345678"),  # a passport number stays as it is
    ],
)
def test_id_numbers_are_normalised(sql, raw, expected):
    assert sql("pa_id(pa_halfwidth(?))", raw) == expected


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("11010519491231002X", True),
        ("150102880730303", True),
        ("110105194912310021", False),  # typo in the check digit
        ("110105194921310020", False),  # two adjacent digits swapped
        ("E12345678", False),
    ],
)
def test_check_digit_flags_typing_errors(sql, raw, valid):
    assert sql("pa_id_valid(pa_id(?))", raw) is valid


@pytest.mark.parametrize("raw", ["1.50404195503E+17", "1504041955031200", "15040419550312345", "1504-0419"])
def test_numeric_cell_loss_and_impossible_lengths_are_unrecoverable(sql, raw):
    assert sql("pa_id_unrecoverable(pa_id_clean(?))", raw) is True
    assert sql("pa_id(?)", raw) is None


@pytest.mark.parametrize("raw", ["2024-05-03", "2024/5/3", "20240503", "2024.05.03", "2024年5月3日", " 2024-05-03 "])
def test_every_date_format(sql, raw):
    assert sql("pa_date(?)", raw) == dt.date(2024, 5, 3)


@pytest.mark.parametrize("raw", ["2024-02-30", "2024-13-01", "2024年2月31日", "三月三日", "1850-01-01"])
def test_impossible_dates_are_unreadable(sql, raw):
    assert sql("pa_date(?)", raw) is None


@pytest.mark.parametrize("raw", ["202405", "2024-05", "2024年5月", "2024-05-03"])
def test_every_month_format(sql, raw):
    assert sql("pa_month(?)", raw) == dt.date(2024, 5, 1)


@pytest.mark.parametrize("raw", ["2024-13", "202400", "5月"])
def test_impossible_months_are_unreadable(sql, raw):
    assert sql("pa_month(?)", raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.00", Decimal("203.00")),
        ("1,234.50", Decimal("1234.50")),
        ("-12.5", Decimal("-12.50")),
        ("1234", Decimal("1234.00")),
        ("0.1", Decimal("0.10")),
    ],
)
def test_amounts_are_exact_to_the_fen(sql, raw, expected):
    value = sql("pa_amount(?)", raw)
    assert isinstance(value, Decimal) and value == expected


@pytest.mark.parametrize("raw", ["12.3.4", "一百元", "1,23a.00", "12.345", "12,34.00"])
def test_unreadable_amounts_are_refused_not_rounded(sql, raw):
    assert sql("pa_amount(?)", raw) is None


@pytest.mark.parametrize(
    "raw", ["阿拉坦·其木格", "阿拉坦•其木格", "阿拉坦．其木格", "阿拉坦.其木格", "阿拉坦・其木格", " 阿拉坦 · 其木格 "]
)
def test_name_separators_are_unified(sql, raw):
    assert sql("pa_name(pa_halfwidth(?))", raw) == "阿拉坦·其木格"


def test_inner_spaces_in_names_are_dropped(sql):
    assert sql("pa_name(pa_halfwidth(?))", "王  芳") == "王芳"


def test_case_numbers_compare_without_spaces_and_with_either_parentheses(sql):
    assert sql("pa_case_no(pa_halfwidth(?))", "（2024）蒙0404 刑初12号") == sql("pa_case_no(?)", "(2024)蒙0404刑初12号")
