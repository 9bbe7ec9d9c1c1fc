"""Reading files as departments send them: finding them, decoding them, finding the header.

Everything here works on a whole file and returns its data rows as Arrow columns of text,
with their physical row numbers (what a person sees in Excel or a text editor). Typing and
normalising the values is `load.py`'s job, in DuckDB, over whole columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from python_calamine import CalamineWorkbook

from pension_audit.ingest.feeds import FEEDS_BY_NAME, FILE_REASONS, Column, Feed, Kind

MONTH_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
YEAR_PERIOD = re.compile(r"^\d{4}$")
EXTENSIONS = ("csv", "xlsx")
FOOTER_PREFIXES = ("制表", "合计", "总计", "填表", "审核", "负责人")
HEADER_SEARCH_ROWS = 12


class FileRefused(Exception):
    """A whole file cannot be read. `reason` is a key of FILE_REASONS."""

    def __init__(self, reason: str, detail: str):
        self.reason = reason
        self.detail = detail
        assert reason in FILE_REASONS, reason
        super().__init__(detail)


@dataclass(frozen=True)
class InboxFile:
    path: Path
    relative: str  # "<feed>/<name>", as the inbox holds it
    feed: Feed | None  # None when the folder is not a feed
    period: str | None  # None when the name is not a period of the feed's cadence
    ext: str

    @property
    def well_named(self) -> bool:
        return self.feed is not None and self.period is not None and self.ext in EXTENSIONS


def period_of(feed: Feed, stem: str) -> str | None:
    pattern = MONTH_PERIOD if feed.is_monthly else YEAR_PERIOD
    return stem if pattern.match(stem) else None


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """Every file under the inbox, sorted, each classified by its name."""
    files = []
    for path in sorted(p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(inbox)
        feed = FEEDS_BY_NAME.get(rel.parts[0]) if len(rel.parts) == 2 else None
        ext = path.suffix.lower().lstrip(".")
        period = period_of(feed, path.stem) if feed and ext in EXTENSIONS else None
        files.append(InboxFile(path, rel.as_posix(), feed, period, ext))
    return files


def by_period(files: list[InboxFile]) -> dict[tuple[str, str], list[InboxFile]]:
    """Well-named files grouped by (feed, period)."""
    groups: dict[tuple[str, str], list[InboxFile]] = {}
    for f in files:
        if f.well_named and f.feed is not None and f.period is not None:
            groups.setdefault((f.feed.name, f.period), []).append(f)
    return groups


def naming_problem(file: InboxFile) -> str:
    """Why a badly named file is refused, in words a data engineer acts on."""
    if len(Path(file.relative).parts) != 2:
        return f"{file.relative}：文件应放在 <数据源>/<期间>.<csv|xlsx>，不应在此层级"
    if file.feed is None:
        known = "、".join(FEEDS_BY_NAME)
        return f"{file.relative}：未知数据源目录「{Path(file.relative).parts[0]}」（应为 {known} 之一）"
    if file.ext not in EXTENSIONS:
        return f"{file.relative}：文件类型「.{file.ext}」不受支持（应为 .csv 或 .xlsx）"
    shape = "YYYY-MM" if file.feed.is_monthly else "YYYY"
    return f"{file.relative}：文件名「{file.path.stem}」不是期间 {shape}（{file.feed.title}按{'月' if file.feed.is_monthly else '年'}报送）"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- decoding -----------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Detect the encoding: a UTF-8 BOM, else strict UTF-8, else GB18030. Never assume."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileRefused("encoding", f"无法识别文件编码：既不是 UTF-8 也不是 GB18030（第 {exc.start} 字节）") from exc


# --- rows ------------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a person would type. Excel keeps 15 significant
    digits: a number of 16 or more digits is shown in its rounded scientific form, which
    the ID normaliser recognises as unrecoverable."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) >= 1e15:
            return f"{value:.11E}"
        return repr(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else f"{float(value):.11E}"
    return str(value)


def read_columns(path: Path, data: bytes) -> tuple[list[pa.Array], str]:
    """Every row of the file's first sheet as Arrow text columns: cell i of physical row r + 1
    is columns[i][r] (None past the end of a short row). And the encoding. Cells are text as
    it arrived; blank cells may be None or whitespace."""
    if not data.strip():
        raise FileRefused("empty", "文件为空")
    if path.suffix.lower() == ".xlsx":
        return _transpose(_xlsx_rows(data)), "xlsx"
    text, encoding = decode(data)
    columns = _read_regular_csv(text)
    if columns is None:
        rows: list[list[str | None]] = [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
        columns = _transpose(rows)
    return columns, encoding


def _transpose(rows: list[list[str | None]]) -> list[pa.Array]:
    return [pa.array(column, pa.string()) for column in itertools.zip_longest(*rows)] if rows else []


def _read_regular_csv(text: str) -> list[pa.Array] | None:
    """A file whose every record is as wide as the first, read by Arrow's CSV reader (ten times
    Python's csv module); a blank line is a row of empty cells, so row numbers hold. None for
    a file with a title row, a short row or a long one: Python's csv module reads it."""
    if "\x00" in text:
        return None  # the csv module's own error names it
    width = len(next(csv.reader(io.StringIO(text, newline="")), []))  # the first record's
    irregular = False

    def note(_row) -> str:
        nonlocal irregular
        irregular = True
        return "skip"

    names = [str(i) for i in range(width)]
    try:
        table = pcsv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=note
            ),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
    except pa.ArrowInvalid:  # e.g. a quote never closed, or a first line with no cell
        return None
    return None if irregular else [column.combine_chunks() for column in table.columns]


