"""The planted cases on the bureau's side: contributions and receipts, certifications,
payments and disbursement gaps, for the roles plant_life.py assigned."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .builder import Builder
from .district import SUSPENSION_COLUMNS, District
from .money import CLAWBACK, FAILED, NORMAL, PAID, basic_cents, ledger_rows
from .params import SUBSIDY_TIER
from .plant import (
    CONTRIBUTOR_ROLES,
    NO_DATE,
    RECIPIENT_ROLES,
    certification_year,
    day,
    finished_year,
)

GAPS = {2: 123_456, 7: -25_000}  # month after the base month -> fen off
DAYS = np.timedelta64


def registrations(builder: Builder, natural: pd.DataFrame) -> pd.DataFrame:
    """The natural registrations, the contributor roles' replaced with planted ones. Adds
    `plant` (True for planted rows), `p_missing` (no receipt) and `p_booked` (the receipt's
    date)."""
    roles, base = builder.plan["roles"], builder.plan["base"]
    year = finished_year(builder)
    natural = natural[~natural.rec.isin([roles[role] for role in CONTRIBUTOR_ROLES])].copy()
    tier = builder.records.tier.to_numpy()
    rows = []

    def register(role: str, date, channel: str, booked=None) -> None:
        """A registration of the role's record; `booked` is its receipt's date (None: no
        receipt)."""
        record = roles[role]
        record_tier = SUBSIDY_TIER if channel == "政府代缴" else int(tier[record])
        rows.append(
            {
                "rec": record,
                "year": int(str(date)[:4]),
                "tier": record_tier,
                "amount": record_tier * 100,
                "channel": channel,
                "registered_on": date,
                "plant": True,
                "p_missing": booked is None,
                "p_booked": booked if booked is not None else NO_DATE,
            }
        )

    for role in ("si_a", "si_b"):
        date = day(year * 12 + 4, 12)
        register(role, date, "政府代缴", date + DAYS(9, "D"))
    date = day(year * 12 + 5, 8)
    register("la_si_listed", date, "政府代缴", date + DAYS(5, "D"))
    date = day(year * 12 + 6, 14)
    register("sm_assistance", date, "POS", date + DAYS(12, "D"))
    date = day(year * 12 + 2, 20)
    register("sm_family_planning", date, "网上缴费", date + DAYS(3, "D"))
    date = day(base + 2, 16)
    register("cash_a", date, "现金", date + DAYS(20, "D"))
    date = day(base + 6, 5)
    register("cash_b", date, "现金", date - DAYS(10, "D"))
    register("cu_reg_a", day(base + 3, 9), "POS")
    register("cu_reg_b", day(base + 7, 22), "手机缴费")
    date = day(base + 1, 10)
    register("cu_receipt", date, "POS", date + DAYS(6, "D"))
    register("la_cu_late", day(base + 2, 3), "POS", day(base + 4, 25))
    register("la_cu_pending", day(builder.last_month - 1, 10), "POS")
    planted = pd.DataFrame(rows)
    planted["registered_on"] = planted.registered_on.astype("datetime64[s]")
    planted["p_booked"] = planted.p_booked.astype("datetime64[s]")
    natural["plant"], natural["p_missing"], natural["p_booked"] = False, False, NO_DATE
    natural["registered_on"] = natural.registered_on.astype("datetime64[s]")
    return pd.concat([natural, planted], ignore_index=True)


def extra_receipts(builder: Builder) -> pd.DataFrame:
    """Receipts with no registration: a participant's, and two of payers nobody enrolled."""
    roles, base = builder.plan["roles"], builder.plan["base"]
    record = roles["cu_receipt"]
    outsiders = builder.plan["outsiders"]
    dates = (day(base + 4, 11), day(base + 5, 6), day(base + 3, 17))
    return pd.DataFrame(
        {
            "rec": [record, -1, -1],
            "pid": [
                int(builder.records.pid.iat[record]),
                outsiders["receipt"],
                outsiders["receipt_typo"],
            ],
            "year": [int(str(date)[:4]) for date in dates],
            "amount": [88_800, 30_000, 20_000],
            "channel": ["POS", "手机缴费", "大厅缴费"],
            "booked_on": np.array(dates, dtype="datetime64[D]"),
        }
    )


