"""Writing one feed file the way its sender would: formats, headers, layout, mistakes.

`write()` takes a file's clean typed columns (`filedata.FileData`), renders every cell
(cells.py), plants the quarantine problems as extra rows (quarantine.py), picks the
headers (variants, spaces, parentheses, order, unknown extra columns), lays the sheet out
(title row, blank rows, footer rows) and writes CSV or XLSX. It returns what truth.json
records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter
from pension_audit.ingest.feeds import FEEDS, Feed, Kind

from . import params, quarantine
from .cells import TO_FULL_WIDTH, TO_HALF_WIDTH, Style, render_column
from .filedata import FileData


@dataclass
class Written:
    """What truth.json records of one written file."""

    path: str  # relative to the inbox
    feed: str
    period: str
    format: str
    encoding: str | None
    data_rows: int
    quarantined: list[dict] = field(default_factory=list)
    value_issues: list[dict] = field(default_factory=list)

    def truth(self) -> dict:
        return {
            "feed": self.feed,
            "period": self.period,
            "format": self.format,
            "encoding": self.encoding,
            "data_rows": self.data_rows,
            "quarantined": self.quarantined,
            "value_issues": self.value_issues,
        }


def write(
    file: FileData,
    feed: Feed,
    inbox: Path,
    file_format: str,
    encoding: str | None,
    rng: np.random.Generator,
    forms: dict[str, Callable[[object], object]] | None = None,
    renamed: dict[str, str] | None = None,
) -> Written:
    """Write one file into the inbox as its sender would; see the module docstring. A drift
    may write some columns in a new form (`forms`: column -> the cell it becomes; a value the
    reader cannot take is a value issue of each row that has one) or rename a column's
    header (`renamed`: column -> header)."""
    forms, renamed = forms or {}, renamed or {}
    style = Style(feed, file_format, rng)
    cells: dict[str, np.ndarray] = {}
    cell_formats: dict[str, dict] = {}
    month_styles: dict[str, str] = {}
    for column in feed.columns:
        rendered, cell_format = render_column(column, file.cols[column.name], style, file.row_count)
        if column.name in forms:
            rendered = np.array([None if cell is None else forms[column.name](cell) for cell in rendered], dtype=object)
            cell_format = {}
        cells[column.name], cell_formats[column.name] = rendered, cell_format
        if column.kind is Kind.MONTH and file.row_count:
            # the style the file's months are in, for a planted month to match
            first = next((cell for cell in rendered if isinstance(cell, str)), "202401")
            month_styles[column.name] = "cn" if "年" in first else ("dash" if "-" in first else "compact")
    cells, bad, issues = quarantine.plant(file, feed, cells, style, month_styles)
    rows = len(next(iter(cells.values()))) if cells else 0
    for name in forms:
        reason = quarantine.REASON_OF_KIND[feed.column(name).kind]
        for row in range(rows):
            if row not in bad and cells[name][row] is not None:
                issues[(row, name)] = reason
    headers = [
        renamed.get(column.name, header) for column, header in zip(feed.columns, _headers(feed, style), strict=True)
    ]
    columns = [(header, cells[column.name], cell_formats[column.name]) for header, column in zip(headers, feed.columns)]
    if not style.system and rng.random() < 0.5:
        columns = [columns[index] for index in rng.permutation(len(columns))]
    for header, values in _extras(rows, style):
        at = 0 if header == "序号" else int(rng.integers(0, len(columns) + 1))
        columns.insert(at, (header, values, {"num_format": "0"} if header == "序号" else {}))
    path = f"{feed.name}/{file.period}.{file_format}"
    target = inbox / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        physical = _write_csv(target, columns, rows, encoding or "gb18030", style)
    else:
        physical = _write_xlsx(target, feed, file, columns, rows, rng)
    quarantined = [
        {"row": int(physical[row]), "column": column, "reason": reason} for row, (column, reason) in sorted(bad.items())
    ]
    value_issues = [
        {"row": int(physical[row]), "column": column, "reason": reason}
        for (row, column), reason in sorted(issues.items())
    ]
    shown_encoding = encoding if file_format == "csv" else None
    return Written(path, feed.name, file.period, file_format, shown_encoding, rows, quarantined, value_issues)


# --- headers -----------------------------------------------------------------------------


def _normal_header(header: str) -> str:
    return header.strip().translate(TO_HALF_WIDTH)


ALL_HEADERS = {_normal_header(name) for feed in FEEDS for column in feed.columns for name in column.headers}


def _headers(feed: Feed, style: Style) -> list[str]:
    """Each column's header: sometimes a variant, other parentheses or stray spaces."""
    rng = style.rng
    taken: set[str] = set()
    headers = []
    variant_rate = 0.05 if style.system else 0.3
    for column in feed.columns:
        header = column.header
        if column.variants and rng.random() < variant_rate:
            header = column.variants[int(rng.integers(0, len(column.variants)))]
        if _normal_header(header) in taken:
            header = column.header
        taken.add(_normal_header(header))
        if not style.system and rng.random() < 0.3:
            if "(" in header:
                header = header.translate(TO_FULL_WIDTH)
            else:
                header = header.translate(TO_HALF_WIDTH)
        if rng.random() < (0.02 if style.system else 0.1):
            header = str(rng.choice([f" {header}", f"{header} ", f" {header} "]))
        headers.append(header)
    return headers


