"""The findings an audit of the district must report, with their exact figures.

An independent reading of DOMAIN.md ("What counts as an improper payment", the finding
table, "Precise readings") and of the choices listed in dbt_project/README.md, computed in
plain Python from what the generator knows: the life model (who was paid what for which
month on which record, the roster at every month end, certifications, contributions,
receipts, disbursements) and the department files' clean content (each row's ID exactly
as the department typed it, so a typing error links fuzzily or not at all, as it would
for any reader; see identity.py). Nothing here looks at the planted roles: planted and
natural cases are found the same way.

    findings(district, department_files) -> list of dicts shaped like the findings export
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from .cells import format_amount
from .district import CONTRIBUTING, RECEIVING, District
from .filedata import FileData
from .identity import TO_HALF_WIDTH, Identity, department_rows
from .money import NORMAL, PAID
from .timeline import NEVER, month_label, month_of, month_start, months_of

CUSTODIAL = ("拘役", "有期徒刑", "无期徒刑", "死刑缓期二年执行", "死刑")
CERT_CLOSE_MONTH = 11  # the certification year closes on 30 November
MATCH_MONTHS = 2  # contribution matching window, months either side
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
    audit = _Audit(district, files)
    _earliest_event(audit, "death", _death_candidates(audit))
    _earliest_event(audit, "nationality", _nationality_candidates(audit))
    _other_pension(audit)
    _imprisonment(audit)
    _detention(audit)
    _duplicate_enrollment(audit)
    _duplicate_payment(audit)
    _uncertified(audit)
    _subsidies(audit)
    _contributions(audit)
    _disbursement_gap(audit)
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
            "id_number": case["id_number"]
            if "id_number" in case
            else identity.person[first_record[case["pid"]]],
            "note": case["note"],
        }
        for case in district.look_alikes
    ]


class _Audit:
    """What the finding types share: who received what for which month, who each person
    is, and the findings so far."""

    def __init__(self, district: District, files: list[FileData]):
        self.district = district
        self.files = files
        self.identity = Identity(district)
        records = district.records
        payments = district.payments
        self.last = int(payments.pay_month.max())
        paid = payments[payments.pay_status == PAID]
        # what each record received for each 所属年月, and its 成功 正常发放 rows
        money = paid.groupby(["rec", "for_month"]).amount.sum().reset_index()
        money = money[money.for_month <= self.last]
        self.money_record = money.rec.to_numpy()
        self.money_month = money.for_month.to_numpy()
        self.money_amount = money.amount.to_numpy()
        money_person = self.identity.person[self.money_record]
        self.by_person = pd.Series(np.arange(len(money))).groupby(money_person).indices
        normal = paid[paid.pay_type == NORMAL].groupby(["rec", "for_month"]).amount
        normal = normal.agg(["count", "max"]).reset_index()
        normal = normal.merge(money, on=["rec", "for_month"], suffixes=("", "_got"))
        self.paid_twice = normal[(normal["count"] >= 2) & (normal.amount - normal["max"] > 0)]
        self._rows: dict[str, pd.DataFrame] = {}
        self.town_of_record = district.townships.code[records.township.to_numpy()]
        self.enrolled = records.enrolled_on.to_numpy().astype("datetime64[D]")
        self.person_no = records.person_no.to_numpy()
        self.kept = {
            person: self._kept(person_records)
            for person, person_records in self.identity.records.items()
        }
        self.found: list[dict] = []

    def _kept(self, person_records: list[int]) -> int:
        """The record a person keeps: the earliest enrolled (the latest roster month holding
        all of them is the last, as records never leave the roster)."""
        if len(person_records) == 1:
            return person_records[0]
        return min(
            person_records, key=lambda record: (self.enrolled[record], self.person_no[record])
        )

    def township(self, person: str | None) -> str:
        if person is None or person not in self.kept:
            return ""
        return str(self.town_of_record[self.kept[person]])

    def number(self, person: str | None) -> str:
        return "" if person is None or person.startswith("PN") else person

    def received(self, person: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(record, month, money) of the person's record-months that received money."""
        rows = self.by_person.get(person, np.zeros(0, dtype=np.int64))
        rows = rows[self.money_amount[rows] > 0]
        return self.money_record[rows], self.money_month[rows], self.money_amount[rows]

    def improper(self, person: str, after: int, until: int = NEVER) -> tuple[list[int], int]:
        """(months, money) received for months after `after`, up to `until`."""
        _, months, amounts = self.received(person)
        hit = (months > after) & (months <= until)
        return sorted(set(months[hit].tolist())), int(amounts[hit].sum())

    def add(self, kind, person, *, period, months=(), amount=0, identity="exact", **given):
        """A finding about `person` (None: about no one); `given` may override township,
        id_number and first (the first improper month's label)."""
        first = given.get("first")
        if first is None:
            first = month_label(months[0]) if months else ""
        id_number = given.get("id_number")
        township = given.get("township")
        self.found.append(
            {
                "exception_type": kind,
                "id_number": self.number(person) if id_number is None else id_number,
                "township_code": self.township(person) if township is None else township,
                "event_period": period,
                "first_improper_month": first,
                "last_improper_month": month_label(months[-1]) if months else "",
                "improper_months": len(months),
                "overpaid_amount": format_amount(amount, thousands=False),
                "identity": identity,
            }
        )

    def rows(self, feed: str, id_column: str = "id_number") -> pd.DataFrame:
        if feed not in self._rows:
            self._rows[feed] = department_rows(self.files, feed, self.identity, id_column)
        return self._rows[feed]

    def dated(self, feed: str, date_column: str, where: tuple[str, str] | None = None) -> list:
        """(person, link, date) of a feed's linked rows, optionally where a column has a
        value."""
        rows = self.rows(feed)
        if not len(rows):
            return []
        if where:
            rows = rows[rows[where[0]] == where[1]]
        return [
            (person, link, date)
            for person, link, date in zip(rows.person, rows.link, rows[date_column])
            if isinstance(person, str)
        ]

    def persons_with(self, month: int, status: int) -> set[str]:
        on_roster, statuses = self.district.status_at(month)
        return set(self.identity.person[on_roster[statuses == status]])


