"""Pension amounts in fen, and rows of the pension system's payment ledger (shared by the
natural payments and the planted ones)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import BASIC_PENSION

PAY_TYPES = ("正常发放", "补发", "扣回")
NORMAL, BACK_PAY, CLAWBACK = range(3)
PAY_STATUSES = ("成功", "失败", "退回")
PAID, FAILED, RETURNED = range(3)


def basic_cents(year: int) -> int:
    """基础养老金 of a calendar year, in fen (years outside the table take its nearest end)."""
    years = sorted(BASIC_PENSION)
    year = min(max(year, years[0]), years[-1])
    return round(float(BASIC_PENSION[year] * 100))


def ledger_rows(pay_month, records, for_month, pay_type, basic, account, status, amount=None) -> pd.DataFrame:
    """Ledger rows paid in `pay_month` to `records`; the other arguments are scalars or one
    value per record. The amount is basic + account unless given."""
    count = len(records)
    basic = np.broadcast_to(np.asarray(basic, dtype=np.int64), (count,))
    account = np.broadcast_to(np.asarray(account, dtype=np.int64), (count,))
    total = basic + account if amount is None else amount
    return pd.DataFrame(
        {
            "pay_month": np.full(count, pay_month, dtype=np.int64),
            "rec": np.asarray(records, dtype=np.int64),
            "for_month": np.broadcast_to(np.asarray(for_month, dtype=np.int64), (count,)),
            "pay_type": np.full(count, pay_type, dtype=np.int8),
            "basic": basic,
            "account": account,
            "amount": np.asarray(total, dtype=np.int64),
            "pay_status": np.broadcast_to(np.asarray(status, dtype=np.int8), (count,)),
        }
    )
