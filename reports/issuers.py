"""Who issues the documents, as data versioned by effective date (`issuers.csv` beside this
file).

`issuers.csv` columns: effective_from; office (the issuing office's full name, docs/rules.md's
default 赤峰市松山区社会保险事业管理局); abbreviation (the first part of every 文号: 松社保);
deregistration_deadline_days (the time a 申请注销登记告知书 gives to apply, article 19: 限期);
repayment_account_name, repayment_bank, repayment_account_no (the 指定账户 of articles 28–29;
left empty, the notice prints lines to fill in by hand).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ISSUERS = HERE / "issuers.csv"


@dataclass(frozen=True)
class Issuer:
    effective_from: dt.date
    office: str
    abbreviation: str
    deregistration_deadline_days: int
    repayment_account_name: str
    repayment_bank: str
    repayment_account_no: str


@functools.cache
def _issuers() -> tuple[Issuer, ...]:
    with ISSUERS.open(encoding="utf-8") as f:
        rows = [Issuer(dt.date.fromisoformat(r["effective_from"]), r["office"].strip(),
                       r["abbreviation"].strip(), int(r["deregistration_deadline_days"]),
                       r["repayment_account_name"].strip(), r["repayment_bank"].strip(),
                       r["repayment_account_no"].strip())
                for r in csv.DictReader(f)]
    return tuple(sorted(rows, key=lambda i: i.effective_from))


def issuer_on(day: dt.date) -> Issuer:
    """The issuer in force on `day` (the latest effective_from on or before it)."""
    found = [i for i in _issuers() if i.effective_from <= day]
    if not found:
        raise LookupError(f"{ISSUERS.name} 中没有 {day} 生效的发文机关")
    return found[-1]
