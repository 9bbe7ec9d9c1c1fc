"""The findings about contributions and money: 政府代缴 for someone on no list or missed
for someone listed, cash collections, registrations and receipts that do not match, and
disbursements that differ from what was paid."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .audit import Audit
from .district import CONTRIBUTING
from .money import PAID
from .timeline import month_label, month_of, month_start, months_of

MATCH_MONTHS = 2  # contribution matching window, months either side


def _special_lists(audit: Audit, years: set[int]) -> set[tuple[str, int]]:
    """(person, year) of everyone on a list that entitles them to 政府代缴 that year: 在保
    on the assistance list in a month of it, a severe disability certificate issued by
    then, a family-planning recognition by then."""
    listed: set[tuple[str, int]] = set()
    rows = audit.rows("civil_affairs_assistance")
    if len(rows):
        rows = rows[(rows.assistance_status == "在保") & rows.person.notna()]
        listed |= {(person, int(period[:4])) for person, period in zip(rows.person, rows.period)}
    rows = audit.rows("disability_severe", "certificate_no")
    if len(rows):
        rows = rows[rows.person.notna() & rows.disability_grade.isin(["一级", "二级"])]
        for person, issued, period in zip(rows.person, rows.issued_on, rows.period):
            since = int(period) if pd.isna(issued) else int(str(issued)[:4])
            listed |= {(person, year) for year in years if since <= year}
    rows = audit.rows("health_family_planning")
    if len(rows):
        rows = rows[rows.person.notna()]
        for person, recognised in zip(rows.person, rows.recognised_year):
            listed |= {(person, year) for year in years if int(recognised) <= year}
    return listed


def subsidies(audit: Audit) -> None:
    """政府代缴 in a finished year for someone on no list; someone listed and contributing
    in December with no 政府代缴 that year."""
    district, last = audit.district, audit.last
    contributions = district.contributions
    years = set(contributions.year.astype(int)) | {month // 12 for month in district.months}
    listed = _special_lists(audit, years)
    finished = contributions[contributions.year.to_numpy() * 12 + 11 <= last]
    government = finished[finished.channel == "政府代缴"]
    paid: dict[tuple[str, int], int] = defaultdict(int)
    for record, year, amount in zip(government.rec, government.year, government.amount):
        paid[(audit.identity.person[record], int(year))] += int(amount)
    for (person, year), amount in paid.items():
        if (person, year) not in listed:
            audit.add("subsidy_ineligible", person, period=str(year), amount=amount)
    for year in sorted(years):
        december = year * 12 + 11
        if december > last or december < district.first_month:
            continue
        for person in sorted(audit.persons_with(december, CONTRIBUTING)):
            if (person, year) in listed and (person, year) not in paid:
                audit.add("subsidy_missed", person, period=str(year))


def contributions(audit: Audit) -> None:
    """Cash collections, and registrations and receipts that do not match one another."""
    table = audit.district.contributions.reset_index(drop=True)  # in 登记日期 order
    registered_on = table.registered_on.to_numpy().astype("datetime64[D]")
    cash: dict[tuple, int] = defaultdict(int)
    for row in np.flatnonzero(table.channel.to_numpy() == "现金"):
        amount = int(table.amount.iat[row])
        key = (int(table.rec.iat[row]), int(table.year.iat[row]), registered_on[row], amount)
        cash[key] += amount
    for (record, _, date, _), amount in cash.items():
        audit.add(
            "cash_collection",
            audit.identity.person[record],
            period=month_label(month_of(date)),
            amount=amount,
            township=str(audit.town_of_record[record]),
        )
    _unmatched(audit, table, registered_on)


def _unmatched(audit: Audit, table: pd.DataFrame, registered_on: np.ndarray) -> None:
    """Each registration takes the first free receipt of the same person, year and amount
    booked within two months either side; what is left over once its window has closed is
    a finding, on either side."""
    receipts = audit.rows("tax_receipts")
    receipts = receipts[receipts.link != "unresolved"].copy()  # quarantined as unresolved_id
    receipts["key_person"] = [
        person if isinstance(person, str) else written for person, written in zip(receipts.person, receipts.written_id)
    ]
    receipts["booked"] = receipts.booked_on.to_numpy().astype("datetime64[D]")
    receipts = receipts.sort_values(["booked", "receipt_no", "period", "row"], kind="stable")
    pool: dict[tuple, list[int]] = defaultdict(list)  # key -> receipt positions, in order
    keys = zip(receipts.key_person, receipts.contribution_year.tolist(), receipts.amount.tolist())
    for position, key in enumerate(keys):
        pool[key].append(position)
    booked = receipts.booked.to_numpy()
    taken = np.zeros(len(receipts), dtype=bool)
    matched = np.zeros(len(table), dtype=bool)
    registered_in = months_of(registered_on)
    earliest = month_start(registered_in - MATCH_MONTHS)
    before = month_start(registered_in + MATCH_MONTHS + 1)
    persons = audit.identity.person[table.rec.to_numpy()]
    for row, key in enumerate(zip(persons, table.year.tolist(), table.amount.tolist())):
        for position in pool.get(key, ()):
            if not taken[position] and earliest[row] <= booked[position] < before[row]:
                taken[position] = True
                matched[row] = True
                break
    for row in np.flatnonzero(~matched & (registered_in + MATCH_MONTHS <= audit.last)):
        record = int(table.rec.iat[row])
        audit.add(
            "contribution_unmatched",
            audit.identity.person[record],
            period=month_label(int(registered_in[row])),
            amount=int(table.amount.iat[row]),
            township=str(audit.town_of_record[record]),
        )
    for position in np.flatnonzero(~taken):
        receipt = receipts.iloc[position]
        booked_in = month_of(receipt.booked)
        if booked_in + MATCH_MONTHS <= audit.last:
            person = receipt.person if isinstance(receipt.person, str) else None
            audit.add(
                "contribution_unmatched",
                person,
                period=month_label(booked_in),
                amount=int(receipt.amount),
                identity=receipt.link if person is not None else "exact",
                id_number=audit.number(person) if person is not None else receipt.written_id,
            )


def disbursement_gap(audit: Audit) -> None:
    """Months whose disbursements differ from what was paid successfully."""
    district = audit.district
    payments = district.payments
    paid = payments[payments.pay_status == PAID].groupby("pay_month").amount.sum()
    for month, total in district.finance.groupby("month").amount.sum().items():
        month = int(month)
        if month > audit.last:
            continue
        gap = int(total) - int(paid.get(month, 0))
        if gap:
            audit.add(
                "disbursement_gap",
                None,
                period=month_label(month),
                amount=abs(gap),
                id_number="",
                township="",
                first=month_label(month),
            )
