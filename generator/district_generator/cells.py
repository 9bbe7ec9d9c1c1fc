"""Cell values as senders write them: date, month, year and amount styles (the pension
system's exports mostly in one style, hand-made department files in several, even within
one file), and parentheses swapped in vocabulary values."""

from __future__ import annotations

import datetime as dt

import numpy as np
from pension_audit.ingest.feeds import Column, Feed, Kind

from .filedata import NO_AMOUNT, SYSTEM_FEEDS

DATE_STYLES = ("iso", "slash", "compact", "dot", "cn")
MONTH_STYLES = ("compact", "dash", "cn")
TO_HALF_WIDTH = str.maketrans("（）", "()")
TO_FULL_WIDTH = str.maketrans("()", "（）")


def format_date(date: dt.date, style: str) -> str:
    if style == "iso":
        return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    if style == "slash":
        return f"{date.year}/{date.month}/{date.day}"
    if style == "compact":
        return f"{date.year:04d}{date.month:02d}{date.day:02d}"
    if style == "dot":
        return f"{date.year:04d}.{date.month:02d}.{date.day:02d}"
    return f"{date.year}年{date.month}月{date.day}日"


def format_month(month: int, style: str) -> str:
    year, month_of_year = divmod(int(month), 12)
    month_of_year += 1
    if style == "compact":
        return f"{year:04d}{month_of_year:02d}"
    if style == "dash":
        return f"{year:04d}-{month_of_year:02d}"
    return f"{year}年{month_of_year}月"


def format_amount(cents: int, thousands: bool) -> str:
    """Yuan to the fen from integer fen, without passing through a float."""
    yuan, fen = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{yuan:,}.{fen:02d}" if thousands else f"{sign}{yuan}.{fen:02d}"


def _each_distinct(values: np.ndarray, empty: np.ndarray, render) -> np.ndarray:
    """`render` of each value, called once per distinct value (dates and amounts repeat a
    lot); None where empty."""
    cells = np.full(len(values), None, dtype=object)
    filled = np.flatnonzero(~empty)
    if len(filled):
        distinct, inverse = np.unique(values[filled], return_inverse=True)
        # the None appended keeps numpy from turning tuples or dates into more dimensions
        rendered = np.array([render(value) for value in distinct] + [None], dtype=object)
        cells[filled] = rendered[:-1][inverse]
    return cells


class Style:
    """A file's formatting choices, and how often a hand-made file mixes in another style
    row by row."""

    def __init__(self, feed: Feed, file_format: str, rng: np.random.Generator):
        self.system = feed.name in SYSTEM_FEEDS
        self.xlsx = file_format == "xlsx"
        self.rng = rng
        self.row_mix = 0.0 if self.system else (0.1 if rng.random() < 0.5 else 0.0)

    def date_style(self) -> str:
        if self.system:
            return "iso" if self.rng.random() < 0.8 else str(self.rng.choice(DATE_STYLES))
        options = DATE_STYLES + (("cell", "cell", "cell") if self.xlsx else ())
        return str(self.rng.choice(options))


def render_column(column: Column, values: np.ndarray, style: Style, count: int):
    """(cells, the writer's cell format) of one column; a cell is a str, a float, a date or
    None."""
    rng = style.rng
    if style.row_mix:
        mixed = rng.random(count) < style.row_mix
    else:
        mixed = np.zeros(count, dtype=bool)
    if column.kind is Kind.DATE:
        return _dates(values, style, mixed)
    if column.kind is Kind.MONTH:
        return _months(values, style, mixed)
    if column.kind is Kind.YEAR:
        return _years(values, style, mixed)
    if column.kind is Kind.AMOUNT:
        return _amounts(values, style, mixed)
    cells = np.asarray(values, dtype=object).copy()
    if column.kind is Kind.ENUM:
        swapped = rng.random(count) < (0.0 if style.system else 0.3)
        for row in np.flatnonzero(swapped):
            if "（" in cells[row]:
                cells[row] = cells[row].translate(TO_HALF_WIDTH)
    cells[cells == ""] = None
    return cells, {}


def _dates(values, style: Style, mixed: np.ndarray):
    """Text in the file's style, or real date cells in a workbook."""
    rng = style.rng
    days = np.asarray(values, dtype="datetime64[D]")
    empty = np.isnat(days)
    date_style = style.date_style()
    cell_format: dict = {}
    if date_style == "cell":
        cells = _each_distinct(days, empty, lambda day: day.astype(object))
        formats = ["yyyy-mm-dd", "yyyy/m/d", 'yyyy"年"m"月"d"日"']
        cell_format = {"num_format": str(rng.choice(formats))}
    else:
        cells = _each_distinct(days, empty, lambda day: format_date(day.astype(object), date_style))
    for row in np.flatnonzero(mixed & ~empty):
        cells[row] = format_date(days[row].astype(object), str(rng.choice(DATE_STYLES)))
    return cells, cell_format


def _months(values, style: Style, mixed: np.ndarray):
    """Month cells: the system mostly compact (202401), the departments in any style."""
    rng = style.rng
    months = np.asarray(values, dtype=np.int64)
    empty = months < 0
    if style.system and rng.random() < 0.8:
        month_style = "compact"
    else:
        month_style = str(rng.choice(MONTH_STYLES))
    cells = _each_distinct(months, empty, lambda month: format_month(month, month_style))
    for row in np.flatnonzero(mixed & ~empty):
        cells[row] = format_month(months[row], str(rng.choice(MONTH_STYLES)))
    return cells, {}


def _years(values, style: Style, mixed: np.ndarray):
    """2024 or 2024年, or a number cell in a workbook."""
    rng = style.rng
    years = np.asarray(values, dtype=np.int64)
    empty = years < 0
    suffix = "年" if (not style.system and rng.random() < 0.2) else ""
    cells = _each_distinct(years, empty, lambda year: f"{year}{suffix}")
    cell_format: dict = {}
    if style.xlsx and not suffix and rng.random() < 0.5:
        cells = _each_distinct(years, empty, float)
        cell_format = {"num_format": "0"}
    for row in np.flatnonzero(mixed & ~empty):
        cells[row] = f"{years[row]}年"
    return cells, cell_format


def _amounts(values, style: Style, mixed: np.ndarray):
    """Yuan as text (with thousands separators or without), or number cells in a workbook."""
    rng = style.rng
    cents = np.asarray(values, dtype=np.int64)
    empty = cents == NO_AMOUNT
    cell_format: dict = {}
    if style.xlsx and rng.random() < 0.6:
        cells = _each_distinct(cents, empty, lambda amount: amount / 100)
        cell_format = {"num_format": str(rng.choice(["#,##0.00", "0.00"]))}
    else:
        thousands = rng.random() < (0.2 if style.system else 0.5)
        cells = _each_distinct(cents, empty, lambda amount: format_amount(amount, thousands))
    for row in np.flatnonzero(mixed & ~empty):
        cells[row] = format_amount(cents[row], True)
    return cells, cell_format
