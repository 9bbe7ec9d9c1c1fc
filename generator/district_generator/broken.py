"""Files the platform must refuse, all for periods before the window so they hide nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from pension_audit.feeds import FEEDS_BY_NAME
from . import render
from .filedata import FileData


def write(
    inbox: Path, first_month: int, samples: dict[str, FileData], rng: np.random.Generator
) -> list[dict]:
    def label(a: int) -> str:
        return f"{a // 12:04d}-{a % 12 + 1:02d}"

    def pick(*feeds: str) -> FileData:
        for f in feeds:
            if f in samples and samples[f].n:
                return samples[f]
        return samples["finance_disbursements"]

    def relabel(fd: FileData, period: str) -> FileData:
        return dataclasses.replace(fd, period=period)

    out: list[dict] = []
    # a corrupt workbook: a zip signature, then noise
    p = inbox / "cdc_deaths" / f"{label(first_month - 14)}.xlsx"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"PK\x03\x04" + rng.bytes(3000))
    out.append({"path": f"cdc_deaths/{p.name}", "reason": "unreadable"})
    # a workbook without a required column (the court forgot 案号)
    fd = pick("court_sentences", "cdc_deaths", "finance_disbursements")
    feed = FEEDS_BY_NAME[fd.feed]
    drop = feed.required_columns[-1].name if fd.feed != "court_sentences" else "case_no"
    cut = dataclasses.replace(feed, columns=tuple(c for c in feed.columns if c.name != drop))
    w = render.write(relabel(fd, label(first_month - 2)), cut, inbox, "xlsx", None, rng)
    out.append({"path": w.path, "reason": "missing_columns"})
    # an empty CSV
    p = inbox / "other_pensions" / f"{label(first_month - 5)}.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")
    out.append({"path": f"other_pensions/{p.name}", "reason": "empty"})
    # a name that is not <period>.<ext>
    fd = pick("cdc_deaths", "civil_affairs_cremations", "finance_disbursements")
    w = render.write(
        relabel(fd, label(first_month - 3)), FEEDS_BY_NAME[fd.feed], inbox, "xlsx", None, rng
    )
    bad = inbox / fd.feed / "死亡名单(最终版).xlsx"
    (inbox / w.path).rename(bad)
    out.append({"path": f"{fd.feed}/{bad.name}", "reason": "bad_name"})
    # two files for one period
    fd = pick("police_deregistrations", "cdc_deaths", "finance_disbursements")
    feed = FEEDS_BY_NAME[fd.feed]
    period = label(first_month - 4)
    a = render.write(relabel(fd, period), feed, inbox, "xlsx", None, rng)
    b = render.write(relabel(fd, period), feed, inbox, "csv", "utf-8-sig", rng)
    out.append({"path": a.path, "reason": "duplicate_period"})
    out.append({"path": b.path, "reason": "duplicate_period"})
    return out