def certifications(builder: Builder, district: District) -> None:
    """Planted recipients: no suspension, a 通过 every year (but the uncertified roles, in
    the last certification year)."""
    roles = builder.plan["roles"]
    recipients = np.array([roles[role] for role in RECIPIENT_ROLES], dtype=np.int64)
    closed_year = certification_year(builder)
    table = district.certifications
    uncertified = {roles["unc_a"], roles["unc_b"], roles["la_unc_december"]}
    dropped = (
        table.rec.isin(list(uncertified))
        & (table.certified_on.to_numpy() >= np.datetime64(f"{closed_year}-01-01"))
        & (table.result.to_numpy() == "通过")
    )
    table = table[~dropped]
    death = builder.death_date[builder.records.pid.to_numpy()]
    passed = table[table.result == "通过"]
    passed_in = set(zip(passed.rec.to_numpy(), passed.certified_on.dt.year.to_numpy()))
    added = []
    for record in recipients:
        for year in builder.years:
            if record in uncertified and year >= closed_year:
                continue
            month = max(builder.first_month, year * 12)
            when = day(month, 20)
            if (record, year) in passed_in or month > builder.last_month:
                continue
            if not np.isnat(death[record]) and when >= death[record]:
                continue
            added.append((int(record), when, "人脸识别", "通过"))
    if builder.last_month % 12 == 11:
        december = day(builder.last_month, 5)
        added.append((roles["la_unc_december"], december, "上门认证", "通过"))
    new = pd.DataFrame(added, columns=["rec", "certified_on", "method", "result"])
    new["certified_on"] = new.certified_on.astype("datetime64[s]")
    district.certifications = (
        pd.concat([table, new], ignore_index=True)
        .sort_values(["certified_on", "rec"], kind="stable")
        .reset_index(drop=True)
    )
    planted = set(recipients.tolist())
    builder.suspension_rows = [row for row in builder.suspension_rows if row[0] not in planted]
    district.suspensions = pd.DataFrame(builder.suspension_rows, columns=SUSPENSION_COLUMNS)


def payments(builder: Builder, district: District) -> None:
    """Duplicate payments (and their look-alikes); failed payments after a death."""
    roles, base = builder.plan["roles"], builder.plan["base"]
    account = builder.records.account_pension.to_numpy()
    ledger = district.payments
    # the duplicate-payment roles: one successful 正常发放 a month, nothing else
    duplicates = [roles[role] for role in ("dp_same", "dp_two", "la_dp_clawed", "la_dp_failed")]
    theirs = ledger.rec.isin(duplicates)
    repeated = ledger.duplicated(["rec", "pay_month", "for_month"])
    ledger = ledger[~(theirs & ((ledger.pay_type != NORMAL) | repeated))].copy()
    ledger.loc[ledger.rec.isin(duplicates), "pay_status"] = PAID
    # paid after the death, every payment failed
    record = roles["la_death_failed"]
    death_month = int(builder.death_month[int(builder.records.pid.iat[record])])
    after = (ledger.rec == record) & (ledger.for_month > death_month)
    ledger = ledger[~(after & (ledger.pay_type != NORMAL))].copy()
    ledger.loc[(ledger.rec == record) & (ledger.for_month > death_month), "pay_status"] = FAILED

    def row(pay_month: int, role: str, for_month: int, pay_type: int, amount: int, status: int):
        record = roles[role]
        basic = basic_cents(for_month // 12) if pay_type == NORMAL else 0
        pension = account[record] if pay_type == NORMAL else 0
        return ledger_rows(pay_month, [record], for_month, pay_type, basic, pension, status, amount=[amount])

    def full(role: str, month: int) -> int:
        return basic_cents(month // 12) + int(account[roles[role]])

    extra = [
        row(base + 3, "dp_same", base + 3, NORMAL, full("dp_same", base + 3), PAID),
        row(base + 5, "dp_two", base + 5, NORMAL, basic_cents((base + 5) // 12), PAID),
        row(base + 8, "dp_two", base + 8, NORMAL, full("dp_two", base + 8), PAID),
        row(base + 4, "la_dp_clawed", base + 4, NORMAL, full("la_dp_clawed", base + 4), PAID),
        row(base + 5, "la_dp_clawed", base + 4, CLAWBACK, -full("la_dp_clawed", base + 4), PAID),
        row(base + 6, "la_dp_failed", base + 6, NORMAL, full("la_dp_failed", base + 6), FAILED),
    ]
    ledger = pd.concat([ledger, *extra], ignore_index=True)
    ledger["person_no"] = builder.records.person_no.to_numpy()[ledger.rec.to_numpy()]
    ledger["pay_status"] = ledger.pay_status.astype(np.int8)
    ledger["pay_type"] = ledger.pay_type.astype(np.int8)
    district.payments = ledger.sort_values(
        ["pay_month", "person_no", "for_month", "pay_type"], kind="stable"
    ).reset_index(drop=True)


def finance_gaps(builder: Builder) -> dict[int, int]:
    """Months whose disbursement differs from what was paid: month -> fen off."""
    return {builder.plan["base"] + offset: gap for offset, gap in GAPS.items()}
