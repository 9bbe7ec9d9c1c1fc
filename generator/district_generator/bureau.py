"""What the bureau and the townships do about the events: suspend prisoners' pensions
(some), certify recipients once a year and suspend those who never certify, and report
the events the townships hear of (on time, late or never)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import params, plant
from .builder import Builder
from .court import CUSTODIAL
from .district import SUSPENSION_COLUMNS, District
from .draws import weighted
from .timeline import NEVER, day_in_month, month_end, month_of, month_start, months_of

# certification months: few in January, none in December
CERTIFICATION_MONTH_WEIGHTS = np.array([4, 8, 12, 12, 10, 9, 9, 9, 9, 9, 9, 0], dtype=float)
METHODS = ("人脸识别", "协办员见面认证", "上门认证", "部门数据比对")


def suspend_prisoners(builder: Builder) -> None:
    """Recipients serving a custodial sentence inside: the bureau suspends some from a
    month or so after custody until the term ends, and misses the others."""
    rng = builder.rng("prison-handling")
    first_record = builder.primary_record()
    final = builder.sentences.groupby("case_no").tail(1)
    planted = plant.planted_pids(builder)
    for row in final.itertuples():
        record = first_record[row.pid]
        if row.pid in planted or record < 0 or row.penalty not in CUSTODIAL:
            continue
        if row.probation_months or row.execution not in ("监内执行", ""):
            continue
        custody = next(date for date in (row.custody_on, row.term_start, row.effective_on) if not pd.isna(date))
        custody_month = month_of(custody)
        release_month = month_of(row.term_end) if not pd.isna(row.term_end) else NEVER
        if (
            builder.records.benefit_month.iat[record] > custody_month
            or rng.random() >= params.PRISON_HANDLING["suspended"]
        ):
            continue
        start = custody_month + 1 + int(rng.integers(0, 3))
        if start <= release_month:
            builder.suspension_rows.append((record, start, release_month, "prison", False))


def add_certifications(builder: Builder, district: District) -> None:
    """Each recipient's yearly certification (a few fail, some pass later at home); those
    never certified by 30 November are suspended from January, some certified soon after."""
    rng = builder.rng("certifications")
    rows: list[tuple] = []
    certified_late: set[int] = set()  # not due again the next year
    for year in builder.years:
        certified_late = _certify_year(builder, rng, year, certified_late, rows)
    district.suspensions = pd.DataFrame(builder.suspension_rows, columns=SUSPENSION_COLUMNS)
    table = pd.DataFrame(rows, columns=["rec", "certified_on", "method", "result"])
    table["certified_on"] = table.certified_on.astype("datetime64[s]")
    district.certifications = table.sort_values(["certified_on", "rec"], kind="stable").reset_index(drop=True)


def _certify_year(builder: Builder, rng, year: int, skip: set[int], rows: list) -> set[int]:
    """One year's certifications (appended to rows) and uncertified suspensions (to the
    builder's). Returns the records certified after a suspension, skipped next year."""
    records = builder.records
    death = builder.death_date[records.pid.to_numpy()]
    candidates = np.flatnonzero(~records.duplicate.to_numpy())
    first = max(builder.first_month, year * 12)
    last = min(builder.last_month, year * 12 + 11)
    benefit = records.benefit_month.to_numpy()[candidates]
    stop = records.stop_month.to_numpy()[candidates]
    due = candidates[(benefit <= last) & (stop > first) & (benefit // 12 < year)]
    due = np.array([record for record in due if record not in skip], dtype=np.int64)
    count = len(due)
    weights = CERTIFICATION_MONTH_WEIGHTS / CERTIFICATION_MONTH_WEIGHTS.sum()
    month = np.clip(year * 12 + rng.choice(12, size=count, p=weights), first, last)
    if builder.first_month // 12 == year and count:
        # at least a few every month the window covers
        covered = last - first + 1
        month[:covered] = np.arange(first, last + 1)[: min(count, covered)]
    date = day_in_month(month, rng)
    never = rng.random(count) < params.CERT_NEVER_RATE
    fail = rng.random(count) < params.CERT_FAIL_RATE
    alive = np.isnat(death[due]) | (date < death[due])
    method = weighted(rng, METHODS, (60, 20, 10, 10), count)
    passed_later = rng.random(count) < 0.75
    for index in np.flatnonzero(~never & alive):
        record = int(due[index])
        if not fail[index]:
            rows.append((record, date[index], method[index], "通过"))
            continue
        rows.append((record, date[index], method[index], "未通过"))
        again = date[index] + np.timedelta64(int(rng.integers(20, 70)), "D")
        if passed_later[index] and again <= builder.end_day and (np.isnat(death[record]) or again < death[record]):
            rows.append((record, again, "上门认证", "通过"))
    november = year * 12 + 10
    if november > builder.last_month or november + 2 > builder.last_month:
        return set()
    uncertified = due[never | (fail & ~passed_later)]
    uncertified = uncertified[records.stop_month.to_numpy()[uncertified] > november + 2]
    return _suspend_uncertified(builder, rng, uncertified, november + 2, rows)


def _suspend_uncertified(builder: Builder, rng, uncertified, start: int, rows: list) -> set[int]:
    """Suspend some of the uncertified from `start`; most of those certify within a few
    months and are paid back. Returns those that certified."""
    certified = set()
    for record in uncertified[rng.random(len(uncertified)) < 0.6]:
        record = int(record)
        if rng.random() < 0.7:
            certified_month = start + int(rng.integers(1, 5))
            if certified_month <= builder.last_month:
                day = day_in_month(np.array([certified_month]), rng)[0]
                rows.append((record, day, "上门认证", "通过"))
                builder.suspension_rows.append((record, start, certified_month, "uncertified", True))
                certified.add(record)
                continue
        builder.suspension_rows.append((record, start, NEVER, "uncertified", False))
    return certified


def add_township_reports(builder: Builder, district: District) -> None:
    """The townships' monthly reports of deaths, detentions and sentences, losses of
    nationality and other pensions; then the planted ones."""
    rng = builder.rng("township-reports")
    first_record = builder.primary_record()
    planted = plant.planted_pids(builder)
    events = [event for event in _township_events(builder, rng, first_record) if int(event[0]) not in planted]
    rows = []
    for pid, situation, date in events:
        date = np.datetime64(date, "D")
        shares = params.TOWNSHIP_REPORTING
        timeliness = weighted(rng, list(shares), list(shares.values()), 1)[0]
        if timeliness == "missed":
            continue
        lag = int(rng.integers(0, 2)) if timeliness == "on_time" else int(rng.integers(2, 6))
        report_month = month_of(date) + lag
        shown = date + np.timedelta64(int(rng.integers(-4, 5)), "D") if rng.random() < 0.1 else date
        reported_on = day_in_month(np.array([report_month]), rng, 18, 28)[0]
        reported_on = max(reported_on, min(date, month_end(report_month)))
        rows.append((pid, first_record[pid], situation, shown, report_month, reported_on, timeliness, date))
    for pid, record, situation, date, report_month in builder.plan["reports"]:
        reported_on = max(day_in_month(np.array([report_month]), rng, 18, 28)[0], date)
        rows.append((pid, record, situation, date, report_month, reported_on, "on_time", date))
    district.township_reports = pd.DataFrame(
        rows,
        columns=[
            "pid",
            "rec",
            "situation",
            "event_date",
            "report_month",
            "reported_on",
            "timeliness",
            "true_date",
        ],
    )


def _township_events(builder: Builder, rng, first_record: np.ndarray) -> list[tuple]:
    """(pid, situation, date) of every event a township could report."""
    events = []
    death = builder.death_date
    dead = np.flatnonzero(~np.isnat(death) & (first_record >= 0))
    receiving = builder.receiving_at(dead, months_of(death[dead]))
    for pid in dead[receiving]:
        events.append((pid, "死亡", death[pid]))
    final = builder.sentences.groupby("case_no").tail(1)
    for row in final.itertuples():
        if row.penalty not in CUSTODIAL or row.probation_months:
            continue
        held = not pd.isna(row.custody_on)
        date = row.custody_on if held else row.effective_on
        if builder.receiving_at(np.array([row.pid]), np.array([month_of(date)]))[0]:
            situation = "羁押" if held and rng.random() < 0.6 else "判刑"
            events.append((row.pid, situation, date))
    nationality = builder.nationality
    for row in nationality[nationality.township].itertuples():
        events.append((row.pid, "丧失国籍", row.date))
    other = builder.other_pensions
    for row in other[other.township_reports & (first_record[other.pid] >= 0)].itertuples():
        since = month_start(max(row.start_month, builder.first_month - 12))
        events.append((row.pid, "享受其他养老待遇", since))
    return events
