"""Writing one feed file the way its sender would: formats, headers, layout, mistakes.

`write()` takes a file's clean typed columns (`tables.FileData`), renders every cell
(date, month, year and amount styles, aliases, parentheses), plants the quarantine
problems as extra rows (a copy of a real row with exactly one bad cell, so the clean
content of the file is untouched and the truth stays simple), picks the headers (variants,
spaces, parentheses, order, unknown extra columns), lays the sheet out (title row, blank
rows, footer rows) and writes CSV or XLSX. It returns what truth.json records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter

from pension_audit.feeds import FEEDS, Column, Feed, Kind, LinkBy
from . import params as P
from .filedata import NO_AMOUNT, SYSTEM_FEEDS, FileData

DATE_STYLES = ("iso", "slash", "compact", "dot", "cn")
MONTH_STYLES = ("compact", "dash", "cn")
REASONS = (
    "unrecoverable_id",
    "invalid_date",
    "invalid_amount",
    "invalid_code",
    "missing_required",
    "unknown_value",
    "period_mismatch",
)
_TYPO_CHARS = "方其亡保口日目田甲申由"
_HALF = str.maketrans("（）", "()")
_FULL = str.maketrans("()", "（）")


@dataclass
class Written:
    path: str  # relative to the inbox
    feed: str
    period: str
    format: str
    encoding: str | None
    data_rows: int
    quarantined: list[dict] = field(default_factory=list)

    def truth(self) -> dict:
        return {
            "feed": self.feed,
            "period": self.period,
            "format": self.format,
            "encoding": self.encoding,
            "data_rows": self.data_rows,
            "quarantined": self.quarantined,
        }


# --- value formatting --------------------------------------------------------------------


def fmt_date(d: dt.date, style: str) -> str:
    if style == "iso":
        return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "compact":
        return f"{d.year:04d}{d.month:02d}{d.day:02d}"
    if style == "dot":
        return f"{d.year:04d}.{d.month:02d}.{d.day:02d}"
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_month(a: int, style: str) -> str:
    y, m = divmod(int(a), 12)
    m += 1
    if style == "compact":
        return f"{y:04d}{m:02d}"
    if style == "dash":
        return f"{y:04d}-{m:02d}"
    return f"{y}年{m}月"


def fmt_amount(cents: int, thousands: bool) -> str:
    """Yuan to the fen from integer fen, without passing through a float."""
    yuan, fen = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{yuan:,}.{fen:02d}" if thousands else f"{sign}{yuan}.{fen:02d}"


def _by_unique(values: np.ndarray, empty: np.ndarray, fn) -> np.ndarray:
    """Format each distinct value once (dates and amounts repeat a lot)."""
    out = np.full(len(values), None, dtype=object)
    idx = np.flatnonzero(~empty)
    if len(idx):
        u, inv = np.unique(values[idx], return_inverse=True)
        out[idx] = np.array([fn(x) for x in u] + [None], dtype=object)[:-1][inv]
    return out


class _Style:
    """The per-file (and per-row, for hand-made department files) formatting choices."""

    def __init__(self, feed: Feed, fmt: str, rng: np.random.Generator):
        self.system = feed.name in SYSTEM_FEEDS
        self.xlsx = fmt == "xlsx"
        self.rng = rng
        self.row_mix = 0.0 if self.system else (0.1 if rng.random() < 0.5 else 0.0)

    def date_style(self) -> str:
        if self.system:
            return "iso" if self.rng.random() < 0.8 else str(self.rng.choice(DATE_STYLES))
        opts = DATE_STYLES + (("cell", "cell", "cell") if self.xlsx else ())
        return str(self.rng.choice(opts))


def _render_column(col: Column, values: np.ndarray, st: _Style, n: int) -> tuple[np.ndarray, dict]:
    """Cells for one column (str / float / date / None) and the writer's cell format."""
    rng = st.rng
    fmt: dict = {}
    mix = rng.random(n) < st.row_mix if st.row_mix else np.zeros(n, dtype=bool)
    if col.kind is Kind.DATE:
        days = np.asarray(values, dtype="datetime64[D]")
        empty = np.isnat(days)
        style = st.date_style()
        as_date = lambda x: x.astype(object)
        if style == "cell":
            cells = _by_unique(days, empty, as_date)
            fmt = {"num_format": str(rng.choice(["yyyy-mm-dd", "yyyy/m/d", 'yyyy"年"m"月"d"日"']))}
        else:
            cells = _by_unique(days, empty, lambda x: fmt_date(as_date(x), style))
        for i in np.flatnonzero(mix & ~empty):
            cells[i] = fmt_date(days[i].astype(object), str(rng.choice(DATE_STYLES)))
        return cells, fmt
    if col.kind is Kind.MONTH:
        months = np.asarray(values, dtype=np.int64)
        empty = months < 0
        style = "compact" if st.system and rng.random() < 0.8 else str(rng.choice(MONTH_STYLES))
        cells = _by_unique(months, empty, lambda x: fmt_month(x, style))
        for i in np.flatnonzero(mix & ~empty):
            cells[i] = fmt_month(months[i], str(rng.choice(MONTH_STYLES)))
        return cells, fmt
    if col.kind is Kind.YEAR:
        years = np.asarray(values, dtype=np.int64)
        empty = years < 0
        suffix = "年" if (not st.system and rng.random() < 0.2) else ""
        cells = _by_unique(years, empty, lambda x: f"{x}{suffix}")
        if st.xlsx and not suffix and rng.random() < 0.5:
            cells = _by_unique(years, empty, float)
            fmt = {"num_format": "0"}
        for i in np.flatnonzero(mix & ~empty):
            cells[i] = f"{years[i]}年"
        return cells, fmt
    if col.kind is Kind.AMOUNT:
        cents = np.asarray(values, dtype=np.int64)
        empty = cents == NO_AMOUNT
        if st.xlsx and rng.random() < 0.6:
            cells = _by_unique(cents, empty, lambda x: x / 100)
            fmt = {"num_format": str(rng.choice(["#,##0.00", "0.00"]))}
        else:
            thousands = rng.random() < (0.2 if st.system else 0.5)
            cells = _by_unique(cents, empty, lambda x: fmt_amount(x, thousands))
        for i in np.flatnonzero(mix & ~empty):
            cells[i] = fmt_amount(cents[i], True)
        return cells, fmt
    # text-like columns
    cells = np.asarray(values, dtype=object).copy()
    if col.kind is Kind.ENUM:
        swap = rng.random(n) < (0.0 if st.system else 0.3)
        for i in np.flatnonzero(swap):
            v = cells[i]
            if "（" in v:
                cells[i] = v.translate(_HALF)
    cells[cells == ""] = None
    return cells, fmt