def _identity(links) -> str:
    """exact when any of the rows behind a finding linked exactly."""
    return "exact" if any(link == "exact" for link in links) else "fuzzy"


def _death_candidates(audit: _Audit) -> list[tuple]:
    """Every death date any source gives (the police's 注销日期 standing in for an empty
    死亡日期)."""
    candidates = audit.dated("cdc_deaths", "death_date") + audit.dated(
        "civil_affairs_cremations", "death_date"
    )
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


def _nationality_candidates(audit: _Audit) -> list[tuple]:
    police = audit.dated("police_deregistrations", "deregistered_on", ("reason", "加入外国国籍"))
    return police + audit.dated("township_reports", "event_date", ("situation", "丧失国籍"))


def _earliest_event(audit: _Audit, kind: str, candidates: list[tuple]) -> None:
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
                identity=_identity(link for _, link in dated),
            )


def _other_pension(audit: _Audit) -> None:
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
                identity=_identity(group.link),
            )


def _court_rows(audit: _Audit) -> pd.DataFrame:
    """Linked court rows with a normalised 案号, in file order."""
    rows = audit.rows("court_sentences")
    if not len(rows):
        return rows
    rows = rows[rows.person.notna()].copy()
    rows["case"] = [re.sub(r"\s", "", str(case).translate(TO_HALF_WIDTH)) for case in rows.case_no]
    return rows.sort_values(["period", "row"], kind="stable")


def _imprisonment(audit: _Audit) -> None:
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
        custody = next(
            date for date in (row.custody_on, row.term_start, row.effective_on) if not pd.isna(date)
        )
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


def _detention(audit: _Audit) -> None:
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
                & (
                    court.effective_on.to_numpy().astype("datetime64[D]")
                    >= np.datetime64(date, "D")
                )
            ).any()
        )
        if not judged:
            audit.add(
                "detention",
                person,
                period=month_label(month_of(date)),
                identity=_identity(group.link),
            )


def _duplicate_enrollment(audit: _Audit) -> None:
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


def _duplicate_payment(audit: _Audit) -> None:
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


def _uncertified(audit: _Audit) -> None:
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
        (table.result.to_numpy() == "通过")
        & (certified_on >= np.datetime64(f"{year}-01-01"))
        & (certified_on < end)
    )
    certified = set(audit.identity.person[table.rec.to_numpy()[passed]])
    benefit = audit.district.records.benefit_month.to_numpy()
    started = set(audit.identity.person[(benefit // 12 == year) & (benefit <= last)])
    receiving = audit.persons_with(last, RECEIVING) & audit.persons_with(november, RECEIVING)
    for person in sorted(receiving):
        if person not in certified and person not in started:
            audit.add("uncertified", person, period=str(year))


def _special_lists(audit: _Audit, years: set[int]) -> set[tuple[str, int]]:
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


def _subsidies(audit: _Audit) -> None:
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


def _contributions(audit: _Audit) -> None:
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


def _unmatched(audit: _Audit, table: pd.DataFrame, registered_on: np.ndarray) -> None:
    """Each registration takes the first free receipt of the same person, year and amount
    booked within two months either side; what is left over once its window has closed is
    a finding, on either side."""
    receipts = audit.rows("tax_receipts")
    receipts = receipts[receipts.link != "unresolved"].copy()  # quarantined as unresolved_id
    receipts["key_person"] = [
        person if isinstance(person, str) else written
        for person, written in zip(receipts.person, receipts.written_id)
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


def _disbursement_gap(audit: _Audit) -> None:
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
