"""Planted cases: every kind of finding at every scale, and look-alikes that are none.

The natural simulation produces most kinds of finding now and then. These make sure each
appears at every scale, in the awkward variants docs/rules.md's precise readings call for,
beside cases that look like findings and must not become one. The persons are picked after
the natural events from those no natural event touched, so each planted case is exactly
what it says. Months are placed in the last twelve months of the window (from the `base`
month, the last month less 11), so every scale sees them. `expected.py` does not read
anything here: it finds the planted cases in the district's data like any other.

This module holds the roles and what the planting steps share. The builder calls, in
order: plant_life.py's `choose` (after the natural events, before the bureau's own
reactions), then plant_bureau.py's `registrations` (inside the contributions),
`certifications`, `payments` and `finance_gaps`.
"""

from __future__ import annotations

import numpy as np

from .builder import Builder
from .timeline import add_months, month_end, month_start

# Role names: la_ a look-alike (no finding), nat nationality, op other pension, imp
# imprisonment, det detention, dp duplicate payment, unc uncertified, si subsidy ineligible,
# sm subsidy missed, cash cash collection, cu contribution unmatched.
RECIPIENT_ROLES = (
    # death
    "death_sources",  # four sources, dates disagree by over 31 days, earliest a month before
    "death_police_only",  # police 死亡 with empty 死亡日期: the 注销日期 stands in
    "death_fuzzy",  # known only from a cdc row with a mistyped ID
    "la_death_stopped",  # died, payment stopped after the death month
    "la_death_failed",  # paid after death, but every payment 失败
    "la_death_stand_in",  # police stand-in; pay stopped by the 注销 month
    # nationality
    "nat_both",
    "nat_township",
    "la_emigrated",  # police 出国（境）定居: not a loss of nationality
    # other pension
    "op_enterprise",
    "op_two_schemes",
    "la_op_township",  # township report 享受其他养老待遇 only
    # imprisonment
    "imp_fixed",
    "imp_commuted",
    "imp_life",
    "imp_short",
    "la_probation",
    "la_control",
    "la_outside",
    "la_community",
    "la_acquitted",
    "la_appeal",
    "la_released_before",
    # detention
    "det_no_court",
    "det_old_court",
    # duplicate payment
    "dp_same",
    "dp_two",
    "la_dp_clawed",
    "la_dp_failed",
    # uncertified
    "unc_a",
    "unc_b",
    "la_unc_december",
)
CONTRIBUTOR_ROLES = (
    "si_a",
    "si_b",
    "la_si_listed",
    "sm_assistance",
    "sm_family_planning",
    "cash_a",
    "cash_b",
    "cu_reg_a",
    "cu_reg_b",
    "cu_receipt",
    "la_cu_late",
    "la_cu_pending",
)
NO_DATE = np.datetime64("NaT", "D")


def day(month: int, day_of_month: int) -> np.datetime64:
    """A day of a month (clipped to the month's end)."""
    start = month_start(np.array([month]))[0]
    end = month_end(np.array([month]))[0]
    return min(start + np.timedelta64(day_of_month - 1, "D"), end)


def months_later(date: np.datetime64, months: int) -> np.datetime64:
    return add_months(np.array([date], dtype="datetime64[D]"), np.array([months]))[0]


def finished_year(builder: Builder) -> int:
    """The last calendar year the window covers to its December."""
    last = builder.last_month
    return last // 12 if last % 12 == 11 else last // 12 - 1


def certification_year(builder: Builder) -> int:
    """The last year whose certification closed (30 November) inside the window."""
    last = builder.last_month
    return last // 12 if last % 12 >= 10 else last // 12 - 1


class Planter:
    """The plan being made (builder.plan), and the small verbs the planting steps share."""

    def __init__(self, builder: Builder, rng: np.random.Generator):
        self.builder, self.rng = builder, rng
        self.first = builder.first_month
        self.last = builder.last_month
        self.base = max(self.first, self.last - 11)
        self.plan = {
            "base": self.base,
            "roles": {},
            "reports": [],
            "look_alikes": [],
            "forced_typos": {},
        }
        self.roles: dict[str, int] = self.plan["roles"]

    def pid(self, role: str) -> int:
        return int(self.builder.records.pid.iat[self.roles[role]])

    def look_alike(self, kind: str, exception_type: str, role: str, note: str) -> None:
        self.plan["look_alikes"].append(
            {"kind": kind, "exception_type": exception_type, "pid": self.pid(role), "note": note}
        )

    def report(self, role: str, situation: str, date: np.datetime64, report_month: int) -> None:
        """A township report of the role's event."""
        self.plan["reports"].append((self.pid(role), self.roles[role], situation, date, report_month))


def planted_pids(builder: Builder) -> set[int]:
    """Every person a planted case is about (natural events leave them alone)."""
    pid = builder.records.pid.to_numpy()
    roles = builder.plan["roles"].values()
    return {int(pid[record]) for record in roles} | set(builder.plan["outsiders"].values())