# --- planted problems --------------------------------------------------------------------


def _plant_options(feed: Feed) -> dict[str, list[Column]]:
    opts: dict[str, list[Column]] = {}
    for col in feed.columns:
        if (
            feed.link_by is LinkBy.ID_NUMBER
            and col.kind in (Kind.ID, Kind.DISABILITY_CERT)
            and col.required
        ):
            opts.setdefault("unrecoverable_id", []).append(col)
        if col.kind in (Kind.DATE, Kind.MONTH, Kind.YEAR) and col.name != feed.period_column:
            opts.setdefault("invalid_date", []).append(col)
        if col.kind is Kind.AMOUNT:
            opts.setdefault("invalid_amount", []).append(col)
        if col.kind in (Kind.PERSON_NO, Kind.TOWNSHIP):
            opts.setdefault("invalid_code", []).append(col)
        if col.required:
            opts.setdefault("missing_required", []).append(col)
        if col.kind is Kind.ENUM:
            opts.setdefault("unknown_value", []).append(col)
    if feed.period_column:
        opts["period_mismatch"] = [feed.column(feed.period_column)]
    return opts


def _typo_value(value: str, col: Column, rng: np.random.Generator) -> str:
    valid = {v.translate(_HALF) for v in (*col.vocabulary, *col.aliases)}
    base = value or col.vocabulary[int(rng.integers(0, len(col.vocabulary)))]
    for _ in range(50):
        if base.isascii():
            cand = base[::-1] if len(base) > 1 else base + "X"
        else:
            i = int(rng.integers(0, len(base)))
            cand = base[:i] + _TYPO_CHARS[int(rng.integers(0, len(_TYPO_CHARS)))] + base[i + 1 :]
        if cand.translate(_HALF) not in valid and cand.strip():
            return cand
    return base + "某"