class _Rows(Sequence[list[str | None]]):
    """The rows of Arrow columns, read one at a time (the header search reads a few)."""

    def __init__(self, columns: list[pa.Array]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, index):  # ints only: the header search reads rows one by one
        if not 0 <= index < len(self):
            raise IndexError(index)
        return [column[index].as_py() for column in self.columns]


def _xlsx_rows(data: bytes) -> list[list[str | None]]:
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for a damaged workbook
        raise FileRefused("unreadable", f"XLSX 已损坏或不是 Excel 文件（{type(exc).__name__}: {exc}）") from exc
    return [[cell_text(v) for v in row] for row in cells]


def is_filled(cell: str | None) -> bool:
    return bool(cell and cell.strip())


# --- header ----------------------------------------------------------------------------------


def header_key(text: str) -> str:
    """Headers compare without spaces and with （） as ()."""
    return "".join(text.split()).replace("（", "(").replace("）", ")")


# An amount header may name its unit: `拨付金额(元)`, `拨付金额(万元)`; the values of a column
# in 万元 are read as ten thousand yuan each.
AMOUNT_UNITS = {"(元)": 1, "(万元)": 10_000}


@dataclass(frozen=True)
class Layout:
    header_row: int  # physical row number of the header
    columns: dict[int, Column]  # cell index -> declared column
    ignored: tuple[str, ...]  # unknown headers, ignored
    scales: dict[str, int] = field(default_factory=dict)  # amount column -> yuan per unit (万元: 10000)


def _header_lookup(feed: Feed) -> dict[str, tuple[Column, int]]:
    """Every accepted header, compared as `header_key` gives it: the declared headers and
    variants, and for amounts each of them with its unit."""
    lookup: dict[str, tuple[Column, int]] = {}
    for col in feed.columns:
        for h in col.headers:
            lookup.setdefault(header_key(h), (col, 1))
            if col.kind is Kind.AMOUNT:
                bare = re.sub(r"\((万?元)\)$", "", header_key(h))
                for unit, scale in AMOUNT_UNITS.items():
                    lookup.setdefault(bare + unit, (col, scale))
    return lookup


