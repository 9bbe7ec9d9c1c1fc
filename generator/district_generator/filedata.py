"""A feed file's clean content, and what the tables that make it share.

A `FileData` holds one file's rows under the canonical column names of the feed
declarations (pension_audit.ingest.feeds). Typed values: DATE columns are datetime64[D] (NaT =
empty), MONTH and YEAR ints (-1 = empty; a month as in `timeline`), AMOUNT int64 fen
(`NO_AMOUNT` = empty), everything else str ('' = empty). IDs and names already carry the
sender's own oddities (a legacy 15-digit ID in the pension system, a typo at a
department); the writer adds the rest. The pension system's exports are made in
tables.py, the other departments' files in departments.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ids, params
from .district import District
from .draws import rng_for
from .timeline import months_of

NO_AMOUNT = np.iinfo(np.int64).min
SYSTEM_FEEDS = ("roster", "payments", "certifications", "contributions")


def as_days(values) -> np.ndarray:
    return np.asarray(values).astype("datetime64[D]")


@dataclass
class FileData:
    feed: str
    period: str  # YYYY-MM or YYYY
    cols: dict[str, np.ndarray]
    canon_id: np.ndarray | None = None  # the clean ID behind each row's ID column
    unit: str = "人"  # for the 合计 footer

    @property
    def row_count(self) -> int:
        """The number of rows."""
        return len(next(iter(self.cols.values())))


class Persons:
    """Per-person lookups, and the departments' way of writing a person."""

    def __init__(self, district: District):
        people = district.people
        self.name = people.name.to_numpy()
        self.id = people.doc_no.to_numpy()
        self.male = people.male.to_numpy()
        self.birth = as_days(people.birth_date)
        self.death_month = months_of(as_days(people.death_date))
        self.born_1900s = people.born_1900s.to_numpy()
        self.resident = people.resident.to_numpy()
        self.township = people.township.to_numpy()
        self.village = people.village.to_numpy()
        townships = district.townships
        self.town_code, self.town_name, self.town_kind = (
            townships.code,
            townships.name,
            townships.kind,
        )

    def sex(self, pids) -> np.ndarray:
        return np.where(self.male[pids], "男", "女").astype(object)

    def dept_ids(self, pids, rng: np.random.Generator) -> np.ndarray:
        """IDs as a department writes them: mostly clean, some odd, a few mistyped."""
        written = self.id[pids].copy()
        draw = rng.random(len(pids))
        for row in np.flatnonzero(draw < params.DEPT_ID_MESS_RATE):
            style = ids.ID_STYLES[int(rng.integers(0, len(ids.ID_STYLES)))]
            # a foreigner's number has no 15-digit form, no X and no inner structure
            if self.resident[pids[row]] or style in ("fullwidth", "outer_space", "quote"):
                written[row] = ids.restyle_id(written[row], style, bool(self.born_1900s[pids[row]]))
        typo_rate = params.DEPT_ID_MESS_RATE + params.DEPT_ID_TYPO_RATE
        mistyped = (draw >= params.DEPT_ID_MESS_RATE) & (draw < typo_rate)
        for row in np.flatnonzero(mistyped & self.resident[pids]):
            written[row] = ids.mistype(written[row], rng)
        return written

    def dept_names(self, pids, rng: np.random.Generator) -> np.ndarray:
        """Names as a department writes them: some with stray spaces or another dot."""
        written = self.name[pids].copy()
        dotted = np.array(["·" in name for name in written], dtype=bool)
        odd = (rng.random(len(pids)) < params.NAME_MESS_RATE) | (dotted & (rng.random(len(pids)) < 0.5))
        for row in np.flatnonzero(odd):
            written[row] = ids.restyle_name(written[row], rng)
        return written

    def town_names(self, pids, rng: np.random.Generator, suffix_rate: float = 0.0) -> np.ndarray:
        """Township names, some 街道 with 办事处 after."""
        township = self.township[pids]
        names = self.town_name[township].copy()
        suffixed = (self.town_kind[township] == "街道") & (rng.random(len(pids)) < suffix_rate)
        names[suffixed] = names[suffixed] + "办事处"
        return names


def table_rng(district: District, feed: str, period: str) -> np.random.Generator:
    return rng_for(district.seed, district.scale, "table", feed, period)
