"""Planting the life events: the roles' persons picked, then their deaths, losses of
nationality, other pensions, court cases (plant_court.py) and special-group listings, with
the township reports and look-alikes that go with them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ids, plant_court
from .builder import Builder
from .plant import (
    CONTRIBUTOR_ROLES,
    NO_DATE,
    RECIPIENT_ROLES,
    Planter,
    day,
    finished_year,
)
from .timeline import NEVER, month_of


def choose(builder: Builder) -> None:
    """Pick the persons of every role and plant their life events."""
    planter = Planter(builder, builder.rng("plant"))
    builder.plan = planter.plan
    _assign_roles(planter)
    _plant_unenrolled_payers(planter)
    _plant_deaths(planter)
    _plant_nationality(planter)
    _plant_other_pensions(planter)
    plant_court.plant_court_cases(planter)
    _look_alikes_of_the_bureau(planter)
    _plant_special_groups(planter)
    builder.forced_typos = planter.plan["forced_typos"]


def _assign_roles(planter: Planter) -> None:
    """Recipients and contributors whom no natural event touched, one for each role (the
    contributors never pause)."""
    builder, rng = planter.builder, planter.rng
    records = builder.records
    pid = records.pid.to_numpy()
    busy = np.zeros(builder.population, dtype=bool)
    for table in (
        builder.sentences,
        builder.nationality,
        builder.other_pensions,
        builder.police_other,
        builder.service,
        builder.veterans,
        builder.assistance,
        builder.disability,
        builder.family_planning,
    ):
        busy[table.pid.to_numpy().astype(np.int64)] = True
    duplicate = records.duplicate.to_numpy()
    busy[pid[duplicate]] = True
    record_count = np.bincount(pid, minlength=builder.population)
    clean = (
        ~duplicate
        & (record_count[pid] == 1)
        & (records.doc_type.to_numpy() == "居民身份证")
        & np.isnat(builder.death_date[pid])
        & ~busy[pid]
        & (records.stop_month.to_numpy() == NEVER)
    )
    benefit = records.benefit_month.to_numpy()
    recipients = rng.permutation(np.flatnonzero(clean & (benefit <= planter.base - 13)))
    specials = np.unique(np.concatenate([_special(builder, year) for year in builder.years]))
    contributors = rng.permutation(
        np.flatnonzero(
            clean & (benefit == NEVER) & (records.enrol_month.to_numpy() < planter.first) & ~np.isin(pid, specials)
        )
    )
    if len(recipients) < len(RECIPIENT_ROLES) or len(contributors) < len(CONTRIBUTOR_ROLES):
        raise RuntimeError(
            f"too few clean persons to plant: {len(recipients)} recipients, {len(contributors)} contributors"
        )
    for role, record in zip(RECIPIENT_ROLES, recipients):
        planter.roles[role] = int(record)
    for role, record in zip(CONTRIBUTOR_ROLES, contributors):
        planter.roles[role] = int(record)
        builder.paused[record, :] = False


def _special(builder: Builder, year: int) -> np.ndarray:
    """Persons on any special-group list in the year (disability and family planning at
    any time)."""
    assistance = builder.assistance
    in_year = (assistance.start_month <= year * 12 + 11) & (assistance.end_month >= year * 12)
    return np.unique(
        np.concatenate(
            [
                assistance[in_year].pid.to_numpy(),
                builder.disability.pid.to_numpy(),
                builder.family_planning.pid.to_numpy(),
            ]
        ).astype(np.int64)
    )


def _plant_unenrolled_payers(planter: Planter) -> None:
    """Receipts of payers nobody enrolled: one as typed, one with a mistyped ID."""
    builder, rng = planter.builder, planter.rng
    people = builder.people
    outsiders = np.flatnonzero(
        ~people.participant.to_numpy() & (people.doc_type.to_numpy() == "居民身份证") & np.isnat(builder.death_date)
    )
    payer, mistyped = (int(pid) for pid in rng.choice(outsiders, size=2, replace=False))
    planter.plan["outsiders"] = {"receipt": payer, "receipt_typo": mistyped}
    typed = ids.mistype_digit(people.doc_no.iat[mistyped], rng)
    planter.plan["forced_typos"][("tax_receipts", mistyped)] = typed
    planter.plan["look_alikes"].append(
        {
            "kind": "unresolved_receipt",
            "exception_type": "contribution_unmatched",
            "pid": mistyped,
            "id_number": typed,
            "note": "a receipt whose mistyped ID matches nobody is quarantined (unresolved_id)",
        }
    )


def _look_alikes_of_the_bureau(planter: Planter) -> None:
    """Look-alikes whose rows plant_bureau.py writes later."""
    planter.look_alike(
        "duplicate_clawed_back",
        "duplicate_payment",
        "la_dp_clawed",
        "a second 正常发放, taken back in full by a 扣回 the next month",
    )
    planter.look_alike("duplicate_failed", "duplicate_payment", "la_dp_failed", "a second 正常发放 that 失败")
    if planter.last % 12 == 11:
        planter.look_alike(
            "certified_in_december",
            "uncertified",
            "la_unc_december",
            "the only 通过 of the year is in December, after 30 November but by T",
        )


def _die(planter: Planter, deaths: list, role: str, date, stop: int, **reports) -> None:
    """The role's person dies on `date`; the bureau stops the pension from `stop` (NEVER:
    it never does). `reports` are the departments' dates: cdc, cremation, police_on and
    police_date (NaT: that department says nothing)."""
    builder = planter.builder
    cdc = reports.get("cdc", NO_DATE)
    cremation = reports.get("cremation", NO_DATE)
    police_on = reports.get("police_on", NO_DATE)
    police_date = reports.get("police_date", NO_DATE)
    pid, record = planter.pid(role), planter.roles[role]
    builder.death_date[pid] = date
    builder.death_month[pid] = month_of(date)
    if stop == NEVER:
        handling = "never"
    else:
        handling = "on_time" if stop <= builder.death_month[pid] + 1 else "late"
    builder.records.loc[record, ["stop_month", "stop_reason", "death_handling"]] = (
        stop,
        "death" if stop < NEVER else "",
        handling,
    )
    dates = [known for known in (cdc, cremation, police_date) if not np.isnat(known)]
    deaths.append(
        {
            "pid": pid,
            "death_date": date,
            "cdc": not np.isnat(cdc),
            "cdc_reported_on": (cdc if not np.isnat(cdc) else date) + np.timedelta64(9, "D"),
            "cremation": not np.isnat(cremation),
            "cremation_death_date": cremation,
            "cremated_on": (cremation if not np.isnat(cremation) else date) + np.timedelta64(3, "D"),
            "police": not np.isnat(police_on),
            "police_death_date": police_date,
            "police_on": police_on,
            "conflict": bool(dates) and (max(dates) - min(dates)).astype(int) > 31,
        }
    )


def _plant_deaths(planter: Planter) -> None:
    """Deaths told by several sources, by the police alone, by a mistyped cdc row; and
    three look-alikes."""
    builder, base = planter.builder, planter.base
    deaths: list[dict] = []
    days = np.timedelta64
    # four sources: cremation says the last day of base+2, cdc two days later, police 45
    # days later (a conflict), the township on time
    date = day(base + 3, 2)
    _die(
        planter,
        deaths,
        "death_sources",
        date,
        NEVER,
        cdc=date,
        cremation=date - days(2, "D"),
        police_on=date + days(50, "D"),
        police_date=date + days(45, "D"),
    )
    planter.report("death_sources", "死亡", date + days(1, "D"), base + 3)
    # police only, 死亡日期 empty: the 注销日期 (base+5) stands in for the death (base+4)
    _die(planter, deaths, "death_police_only", day(base + 4, 20), NEVER, police_on=day(base + 5, 8))
    # a cdc row with a mistyped ID is all there is
    date = day(base + 5, 12)
    _die(planter, deaths, "death_fuzzy", date, NEVER, cdc=date)
    fuzzy = planter.pid("death_fuzzy")
    planter.plan["forced_typos"][("cdc_deaths", fuzzy)] = ids.mistype_digit(
        builder.people.doc_no.iat[fuzzy], planter.rng
    )
    # look-alikes
    date = day(base + 2, 15)
    _die(
        planter,
        deaths,
        "la_death_stopped",
        date,
        base + 3,
        cdc=date,
        police_on=date + days(20, "D"),
        police_date=date,
    )
    planter.report("la_death_stopped", "死亡", date, base + 3)
    planter.look_alike(
        "death_stopped_in_time",
        "death",
        "la_death_stopped",
        "died in the month of B+2; paid for that month only, nothing after",
    )
    date = day(base + 6, 5)
    _die(planter, deaths, "la_death_failed", date, NEVER, cdc=date)
    planter.look_alike(
        "failed_after_death",
        "death",
        "la_death_failed",
        "every payment after the death month was 失败: no money moved",
    )
    _die(
        planter,
        deaths,
        "la_death_stand_in",
        day(base + 3, 20),
        base + 6,
        police_on=day(base + 5, 3),
    )
    planter.look_alike(
        "police_stand_in",
        "death",
        "la_death_stand_in",
        "police 死亡 with empty 死亡日期: the 注销日期 (B+5) is the date; paid up to it only",
    )
    builder.people["death_date"] = builder.death_date
    planted = pd.DataFrame(deaths)[list(builder.deaths.columns)]
    builder.deaths = pd.concat([builder.deaths, planted], ignore_index=True)


def _plant_nationality(planter: Planter) -> None:
    """Nationality lost, known to police and township or to the township only; and an
    emigration that is no such loss."""
    builder, base = planter.builder, planter.base
    lost, police = [], []
    date = day(base + 2, 10)
    lost.append((planter.pid("nat_both"), date, True, False, day(base + 3, 15), False))
    police.append((planter.pid("nat_both"), "加入外国国籍", day(base + 3, 15)))
    planter.report("nat_both", "丧失国籍", date, base + 3)
    date = day(base + 5, 20)
    lost.append((planter.pid("nat_township"), date, False, False, date, False))
    planter.report("nat_township", "丧失国籍", date, base + 5)
    police.append((planter.pid("la_emigrated"), "出国（境）定居", day(base + 4, 6)))
    planter.look_alike(
        "emigrated",
        "nationality",
        "la_emigrated",
        "police 出国（境）定居 is not a loss of nationality",
    )
    builder.nationality = pd.concat(
        [builder.nationality, pd.DataFrame(lost, columns=builder.nationality.columns)],
        ignore_index=True,
    )
    builder.police_other = pd.concat(
        [builder.police_other, pd.DataFrame(police, columns=builder.police_other.columns)],
        ignore_index=True,
    )


def _plant_other_pensions(planter: Planter) -> None:
    """An enterprise pension; two schemes one after the other; and a township report
    that is no trigger."""
    builder, base, first = planter.builder, planter.base, planter.first
    enterprise, two_schemes = planter.pid("op_enterprise"), planter.pid("op_two_schemes")
    rows = [
        (enterprise, "企业职工基本养老保险", base + 2, base + 4, "赤峰市", False, False),
        (
            two_schemes,
            "机关事业单位基本养老保险",
            first - 6,
            base + 1,
            "赤峰市红山区",
            False,
            False,
        ),
        (two_schemes, "外地城乡居民基本养老保险", base + 6, base + 8, "辽宁省朝阳市", False, False),
    ]
    builder.other_pensions = pd.concat(
        [builder.other_pensions, pd.DataFrame(rows, columns=builder.other_pensions.columns)],
        ignore_index=True,
    )
    planter.report("la_op_township", "享受其他养老待遇", day(base + 3, 1), base + 4)
    planter.look_alike(
        "township_other_pension_report",
        "other_pension",
        "la_op_township",
        "township report 享受其他养老待遇 has no start month and is no trigger",
    )


def _plant_special_groups(planter: Planter) -> None:
    """Listings behind the subsidy cases: a short 低保 spell, 特困, family planning; and
    the look-alikes of the contribution cases planted by plant_bureau.py."""
    builder = planter.builder
    year = finished_year(builder)
    assistance = [
        (planter.pid("la_si_listed"), "农村低保", year * 12 + 3, year * 12 + 4),
        (planter.pid("sm_assistance"), "特困供养", year * 12 + 1, NEVER),
    ]
    builder.assistance = pd.concat(
        [builder.assistance, pd.DataFrame(assistance, columns=builder.assistance.columns)],
        ignore_index=True,
    )
    family = [(planter.pid("sm_family_planning"), "独生子女伤残", year - 1)]
    builder.family_planning = pd.concat(
        [builder.family_planning, pd.DataFrame(family, columns=builder.family_planning.columns)],
        ignore_index=True,
    )
    planter.look_alike(
        "subsidy_on_list",
        "subsidy_ineligible",
        "la_si_listed",
        "政府代缴 for a person 在保 on the 低保 list two months of the year",
    )
    planter.look_alike(
        "receipt_in_next_but_one_month",
        "contribution_unmatched",
        "la_cu_late",
        "the receipt is booked in the second month after the registration's",
    )
    planter.look_alike(
        "registration_window_open",
        "contribution_unmatched",
        "la_cu_pending",
        "no receipt yet, but the window (two months after) has not closed by T",
    )