def _bad_cell(
    reason: str,
    col: Column,
    cell,
    canon: str | None,
    period: str,
    month_style: str,
    st: _Style,
    rng: np.random.Generator,
):
    y = int(period[:4])
    if reason == "unrecoverable_id":
        digits = canon if canon and canon.isdigit() else None
        if st.xlsx and digits and len(digits) >= 18 and rng.random() < 0.7:
            return float(int(digits[:15]) * 10 ** (len(digits) - 15))  # what Excel keeps of it
        src = "".join(ch for ch in (canon or "") if ch.isdigit())
        if len(src) < 17:
            src = "150404" + "".join(str(int(x)) for x in rng.integers(0, 10, 12))
        return src[: int(rng.choice([16, 17]))]
    if reason == "invalid_date":
        if col.kind is Kind.DATE:
            return str(
                rng.choice([f"{y}-02-30", f"{y}-13-05", f"{y}年2月31日", f"{y}/4/31", f"{y}0230"])
            )
        if col.kind is Kind.MONTH:
            return str(rng.choice([f"{y}-13", f"{y}00", f"{y}年13月"]))
        return str(rng.choice([f"{y}".replace("0", "O"), f"{y}5", "二〇二X"]))
    if reason == "invalid_amount":
        return str(rng.choice(["12.3.4", "一百元", "1,23a.00", "20O.00", "183.00元.5"]))
    if reason == "invalid_code":
        v = str(cell or "") or ("1500000000" if col.kind is Kind.PERSON_NO else "150404000")
        if col.kind is Kind.PERSON_NO:
            return str(rng.choice([v[:-1], v + str(int(rng.integers(0, 10))), v[:4] + "O" + v[5:]]))
        return str(rng.choice([v[:-1], v + "0"]))
    if reason == "missing_required":
        return None if (st.xlsx and rng.random() < 0.5) else str(rng.choice(["", "  ", " "]))
    if reason == "unknown_value":
        return _typo_value(
            str(cell or "").translate(_FULL) if "(" in str(cell or "") else str(cell or ""),
            col,
            rng,
        )
    if reason == "period_mismatch":
        a = y * 12 + int(period[5:7]) - 1 + int(rng.choice([-1, 1, -2]))
        return fmt_month(a, month_style)
    raise ValueError(reason)


def _plant(
    feed: Feed,
    fd: FileData,
    cells: dict[str, np.ndarray],
    st: _Style,
    rng: np.random.Generator,
    month_style: dict[str, str],
) -> tuple[dict[str, np.ndarray], dict[int, tuple[str, str]]]:
    """Insert copies of real rows, each with one bad cell. Returns the new columns and
    {row index in the new table: (column, reason)}."""
    n = fd.n
    opts = _plant_options(feed)
    if n == 0 or not opts:
        return cells, {}
    k_float = n * rng.uniform(*P.QUARANTINE_RATE)
    k = int(k_float) + int(rng.random() < k_float - int(k_float))
    if k == 0 and rng.random() < 0.8:
        k = 1
    if k == 0:
        return cells, {}
    reasons = list(opts)
    weights = np.array(
        [2.0 if r in ("unrecoverable_id", "period_mismatch") else 1.0 for r in reasons]
    )
    # the first problem of a file rotates through the feed's reasons by period, so even a
    # small district shows every reason its feeds allow
    rotate = int(fd.period[5:7]) if len(fd.period) == 7 else int(fd.period)
    src = np.sort(rng.choice(n, size=k, replace=k > n))
    first = int(rng.integers(0, k))
    plan = []
    for j, s in enumerate(src):
        reason = (
            reasons[rotate % len(reasons)]
            if j == first
            else reasons[rng.choice(len(reasons), p=weights / weights.sum())]
        )
        col = opts[reason][int(rng.integers(0, len(opts[reason])))]
        plan.append((int(s), reason, col))
    # each copy goes right after its source row; plan is sorted by source row
    values = {name: [c[s] for s, _, _ in plan] for name, c in cells.items()}
    bad: dict[int, tuple[str, str]] = {}
    for j, (s, reason, col) in enumerate(plan):
        canon = fd.canon_id[s] if fd.canon_id is not None else None
        if col.name == "certificate_no":
            canon = fd.cols["certificate_no"][s]
        values[col.name][j] = _bad_cell(
            reason,
            col,
            cells[col.name][s],
            canon,
            fd.period,
            month_style.get(col.name, "compact"),
            st,
            rng,
        )
        bad[s + 1 + j] = (col.name, reason)
    at = np.array([s + 1 for s, _, _ in plan])
    new = {}
    for name, c in cells.items():
        v = np.empty(len(plan), dtype=object)
        v[:] = values[name]
        new[name] = np.insert(np.asarray(c, dtype=object), at, v)
    return new, bad


