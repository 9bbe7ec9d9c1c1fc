"""The money: contributions registered in the pension system and the tax office's
receipts for them, the monthly payments, and the finance bureau's disbursements."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import params, plant_bureau
from .builder import Builder
from .district import RECEIVING, District
from .draws import weighted
from .money import BACK_PAY, CLAWBACK, FAILED, NORMAL, PAID, RETURNED, basic_cents, ledger_rows
from .timeline import day_in_month

# registration months: most early in the year
REGISTRATION_MONTH_WEIGHTS = np.array([16, 15, 13, 12, 10, 8, 6, 5, 5, 4, 3, 3], dtype=float)
CHANNELS = ("POS", "网上缴费", "手机缴费", "大厅缴费", "现金")


def add_contributions(builder: Builder, district: District) -> None:
    """Each contributor's yearly registration (政府代缴 for most special groups and a few
    others), the village agent who took it, and the tax receipts."""
    rng = builder.rng("contributions")
    yearly = [_registrations_of_year(builder, rng, year) for year in builder.years]
    registrations = plant_bureau.registrations(builder, pd.concat(yearly, ignore_index=True))
    agents = _agents(builder)
    villages = builder.records.village.to_numpy()[registrations.rec.to_numpy()]
    registrations["agent"] = [agents[village] for village in villages]
    registrations["registered_on"] = registrations.registered_on.astype("datetime64[s]")
    district.contributions = (
        registrations.drop(columns=["plant", "p_missing", "p_booked"])
        .sort_values(["registered_on", "rec"], kind="stable")
        .reset_index(drop=True)
    )
    district.tax_receipts = _tax_receipts(builder, registrations)


def _registrations_of_year(builder: Builder, rng, year: int) -> pd.DataFrame:
    """One registration per contributor due in the year, in a month weighted to its start."""
    records = builder.records
    pid = records.pid.to_numpy()
    death = builder.death_date[pid]
    first = max(builder.first_month, year * 12)
    last = min(builder.last_month, year * 12 + 11)
    weights = REGISTRATION_MONTH_WEIGHTS / REGISTRATION_MONTH_WEIGHTS.sum()
    month = np.clip(year * 12 + rng.choice(12, size=len(records), p=weights), first, last)
    # every month has some
    month[rng.permutation(len(records))[: last - first + 1]] = np.arange(first, last + 1)
    month = np.maximum(month, records.enrol_month.to_numpy())
    date = day_in_month(month, rng)
    contributing = (
        (records.benefit_month.to_numpy() > month)
        & (records.stop_month.to_numpy() > month)
        & ~builder.paused[:, year - builder.years[0]]
        & (month <= last)
        & (np.isnat(death) | (date < death))
    )
    contributors = np.flatnonzero(contributing)
    special = np.isin(pid[contributors], _special_pids(builder, year))
    count = len(contributors)
    channel = weighted(rng, CHANNELS, (70, 10, 12, 7.5, params.CASH_RATE * 100), count)
    government = (special & (rng.random(count) < params.SUBSIDY_TAKEUP)) | (
        ~special & (rng.random(count) < params.SUBSIDY_INELIGIBLE_RATE)
    )
    channel[government] = "政府代缴"
    tier = np.where(government, params.SUBSIDY_TIER, records.tier.to_numpy()[contributors])
    return pd.DataFrame(
        {
            "rec": contributors,
            "year": year,
            "tier": tier,
            "amount": tier * 100,
            "channel": channel,
            "registered_on": date[contributors],
        }
    )


def _special_pids(builder: Builder, year: int) -> np.ndarray:
    """Persons on a list that entitles them to 政府代缴 in the year."""
    assistance = builder.assistance
    in_year = (assistance.start_month <= year * 12 + 11) & (assistance.end_month >= year * 12)
    disabled = builder.disability.issued_on.to_numpy() <= np.datetime64(f"{year}-12-31")
    return np.unique(
        np.concatenate(
            [
                assistance[in_year].pid.to_numpy(),
                builder.disability[disabled].pid.to_numpy(),
                builder.family_planning[builder.family_planning.year <= year].pid.to_numpy(),
            ]
        )
    )


def _agents(builder: Builder) -> dict[str, str]:
    """One 协办员 per village."""
    rng = builder.rng("agents")
    agents = {}
    for village in sorted(set(builder.people.village)):
        surname = params.SURNAMES[int(rng.integers(0, len(params.SURNAMES)))]
        given = rng.integers(0, len(params.GIVEN_CHARS), 2)
        agents[village] = surname + "".join(params.GIVEN_CHARS[int(char)] for char in given)
    return agents


def _tax_receipts(builder: Builder, registrations: pd.DataFrame) -> pd.DataFrame:
    """A receipt for most registrations (rarely for cash), booked near the registration;
    receipts with no registration; each with a 票号."""
    rng = builder.rng("tax")
    count = len(registrations)
    cash = registrations.channel.to_numpy() == "现金"
    missing = (rng.random(count) < params.TAX_MISSING_RATE) | (cash & (rng.random(count) < 0.5))
    planted = registrations.plant.to_numpy().astype(bool)
    missing = np.where(planted, registrations.p_missing.to_numpy().astype(bool), missing)
    kept = np.flatnonzero(~missing)
    registered = registrations.registered_on.to_numpy().astype("datetime64[D]")
    booked = registered[kept] + rng.integers(-50, 56, len(kept)).astype("timedelta64[D]")
    booked = np.maximum(booked, builder.start_day)
    planted_booked = registrations.p_booked.to_numpy().astype("datetime64[D]")[kept]
    booked = np.where(planted[kept], planted_booked, booked)
    recs = registrations.rec.to_numpy()
    pids = builder.records.pid.to_numpy()
    receipts = pd.DataFrame(
        {
            "rec": recs[kept],
            "pid": pids[recs[kept]],
            "year": registrations.year.to_numpy()[kept],
            "amount": registrations.amount.to_numpy()[kept],
            "channel": np.where(cash[kept], "大厅缴费", registrations.channel.to_numpy()[kept]),
            "booked_on": booked,
        }
    )
    orphans = max(1, round(float(params.TAX_ORPHAN_RATE * count)))
    copied = rng.choice(np.flatnonzero(~planted), size=orphans, replace=False)
    tiers = weighted(rng, params.CONTRIBUTION_TIERS, params.TIER_WEIGHTS, orphans)
    unregistered = pd.DataFrame(
        {
            "rec": recs[copied],
            "pid": pids[recs[copied]],
            "year": registrations.year.to_numpy()[copied],
            "amount": tiers.astype(np.int64) * 100,
            "channel": "POS",
            "booked_on": builder.start_day + rng.integers(0, builder.days, orphans).astype("timedelta64[D]"),
        }
    )
    receipts = pd.concat([receipts, unregistered, plant_bureau.extra_receipts(builder)], ignore_index=True)
    receipts = receipts[receipts.booked_on.to_numpy() <= builder.end_day].sort_values(
        ["booked_on", "rec"], kind="stable"
    )
    serial = rng.permutation(len(receipts)) + 1
    receipts["receipt_no"] = [
        f"3150404{int(year)}{number:09d}" for number, year in zip(serial, receipts.year.to_numpy())
    ]
    receipts["booked_on"] = receipts.booked_on.astype("datetime64[s]")
    return receipts.reset_index(drop=True)


def add_payments(builder: Builder, district: District) -> None:
    """The monthly ledger: every recipient on the roster paid (a few failures and returns),
    back pay for last month's failures and after a lifted suspension, some clawbacks and
    a few accidental second payments."""
    rng = builder.rng("payments")
    records = builder.records
    failed_before = np.zeros(0, dtype=np.int64)
    due_before = np.zeros(len(records), dtype=bool)
    months = []
    for month in district.months:
        rows, due, failed = _payments_of_month(district, rng, int(month), failed_before, due_before)
        months.append(rows)
        failed_before = failed
        due_before = np.zeros(len(records), dtype=bool)
        due_before[due] = True
    ledger = pd.concat(months, ignore_index=True)
    person_no = pd.DataFrame({"rec": np.arange(len(records)), "person_no": records.person_no.to_numpy()})
    district.payments = (
        ledger.merge(person_no, on="rec")
        .sort_values(["pay_month", "person_no", "for_month", "pay_type"], kind="stable")
        .reset_index(drop=True)
    )


def _payments_of_month(district: District, rng, month: int, failed_before, due_before):
    """(ledger rows paid in the month, records due in it, records whose payment failed)."""
    account = district.records.account_pension.to_numpy()
    on_roster, status = district.status_at(month)
    due = on_roster[status == RECEIVING]
    basic = basic_cents(month // 12)
    count = len(due)
    outcome = np.zeros(count, dtype=np.int8)
    draw = rng.random(count)
    outcome[draw < params.PAY_FAIL_RATE] = FAILED
    returned = (draw >= params.PAY_FAIL_RATE) & (draw < params.PAY_FAIL_RATE + params.PAY_RETURN_RATE)
    outcome[returned] = RETURNED
    parts = [ledger_rows(month, due, month, NORMAL, basic, account[due], outcome)]
    if len(failed_before):
        previous_basic = basic_cents((month - 1) // 12)
        parts.append(
            ledger_rows(
                month,
                failed_before,
                month - 1,
                BACK_PAY,
                previous_basic,
                account[failed_before],
                PAID,
            )
        )
    parts.extend(_back_pay_after_suspension(district, month, account))
    paid = due[outcome == PAID]
    # a clawback only of those also due the month before
    clawed = paid[(rng.random(len(paid)) < params.PAY_CLAWBACK_RATE) & due_before[paid]]
    if len(clawed):
        amount = -np.round(rng.uniform(10, 60, len(clawed)) * 100).astype(np.int64)
        parts.append(ledger_rows(month, clawed, month - 1, CLAWBACK, 0, 0, PAID, amount=amount))
    twice = paid[rng.random(len(paid)) < params.PAY_DUPLICATE_RATE]
    if len(twice):
        parts.append(ledger_rows(month, twice, month, NORMAL, basic, account[twice], PAID))
    return pd.concat(parts, ignore_index=True), due, due[outcome == FAILED]


def _back_pay_after_suspension(district: District, month: int, account) -> list[pd.DataFrame]:
    """Every suspended month paid back, the month after a suspension with back pay ends."""
    spells = district.suspensions
    if not len(spells):
        return []
    ended = spells[(spells.end_month == month - 1) & spells.backpay]
    parts = []
    for row in ended.itertuples():
        suspended = np.arange(row.start_month, row.end_month + 1)
        basic = np.array([basic_cents(int(each) // 12) for each in suspended])
        records = np.full(len(suspended), row.rec)
        parts.append(ledger_rows(month, records, suspended, BACK_PAY, basic, account[row.rec], PAID))
    return parts


def add_finance(builder: Builder, district: District) -> None:
    """The finance bureau's monthly disbursements by fund source; some months differ from
    what was paid (and the planted months do)."""
    rng = builder.rng("finance")
    payments = district.payments
    paid = payments[payments.pay_status == PAID].groupby("pay_month").amount.sum()
    planted_gaps = plant_bureau.finance_gaps(builder)
    shares = np.array(list(params.FUND_SHARES.values()))
    rows = []
    for month in district.months:
        month = int(month)
        total = int(paid.get(month, 0))
        gap = 0
        if rng.random() < params.FINANCE_GAP_RATE:
            gap = int(rng.integers(100, 5000)) * 100 * (1 if rng.random() < 0.5 else -1)
        gap = planted_gaps.get(month, gap)
        if gap:
            district.finance_gaps[month] = gap
        amounts = np.floor(total * shares).astype(np.int64)
        amounts[-1] += total - amounts.sum() + gap
        day = day_in_month(np.array([month]), rng, 3, 15)[0]
        for amount, source in zip(amounts, params.FUND_SHARES):
            document = f"松财社〔{month // 12}〕{int(rng.integers(10, 300))}号"
            rows.append((month, day, int(amount), source, document))
    finance = pd.DataFrame(rows, columns=["month", "disbursed_on", "amount", "fund_source", "document_no"])
    finance["disbursed_on"] = finance.disbursed_on.astype("datetime64[s]")
    district.finance = finance