def find_header(feed: Feed, rows: Sequence[list[str | None]]) -> Layout:
    """The header is the first row, among the first few non-blank ones, that names every
    required column; a title row above it and unknown extra columns are ignored."""
    lookup = _header_lookup(feed)
    best: tuple[int, dict[int, Column], list[str]] | None = None
    scales: dict[str, int] = {}
    candidates = itertools.islice(
        ((n, cells) for n, cells in enumerate(rows, start=1) if any(map(is_filled, cells))), HEADER_SEARCH_ROWS
    )
    for number, cells in candidates:
        mapped: dict[int, Column] = {}
        ignored = []
        scales = {}
        for index, cell in enumerate(cells):
            found = lookup.get(header_key(cell)) if cell is not None and is_filled(cell) else None
            col, scale = found if found is not None else (None, 1)
            if col is not None and col not in mapped.values():
                mapped[index] = col
                if scale != 1:
                    scales[col.name] = scale
            elif cell is not None and is_filled(cell):
                ignored.append(cell.strip())
        if best is None or len(mapped) > len(best[1]):
            best = (number, mapped, ignored)
        if all(c in mapped.values() for c in feed.required_columns):
            return Layout(number, mapped, tuple(ignored), scales)
    if best is None or not best[1]:
        expected = "、".join(c.header for c in feed.required_columns)
        raise FileRefused("no_header", f"前 {HEADER_SEARCH_ROWS} 行中没有找到表头（应含 {expected}）")
    missing = [c.header for c in feed.required_columns if c not in best[1].values()]
    raise FileRefused("missing_columns", f"第 {best[0]} 行表头缺少必填列：{'、'.join(missing)}")


FOOTER_PATTERN = "^(" + "|".join(FOOTER_PREFIXES) + ")"


@dataclass(frozen=True)
class FileRows:
    """The data rows of one file as an Arrow table: `_row` (the physical row number) and
    `__raw_<column>` (cell text, None when blank) for every declared column. A header with
    no rows below it is a department saying it has nothing to report this period."""

    encoding: str
    layout: Layout
    table: pa.Table

    @property
    def count(self) -> int:
        return self.table.num_rows


def data_rows(feed: Feed, path: Path, data: bytes) -> FileRows:
    """Below the header, every row that is neither blank nor a footer (制表单位：…, 合计：…:
    one or two filled cells, the first starting with a footer word). Decided over whole
    columns with Arrow: a roster file is over a hundred thousand rows."""
    sheet, encoding = read_columns(path, data)
    layout = find_header(feed, _Rows(sheet))
    cells = [column.slice(layout.header_row) for column in sheet]
    below = len(cells[0])
    trimmed = [pc.utf8_trim_whitespace(c) for c in cells]
    filled = [pc.fill_null(pc.not_equal(t, ""), False) for t in trimmed]
    count = functools.reduce(pc.add, (pc.cast(f, pa.int32()) for f in filled), pa.scalar(0, pa.int32()))
    first = pc.coalesce(*(pc.if_else(f, t, None) for f, t in zip(filled, trimmed)), pa.scalar(None, pa.string()))
    footer = pc.and_(pc.less_equal(count, 2), pc.fill_null(pc.match_substring_regex(first, FOOTER_PATTERN), False))
    keep = pc.and_(pc.greater(count, 0), pc.invert(footer))  # a header was found: there is a column
    numbers = pa.array(range(layout.header_row + 1, layout.header_row + 1 + below), pa.int32())
    columns = {"_row": numbers.filter(keep)}
    by_name = {col.name: index for index, col in layout.columns.items()}
    for col in feed.columns:
        index = by_name.get(col.name)
        column = (
            pc.if_else(filled[index], cells[index], None).filter(keep)
            if index is not None
            else pa.nulls(len(columns["_row"]), pa.string())
        )
        columns[f"__raw_{col.name}"] = column
    return FileRows(encoding, layout, pa.table(columns))