# --- headers and layout ------------------------------------------------------------------


def _norm_header(h: str) -> str:
    return h.strip().translate(_HALF)


def _headers(feed: Feed, st: _Style, rng: np.random.Generator) -> list[str]:
    taken: set[str] = set()
    out = []
    p_variant = 0.05 if st.system else 0.3
    for col in feed.columns:
        h = col.header
        if col.variants and rng.random() < p_variant:
            h = col.variants[int(rng.integers(0, len(col.variants)))]
        if _norm_header(h) in taken:
            h = col.header
        taken.add(_norm_header(h))
        if not st.system and rng.random() < 0.3:
            h = h.translate(_FULL) if "(" in h else h.translate(_HALF)
        if rng.random() < (0.02 if st.system else 0.1):
            h = str(rng.choice([f" {h}", f"{h} ", f" {h} "]))
        out.append(h)
    return out


def _all_headers() -> set[str]:
    return {_norm_header(h) for f in FEEDS for c in f.columns for h in c.headers}


def _extras(n: int, st: _Style, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    if st.system or rng.random() >= 0.4:
        return []
    known = _all_headers()
    names = [e for e in P.EXTRA_COLUMNS if _norm_header(e) not in known]
    chosen = rng.choice(names, size=int(rng.integers(1, 3)), replace=False)
    out = []
    for e in chosen:
        if e == "序号":
            vals = np.array(
                [float(i + 1) if st.xlsx else str(i + 1) for i in range(n)], dtype=object
            )
        elif e == "联系电话":
            vals = np.array(
                ["1" + str(int(x)) for x in rng.integers(3 * 10**9, 9 * 10**9, n)], dtype=object
            )
        elif e == "经办人":
            vals = np.array(
                [P.SURNAMES[int(i)] + "某" for i in rng.integers(0, len(P.SURNAMES), n)],
                dtype=object,
            )
        else:
            vals = np.where(rng.random(n) < 0.2, "无", None).astype(object)
        out.append((str(e), vals))
    return out


def _period_words(period: str) -> str:
    if len(period) == 4:
        return f"{period}年度"
    return f"{int(period[:4])}年{int(period[5:7])}月"


def _made_on(period: str, rng: np.random.Generator) -> dt.date:
    if len(period) == 4:
        base = dt.date(int(period) + 1, 1, 10)
    else:
        y, m = int(period[:4]), int(period[5:7])
        base = dt.date(y + (m == 12), m % 12 + 1, 1)
    return base + dt.timedelta(days=int(rng.integers(0, 10)))


# --- the whole file ----------------------------------------------------------------------


def write(
    fd: FileData, feed: Feed, inbox: Path, fmt: str, encoding: str | None, rng: np.random.Generator
) -> Written:
    st = _Style(feed, fmt, rng)
    n = fd.n
    cells: dict[str, np.ndarray] = {}
    cell_fmt: dict[str, dict] = {}
    month_style: dict[str, str] = {}
    for col in feed.columns:
        c, f = _render_column(col, fd.cols[col.name], st, n)
        cells[col.name], cell_fmt[col.name] = c, f
        if col.kind is Kind.MONTH and n:
            first = next((v for v in c if isinstance(v, str)), "202401")
            month_style[col.name] = (
                "cn" if "年" in first else ("dash" if "-" in first else "compact")
            )
    cells, bad = _plant(feed, fd, cells, st, rng, month_style)
    rows = len(next(iter(cells.values()))) if cells else 0
    headers = _headers(feed, st, rng)
    columns = [(h, cells[c.name], cell_fmt[c.name]) for h, c in zip(headers, feed.columns)]
    if not st.system and rng.random() < 0.5:
        order = rng.permutation(len(columns))
        columns = [columns[i] for i in order]
    for e, vals in _extras(rows, st, rng):
        pos = 0 if e == "序号" else int(rng.integers(0, len(columns) + 1))
        columns.insert(pos, (e, vals, {"num_format": "0"} if e == "序号" else {}))
    path = f"{feed.name}/{fd.period}.{fmt}"
    target = inbox / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        physical = _write_csv(target, columns, rows, encoding or "gb18030", st)
    else:
        physical = _write_xlsx(target, feed, fd, columns, rows, rng)
    quarantined = [
        {"row": int(physical[i]), "column": col, "reason": reason}
        for i, (col, reason) in sorted(bad.items())
    ]
    return Written(
        path, feed.name, fd.period, fmt, encoding if fmt == "csv" else None, rows, quarantined
    )


def _write_csv(target: Path, columns, rows: int, encoding: str, st: _Style) -> np.ndarray:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if (st.system or st.rng.random() < 0.5) else "\n")
    w.writerow([h for h, _, _ in columns])
    data = []
    for _, vals, _ in columns:
        v = np.asarray(vals, dtype=object).copy()
        v[np.equal(v, None)] = ""
        data.append(v.tolist())
    w.writerows(zip(*data))
    target.write_bytes(buf.getvalue().encode(encoding))
    return np.arange(rows) + 2  # line 1 is the header


