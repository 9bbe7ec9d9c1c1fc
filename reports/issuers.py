"""Who issues the documents, as data versioned by effective date (`issuers.csv` beside this
file).

`issuers.csv` columns: effective_from; office (the issuing office's full name, docs/rules.md's
default 赤峰市松山区社会保险事业管理局); abbreviation (the first part of every 文号: 松社保);
deregistration_deadline_days (the time a 申请注销登记告知书 gives to apply, article 19: 限期).
The 指定账户 repayments are made to is kept in the case store (`casework.services.issuer`), where
the admin records it.

`distribution.csv`: the 抄送 of each document's 版记 (`{township}` is the township's name).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from casework.services.townships import township_government

HERE = Path(__file__).resolve().parent
ISSUERS = HERE / "issuers.csv"
DISTRIBUTION = HERE / "distribution.csv"


@dataclass(frozen=True)
class Issuer:
    effective_from: dt.date
    office: str
    abbreviation: str
    deregistration_deadline_days: int


@functools.cache
def _issuers() -> tuple[Issuer, ...]:
    with ISSUERS.open(encoding="utf-8") as f:
        rows = [
            Issuer(
                dt.date.fromisoformat(r["effective_from"]),
                r["office"].strip(),
                r["abbreviation"].strip(),
                int(r["deregistration_deadline_days"]),
            )
            for r in csv.DictReader(f)
        ]
    return tuple(sorted(rows, key=lambda i: i.effective_from))


def issuer_on(day: dt.date) -> Issuer:
    """The issuer in force on `day` (the latest effective_from on or before it)."""
    found = [i for i in _issuers() if i.effective_from <= day]
    if not found:
        raise LookupError(f"{ISSUERS.name} 中没有 {day} 生效的发文机关")
    return found[-1]


@functools.cache
def _distribution() -> dict[str, str]:
    with DISTRIBUTION.open(encoding="utf-8") as f:
        return {r["document"].strip(): r["copy_to"].strip() for r in csv.DictReader(f)}


def copy_to(document: str, township: str | None) -> str:
    """The 抄送 of a document's 版记, its township named ('' when it has none)."""
    template = _distribution().get(document, "")
    if "{township}" in template:
        if not township:
            return "、".join(p for p in template.split("、") if "{township}" not in p)
        template = template.replace("{township}人民政府", township_government(township))
        template = template.replace("{township}", township)
    return template
