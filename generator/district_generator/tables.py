"""Each feed's files as clean, typed columns (`filedata.FileData`): the pension system's
own exports here, the other departments' files in departments.py."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import departments
from .district import RECEIVING, STATUS, SUSPENDED, TERMINATED, District
from .filedata import NO_AMOUNT, FileData, Persons, as_days, table_rng
from .money import CLAWBACK, PAY_STATUSES, PAY_TYPES, basic_cents
from .timeline import month_label, months_of


def files(district: District) -> Iterator[FileData]:
    """Every feed's files for the window, in a fixed order, with the forced typos (a
    planted case's ID as one feed mistypes it) in place."""
    persons = Persons(district)
    for file in _all_files(district, persons):
        for (feed, pid), typo in district.forced_typos.items():
            if feed == file.feed and file.row_count:
                file.cols["id_number"] = np.where(
                    file.canon_id == persons.id[pid], typo, file.cols["id_number"]
                ).astype(object)
        yield file


def _all_files(district: District, persons: Persons) -> Iterator[FileData]:
    yield from _roster(district, persons)
    yield from _payments(district, persons)
    yield from _certifications(district, persons)
    yield from _contributions(district, persons)
    yield from departments.files(district, persons)


def _roster(district: District, persons: Persons) -> Iterator[FileData]:
    """The month-end roster: every record, its status, pension and account balance."""
    records = district.records
    pid = records.pid.to_numpy()
    order = np.argsort(records.person_no.to_numpy(), kind="stable")
    for month in district.months:
        month = int(month)
        rng = table_rng(district, "roster", month_label(month))
        on_roster, status = district.status_at(month)
        shown = order[np.isin(order, on_roster)]
        status_of = np.zeros(len(records), dtype=np.int8)
        status_of[on_roster] = status
        status = status_of[shown]
        pids = pid[shown]
        benefit = records.benefit_month.to_numpy()[shown]
        got_benefit = benefit <= month
        balance = _balances(district, month, shown, got_benefit)
        own_share = np.round(balance * records.own_share.to_numpy()[shown]).astype(np.int64)
        show_pension = got_benefit & np.isin(status, [RECEIVING, SUSPENDED, TERMINATED])
        doc_type = records.doc_type.to_numpy()[shown].copy()
        if rng.random() < 0.5:
            doc_type[doc_type == "居民身份证"] = ""
        account_pension = records.account_pension.to_numpy()[shown]
        yield FileData(
            "roster",
            month_label(month),
            {
                "person_no": records.person_no.to_numpy()[shown],
                "name": records.stored_name.to_numpy()[shown],
                "doc_type": doc_type,
                "id_number": records.stored_id.to_numpy()[shown],
                "sex": persons.sex(pids),
                "birth_date": persons.birth[pids],
                "township_code": persons.town_code[records.township.to_numpy()[shown]],
                "township_name": records.township_name.to_numpy()[shown],
                "village": records.village.to_numpy()[shown],
                "enrolled_on": as_days(records.enrolled_on)[shown],
                "status": np.array(STATUS, dtype=object)[status],
                "benefit_start_month": np.where(got_benefit, benefit, -1),
                "basic_pension": np.where(show_pension, basic_cents(month // 12), NO_AMOUNT),
                "account_pension": np.where(show_pension, account_pension, NO_AMOUNT),
                "account_balance": balance,
                "own_contribution_balance": np.minimum(balance, own_share),
            },
            canon_id=persons.id[pids],
        )


def _balances(district: District, month: int, shown, got_benefit) -> np.ndarray:
    """Account balances at the month's end: drawn down by the account pension once paid,
    else grown by the contributions (with the subsidy, 1.3 times) registered so far."""
    records = district.records
    months_paid = np.maximum(0, month - records.benefit_month.to_numpy()[shown] + 1)
    drawn = records.account_pension.to_numpy()[shown] * months_paid
    receiving = np.maximum(0, records.balance_at_start.to_numpy()[shown] - drawn)
    contributions = district.contributions
    so_far = months_of(as_days(contributions.registered_on)) <= month
    contributed = np.bincount(
        contributions.rec.to_numpy()[so_far],
        weights=contributions.amount.to_numpy()[so_far] * 1.3,
        minlength=len(records),
    )
    contributing = records.base_balance.to_numpy()[shown] + np.round(contributed[shown]).astype(np.int64)
    return np.where(got_benefit, receiving, contributing)


def _payments(district: District, persons: Persons) -> Iterator[FileData]:
    """The month's payment ledger (a clawback shows no basic and account parts)."""
    ledger = district.payments
    records = district.records
    by_month = ledger.groupby("pay_month").indices
    for month in district.months:
        rows = ledger.iloc[by_month.get(month, np.zeros(0, dtype=np.int64))]
        record = rows.rec.to_numpy()
        pay_type = rows.pay_type.to_numpy()
        clawback = pay_type == CLAWBACK
        yield FileData(
            "payments",
            month_label(int(month)),
            {
                "pay_month": rows.pay_month.to_numpy(),
                "person_no": rows.person_no.to_numpy(),
                "name": records.stored_name.to_numpy()[record],
                "id_number": records.stored_id.to_numpy()[record],
                "township_code": persons.town_code[records.township.to_numpy()[record]],
                "for_month": rows.for_month.to_numpy(),
                "pay_type": np.array(PAY_TYPES, dtype=object)[pay_type],
                "basic_pension": np.where(clawback, NO_AMOUNT, rows.basic.to_numpy()),
                "account_pension": np.where(clawback, NO_AMOUNT, rows.account.to_numpy()),
                "amount": rows.amount.to_numpy(),
                "pay_status": np.array(PAY_STATUSES, dtype=object)[rows.pay_status.to_numpy()],
            },
            canon_id=persons.id[records.pid.to_numpy()[record]],
            unit="笔",
        )


def _certifications(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.certifications
    records = district.records
    certified_in = months_of(as_days(table.certified_on))
    for month in district.months:
        rows = table[certified_in == month]
        record = rows.rec.to_numpy()
        yield FileData(
            "certifications",
            month_label(int(month)),
            {
                "person_no": records.person_no.to_numpy()[record],
                "name": records.stored_name.to_numpy()[record],
                "id_number": records.stored_id.to_numpy()[record],
                "certified_on": as_days(rows.certified_on),
                "method": rows.method.to_numpy(),
                "result": rows.result.to_numpy(),
                "township_code": persons.town_code[records.township.to_numpy()[record]],
            },
            canon_id=persons.id[records.pid.to_numpy()[record]],
        )


def _contributions(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.contributions
    records = district.records
    registered_in = months_of(as_days(table.registered_on))
    for month in district.months:
        rows = table[registered_in == month]
        record = rows.rec.to_numpy()
        yield FileData(
            "contributions",
            month_label(int(month)),
            {
                "person_no": records.person_no.to_numpy()[record],
                "name": records.stored_name.to_numpy()[record],
                "id_number": records.stored_id.to_numpy()[record],
                "township_code": persons.town_code[records.township.to_numpy()[record]],
                "village": records.village.to_numpy()[record],
                "contribution_year": rows.year.to_numpy(),
                "tier": rows.tier.to_numpy() * 100,
                "amount": rows.amount.to_numpy(),
                "channel": rows.channel.to_numpy(),
                "registered_on": as_days(rows.registered_on),
                "agent": rows.agent.to_numpy(),
            },
            canon_id=persons.id[records.pid.to_numpy()[record]],
            unit="笔",
        )
