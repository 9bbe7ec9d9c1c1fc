"""Files the platform must refuse, all for periods before the window so they hide nothing:
a corrupt workbook, a workbook without a required column, an empty CSV, a file name that
is no period, and two files for one period."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from pension_audit.ingest.feeds import FEEDS_BY_NAME

from . import render
from .filedata import FileData
from .timeline import month_label


def write(inbox: Path, first_month: int, samples: dict[str, FileData], rng: np.random.Generator) -> list[dict]:
    """Write the broken files, copying rows of the feeds' first files. Returns truth.json's
    broken_files."""

    def sample(*feeds: str) -> FileData:
        """The first of these feeds that has rows (finance always has some)."""
        for feed in feeds:
            if feed in samples and samples[feed].row_count:
                return samples[feed]
        return samples["finance_disbursements"]

    def copy_for(file: FileData, months_before: int) -> FileData:
        return dataclasses.replace(file, period=month_label(first_month - months_before))

    broken: list[dict] = []
    corrupt = inbox / "cdc_deaths" / f"{month_label(first_month - 14)}.xlsx"
    corrupt.parent.mkdir(parents=True, exist_ok=True)
    corrupt.write_bytes(b"PK\x03\x04" + rng.bytes(3000))  # a zip signature, then noise
    broken.append({"path": f"cdc_deaths/{corrupt.name}", "reason": "unreadable"})
    # the court forgot 案号 (another feed its last required column)
    file = sample("court_sentences", "cdc_deaths", "finance_disbursements")
    feed = FEEDS_BY_NAME[file.feed]
    dropped = "case_no" if file.feed == "court_sentences" else feed.required_columns[-1].name
    without = dataclasses.replace(feed, columns=tuple(column for column in feed.columns if column.name != dropped))
    written = render.write(copy_for(file, 2), without, inbox, "xlsx", None, rng)
    broken.append({"path": written.path, "reason": "missing_columns"})
    empty = inbox / "other_pensions" / f"{month_label(first_month - 5)}.csv"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_bytes(b"")
    broken.append({"path": f"other_pensions/{empty.name}", "reason": "empty"})
    # a name that is not <period>.<ext>
    file = sample("cdc_deaths", "civil_affairs_cremations", "finance_disbursements")
    written = render.write(copy_for(file, 3), FEEDS_BY_NAME[file.feed], inbox, "xlsx", None, rng)
    badly_named = inbox / file.feed / "死亡名单(最终版).xlsx"
    (inbox / written.path).rename(badly_named)
    broken.append({"path": f"{file.feed}/{badly_named.name}", "reason": "bad_name"})
    # two files for one period
    file = sample("police_deregistrations", "cdc_deaths", "finance_disbursements")
    feed = FEEDS_BY_NAME[file.feed]
    workbook = render.write(copy_for(file, 4), feed, inbox, "xlsx", None, rng)
    text = render.write(copy_for(file, 4), feed, inbox, "csv", "utf-8-sig", rng)
    broken.append({"path": workbook.path, "reason": "duplicate_period"})
    broken.append({"path": text.path, "reason": "duplicate_period"})
    return broken
