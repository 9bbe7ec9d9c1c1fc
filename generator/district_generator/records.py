"""Enrolment records (个人编号): when each participant enrolled, a second record for a few,
the benefit start and the account pension, the ID and name as the pension system stores
them, and the termination after a death (on time, late or never)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ids, params
from .builder import Builder
from .draws import weighted
from .timeline import NEVER, add_months, months_of

BENEFIT_AGE_MONTHS = 60 * 12


def add_records(builder: Builder) -> None:
    """One record per participant and a second for a few; see the module docstring."""
    rng = builder.rng("records")
    people = builder.people
    participants = np.flatnonzero(people.participant.to_numpy())
    enrolled = _enrolment_dates(builder, rng, participants)
    duplicates, duplicate_enrolled = _duplicates(builder, rng, participants, enrolled)
    pid = np.concatenate([participants, participants[duplicates]])
    enrolled = np.concatenate([enrolled, duplicate_enrolled])
    count = len(pid)
    duplicate = np.arange(count) >= len(participants)
    person_no = _person_numbers(rng, count)
    enrol_month = months_of(enrolled)
    turns_60 = months_of(builder.birth[pid]) + BENEFIT_AGE_MONTHS
    benefit_month = np.maximum(turns_60 + 1, enrol_month + 1)
    benefit_month = np.where(benefit_month <= builder.last_month, benefit_month, NEVER)
    tier, base, balance_at_start, account_pension = _accounts(builder, rng, enrol_month, benefit_month)
    stored_id, stored_name = _stored_identity(rng, people, pid, duplicate)
    doc_type = people.doc_type.to_numpy()[pid].copy()
    alias = rng.random(count) < 0.5
    doc_type[(doc_type == "外国人永久居留身份证") & alias] = "外国人居留证"
    doc_type[(doc_type == "护照") & alias] = "外国人护照"
    stop, handling = _stop_at_death(builder, pid, benefit_month)
    died_receiving = (builder.death_month[pid] < NEVER) & (benefit_month <= builder.death_month[pid])
    records = pd.DataFrame(
        {
            "pid": pid,
            "person_no": person_no,
            "duplicate": duplicate,
            "doc_type": doc_type,
            "stored_id": stored_id,
            "stored_name": stored_name,
            "township": people.township.to_numpy()[pid],
            "village": people.village.to_numpy()[pid],
            "enrolled_on": enrolled,
            "enrol_month": enrol_month,
            "benefit_month": benefit_month,
            "tier": tier,
            "base_balance": base,
            "balance_at_start": balance_at_start,
            "account_pension": account_pension,
            "own_share": rng.uniform(0.6, 0.9, count),
            "stop_month": stop,
            "stop_reason": np.where(stop < NEVER, "death", ""),
            "death_handling": np.where(died_receiving, handling, ""),
        }
    )
    records["stop_reason"] = records.stop_reason.astype(object)
    records["township_name"] = _roster_township_names(builder, records)
    builder.records = records
    builder.paused = rng.random((count, len(builder.years))) < params.CONTRIB_PAUSE_RATE
    builder.suspension_rows = []


def _enrolment_dates(builder: Builder, rng, participants: np.ndarray) -> np.ndarray:
    """Mostly long before the window, a few newcomers inside it; always before a death."""
    birth = builder.birth[participants]
    earliest = np.maximum(np.datetime64(params.PROGRAM_START), add_months(birth, np.full(len(participants), 16 * 12)))
    span = np.maximum((builder.start_day - 30 - earliest).astype(np.int64), 1)
    draw = rng.random(len(participants)) ** 3 * span
    enrolled = earliest + draw.astype(np.int64).astype("timedelta64[D]")
    newcomers = (rng.random(len(participants)) < 0.02 * builder.size.months / 12) & (earliest < builder.start_day)
    enrolled[newcomers] = builder.start_day + rng.integers(0, builder.days - 31, newcomers.sum()).astype(
        "timedelta64[D]"
    )
    death = builder.death_date[participants]
    died_first = ~np.isnat(death) & (death <= enrolled)
    enrolled[died_first] = death[died_first] - 400
    return enrolled


def _duplicates(builder: Builder, rng, participants, enrolled) -> tuple[np.ndarray, np.ndarray]:
    """Participants (as indexes into `participants`) enrolled a second time, and when. The
    first three receive through the window, their second record enrolled before it."""
    people = builder.people
    count = max(3, round(float(params.DUPLICATE_ENROLMENT_RATE * len(participants))))
    turns_60 = months_of(builder.birth[participants]) + BENEFIT_AGE_MONTHS
    resident = people.resident.to_numpy()[participants]
    receiving_soon = np.flatnonzero(
        (turns_60 < builder.first_month - 1)
        & resident
        & np.isnat(builder.death_date[participants])
        & (enrolled < builder.start_day - 400)
    )
    candidates = np.flatnonzero(resident)
    chosen = list(rng.choice(receiving_soon, size=3, replace=False))
    chosen += list(rng.choice(np.setdiff1d(candidates, chosen), size=count - 3, replace=False))
    chosen = np.array(chosen, dtype=np.int64)
    later = enrolled[chosen] + rng.integers(200, 2500, len(chosen)).astype("timedelta64[D]")
    second = np.minimum(later, builder.end_day - 60)
    first_three = enrolled[chosen[:3]]
    room = (builder.start_day - 60 - first_three).astype(np.int64)
    early = first_three + (rng.random(3) * room).astype(np.int64).astype("timedelta64[D]") + np.timedelta64(30, "D")
    second[:3] = np.minimum(early, builder.start_day - 31)
    return chosen, second


def _person_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Distinct ten-digit 个人编号 starting with 15."""
    numbers = rng.integers(0, 10**8, count)
    for _ in range(20):
        _, first_index = np.unique(numbers, return_index=True)
        repeated = np.setdiff1d(np.arange(count), first_index)
        if not len(repeated):
            break
        numbers[repeated] = rng.integers(0, 10**8, len(repeated))
    return np.char.add("15", np.char.zfill(numbers.astype(str), 8)).astype(object)


