"""The court's sentences: penalties, custody, terms, probation and how each is executed,
with the later rows of a 案号 (commutation, acquittal on appeal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import params
from .builder import Builder
from .draws import weighted
from .timeline import add_months, months_of

CUSTODIAL = ("有期徒刑", "拘役", "无期徒刑", "死刑缓期二年执行", "死刑")
NO_DATE = np.datetime64("NaT")


def add_sentences(builder: Builder) -> None:
    """Sentences of residents (mostly men); the first three are custodial sentences of
    recipients, so every scale has some."""
    rng = builder.rng("sentences")
    people = builder.people
    years = builder.size.months / 12
    count = max(10, round(float(params.SENTENCE_RATE * builder.population * years)))
    weights = np.where(people.male.to_numpy(), 0.85, 0.15) * people.resident.to_numpy()
    pids = rng.choice(builder.population, size=count, replace=False, p=weights / weights.sum())
    shares = params.SENTENCE_PENALTIES
    penalty = weighted(rng, list(shares), list(shares.values()), count)
    effective = builder.start_day + rng.integers(-60, builder.days - 10, count).astype("timedelta64[D]")
    everyone = np.arange(builder.population)
    receiving = np.flatnonzero(
        builder.receiving_at(everyone, np.full(builder.population, builder.first_month)) & np.isnat(builder.death_date)
    )
    forced = rng.choice(np.setdiff1d(receiving, pids), size=min(3, len(receiving)), replace=False)
    pids[: len(forced)] = forced
    penalty[: len(forced)] = ["有期徒刑", "拘役", "有期徒刑"][: len(forced)]
    effective[: len(forced)] = builder.start_day + rng.integers(20, max(21, builder.days // 2), len(forced)).astype(
        "timedelta64[D]"
    )
    table = _terms(rng, pids, penalty, effective, len(forced))
    revisions = _revisions(rng, table, len(forced))
    if revisions:
        table = pd.concat([table, pd.DataFrame(revisions)], ignore_index=True)
    builder.sentences = table.reset_index(drop=True)


def _terms(rng, pids, penalty, effective, forced: int) -> pd.DataFrame:
    """Each sentence's custody, term, probation, execution, and the file it arrives in."""
    count = len(pids)
    custodial = np.isin(penalty, CUSTODIAL)
    has_custody = custodial | ((penalty == "无罪") & (rng.random(count) < 0.6)) | (rng.random(count) < 0.15)
    custody = np.where(has_custody, effective - rng.integers(30, 240, count).astype("timedelta64[D]"), NO_DATE)
    term = np.select(
        [penalty == "有期徒刑", penalty == "拘役", penalty == "管制"],
        [
            np.where(rng.random(count) < 0.7, rng.integers(6, 37, count), rng.integers(37, 121, count)),
            rng.integers(1, 7, count),
            rng.integers(3, 25, count),
        ],
        0,
    )
    may_suspend = (penalty == "有期徒刑") & (term <= 36) | (penalty == "拘役")
    probation = np.where(
        may_suspend & (rng.random(count) < 0.35),
        rng.integers(2, 6, count) * np.where(penalty == "拘役", 2, 6),
        0,
    )
    probation[:forced] = 0
    execution = np.full(count, "", dtype=object)
    execution[custodial] = weighted(rng, ("监内执行", "", "监外执行"), (85, 10, 5), int(custodial.sum()))
    execution[:forced] = "监内执行"
    execution[(probation > 0) | (penalty == "管制")] = "社区矫正"
    term_start = np.where(term > 0, np.where(np.isnat(custody), effective, custody), NO_DATE)
    served_from = np.where(np.isnat(term_start), effective, term_start)
    term_end = np.where(term > 0, add_months(served_from, term) - np.timedelta64(1, "D"), NO_DATE)
    lag = weighted(rng, (0, 1, 2, 4), (70, 20, 6, 4), count).astype(np.int64)
    year = effective.astype("datetime64[Y]").astype(int) + 1970
    case_no = np.array(
        [f"（{case_year}）蒙0404刑初{int(number)}号" for case_year, number in zip(year, rng.integers(1, 900, count))],
        dtype=object,
    )
    charge = np.array(params.CHARGES, dtype=object)[rng.integers(0, len(params.CHARGES), count)]
    table = pd.DataFrame(
        {
            "pid": pids,
            "case_no": case_no,
            "charge": charge,
            "penalty": penalty,
            "term_months": term,
            "probation_months": probation,
            "custody_on": custody,
            "term_start": term_start,
            "term_end": term_end,
            "effective_on": effective,
            "execution": execution,
            "period_month": months_of(effective) + lag,
            "revision": "",
        }
    )
    table.loc[table.penalty.isin(["单处罚金", "免予刑事处罚", "无罪"]), "execution"] = ""
    return table


def _revisions(rng, table: pd.DataFrame, forced: int) -> list[pd.Series]:
    """Later rows of custodial sentences: some long terms commuted, a few acquitted on
    appeal (never the forced ones)."""
    rows = []
    custodial = table.penalty.isin(CUSTODIAL).to_numpy()
    for index in np.flatnonzero(custodial & (table.probation_months.to_numpy() == 0)):
        row = table.iloc[index]
        if row.penalty == "有期徒刑" and row.term_months >= 24 and rng.random() < 0.3:
            revised = row.copy()
            cut = -int(rng.integers(3, 13))
            revised["term_end"] = add_months(np.array([row.term_end]), np.array([cut]))[0]
            revised["period_month"] = row.period_month + int(rng.integers(4, 12))
            revised["revision"] = "减刑"
            rows.append(revised)
        elif index >= forced and rng.random() < 0.05:
            revised = row.copy()
            revised["penalty"], revised["term_months"], revised["execution"] = "无罪", 0, ""
            revised["term_start"] = revised["term_end"] = NO_DATE
            revised["period_month"] = row.period_month + int(rng.integers(2, 5))
            revised["revision"] = "改判无罪"
            rows.append(revised)
    return rows
