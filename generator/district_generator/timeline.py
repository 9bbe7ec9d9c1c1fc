"""Month arithmetic on numpy arrays. A month is an int: year * 12 + (month - 1)."""

from __future__ import annotations

import numpy as np

EPOCH_AM = 1970 * 12
NEVER = 10**6  # a month that never comes


def am(year: int, month: int) -> int:
    return year * 12 + month - 1


def parse_am(text: str) -> int:
    y, m = text.split("-")
    return am(int(y), int(m))


def am_label(a: int) -> str:
    return f"{a // 12:04d}-{a % 12 + 1:02d}"


def am_of(days: np.ndarray) -> np.ndarray:
    """Month of each date (datetime64[D]); NaT gives NEVER."""
    d = np.asarray(days, dtype="datetime64[D]")
    out = d.astype("datetime64[M]").astype(np.int64) + EPOCH_AM
    return np.where(np.isnat(d), NEVER, out)


def month_start(a) -> np.ndarray:
    return (
        (np.asarray(a, dtype=np.int64) - EPOCH_AM).astype("datetime64[M]").astype("datetime64[D]")
    )


def month_end(a) -> np.ndarray:
    return month_start(np.asarray(a, dtype=np.int64) + 1) - np.timedelta64(1, "D")


def day_in_month(a, rng: np.random.Generator, lo: int = 1, hi: int = 31) -> np.ndarray:
    """A random day of each month, day-of-month between lo and hi (clipped to the month)."""
    a = np.asarray(a, dtype=np.int64)
    start = month_start(a)
    length = (month_end(a) - start).astype(np.int64) + 1
    hi_ = np.minimum(hi, length)
    lo_ = np.minimum(lo, hi_)
    off = lo_ - 1 + (rng.random(a.shape) * (hi_ - lo_ + 1)).astype(np.int64)
    return start + off.astype("timedelta64[D]")


def years_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[Y]").astype(np.int64) + 1970


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day-of-month `months` later (clipped to the month's end)."""
    d = np.asarray(days, dtype="datetime64[D]")
    a = am_of(d) + np.asarray(months, dtype=np.int64)
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    length = (month_end(a) - month_start(a)).astype(np.int64)
    return month_start(a) + np.minimum(dom, length).astype("timedelta64[D]")
