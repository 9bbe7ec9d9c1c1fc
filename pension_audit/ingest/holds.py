"""Collapsed files are held, not loaded.

A file whose readable rows fall far below what its feed's own history says, or whose
quarantined share jumps, is held: its rows do not reach the warehouse (a held file counts
as a file that has not arrived; a held re-send leaves the period's previous version in
force) until the data engineer releases it (`pension-audit release FEED PERIOD`) or the
department sends a new version.

The thresholds are data: the versioned seed `dbt_project/seeds/hold_thresholds.csv`, one row
per feed (`*` for the default) and effective date. History is what the file log says was
loaded for the feed's other periods: the same period a year before, and the median of the
recent periods (seasonal feeds swing 5:1 over a year, so the default share of the recent
median is small). A feed's first periods, with no history, are never held for size, nor a
small feed (whose typical period has fewer rows than `min_typical_rows`).
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pension_audit.ingest.feeds import HOLD_REASONS

__all__ = ["HOLD_REASONS", "History", "Thresholds", "hold_reason", "load_thresholds", "thresholds_for"]

THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "dbt_project/seeds/hold_thresholds.csv"


@dataclass(frozen=True)
class Thresholds:
    feed: str
    effective_from: dt.date
    min_typical_rows: int
    recent_periods: int
    min_share_of_recent: Decimal
    min_share_of_last_year: Decimal
    max_quarantined_share_rise: Decimal


def load_thresholds(path: Path = THRESHOLDS_FILE) -> list[Thresholds]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [
            Thresholds(
                row["feed"],
                dt.date.fromisoformat(row["effective_from"]),
                int(row["min_typical_rows"]),
                int(row["recent_periods"]),
                Decimal(row["min_share_of_recent"]),
                Decimal(row["min_share_of_last_year"]),
                Decimal(row["max_quarantined_share_rise"]),
            )
            for row in csv.DictReader(stream)
        ]


def thresholds_for(feed: str, period: str, table: list[Thresholds] | None = None) -> Thresholds:
    """The feed's own row (else the default `*`) in force at the start of the period."""
    table = load_thresholds() if table is None else table
    start = dt.date.fromisoformat(f"{period}-01" if len(period) == 7 else f"{period}-01-01")
    for name in (feed, "*"):
        rows = sorted(
            (t for t in table if t.feed == name and t.effective_from <= start), key=lambda t: t.effective_from
        )
        if rows:
            return rows[-1]
    raise LookupError(f"hold_thresholds.csv has no row for {feed} or * in force at {period}")


def year_before(period: str) -> str:
    return f"{int(period[:4]) - 1}{period[4:]}"


@dataclass(frozen=True)
class History:
    """What was loaded for the feed's other periods: period -> (rows read, rows loaded)."""

    periods: dict[str, tuple[int, int]]


def hold_reason(
    period: str, rows_read: int, readable: int, history: History, limits: Thresholds
) -> tuple[str, str] | None:
    """(reason, message in Chinese) when the file must be held, else None. A jump in the
    quarantined share is named first: it is also why fewer rows are readable."""
    earlier = sorted(p for p in history.periods if p < period)
    if not earlier:
        return None  # a feed's first period: nothing to compare with
    recent = earlier[-limits.recent_periods :]
    recent_loaded = statistics.median(history.periods[p][1] for p in recent)
    last_year = history.periods.get(year_before(period))
    last_year_loaded = last_year[1] if last_year else None
    if rows_read >= limits.min_typical_rows:
        share = Decimal(rows_read - readable) / rows_read
        usual = statistics.median(
            Decimal(r - loaded) / r if r else Decimal(0) for r, loaded in (history.periods[p] for p in recent)
        )
        if share > usual + limits.max_quarantined_share_rise:
            return "quarantine_jump", (
                f"隔离 {rows_read - readable} 行，占 {share:.0%}，近 {len(recent)} 期中位数为 {usual:.0%}"
            )
    typical = max(recent_loaded, last_year_loaded or 0)
    # Each comparison in use (a share of 0 turns it off; last year's needs last year's file)
    # must find the file collapsed.
    below = []
    if limits.min_share_of_recent > 0:
        below.append(readable < limits.min_share_of_recent * Decimal(str(recent_loaded)))
    if limits.min_share_of_last_year > 0 and last_year_loaded is not None:
        below.append(readable < limits.min_share_of_last_year * last_year_loaded)
    if typical >= limits.min_typical_rows and below and all(below):
        compared = f"近 {len(recent)} 期中位数 {recent_loaded:g} 行"
        if last_year_loaded is not None:
            compared += f"，上年同期（{year_before(period)}）{last_year_loaded} 行"
        return "too_few_rows", f"可读 {readable} 行，远低于本数据源历史（{compared}）"
    return None