def _accounts(builder: Builder, rng, enrol_month, benefit_month):
    """(tier, balance before the window, balance at benefit start, account pension): years
    contributed before the benefit start, at a tier."""
    count = len(enrol_month)
    tier = weighted(rng, params.CONTRIBUTION_TIERS, params.TIER_WEIGHTS, count).astype(np.int64)
    first = builder.first_month
    years_before = np.clip((np.minimum(benefit_month, first) - enrol_month) / 12, 0, 15)
    # (the products in this order: the draws are kept to the last bit)
    base = np.round(years_before * (tier + 40) * 100 * rng.uniform(0.9, 1.2, count))
    base = base.astype(np.int64)
    receives = benefit_month < NEVER
    years_to_start = np.clip((np.where(receives, benefit_month, first) - enrol_month) / 12, 0, 15)
    at_start = np.round(years_to_start * (tier + 40) * 100 * rng.uniform(0.9, 1.2, count))
    at_start = at_start.astype(np.int64)
    at_start = np.where(receives, at_start, 0)
    account_pension = np.round(at_start / params.ACCOUNT_DIVISOR).astype(np.int64)
    return tier, base, at_start, account_pension


def _stored_identity(rng, people, pid, duplicate) -> tuple[np.ndarray, np.ndarray]:
    """The ID and name as the pension system holds them (and so every system export
    shows): some IDs in a legacy or odd form; a duplicate record's ID in the 15-digit form,
    mistyped or clean, in turn."""
    count = len(pid)
    stored_id = people.doc_no.to_numpy()[pid].copy()
    stored_name = people.name.to_numpy()[pid].copy()
    born_1900s = people.born_1900s.to_numpy()[pid]
    resident = people.resident.to_numpy()[pid]
    odd = np.flatnonzero((rng.random(count) < params.SYSTEM_ID_MESS_RATE) & resident & ~duplicate)
    for index, record in enumerate(odd):
        style = ids.ID_STYLES[index % len(ids.ID_STYLES)]
        stored_id[record] = ids.restyle_id(stored_id[record], style, bool(born_1900s[record]))
    for index, record in enumerate(np.flatnonzero(duplicate)):
        variant = index % 3
        if variant == 0 and born_1900s[record]:
            stored_id[record] = ids.to_15_digits(stored_id[record])
        elif variant == 1 and index < 3:
            stored_id[record] = ids.mistype_digit(stored_id[record], rng)
        elif variant in (0, 1):
            stored_id[record] = ids.mistype(stored_id[record], rng)
    for record in np.flatnonzero(rng.random(count) < params.NAME_MESS_RATE):
        stored_name[record] = ids.restyle_name(stored_name[record], rng)
    return stored_id, stored_name


def _stop_at_death(builder: Builder, pid, benefit_month) -> tuple[np.ndarray, np.ndarray]:
    """(stop month, handling) of each record: a recipient's death is handled on time, late
    or never; a contributor's within a few months."""
    rng = builder.rng("death-handling")
    count = len(pid)
    death_month = builder.death_month[pid]
    shares = params.DEATH_HANDLING
    handling = weighted(rng, list(shares), list(shares.values()), count)
    lag = np.select(
        [handling == "on_time", handling == "late"],
        [1 + (rng.random(count) < 0.1), 2 + rng.integers(1, 7, count)],
        NEVER,
    )
    contributor_lag = 1 + rng.integers(0, 4, count)
    receiving = benefit_month <= death_month
    stop = np.where(death_month < NEVER, death_month + np.where(receiving, lag, contributor_lag), NEVER)
    return np.minimum(stop, NEVER), handling


def _roster_township_names(builder: Builder, records: pd.DataFrame) -> np.ndarray:
    """Township names as the roster spells them: some 街道 with 办事处 after."""
    township = records.township.to_numpy()
    names = builder.townships.name[township].copy()
    draw = builder.rng("roster-town-names").random(len(records))
    suffix = (builder.townships.kind[township] == "街道") & (draw < 0.2)
    names[suffix] = names[suffix] + "办事处"
    return names