def _write_xlsx(
    target: Path, feed: Feed, fd: FileData, columns, rows: int, rng: np.random.Generator
) -> np.ndarray:
    layout: list[tuple[str, object]] = []
    if rng.random() < 0.08:
        layout.append(("blank", None))
    if rng.random() < 0.5:
        layout.append(("title", f"{_period_words(fd.period)}{feed.title}"))
        if rng.random() < 0.3:
            layout.append(("blank", None))
    layout.append(("header", None))
    gaps = set()
    if rows > 1 and rng.random() < 0.4:
        gaps = set(
            rng.choice(
                np.arange(1, rows), size=min(rows - 1, int(rng.integers(1, 4))), replace=False
            ).tolist()
        )
    for i in range(rows):
        if i in gaps:
            layout.append(("blank", None))
        layout.append(("data", i))
    made = _made_on(fd.period, rng)
    footers = [
        f"制表单位：{feed.sender}",
        f"制表日期：{made.year}年{made.month}月{made.day}日",
        f"合计：{fd.n}{fd.unit}",
    ]
    k = int(rng.choice([0, 1, 2, 3], p=[0.35, 0.2, 0.2, 0.25]))
    if k:
        if rng.random() < 0.5:
            layout.append(("blank", None))
        chosen = sorted(rng.choice(3, size=k, replace=False).tolist())
        layout.extend(("footer", footers[j]) for j in chosen)
    wb = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"created": dt.datetime(2000, 1, 1), "author": feed.sender})
    ws = wb.add_worksheet(str(rng.choice(["Sheet1", feed.title[:31], "名单"])))
    formats = [wb.add_format(f) if f else None for _, _, f in columns]
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    physical = np.zeros(rows, dtype=np.int64)
    for r, (kind, val) in enumerate(layout):
        if kind in ("title", "footer"):
            ws.write_string(r, 0, str(val))
        elif kind == "header":
            for c, (h, _, _) in enumerate(columns):
                ws.write_string(r, c, h)
        elif kind == "data":
            i = int(val)  # type: ignore[arg-type]
            physical[i] = r + 1
            for c, (_, vals, _) in enumerate(columns):
                v = vals[i]
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(
                        r, c, dt.datetime(v.year, v.month, v.day), formats[c] or date_fmt
                    )
                else:
                    ws.write_number(r, c, float(v), formats[c])
    if rng.random() < 0.1:
        wb.add_worksheet("说明").write_string(0, 0, "本表由系统导出，请勿修改表头。")
    wb.close()
    return physical
