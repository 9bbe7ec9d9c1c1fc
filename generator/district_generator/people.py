"""The people of the district (participants, then residents who never enrolled) and their
deaths, with what each department says about each death."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ids, params
from .builder import Builder
from .draws import weighted
from .timeline import months_of

NO_DATE = np.datetime64("NaT")


def add_people(builder: Builder) -> None:
    """Identity, birth, sex, name and home of everyone who lives in the district."""
    rng = builder.rng("people")
    participants = builder.size.people
    population = participants + round(float(participants * params.OUTSIDER_SHARE))
    old = rng.random(population) < params.RECEIVING_SHARE
    age = np.where(
        old,
        60 + np.minimum(rng.exponential(9.0, population), 39.5),
        rng.uniform(16, 59.9, population),
    )
    birth = builder.start_day - (age * 365.25).astype(np.int64).astype("timedelta64[D]")
    male = rng.random(population) < 0.5
    region = weighted(rng, params.REGIONS, params.REGION_WEIGHTS, population).astype(str)
    birth_digits = np.char.replace(np.datetime_as_string(birth, unit="D").astype("U10"), "-", "")
    id18 = _unique_ids(rng, region, birth_digits, male)
    doc_type = np.full(population, "居民身份证", dtype=object)
    doc_no = id18.copy()
    resident = np.ones(population, dtype=bool)
    _other_documents(rng, participants, birth_digits, male, id18, doc_type, doc_no, resident)
    name = _names(rng, population)
    township = rng.integers(0, len(builder.townships.code), population)
    village_pick = rng.integers(0, 6, population)
    village = np.array(
        [builder.townships.villages[town][pick] for town, pick in zip(township, village_pick)],
        dtype=object,
    )
    builder.birth = birth
    builder.people = pd.DataFrame(
        {
            "participant": np.arange(population) < participants,
            "name": name,
            "male": male,
            "birth_date": birth,
            "region": region,
            "id18": id18,
            "doc_type": doc_type,
            "doc_no": doc_no,
            "resident": resident,
            "born_1900s": (birth.astype("datetime64[Y]").astype(int) + 1970 <= 1999)
            & resident
            & (doc_type != "港澳台居民居住证"),
            "township": township,
            "village": village,
        }
    )
    builder.population, builder.participants = population, participants


def _unique_ids(rng, region, birth_digits, male) -> np.ndarray:
    """Resident IDs, their sequence numbers redrawn until no two people share one."""
    count = len(region)
    sequence = rng.integers(0, 500, count) * 2 + male.astype(int)
    body = np.char.add(np.char.add(region, birth_digits), np.char.zfill(sequence.astype(str), 3))
    for _ in range(20):
        _, first_index = np.unique(body, return_index=True)
        repeated = np.setdiff1d(np.arange(count), first_index)
        if len(repeated) == 0:
            break
        sequence[repeated] = rng.integers(0, 500, len(repeated)) * 2 + male[repeated].astype(int)
        body[repeated] = np.char.add(
            np.char.add(region[repeated], birth_digits[repeated]),
            np.char.zfill(sequence[repeated].astype(str), 3),
        )
    return np.char.add(body, ids.check_chars(body)).astype(object)


def _other_documents(rng, participants, birth_digits, male, id18, doc_type, doc_no, resident):
    """Participants enrolled with another document than the 居民身份证, at least one of each
    kind (changes the arrays in place)."""
    pool = rng.permutation(participants)
    taken = 0
    for kind, rate in params.OTHER_DOC_RATES.items():
        count = max(1, round(float(rate * participants)))
        holders = pool[taken : taken + count]
        taken += count
        doc_type[holders] = kind
        for index, person in enumerate(holders):
            digits = birth_digits[person]
            if kind == "港澳台居民居住证":
                region = params.HMT_REGIONS[index % 3]
                body = region + digits + f"{int(rng.integers(0, 500)) * 2 + int(male[person]):03d}"
                id18[person] = doc_no[person] = body + ids.check_char(body)
            elif kind == "外国人永久居留身份证":
                if index % 2 == 0:
                    body = "915496" + digits + f"{int(rng.integers(0, 1000)):03d}"
                    doc_no[person] = body + ids.check_char(body)
                else:
                    doc_no[person] = "MNG1504" + digits[2:] + f"{int(rng.integers(0, 100)):02d}"
                id18[person] = doc_no[person]
                resident[person] = False
            elif kind == "护照":
                doc_no[person] = "EGPK"[index % 4] + f"{int(rng.integers(10**7, 10**8))}"
                id18[person] = doc_no[person]
                resident[person] = False


def _names(rng: np.random.Generator, count: int) -> np.ndarray:
    """Han names of two or three characters, and some Mongolian names (with a middle dot
    or without)."""
    surnames = np.array(list(params.SURNAMES), dtype=object)[rng.integers(0, len(params.SURNAMES), count)]
    given = np.array(list(params.GIVEN_CHARS), dtype=object)
    first_char = given[rng.integers(0, len(given), count)]
    second_char = np.where(rng.random(count) < 0.6, given[rng.integers(0, len(given), count)], "")
    han = surnames + first_char + second_char
    mongolian = rng.random(count) < params.MONGOLIAN_NAME_RATE
    parts = np.array(params.MONGOLIAN_PARTS, dtype=object)
    front = parts[rng.integers(0, len(parts), count)]
    back = parts[rng.integers(0, len(parts), count)]
    dotted = rng.random(count) < 0.6
    return np.where(mongolian, np.where(dotted, front + "·" + back, front + back), han)


def add_deaths(builder: Builder) -> None:
    """Who dies in the window (at least a few recipients-to-be at every scale), and when."""
    rng = builder.rng("deaths")
    people = builder.people
    age = (builder.start_day - builder.birth).astype(np.int64) / 365.25
    yearly = np.where(age < 60, 0.004, np.minimum(0.3, 0.012 * np.exp(0.09 * (age - 60))))
    years = builder.size.months / 12
    dies = rng.random(builder.population) < 1 - (1 - yearly) ** years
    old_participants = np.flatnonzero((age >= 60) & people.participant.to_numpy())
    missing = max(4, int(0.03 * len(old_participants) * years)) - int(dies[old_participants].sum())
    if missing > 0:
        alive = old_participants[~dies[old_participants]]
        dies[rng.choice(alive, size=missing, replace=False)] = True
    death = np.full(builder.population, NO_DATE, dtype="datetime64[D]")
    dying = np.flatnonzero(dies)
    offset = rng.integers(0, builder.days, len(dying)).astype("timedelta64[D]")
    death[dying] = builder.start_day + offset
    people["death_date"] = death
    builder.death_date = death
    builder.death_month = months_of(death)
    builder.deaths = _death_reports(rng, death)


def _death_reports(rng: np.random.Generator, death: np.ndarray) -> pd.DataFrame:
    """What the CDC, the crematorium and the police say about each death (the police date
    sometimes missing or, rarely, far off)."""
    dead = np.flatnonzero(~np.isnat(death))
    count = len(dead)
    died_on = death[dead]
    coverage = params.DEATH_SOURCE_COVERAGE

    def days(first: int, last: int) -> np.ndarray:
        return rng.integers(first, last, count).astype("timedelta64[D]")

    def slip() -> np.ndarray:
        """A few days off, for one row in ten."""
        return np.where(rng.random(count) < 0.1, rng.integers(-3, 4, count), 0).astype("timedelta64[D]")

    police_date = np.where(rng.random(count) < 0.25, NO_DATE, died_on + slip())
    conflict = rng.random(count) < 0.02
    police_date = np.where(conflict, died_on + days(40, 70), police_date)
    return pd.DataFrame(
        {
            "pid": dead,
            "death_date": died_on,
            "cdc": rng.random(count) < coverage["cdc"],
            "cdc_reported_on": died_on + days(1, 21),
            "cremation": rng.random(count) < coverage["cremation"],
            "cremation_death_date": died_on + slip(),
            "cremated_on": died_on + days(1, 5),
            "police": rng.random(count) < coverage["police"],
            "police_death_date": police_date,
            "police_on": np.where(
                np.isnat(police_date),
                died_on + days(5, 61),
                np.maximum(died_on + days(5, 61), police_date + np.timedelta64(1, "D")),
            ),
            "conflict": conflict,
        }
    )
