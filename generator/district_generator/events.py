"""Events the other offices report: a loss of nationality, another pension, a police
deregistration that is not a death. The bureau stops some of those pensions itself."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import params
from .builder import Builder
from .draws import weighted
from .timeline import NEVER, month_of


def add_nationality_and_other_pensions(builder: Builder) -> None:
    """Among recipients at the window's start: losses of nationality, then other pensions."""
    rng = builder.rng("nationality")
    people = builder.people
    everyone = np.arange(builder.population)
    receiving = np.flatnonzero(
        builder.receiving_at(everyone, np.full(builder.population, builder.first_month))
        & np.isnat(builder.death_date)
        & people.resident.to_numpy()
    )
    builder.nationality = _nationality(builder, rng, receiving)
    rng = builder.rng("other-pensions")
    builder.other_pensions = _other_pensions(builder, rng, receiving)
    _stop_handled(builder, rng)


def _nationality(builder: Builder, rng, receiving: np.ndarray) -> pd.DataFrame:
    """Recipients who took another nationality, known to the police, the township or both."""
    count = max(1, round(float(params.NATIONALITY_RATE * len(receiving))))
    pids = rng.choice(receiving, size=count, replace=False)
    offset = rng.integers(0, max(1, builder.days * 2 // 3), count).astype("timedelta64[D]")
    date = builder.start_day + offset
    police = rng.random(count) < 0.7
    township = ~police | (rng.random(count) < 0.5)
    return pd.DataFrame(
        {
            "pid": pids,
            "date": date,
            "police": police,
            "township": township,
            "police_on": date + rng.integers(10, 60, count).astype("timedelta64[D]"),
            "handled": rng.random(count) < 0.5,
        }
    )


def _other_pensions(builder: Builder, rng, receiving: np.ndarray) -> pd.DataFrame:
    """Recipients, and a few residents never enrolled, who draw a pension elsewhere."""
    people = builder.people
    left = np.setdiff1d(receiving, builder.nationality.pid.to_numpy())
    wanted = max(2, round(float(params.OTHER_PENSION_RATE * len(receiving))))
    participants = rng.choice(left, size=min(wanted, len(left)), replace=False)
    outsiders = rng.choice(
        np.flatnonzero(~people.participant.to_numpy() & people.resident.to_numpy()),
        size=max(1, wanted // 2),
        replace=False,
    )
    pids = np.concatenate([participants, outsiders])
    count = len(pids)
    start = rng.integers(builder.first_month - 12, builder.last_month - 1, count)
    report = np.maximum(start + rng.integers(1, 7, count), builder.first_month + rng.integers(0, 3, count))
    scheme = weighted(rng, params.OTHER_PENSION_SCHEMES, (70, 15, 15), count)
    elsewhere = weighted(rng, ("辽宁省朝阳市", "河北省承德市", "通辽市科尔沁区"), (1, 1, 1), count)
    nearby = weighted(rng, ("赤峰市", "赤峰市红山区", "呼和浩特市", "内蒙古自治区本级"), (4, 3, 2, 1), count)
    return pd.DataFrame(
        {
            "pid": pids,
            "scheme": scheme,
            "start_month": start,
            "report_month": report,
            "insured_place": np.where(scheme == "外地城乡居民基本养老保险", elsewhere, nearby),
            "handled": rng.random(count) < 0.6,
            "township_reports": rng.random(count) < 0.3,
        }
    )


def _stop_handled(builder: Builder, rng: np.random.Generator) -> None:
    """The bureau terminates the handled cases a month or two after it learns of them."""
    first_record = builder.primary_record()
    stop = builder.records.stop_month.to_numpy().copy()
    reason = builder.records.stop_reason.to_numpy().copy()
    for row in builder.other_pensions.itertuples():
        record = first_record[row.pid]
        if record >= 0 and row.handled and row.report_month < NEVER:
            month = row.report_month + 1 + int(rng.integers(0, 2))
            if month < stop[record]:
                stop[record], reason[record] = month, "other_pension"
    for row in builder.nationality.itertuples():
        record = first_record[row.pid]
        if record >= 0 and row.handled:
            month = month_of(row.date) + 1 + int(rng.integers(1, 4))
            if month < stop[record]:
                stop[record], reason[record] = month, "nationality"
    builder.records["stop_month"], builder.records["stop_reason"] = stop, reason


def add_police_other(builder: Builder) -> None:
    """Deregistrations that are not deaths: emigration and other reasons, enlistment, and
    the police's side of a loss of nationality."""
    rng = builder.rng("police-other")
    people = builder.people
    living = np.flatnonzero(people.resident.to_numpy() & np.isnat(builder.death_date))
    count = max(2, round(float(0.001 * builder.population * builder.size.months / 12)))
    pids = rng.choice(living, size=count, replace=False)
    reason = weighted(rng, ("出国（境）定居", "其他"), (1, 1), count)
    deregistered_on = builder.start_day + rng.integers(0, builder.days, count).astype("timedelta64[D]")
    service = builder.service
    enlisting = service[service.police_reports.to_numpy() & (service.enlisted_on.to_numpy() >= builder.start_day)]
    enlisted_on = enlisting.enlisted_on.to_numpy() + rng.integers(3, 40, len(enlisting)).astype("timedelta64[D]")
    nationality = builder.nationality[builder.nationality.police]
    builder.police_other = pd.DataFrame(
        {
            "pid": np.concatenate([pids, enlisting.pid.to_numpy(), nationality.pid.to_numpy()]),
            "reason": np.concatenate(
                [
                    reason,
                    np.full(len(enlisting), "服现役", dtype=object),
                    np.full(len(nationality), "加入外国国籍", dtype=object),
                ]
            ),
            "deregistered_on": np.concatenate([deregistered_on, enlisted_on, nationality.police_on.to_numpy()]),
        }
    )
