"""Rows the platform must quarantine: copies of real rows, each with exactly one bad cell
(a hopeless ID, an impossible date, an unreadable amount, a malformed code, a missing
required value, an unknown vocabulary value, a month outside the file's period). The
clean content of the file is untouched, so the truth stays simple. A bad cell drawn in a
column no rule reads is a value issue instead: written into a real row, which loads."""

from __future__ import annotations

import numpy as np
from pension_audit.ingest.feeds import Column, Feed, Kind, LinkBy

from . import params
from .cells import TO_FULL_WIDTH, TO_HALF_WIDTH, Style, format_month
from .filedata import FileData

TYPO_CHARS = "方其亡保口日目田甲申由"
# The reason an unreadable value of each kind is given (pension_audit.ingest.load.KIND_REASONS).
REASON_OF_KIND = {
    Kind.DATE: "invalid_date",
    Kind.MONTH: "invalid_date",
    Kind.YEAR: "invalid_date",
    Kind.AMOUNT: "invalid_amount",
    Kind.ENUM: "unknown_value",
    Kind.PERSON_NO: "invalid_code",
    Kind.TOWNSHIP: "invalid_code",
}


def plant(file: FileData, feed: Feed, cells: dict, style: Style, month_styles: dict):
    """Insert the copies, each right after its source row. A problem drawn in a column no
    rule reads (not `quarantines`) costs no row: it is written into the source row itself,
    a value issue. Returns the new columns, {row index in the new table: (column, reason)}
    of the copies, and {(row index, column): reason} of the value issues."""
    rng = style.rng
    options = _options(feed)
    if file.row_count == 0 or not options:
        return cells, {}, {}
    count = _how_many(file.row_count, rng)
    if count == 0:
        return cells, {}, {}
    problems = _problems(file, options, count, rng)
    bad_cells = []
    for source, reason, column in problems:
        canon = file.canon_id[source] if file.canon_id is not None else None
        if column.name == "certificate_no":
            canon = file.cols["certificate_no"][source]
        month_style = month_styles.get(column.name, "compact")
        bad_cells.append(_bad_cell(reason, column, cells[column.name][source], canon, file.period, month_style, style))
    copies = [(p, cell) for p, cell in zip(problems, bad_cells, strict=True) if p[2].quarantines]
    values = {name: [column[source] for (source, _, _), _ in copies] for name, column in cells.items()}
    bad: dict[int, tuple[str, str]] = {}
    for index, ((source, reason, column), cell) in enumerate(copies):
        values[column.name][index] = cell
        bad[source + 1 + index] = (column.name, reason)
    sources = np.array([source for (source, _, _), _ in copies], dtype=np.int64)
    in_place = {name: np.asarray(column, dtype=object).copy() for name, column in cells.items()}
    issues: dict[tuple[int, str], str] = {}
    for (source, reason, column), cell in zip(problems, bad_cells, strict=True):
        if not column.quarantines:
            in_place[column.name][source] = cell
            issues[(source + int(np.sum(sources < source)), column.name)] = reason
    planted = {}
    for name, column in in_place.items():
        inserted = np.empty(len(copies), dtype=object)
        inserted[:] = values[name]
        planted[name] = np.insert(column, sources + 1, inserted)
    return planted, bad, issues


def _how_many(rows: int, rng: np.random.Generator) -> int:
    """A small share of the rows; most files get at least one."""
    expected = rows * rng.uniform(*params.QUARANTINE_RATE)
    count = int(expected) + int(rng.random() < expected - int(expected))
    if count == 0 and rng.random() < 0.8:
        count = 1
    return count


def _problems(file: FileData, options: dict, count: int, rng) -> list[tuple]:
    """(source row, reason, column) of each copy, by source row. The first problem of a
    file rotates through the feed's reasons by period, so even a small district shows
    every reason its feeds allow."""
    reasons = list(options)
    weights = np.array([2.0 if reason in ("unrecoverable_id", "period_mismatch") else 1.0 for reason in reasons])
    period = file.period
    rotation = int(period[5:7]) if len(period) == 7 else int(period)
    sources = np.sort(rng.choice(file.row_count, size=count, replace=count > file.row_count))
    first = int(rng.integers(0, count))
    problems = []
    for index, source in enumerate(sources):
        if index == first:
            reason = reasons[rotation % len(reasons)]
        else:
            reason = reasons[rng.choice(len(reasons), p=weights / weights.sum())]
        column = options[reason][int(rng.integers(0, len(options[reason])))]
        problems.append((int(source), reason, column))
    return problems


