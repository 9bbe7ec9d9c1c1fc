"""Month arithmetic on numpy arrays. A month is an int, year * 12 + (month - 1): months
compare and subtract as numbers, and `NEVER` stands for one that does not come."""

from __future__ import annotations

import numpy as np

EPOCH_MONTH = 1970 * 12  # numpy's datetime64[M] counts from January 1970
NEVER = 10**6  # a month that never comes


def parse_month(text: str) -> int:
    """The month of a YYYY-MM label."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_label(month: int) -> str:
    """YYYY-MM, the form of file periods and of truth.json."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def months_of(days: np.ndarray) -> np.ndarray:
    """Month of each date (datetime64[D]); NaT gives NEVER."""
    dates = np.asarray(days, dtype="datetime64[D]")
    months = dates.astype("datetime64[M]").astype(np.int64) + EPOCH_MONTH
    return np.where(np.isnat(dates), NEVER, months)


def month_of(day) -> int:
    """Month of one date."""
    return int(months_of(np.array([day], dtype="datetime64[D]"))[0])


def month_start(months) -> np.ndarray:
    """First day of each month."""
    since_epoch = np.asarray(months, dtype=np.int64) - EPOCH_MONTH
    return since_epoch.astype("datetime64[M]").astype("datetime64[D]")


def month_end(months) -> np.ndarray:
    """Last day of each month."""
    return month_start(np.asarray(months, dtype=np.int64) + 1) - np.timedelta64(1, "D")


def day_in_month(months, rng: np.random.Generator, first: int = 1, last: int = 31) -> np.ndarray:
    """A random day of each month, its day of month between first and last (clipped to the
    month's length)."""
    months = np.asarray(months, dtype=np.int64)
    start = month_start(months)
    length = (month_end(months) - start).astype(np.int64) + 1
    last_day = np.minimum(last, length)
    first_day = np.minimum(first, last_day)
    offset = first_day - 1 + (rng.random(months.shape) * (last_day - first_day + 1)).astype(np.int64)
    return start + offset.astype("timedelta64[D]")


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day of month `months` later (clipped to the month's end)."""
    dates = np.asarray(days, dtype="datetime64[D]")
    target = months_of(dates) + np.asarray(months, dtype=np.int64)
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    length = (month_end(target) - month_start(target)).astype(np.int64)
    return month_start(target) + np.minimum(day_of_month, length).astype("timedelta64[D]")
