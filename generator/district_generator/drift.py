"""Drifts: what departments do to their files over time that the platform must survive.

Each drift is planted in a fixed place of the district (chosen from its months, so every
scale has it) and recorded in truth["drifts"]:

- `optional-column-form`: from the middle of the window on, the townships write the
  contributions' 缴费档次 (an optional column no rule reads) as a label (`第2档`) the
  reader cannot take: every such cell is a value issue and no row is lost;
- `missing-month`: the finance bureau's disbursement file of one month never arrives;
- `missing-report`: the townships' report of one month never arrives (the accountability
  counts whose on-time window reads it wait for it);
- `truncated-file`: one month's payments file arrives cut to a tenth of its rows (the
  platform must hold it);
- `renamed-column`: one month's other-pensions file calls its required column 险种
  `险种类别`, a header no declaration knows (the file fails with `missing_columns`).

Several may be planted at once; the rest of the district is the same as without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import params
from .filedata import FileData
from .timeline import month_label

DRIFTS = ("optional-column-form", "missing-month", "missing-report", "truncated-file", "renamed-column")
TRUNCATED_SHARE = 0.1
TIER_LABELS = {f"{tier}.00": f"第{index}档" for index, tier in enumerate(params.CONTRIBUTION_TIERS, start=1)}


@dataclass
class Drifts:
    planted: tuple[str, ...]
    first_month: int
    last_month: int
    renamed: tuple[str, str] | None = field(default=None, init=False)  # set on the file it hits

    def _month(self, back: int) -> str:
        return month_label(max(self.first_month, self.last_month - back))

    @property
    def truncated(self) -> tuple[str, str] | None:
        return ("payments", self._month(3)) if "truncated-file" in self.planted else None

    @property
    def missing(self) -> tuple[str, str] | None:
        return ("finance_disbursements", self._month(2)) if "missing-month" in self.planted else None

    @property
    def missing_report(self) -> tuple[str, str] | None:
        return ("township_reports", self._month(5)) if "missing-report" in self.planted else None

    @property
    def reformed_from(self) -> str | None:
        if "optional-column-form" not in self.planted:
            return None
        return month_label(self.first_month + (self.last_month - self.first_month + 1) // 2)

    def skips(self, file: FileData) -> bool:
        return (file.feed, file.period) in (self.missing, self.missing_report)

    def cut(self, file: FileData) -> FileData:
        """The file as it arrives: a truncated one keeps its first rows only."""
        if self.truncated != (file.feed, file.period) or file.row_count == 0:
            return file
        keep = max(1, int(file.row_count * TRUNCATED_SHARE))
        canon = file.canon_id[:keep] if file.canon_id is not None else None
        return FileData(
            file.feed, file.period, {name: np.asarray(col)[:keep] for name, col in file.cols.items()}, canon, file.unit
        )

    def forms(self, file: FileData) -> dict:
        if self.reformed_from and file.feed == "contributions" and file.period >= self.reformed_from:
            return {"tier": _tier_label}
        return {}

    def renames(self, file: FileData) -> dict[str, str]:
        """The first other-pensions file with rows from six months before the end on."""
        if (
            "renamed-column" in self.planted
            and self.renamed is None
            and file.feed == "other_pensions"
            and file.row_count
            and file.period >= self._month(6)
        ):
            self.renamed = (file.feed, file.period)
        return {"scheme": "险种类别"} if self.renamed == (file.feed, file.period) else {}

    def truth(self, written: dict[str, dict]) -> list[dict]:
        """What was planted, and what the platform must make of it."""
        out = []
        if self.reformed_from:
            files = sorted(
                p for p, f in written.items() if f["feed"] == "contributions" and f["period"] >= self.reformed_from
            )
            out.append(
                {
                    "drift": "optional-column-form",
                    "feed": "contributions",
                    "column": "tier",
                    "files": files,
                    "expect": "value_issues",
                }
            )
        if self.missing:
            out.append(
                {"drift": "missing-month", "feed": self.missing[0], "period": self.missing[1], "expect": "absent"}
            )
        if self.missing_report:
            feed, period = self.missing_report
            out.append({"drift": "missing-report", "feed": feed, "period": period, "expect": "absent"})
        if self.truncated:
            feed, period = self.truncated
            path = next(p for p, f in written.items() if (f["feed"], f["period"]) == (feed, period))
            out.append({"drift": "truncated-file", "feed": feed, "period": period, "path": path, "expect": "held"})
        if self.renamed:
            feed, period = self.renamed
            path = next(p for p, f in written.items() if (f["feed"], f["period"]) == (feed, period))
            out.append(
                {
                    "drift": "renamed-column",
                    "feed": feed,
                    "period": period,
                    "path": path,
                    "column": "scheme",
                    "header": "险种类别",
                    "expect": "failed",
                }
            )
        return out


def _tier_label(cell: object) -> object:
    """A tier written as the township's label: 第N档 (N counts the tiers from the lowest)."""
    text = f"{float(cell):.2f}" if isinstance(cell, float) else str(cell).strip().replace(",", "")
    if "." not in text:
        text += ".00"
    return TIER_LABELS.get(text, f"第{text}档")