def _extras(rows: int, style: Style) -> list[tuple[str, np.ndarray]]:
    """Columns no feed declares, that a hand-made file sometimes has (the reader ignores
    them)."""
    rng = style.rng
    if style.system or rng.random() >= 0.4:
        return []
    names = [name for name in params.EXTRA_COLUMNS if _normal_header(name) not in ALL_HEADERS]
    extras = []
    for name in rng.choice(names, size=int(rng.integers(1, 3)), replace=False):
        if name == "序号":
            values = [float(row + 1) if style.xlsx else str(row + 1) for row in range(rows)]
        elif name == "联系电话":
            values = ["1" + str(int(number)) for number in rng.integers(3 * 10**9, 9 * 10**9, rows)]
        elif name == "经办人":
            surnames = rng.integers(0, len(params.SURNAMES), rows)
            values = [params.SURNAMES[int(surname)] + "某" for surname in surnames]
        else:
            values = np.where(rng.random(rows) < 0.2, "无", None)
        extras.append((str(name), np.array(values, dtype=object)))
    return extras


# --- the file ----------------------------------------------------------------------------


def _write_csv(target: Path, columns, rows: int, encoding: str, style: Style) -> np.ndarray:
    """Returns each data row's line number."""
    buffer = io.StringIO()
    ends = "\r\n" if (style.system or style.rng.random() < 0.5) else "\n"
    writer = csv.writer(buffer, lineterminator=ends)
    writer.writerow([header for header, _, _ in columns])
    data = []
    for _, values, _ in columns:
        texts = np.asarray(values, dtype=object).copy()
        texts[np.equal(texts, None)] = ""
        data.append(texts.tolist())
    writer.writerows(zip(*data))
    target.write_bytes(buffer.getvalue().encode(encoding))
    return np.arange(rows) + 2  # line 1 is the header


def _period_words(period: str) -> str:
    if len(period) == 4:
        return f"{period}年度"
    return f"{int(period[:4])}年{int(period[5:7])}月"


def _made_on(period: str, rng: np.random.Generator) -> dt.date:
    """A day soon after the period ends."""
    if len(period) == 4:
        start = dt.date(int(period) + 1, 1, 10)
    else:
        year, month = int(period[:4]), int(period[5:7])
        start = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start + dt.timedelta(days=int(rng.integers(0, 10)))


def _layout(feed: Feed, file: FileData, rows: int, rng) -> list[tuple[str, object]]:
    """The sheet's rows in order: (kind, value) with kind blank, title, header, data (the
    row's index) or footer."""
    layout: list[tuple[str, object]] = []
    if rng.random() < 0.08:
        layout.append(("blank", None))
    if rng.random() < 0.5:
        layout.append(("title", f"{_period_words(file.period)}{feed.title}"))
        if rng.random() < 0.3:
            layout.append(("blank", None))
    layout.append(("header", None))
    gaps = set()
    if rows > 1 and rng.random() < 0.4:
        count = min(rows - 1, int(rng.integers(1, 4)))
        gaps = set(rng.choice(np.arange(1, rows), size=count, replace=False).tolist())
    for row in range(rows):
        if row in gaps:
            layout.append(("blank", None))
        layout.append(("data", row))
    made = _made_on(file.period, rng)
    footers = [
        f"制表单位：{feed.sender}",
        f"制表日期：{made.year}年{made.month}月{made.day}日",
        f"合计：{file.row_count}{file.unit}",
    ]
    count = int(rng.choice([0, 1, 2, 3], p=[0.35, 0.2, 0.2, 0.25]))
    if count:
        if rng.random() < 0.5:
            layout.append(("blank", None))
        chosen = sorted(rng.choice(3, size=count, replace=False).tolist())
        layout.extend(("footer", footers[index]) for index in chosen)
    return layout


def _write_xlsx(target: Path, feed: Feed, file: FileData, columns, rows: int, rng) -> np.ndarray:
    """Returns each data row's (1-based) row number in the sheet."""
    layout = _layout(feed, file, rows, rng)
    options = {
        "constant_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(str(target), options)
    # a fixed creation time, so the same district gives the same bytes
    workbook.set_properties({"created": dt.datetime(2000, 1, 1), "author": feed.sender})
    sheet = workbook.add_worksheet(str(rng.choice(["Sheet1", feed.title[:31], "名单"])))
    formats = [workbook.add_format(cell_format) if cell_format else None for _, _, cell_format in columns]
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    physical = np.zeros(rows, dtype=np.int64)
    for at, (kind, value) in enumerate(layout):
        if kind in ("title", "footer"):
            sheet.write_string(at, 0, str(value))
        elif kind == "header":
            for column, (header, _, _) in enumerate(columns):
                sheet.write_string(at, column, header)
        elif kind == "data":
            physical[int(value)] = at + 1
            for column, (_, values, _) in enumerate(columns):
                cell = values[int(value)]
                if cell is None:
                    continue
                if isinstance(cell, str):
                    sheet.write_string(at, column, cell)
                elif isinstance(cell, dt.date):
                    when = dt.datetime(cell.year, cell.month, cell.day)
                    sheet.write_datetime(at, column, when, formats[column] or date_format)
                else:
                    sheet.write_number(at, column, float(cell), formats[column])
    if rng.random() < 0.1:
        workbook.add_worksheet("说明").write_string(0, 0, "本表由系统导出，请勿修改表头。")
    workbook.close()
    return physical
