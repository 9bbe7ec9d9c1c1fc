"""Amounts in capitals to the fen, dates as official documents write them, masked ID numbers."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from reports.chinese import (
    amount_in_capitals,
    amount_in_figures,
    chinese_date,
    mask_id,
    numeric_month,
    percent,
)

# Worked examples of the bank rules (支付结算办法 附件: 正确填写票据和结算凭证的基本规定).
EXAMPLES = {
    "1234.56": "壹仟贰佰叁拾肆元伍角陆分",
    "0.05": "伍分",
    "0.50": "伍角",
    "3.00": "叁元整",
    "10.00": "壹拾元整",
    "16.00": "壹拾陆元整",
    "100.10": "壹佰元壹角",
    "1005.07": "壹仟零伍元零柒分",
    "1680.32": "壹仟陆佰捌拾元叁角贰分",
    "6007.14": "陆仟零柒元壹角肆分",
    "107000.53": "壹拾万柒仟元伍角叁分",  # the rules' own example (the 零 after 万 is optional)
    "325.04": "叁佰贰拾伍元零肆分",
    "1001000.00": "壹佰万壹仟元整",  # the 万 digit zero, the 千 not: 零 optional
    "1000100.00": "壹佰万零壹佰元整",
    "10100000.00": "壹仟零壹拾万元整",
    "100010000.00": "壹亿零壹万元整",
    "20500.00": "贰万零伍佰元整",
    "740.47": "柒佰肆拾元肆角柒分",
    "0.00": "零元整",
    "-3.20": "负叁元贰角",
}


@pytest.mark.parametrize("amount, words", EXAMPLES.items())
def test_amounts_in_capitals_follow_the_bank_rules(amount: str, words: str):
    assert amount_in_capitals(Decimal(amount)) == words


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(words: str) -> Decimal:
    """An independent reading of capitals back into a number."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    yuan_part, _, small = words.rpartition("元") if "元" in words else ("", "", words)
    total, section, digit = 0, 0, 0
    for c in yuan_part:
        if c in DIGIT:
            digit = DIGIT[c]
        elif c in UNIT:
            section += digit * UNIT[c]
            digit = 0
        elif c == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif c == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    fen = (total + section + digit) * 100
    jiao = small.partition("角")[0] if "角" in small else ""
    fen += DIGIT[jiao[-1]] * 10 if jiao else 0
    rest = small.partition("角")[2] if "角" in small else small
    fen += DIGIT[rest[-2]] if rest.endswith("分") else 0
    return sign * Decimal(fen) / 100


def test_capitals_read_back_as_the_same_amount_and_keep_the_zero_rules():
    rng = random.Random(5)
    amounts = [Decimal(rng.randrange(0, 10 ** rng.randrange(1, 12))) / 100 for _ in range(3000)]
    amounts += [Decimal(n) / 100 for n in (1, 10, 100, 1000, 10000, 100000, 10000000, 100000000, 10000000000)]
    for amount in amounts:
        words = amount_in_capitals(amount)
        assert read_capitals(words) == amount, (amount, words)
        assert "零零" not in words and not words.startswith("零" if amount else "_")
        assert not words.replace("零元整", "").endswith("零"), words
        assert "零元" not in words or amount == 0, words
        assert words.endswith("整") == (amount == amount.to_integral_value() or amount == 0), words


def test_an_amount_past_the_fen_is_refused():
    with pytest.raises(ValueError, match="分位"):
        amount_in_capitals(Decimal("1.005"))


def test_amounts_in_figures_have_two_decimals_and_thousands_separators():
    assert amount_in_figures(Decimal("1234567.8")) == "1,234,567.80"
    assert amount_in_figures(Decimal(0)) == "0.00"


def test_dates_are_written_as_official_documents_date_them():
    assert chinese_date(dt.date(2026, 1, 10)) == "二〇二六年一月十日"
    assert chinese_date(dt.date(2020, 11, 9)) == "二〇二〇年十一月九日"
    assert chinese_date(dt.date(2025, 12, 31)) == "二〇二五年十二月三十一日"
    assert chinese_date(dt.date(2026, 2, 20)) == "二〇二六年二月二十日"
    assert numeric_month("2026-01") == "2026年1月" and numeric_month("2025") == "2025年"


def test_id_numbers_keep_their_region_and_tail_only():
    assert mask_id("150404195503150012") == "1504**********0012"
    assert mask_id("15040419550315001X") == "1504**********001X"
    assert mask_id("E12345678") == "E*******8"
    assert mask_id(None) == "" and mask_id("") == ""


def test_shares_are_percentages():
    assert percent(0.8571) == "85.7%" and percent(0.8571, 2) == "85.71%" and percent(None) == "—"
