"""How Chinese official documents write amounts, dates and ID numbers.

Amounts in capitals come from `cn2an` (its "rmb" mode), which follows the rules of
《支付结算办法》 (中国人民银行, 附件《正确填写票据和结算凭证的基本规定》) to the fen: 元 then 整 when
there are no 角 and 分, one 零 for a run of zeros inside the number, 零 before 分 when the 角 is
zero. Where the rules leave the 零 optional (the 万 or 元 digit zero and the next one not:
壹拾万柒仟元伍角叁分, 壹佰元壹角) it leaves it out, which the rules allow. The tests check it
against the rules' worked examples and by reading thousands of amounts back.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from casework.services.access import mask_id  # noqa: F401 - the documents mask with it too

PLAIN_DIGITS = "〇一二三四五六七八九"
FEN = Decimal("0.01")


def amount_in_capitals(amount: Decimal | int | str) -> str:
    """壹仟贰佰叁拾肆元伍角陆分 for 1234.56; 负 in front of a negative amount. An amount past the
    fen is refused (cn2an would silently drop the rest)."""
    value = Decimal(amount)
    if value != value.quantize(FEN):
        raise ValueError(f"金额 {amount} 超出分位精度")
    return cn2an.an2cn(f"{value:.2f}", "rmb")


def amount_in_figures(amount: Decimal | int | str) -> str:
    """1,234.56 (yuan, to the fen, thousands separated)."""
    return f"{Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


def chinese_number(number: int) -> str:
    """Digit by digit, as years are written: 2026 → 二〇二六."""
    return "".join(PLAIN_DIGITS[int(d)] for d in str(number))


def _small_number(number: int) -> str:
    """1–31 as months and days are written: 十, 十一, 二十, 三十一."""
    tens, units = divmod(number, 10)
    if tens == 0:
        return PLAIN_DIGITS[units]
    return ("" if tens == 1 else PLAIN_DIGITS[tens]) + "十" + (PLAIN_DIGITS[units] if units else "")


def ordinal(number: int) -> str:
    """一, 十一, 九十九: the numbers of headings （一）, 二、 (1–99)."""
    if not 1 <= number <= 99:
        raise ValueError(f"标题序号 {number} 超出 1–99")
    return _small_number(number)


def chinese_date(day: dt.date) -> str:
    """二〇二六年一月十日: the older form of a 成文日期 (GB/T 9704-2012 writes it in Arabic numerals:
    `numeric_date`); kept for text that quotes it."""
    return f"{chinese_number(day.year)}年{_small_number(day.month)}月{_small_number(day.day)}日"


def numeric_date(day: dt.date | None) -> str:
    """2026年1月10日: the 成文日期 of a document (GB/T 9704-2012), and dates in the text and tables."""
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


def numeric_month(month: str | None) -> str:
    """'2026-01' → 2026年1月; a year 'YYYY' → YYYY年."""
    if not month:
        return ""
    if len(month) == 4:
        return f"{month}年"
    return f"{int(month[:4])}年{int(month[5:7])}月"


def percent(share: float | Decimal | None, places: int = 1) -> str:
    """0.8571 → 85.7%; no share (nothing to divide by) → —."""
    if share is None:
        return "—"
    return f"{Decimal(str(share)) * 100:.{places}f}%"
