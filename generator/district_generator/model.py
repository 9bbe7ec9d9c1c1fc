"""Building the district's life, step by step: people, their deaths and enrolment records,
the other offices' lists and events, the planted cases, then what the bureau does about
it all. Each step draws from its own random stream; the order of the steps is part of the
district (a step sees the tables of the steps before it)."""

from __future__ import annotations

import pandas as pd

from . import bureau, court, events, groups, ledgers, people, plant_bureau, plant_life, records
from .builder import Builder
from .district import SUSPENSION_COLUMNS, District, Townships


def build(scale: str, seed: int) -> District:
    """The district of a scale and seed; the same arguments give the same district."""
    builder = Builder(scale, seed)
    builder.townships = Townships.load(builder.rng("townships"))
    people.add_people(builder)
    people.add_deaths(builder)
    records.add_records(builder)
    groups.add_special_groups(builder)
    groups.add_veterans_and_service(builder)
    court.add_sentences(builder)
    events.add_nationality_and_other_pensions(builder)
    events.add_police_other(builder)
    plant_life.choose(builder)
    bureau.suspend_prisoners(builder)
    district = _district(builder)
    bureau.add_certifications(builder, district)
    plant_bureau.certifications(builder, district)
    bureau.add_township_reports(builder, district)
    ledgers.add_contributions(builder, district)
    ledgers.add_payments(builder, district)
    plant_bureau.payments(builder, district)
    ledgers.add_finance(builder, district)
    return district


def _district(builder: Builder) -> District:
    """The district as the natural events and the planted cases left it; the bureau's
    records are added to it next."""
    return District(
        scale=builder.scale,
        seed=builder.seed,
        first_month=builder.first_month,
        last_month=builder.last_month,
        townships=builder.townships,
        people=builder.people,
        records=builder.records,
        paused=builder.paused,
        deaths=builder.deaths,
        sentences=builder.sentences,
        nationality=builder.nationality,
        other_pensions=builder.other_pensions,
        assistance=builder.assistance,
        disability=builder.disability,
        family_planning=builder.family_planning,
        veterans=builder.veterans,
        service=builder.service,
        police_other=builder.police_other,
        suspensions=pd.DataFrame(builder.suspension_rows, columns=SUSPENSION_COLUMNS),
        forced_typos=builder.forced_typos,
        look_alikes=builder.plan["look_alikes"],
        planted=builder.plan["roles"],
    )