def _options(feed: Feed) -> dict[str, list[Column]]:
    """The columns each reason can be planted in."""
    options: dict[str, list[Column]] = {}
    for column in feed.columns:
        if feed.link_by is LinkBy.ID_NUMBER and column.kind in (Kind.ID, Kind.DISABILITY_CERT) and column.required:
            options.setdefault("unrecoverable_id", []).append(column)
        if column.kind in (Kind.DATE, Kind.MONTH, Kind.YEAR) and column.name != feed.period_column:
            options.setdefault("invalid_date", []).append(column)
        if column.kind is Kind.AMOUNT:
            options.setdefault("invalid_amount", []).append(column)
        if column.kind in (Kind.PERSON_NO, Kind.TOWNSHIP):
            options.setdefault("invalid_code", []).append(column)
        if column.required:
            options.setdefault("missing_required", []).append(column)
        if column.kind is Kind.ENUM:
            options.setdefault("unknown_value", []).append(column)
    if feed.period_column:
        options["period_mismatch"] = [feed.column(feed.period_column)]
    return options


def _bad_cell(reason, column: Column, cell, canon, period: str, month_style: str, style: Style):
    """A cell that fails for `reason`, made from the row's own value where it can be."""
    rng = style.rng
    year = int(period[:4])
    text = str(cell or "")
    if reason == "unrecoverable_id":
        return _hopeless_id(canon, style)
    if reason == "invalid_date":
        if column.kind is Kind.DATE:
            return str(
                rng.choice(
                    [
                        f"{year}-02-30",
                        f"{year}-13-05",
                        f"{year}年2月31日",
                        f"{year}/4/31",
                        f"{year}0230",
                    ]
                )
            )
        if column.kind is Kind.MONTH:
            return str(rng.choice([f"{year}-13", f"{year}00", f"{year}年13月"]))
        return str(rng.choice([f"{year}".replace("0", "O"), f"{year}5", "二〇二X"]))
    if reason == "invalid_amount":
        return str(rng.choice(["12.3.4", "一百元", "1,23a.00", "20O.00", "183.00元.5"]))
    if reason == "invalid_code":
        if column.kind is Kind.PERSON_NO:
            value = text or "1500000000"
            wrong = [value[:-1], value + str(int(rng.integers(0, 10))), value[:4] + "O" + value[5:]]
            return str(rng.choice(wrong))
        value = text or "150404000"
        return str(rng.choice([value[:-1], value + "0"]))
    if reason == "missing_required":
        return None if (style.xlsx and rng.random() < 0.5) else str(rng.choice(["", "  ", " "]))
    if reason == "unknown_value":
        return _mistyped_value(text.translate(TO_FULL_WIDTH) if "(" in text else text, column, rng)
    if reason == "period_mismatch":
        month = year * 12 + int(period[5:7]) - 1 + int(rng.choice([-1, 1, -2]))
        return format_month(month, month_style)
    raise ValueError(reason)


def _hopeless_id(canon: str | None, style: Style):
    """Too few digits to be any ID: what Excel keeps of a long number, or a cut one."""
    rng = style.rng
    digits = canon if canon and canon.isdigit() else None
    if style.xlsx and digits and len(digits) >= 18 and rng.random() < 0.7:
        return float(int(digits[:15]) * 10 ** (len(digits) - 15))
    source = "".join(char for char in (canon or "") if char.isdigit())
    if len(source) < 17:
        source = "150404" + "".join(str(int(digit)) for digit in rng.integers(0, 10, 12))
    return source[: int(rng.choice([16, 17]))]


def _mistyped_value(value: str, column: Column, rng: np.random.Generator) -> str:
    """A vocabulary value with one character wrong, so that it matches no value or alias."""
    valid = {known.translate(TO_HALF_WIDTH) for known in (*column.vocabulary, *column.aliases)}
    base = value or column.vocabulary[int(rng.integers(0, len(column.vocabulary)))]
    for _ in range(50):
        if base.isascii():
            candidate = base[::-1] if len(base) > 1 else base + "X"
        else:
            at = int(rng.integers(0, len(base)))
            typo = TYPO_CHARS[int(rng.integers(0, len(TYPO_CHARS)))]
            candidate = base[:at] + typo + base[at + 1 :]
        if candidate.translate(TO_HALF_WIDTH) not in valid and candidate.strip():
            return candidate
    return base + "某"
