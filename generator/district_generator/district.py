"""The district's life as plain tables: who lives there, who is enrolled, and what happens
to them, before any file is written.

Conventions: a month is an int (`timeline`), `NEVER` when it does not come; a person (`pid`)
is an index into `people` (participants first, then outsiders); an enrolment record (`rec`)
is an index into `records` (`records.pid` points to its person).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .params import VILLAGE_STEMS

STATUS = ("参保缴费", "暂停缴费", "正常待遇", "暂停待遇", "终止参保")
CONTRIBUTING, PAUSED, RECEIVING, SUSPENDED, TERMINATED = range(5)
SUSPENSION_COLUMNS = ["rec", "start_month", "end_month", "reason", "backpay"]

# The 22 township-level units of 松山区 (shared/reference/townships.csv).
TOWNSHIPS = (
    ("150404001", "振兴街道", "街道"),
    ("150404002", "向阳街道", "街道"),
    ("150404003", "松州街道", "街道"),
    ("150404004", "铁东街道", "街道"),
    ("150404100", "穆家营子镇", "镇"),
    ("150404101", "初头朗镇", "镇"),
    ("150404102", "大庙镇", "镇"),
    ("150404103", "王府镇", "镇"),
    ("150404104", "老府镇", "镇"),
    ("150404105", "哈拉道口镇", "镇"),
    ("150404106", "上官地镇", "镇"),
    ("150404107", "安庆镇", "镇"),
    ("150404108", "太平地镇", "镇"),
    ("150404200", "当铺地满族乡", "乡"),
    ("150404201", "夏家店乡", "乡"),
    ("150404202", "城子乡", "乡"),
    ("150404203", "大夫营子乡", "乡"),
    ("150404204", "岗子乡", "乡"),
    ("150404400", "玉龙街道", "街道"),
    ("150404401", "全宁街道", "街道"),
    ("150404407", "兴安街道", "街道"),
    ("150404408", "松城街道", "街道"),
)


@dataclass
class Townships:
    """Codes, names and kinds (街道, 镇, 乡) of the townships, and their villages."""

    code: np.ndarray
    name: np.ndarray
    kind: np.ndarray
    villages: list[list[str]]  # six per township, drawn per district

    @classmethod
    def load(cls, rng: np.random.Generator) -> Townships:
        code = np.array([row[0] for row in TOWNSHIPS], dtype=object)
        name = np.array([row[1] for row in TOWNSHIPS], dtype=object)
        kind = np.array([row[2] for row in TOWNSHIPS], dtype=object)
        villages = []
        for township_kind in kind:
            stems = rng.choice(len(VILLAGE_STEMS), size=6, replace=False)
            suffix = "社区" if township_kind == "街道" else "村"
            villages.append([VILLAGE_STEMS[stem] + suffix for stem in stems])
        return cls(code, name, kind, villages)


@dataclass
class District:
    """The finished life model: what tables.py, departments.py and expected.py read."""

    scale: str
    seed: int
    first_month: int
    last_month: int
    townships: Townships
    people: pd.DataFrame  # one row per human: identity, birth, township, death
    records: pd.DataFrame  # one row per enrolment record (个人编号)
    paused: np.ndarray  # records x years: 暂停缴费 that year
    deaths: pd.DataFrame  # pid, death_date, and what each department says
    sentences: pd.DataFrame  # one row per court row (a 案号 may have revisions)
    nationality: pd.DataFrame
    other_pensions: pd.DataFrame
    assistance: pd.DataFrame  # spells of 低保/特困
    disability: pd.DataFrame
    family_planning: pd.DataFrame
    veterans: pd.DataFrame
    service: pd.DataFrame
    police_other: pd.DataFrame  # deregistrations that are not deaths
    suspensions: pd.DataFrame  # SUSPENSION_COLUMNS; end_month inclusive
    forced_typos: dict[tuple[str, int], str]  # (feed, pid) -> the ID that feed writes
    look_alikes: list[dict]  # planted cases that are no finding
    planted: dict  # role -> record (see plant.py)
    # what the bureau and the other offices record, added by the later steps
    certifications: pd.DataFrame = field(default_factory=pd.DataFrame)
    township_reports: pd.DataFrame = field(default_factory=pd.DataFrame)
    contributions: pd.DataFrame = field(default_factory=pd.DataFrame)
    tax_receipts: pd.DataFrame = field(default_factory=pd.DataFrame)
    payments: pd.DataFrame = field(default_factory=pd.DataFrame)  # every row paid or tried
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)
    finance_gaps: dict[int, int] = field(default_factory=dict)  # month -> fen off

    @property
    def months(self) -> np.ndarray:
        return np.arange(self.first_month, self.last_month + 1)

    @property
    def years(self) -> list[int]:
        return sorted({int(month) // 12 for month in self.months})

    def status_at(self, month: int) -> tuple[np.ndarray, np.ndarray]:
        """(records on the roster at the end of `month`, their status codes)."""
        records = self.records
        on_roster = np.flatnonzero(records.enrol_month.to_numpy() <= month)
        status = np.full(len(records), CONTRIBUTING, dtype=np.int8)
        year_index = min(month // 12 - self.first_month // 12, self.paused.shape[1] - 1)
        status[self.paused[:, year_index]] = PAUSED
        receiving = records.benefit_month.to_numpy() <= month
        status[receiving] = RECEIVING
        spells = self.suspensions
        if len(spells):
            current = (spells.start_month.to_numpy() <= month) & (spells.end_month.to_numpy() >= month)
            suspended = spells.rec.to_numpy()[current]
            status[suspended[receiving[suspended]]] = SUSPENDED
        status[records.stop_month.to_numpy() <= month] = TERMINATED
        return on_roster, status[on_roster]
