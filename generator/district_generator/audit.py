"""What the finding types of expected.py share: who received what for which month, who
each person is (identity.py), and the findings so far."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cells import format_amount
from .district import District
from .filedata import FileData
from .identity import Identity, department_rows
from .money import NORMAL, PAID
from .timeline import NEVER, month_label


class Audit:
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
        self.kept = {person: self._kept(person_records) for person, person_records in self.identity.records.items()}
        self.found: list[dict] = []

    def _kept(self, person_records: list[int]) -> int:
        """The record a person keeps: the earliest enrolled (the latest roster month holding
        all of them is the last, as records never leave the roster)."""
        if len(person_records) == 1:
            return person_records[0]
        return min(person_records, key=lambda record: (self.enrolled[record], self.person_no[record]))

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


def identity_of(links) -> str:
    """exact when any of the rows behind a finding linked exactly."""
    return "exact" if any(link == "exact" for link in links) else "fuzzy"
