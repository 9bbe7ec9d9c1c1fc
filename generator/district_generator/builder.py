"""What the steps that build a district share: its window, its random streams and the
tables made so far. Each step (people, records, groups, court, events, plant_life, bureau,
ledgers, plant_bureau; model.py calls them in order) reads the tables of the steps before
it and adds its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .district import Townships
from .draws import rng_for
from .params import SCALES
from .timeline import NEVER, month_end, month_start, parse_month


class Builder:
    """The state of a district being built, passed from step to step."""

    # set by the steps, in order
    townships: Townships
    people: pd.DataFrame
    birth: np.ndarray  # per person, datetime64[D]
    population: int  # participants and outsiders
    participants: int
    death_date: np.ndarray  # per person, NaT for the living
    death_month: np.ndarray  # per person, NEVER for the living
    deaths: pd.DataFrame
    records: pd.DataFrame
    paused: np.ndarray  # records x years: 暂停缴费
    suspension_rows: list[tuple]
    assistance: pd.DataFrame
    disability: pd.DataFrame
    family_planning: pd.DataFrame
    veterans: pd.DataFrame
    service: pd.DataFrame
    sentences: pd.DataFrame
    nationality: pd.DataFrame
    other_pensions: pd.DataFrame
    police_other: pd.DataFrame
    plan: dict  # what plant.choose decided
    forced_typos: dict[tuple[str, int], str]

    def __init__(self, scale: str, seed: int):
        self.scale, self.seed = scale, seed
        self.size = SCALES[scale]
        self.first_month = parse_month(self.size.start)
        self.last_month = self.first_month + self.size.months - 1
        self.start_day = month_start(self.first_month)
        self.end_day = month_end(self.last_month)
        self.days = int((self.end_day - self.start_day).astype(int)) + 1
        self.years = list(range(self.first_month // 12, self.last_month // 12 + 1))

    def rng(self, key: str) -> np.random.Generator:
        return rng_for(self.seed, self.scale, key)

    def primary_record(self) -> np.ndarray:
        """For each person, their first record (-1 for outsiders)."""
        first_of = np.full(self.population, -1, dtype=np.int64)
        first = ~self.records.duplicate.to_numpy()
        first_of[self.records.pid.to_numpy()[first]] = np.flatnonzero(first)
        return first_of

    def receiving_at(self, pids: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Whether each person's first record receives a pension in the given month."""
        record = self.primary_record()[pids]
        enrolled = record >= 0
        benefit = np.full(len(pids), NEVER)
        benefit[enrolled] = self.records.benefit_month.to_numpy()[record[enrolled]]
        stop = np.full(len(pids), NEVER)
        stop[enrolled] = self.records.stop_month.to_numpy()[record[enrolled]]
        return enrolled & (benefit <= months) & (months < stop)
