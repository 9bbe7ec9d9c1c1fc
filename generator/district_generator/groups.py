"""The lists other offices keep: 低保/特困 spells, severe disability, 计划生育特殊家庭,
veterans and those serving in the armed forces."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import params
from .builder import Builder
from .draws import at_least, weighted
from .timeline import NEVER, add_months


def _ages(builder: Builder) -> np.ndarray:
    """Each person's age in years at the window's start."""
    return (builder.start_day - builder.birth).astype(np.int64) / 365.25


def add_special_groups(builder: Builder) -> None:
    """Those whose contribution the government may pay: assistance, disability, family
    planning (one stream, drawn in this order)."""
    rng = builder.rng("special-groups")
    age = _ages(builder)
    builder.assistance = _assistance(builder, rng, age)
    builder.disability = _disability(builder, rng)
    chosen = at_least(rng, rng.random(builder.population) < params.FAMILY_PLANNING_RATE * 3, age >= 49, 2)
    builder.family_planning = pd.DataFrame(
        {
            "pid": chosen,
            "category": np.where(rng.random(len(chosen)) < 0.6, "独生子女死亡", "独生子女伤残").astype(object),
            "year": rng.integers(2012, builder.years[-1] + 1, len(chosen)),
        }
    )


def _assistance(builder: Builder, rng: np.random.Generator, age: np.ndarray) -> pd.DataFrame:
    """Spells on the 低保 or 特困 list that touch the window."""
    population = builder.population
    rate = params.ASSISTANCE_RATE * np.where(age >= 60, 1.5, 0.8)
    chosen = at_least(rng, rng.random(population) < rate, np.ones(population, dtype=bool), 3)
    start = rng.integers(builder.first_month - 60, builder.last_month + 1, len(chosen))
    length = rng.integers(6, 72, len(chosen))
    end = np.minimum(start + length - 1, builder.death_month[chosen])
    kind = builder.townships.kind[builder.people.township.to_numpy()[chosen]]
    category = np.where(kind == "街道", "城市低保", "农村低保").astype(object)
    category[(age[chosen] >= 60) & (rng.random(len(chosen)) < 0.15)] = "特困供养"
    touches = end >= builder.first_month - 1
    return pd.DataFrame(
        {
            "pid": chosen,
            "category": category,
            "start_month": start,
            "end_month": np.where(end >= builder.last_month + 5, NEVER, end),
        }
    )[touches]


def _disability(builder: Builder, rng: np.random.Generator) -> pd.DataFrame:
    """Holders of a severe (grade 1 or 2) disability certificate: the holder's ID, category
    and grade, sometimes a B-suffix."""
    people = builder.people
    chosen = at_least(
        rng,
        rng.random(builder.population) < params.DISABILITY_RATE,
        people.resident.to_numpy(),
        2,
    )
    count = len(chosen)
    since = np.datetime64("2010-01-01")
    span = int((builder.end_day - since).astype(int))
    issued = since + rng.integers(0, span, count).astype("timedelta64[D]")
    category = rng.integers(1, 8, count)
    grade = np.where(rng.random(count) < 0.4, 1, 2)
    suffix = np.where(rng.random(count) < 0.1, np.char.add("B", rng.integers(1, 10, count).astype(str)), "")
    holder = people.id18.to_numpy()[chosen].astype(str)
    certificate = np.char.add(np.char.add(np.char.add(holder, category.astype(str)), grade.astype(str)), suffix).astype(
        object
    )
    return pd.DataFrame(
        {
            "pid": chosen,
            "certificate_no": certificate,
            "category": category,
            "grade": grade,
            "issued_on": issued,
        }
    )


def add_veterans_and_service(builder: Builder) -> None:
    """Veterans (men who served at 18-20), and young residents enlisting around the window."""
    rng = builder.rng("veterans")
    people = builder.people
    age = _ages(builder)
    resident = people.resident.to_numpy()
    eligible = people.male.to_numpy() & (age >= 22) & resident
    chosen = at_least(rng, rng.random(builder.population) < params.VETERAN_RATE * 2, eligible, 2)
    count = len(chosen)
    enlisted = add_months(builder.birth[chosen], rng.integers(18 * 12, 21 * 12, count))
    served = np.where(rng.random(count) < 0.85, rng.integers(24, 61, count), rng.integers(96, 240, count))
    discharged = np.minimum(add_months(enlisted, served), builder.end_day - 30)
    kind = weighted(rng, ("退役士兵", "转业军官", "复员干部"), (80, 10, 10), count)
    builder.veterans = pd.DataFrame({"pid": chosen, "enlisted_on": enlisted, "discharged_on": discharged, "type": kind})
    young = (age >= 16) & (age <= 24) & resident
    chosen = at_least(rng, rng.random(builder.population) < params.SERVICE_RATE * 4, young, 2)
    count = len(chosen)
    offset = rng.integers(-3 * 365, builder.days - 20, count).astype("timedelta64[D]")
    enlisted = builder.start_day + offset
    discharged = add_months(enlisted, rng.choice([24, 24, 36, 60], count))
    builder.service = pd.DataFrame(
        {
            "pid": chosen,
            "enlisted_on": enlisted,
            "discharged_on": discharged,
            "police_reports": rng.random(count) < 0.5,
        }
    )
