"""The planted court cases and detentions: custodial sentences of several kinds, and
sentences that look custodial but are not (probation, 管制, 监外执行, 社区矫正, acquittal,
release before the window)."""

from __future__ import annotations

from itertools import count

import numpy as np
import pandas as pd

from .plant import NO_DATE, Planter, day, months_later


def _term_end(start: np.datetime64, months: int) -> np.datetime64:
    """The last day of a term of `months` from `start`."""
    return months_later(start, months) - np.timedelta64(1, "D")


class _Cases:
    """Court rows being planted, each with a new 案号 unless it revises one."""

    def __init__(self, planter: Planter):
        self.planter = planter
        self.rows: list[dict] = []
        self.numbers = count(901)

    def add(self, role: str, penalty: str, *, effective, execution: str, period: int, **rest):
        """Add a row; `rest` may give custody, start, end (dates), term and probation
        (months), revision and case_no. Returns the 案号."""
        case_no = rest.get("case_no") or (f"（{int(str(effective)[:4])}）蒙0404刑初{next(self.numbers)}号")
        self.rows.append(
            {
                "pid": self.planter.pid(role),
                "case_no": case_no,
                "charge": "盗窃罪",
                "penalty": penalty,
                "term_months": rest.get("term", 0),
                "probation_months": rest.get("probation", 0),
                "custody_on": rest.get("custody", NO_DATE),
                "term_start": rest.get("start", NO_DATE),
                "term_end": rest.get("end", NO_DATE),
                "effective_on": effective,
                "execution": execution,
                "period_month": period,
                "revision": rest.get("revision", ""),
            }
        )
        return case_no


def plant_court_cases(planter: Planter) -> None:
    """The planted court rows and detention reports, added to the sentences."""
    builder = planter.builder
    cases = _Cases(planter)
    _imprisonments(planter, cases)
    _not_custodial(planter, cases)
    _acquittals_and_release(planter, cases)
    # detention: reported with no court row, and reported after an old fine
    base, first = planter.base, planter.first
    planter.report("det_no_court", "羁押", day(base + 4, 8), base + 4)
    planter.report("det_old_court", "羁押", day(base + 6, 3), base + 6)
    cases.add("det_old_court", "单处罚金", effective=day(first - 3, 10), execution="", period=first)
    planted = pd.DataFrame(cases.rows)
    for column in ("custody_on", "term_start", "term_end", "effective_on"):
        planted[column] = planted[column].astype("datetime64[s]")
    builder.sentences = pd.concat([builder.sentences, planted], ignore_index=True)


def _imprisonments(planter: Planter, cases: _Cases) -> None:
    """A fixed term; a term commuted in a later row (its 案号 with half-width brackets); a
    life sentence; a short 拘役 served from the judgment."""
    base = planter.base
    custody = day(base + 1, 15)
    cases.add(
        "imp_fixed",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=_term_end(custody, 8),
        effective=day(base + 3, 20),
        execution="监内执行",
        period=base + 4,
        term=8,
    )
    custody = day(base - 2, 10)
    case_no = cases.add(
        "imp_commuted",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=_term_end(custody, 24),
        effective=day(base, 25),
        execution="监内执行",
        period=base + 1,
        term=24,
    )
    cases.add(
        "imp_commuted",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=day(base + 8, 9),
        effective=day(base, 25),
        execution="监内执行",
        period=base + 7,
        term=24,
        revision="减刑",
        case_no=case_no.replace("（", "(").replace("）", ")"),
    )
    custody = day(base + 3, 5)
    cases.add(
        "imp_life",
        "无期徒刑",
        custody=custody,
        start=custody,
        effective=day(base + 6, 12),
        execution="",
        period=base + 7,
    )
    start = day(base + 5, 2)
    cases.add(
        "imp_short",
        "拘役",
        start=start,
        end=_term_end(start, 4),
        effective=start,
        execution="监内执行",
        period=base + 5,
        term=4,
    )


def _not_custodial(planter: Planter, cases: _Cases) -> None:
    """Probation, 管制, 监外执行 and 社区矫正: sentences, but no one is inside."""
    base = planter.base
    start = day(base + 2, 8)
    cases.add(
        "la_probation",
        "有期徒刑",
        start=start,
        end=_term_end(start, 12),
        effective=start,
        execution="社区矫正",
        period=base + 3,
        term=12,
        probation=24,
    )
    planter.look_alike("suspended_sentence", "imprisonment", "la_probation", "有期徒刑 宣告缓刑")
    start = day(base + 4, 3)
    cases.add(
        "la_control",
        "管制",
        start=start,
        end=_term_end(start, 6),
        effective=start,
        execution="社区矫正",
        period=base + 4,
        term=6,
    )
    planter.look_alike("control", "imprisonment", "la_control", "管制 is not custodial")
    custody = day(base + 1, 3)
    cases.add(
        "la_outside",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=_term_end(custody, 10),
        effective=day(base + 3, 3),
        execution="监外执行",
        period=base + 3,
        term=10,
    )
    planter.look_alike("outside_execution", "imprisonment", "la_outside", "有期徒刑 监外执行")
    start = day(base + 5, 5)
    cases.add(
        "la_community",
        "拘役",
        start=start,
        end=_term_end(start, 3),
        effective=start,
        execution="社区矫正",
        period=base + 6,
        term=3,
    )
    planter.look_alike("community_correction", "imprisonment", "la_community", "拘役 社区矫正")


def _acquittals_and_release(planter: Planter, cases: _Cases) -> None:
    """Detained then acquitted; acquitted on appeal in a later file; served and released
    before the window."""
    base, first = planter.base, planter.first
    custody = day(base + 2, 5)
    cases.add(
        "la_acquitted",
        "无罪",
        custody=custody,
        effective=day(base + 5, 18),
        execution="",
        period=base + 5,
    )
    planter.report("la_acquitted", "羁押", custody, base + 3)
    planter.look_alike("acquittal", "imprisonment", "la_acquitted", "detained, then 无罪")
    planter.look_alike(
        "detention_then_judged",
        "detention",
        "la_acquitted",
        "羁押 reported, then a court row took effect after it",
    )
    custody = day(base + 1, 12)
    case_no = cases.add(
        "la_appeal",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=_term_end(custody, 18),
        effective=day(base + 3, 1),
        execution="监内执行",
        period=base + 3,
        term=18,
    )
    cases.add(
        "la_appeal",
        "无罪",
        custody=custody,
        effective=day(base + 3, 1),
        execution="",
        period=base + 7,
        revision="改判无罪",
        case_no=case_no,
    )
    planter.look_alike(
        "acquittal_on_appeal",
        "imprisonment",
        "la_appeal",
        "有期徒刑, then a newer row of the same 案号 in a later file: 无罪",
    )
    custody = day(first - 10, 1)
    cases.add(
        "la_released_before",
        "有期徒刑",
        custody=custody,
        start=custody,
        end=_term_end(custody, 6),
        effective=day(first - 8, 15),
        execution="监内执行",
        period=first,
        term=6,
    )
    planter.look_alike(
        "released_before_payments",
        "imprisonment",
        "la_released_before",
        "served and released before any payment inside the window",
    )
