"""The findings an audit of the district must report, with their exact figures.

An independent reading of docs/rules.md ("What counts as an improper payment", the finding
table, "Precise readings") and of the choices listed in dbt_project/README.md, computed in
plain Python from what the generator knows: the life model (who was paid what for which
month on which record, the roster at every month end, certifications, contributions,
receipts, disbursements) and the department files' clean content (each row's ID exactly
as the department typed it, so a typing error links fuzzily or not at all, as it would
for any reader; see identity.py). Nothing here looks at the planted roles: planted and
natural cases are found the same way. The findings about people are here, those about
contributions and money in expected_money.py.

    findings(district, department_files) -> list of dicts shaped like the findings export
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from . import expected_money
from .audit import Audit, identity_of
from .district import RECEIVING, District
from .filedata import FileData
from .identity import TO_HALF_WIDTH, Identity
from .timeline import NEVER, month_label, month_of

CUSTODIAL = ("拘役", "有期徒刑", "无期徒刑", "死刑缓期二年执行", "死刑")
CERT_CLOSE_MONTH = 11  # the certification year closes on 30 November
FINDING_TYPES = (
    "death",
    "nationality",
    "other_pension",
    "imprisonment",
    "detention",
    "duplicate_enrollment",
    "duplicate_payment",
    "uncertified",
    "subsidy_ineligible",
    "subsidy_missed",
    "cash_collection",
    "contribution_unmatched",
    "disbursement_gap",
)
FIELDS = (
    "exception_type",
    "id_number",
    "township_code",
    "event_period",
    "first_improper_month",
    "last_improper_month",
    "improper_months",
    "overpaid_amount",
    "identity",
)


def findings(district: District, files: list[FileData]) -> list[dict]:
    """Every finding of every type, sorted like the export."""
    audit = Audit(district, files)
    _earliest_event(audit, "death", _death_candidates(audit))
    _earliest_event(audit, "nationality", _nationality_candidates(audit))
    _other_pension(audit)
    _imprisonment(audit)
    _detention(audit)
    _duplicate_enrollment(audit)
    _duplicate_payment(audit)
    _uncertified(audit)
    expected_money.subsidies(audit)
    expected_money.contributions(audit)
    expected_money.disbursement_gap(audit)
    return sorted(audit.found, key=lambda finding: tuple(str(finding[key]) for key in FIELDS))


def look_alikes(district: District) -> list[dict]:
    """The planted cases that must not be findings, with the ID a reader will know them by."""
    identity = Identity(district)
    first_record = {}
    for record, pid in enumerate(district.records.pid.to_numpy()):
        first_record.setdefault(int(pid), record)
    return [
        {
            "kind": case["kind"],
            "exception_type": case["exception_type"],
            "id_number": case["id_number"] if "id_number" in case else identity.person[first_record[case["pid"]]],
            "note": case["note"],
        }
        for case in district.look_alikes
    ]


def _death_candidates(audit: Audit) -> list[tuple]:
    """Every death date any source gives (the police's 注销日期 standing in for an empty
    死亡日期)."""
    candidates = audit.dated("cdc_deaths", "death_date") + audit.dated("civil_affairs_cremations", "death_date")
    rows = audit.rows("police_deregistrations")
    if len(rows):
        rows = rows[rows.reason == "死亡"]
        for person, link, death_date, deregistered_on in zip(
            rows.person, rows.link, rows.death_date, rows.deregistered_on
        ):
            if isinstance(person, str):
                date = deregistered_on if pd.isna(death_date) else death_date
                candidates.append((person, link, date))
    return candidates + audit.dated("township_reports", "event_date", ("situation", "死亡"))


def _nationality_candidates(audit: Audit) -> list[tuple]:
    police = audit.dated("police_deregistrations", "deregistered_on", ("reason", "加入外国国籍"))
    return police + audit.dated("township_reports", "event_date", ("situation", "丧失国籍"))


def _earliest_event(audit: Audit, kind: str, candidates: list[tuple]) -> None:
    """Everything received for the months after the earliest date any source gives."""
    by_person: dict[str, list] = defaultdict(list)
    for person, link, date in candidates:
        by_person[person].append((np.datetime64(date, "D"), link))
    for person, dated in by_person.items():
        event_month = month_of(min(date for date, _ in dated))
        months, amount = audit.improper(person, event_month)
        if months:
            audit.add(
                kind,
                person,
                period=month_label(event_month),
                months=months,
                amount=amount,
                identity=identity_of(link for _, link in dated),
            )


def _other_pension(audit: Audit) -> None:
    """Per person and scheme, everything received after the scheme's start month."""
    rows = audit.rows("other_pensions")
    if not len(rows):
        return
    rows = rows[rows.person.notna()]
    for (person, _), group in rows.groupby(["person", "scheme"]):
        start = int(group.start_month.min())
        months, amount = audit.improper(person, start)
        if months:
            audit.add(
                "other_pension",
                person,
                period=month_label(start),
                months=months,
                amount=amount,
                identity=identity_of(group.link),
            )


def _court_rows(audit: Audit) -> pd.DataFrame:
    """Linked court rows with a normalised 案号, in file order."""
    rows = audit.rows("court_sentences")
    if not len(rows):
        return rows
    rows = rows[rows.person.notna()].copy()
    rows["case"] = [re.sub(r"\s", "", str(case).translate(TO_HALF_WIDTH)) for case in rows.case_no]
    return rows.sort_values(["period", "row"], kind="stable")


def _imprisonment(audit: Audit) -> None:
    """The newest row of each 案号, if custodial and served inside: everything received
    for the months after custody began, up to the term's end."""
    rows = _court_rows(audit)
    if not len(rows):
        return
    # exact when any row of the 案号 linked exactly (every row is behind the finding)
    exact = rows.groupby(["person", "case"]).link.agg(lambda links: (links == "exact").any())
    newest = rows.groupby(["person", "case"], sort=False).tail(1)
    for row in newest.itertuples():
        if row.penalty not in CUSTODIAL or row.probation or row.execution not in ("监内执行", ""):
            continue
        custody = next(date for date in (row.custody_on, row.term_start, row.effective_on) if not pd.isna(date))
        until = NEVER if pd.isna(row.term_end) else month_of(row.term_end)
        months, amount = audit.improper(row.person, month_of(custody), until)
        if months:
            audit.add(
                "imprisonment",
                row.person,
                period=month_label(month_of(custody)),
                months=months,
                amount=amount,
                identity="exact" if exact[(row.person, row.case)] else "fuzzy",
            )


def _detention(audit: Audit) -> None:
    """A township's 羁押 report with no court row taking effect on or after it."""
    reports = audit.rows("township_reports")
    if not len(reports):
        return
    court = _court_rows(audit)
    reports = reports[(reports.situation == "羁押") & reports.person.notna()]
    for (person, date), group in reports.groupby(["person", "event_date"]):
        judged = (
            len(court)
            and (
                (court.person == person)
                & (court.effective_on.to_numpy().astype("datetime64[D]") >= np.datetime64(date, "D"))
            ).any()
        )
        if not judged:
            audit.add(
                "detention",
                person,
                period=month_label(month_of(date)),
                identity=identity_of(group.link),
            )


def _duplicate_enrollment(audit: Audit) -> None:
    """For each record a person does not keep, the months it received money while another
    record of theirs did too."""
    for person, person_records in audit.identity.records.items():
        if len(person_records) < 2:
            continue
        kept = audit.kept[person]
        records, months, amounts = audit.received(person)
        receiving = defaultdict(set)
        for record, month in zip(records.tolist(), months.tolist()):
            receiving[month].add(record)
        shared = {month for month, both in receiving.items() if len(both) >= 2}
        for record in person_records:
            if record == kept:
                continue
            mine = (records == record) & np.isin(months, list(shared))
            duplicated = sorted(months[mine].tolist())
            if duplicated:
                audit.add(
                    "duplicate_enrollment",
                    person,
                    period=month_label(duplicated[0]),
                    months=duplicated,
                    amount=int(amounts[mine].sum()),
                    identity=str(audit.identity.link[record]),
                )


def _duplicate_payment(audit: Audit) -> None:
    """Record-months with two successful 正常发放 and more received than one of them."""
    for record, group in audit.paid_twice.groupby("rec"):
        months = sorted(group.for_month.tolist())
        audit.add(
            "duplicate_payment",
            audit.identity.person[record],
            period=month_label(months[0]),
            months=months,
            amount=int((group.amount - group["max"]).sum()),
            township=str(audit.town_of_record[record]),
        )


def _uncertified(audit: Audit) -> None:
    """Receiving on 30 November and at the end, and no 通过 in the certification year (nor
    a benefit started in it)."""
    last = audit.last
    year = last // 12 if last % 12 + 1 >= CERT_CLOSE_MONTH else last // 12 - 1
    november = year * 12 + CERT_CLOSE_MONTH - 1
    if november < audit.district.first_month:
        return
    table = audit.district.certifications
    certified_on = table.certified_on.to_numpy().astype("datetime64[D]")
    end = np.datetime64(month_label(last + 1) + "-01")
    passed = (
        (table.result.to_numpy() == "通过") & (certified_on >= np.datetime64(f"{year}-01-01")) & (certified_on < end)
    )
    certified = set(audit.identity.person[table.rec.to_numpy()[passed]])
    benefit = audit.district.records.benefit_month.to_numpy()
    started = set(audit.identity.person[(benefit // 12 == year) & (benefit <= last)])
    receiving = audit.persons_with(last, RECEIVING) & audit.persons_with(november, RECEIVING)
    for person in sorted(receiving):
        if person not in certified and person not in started:
            audit.add("uncertified", person, period=str(year))
