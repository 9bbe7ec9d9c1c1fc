"""The findings an audit of the district must report, with their exact figures.

An independent reading of DOMAIN.md ("What counts as an improper payment", the finding
table, "Precise readings") and of the choices listed in dbt_project/README.md, computed in
plain Python from what the generator knows: the life model (who was paid what for which
month on which record, the roster at every month end, certifications, contributions,
receipts, disbursements) and the department files' clean content (each row's ID exactly
as the department typed it, so a typing error links fuzzily or not at all, as it would
for any reader). Nothing here looks at the planted roles: planted and natural cases are
found the same way.

    findings(d, department_files) -> list of dicts shaped like the findings export
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import ids
from .district import CONTRIBUTING, RECEIVING, District
from .cells import format_amount
from .filedata import FileData
from .timeline import NEVER, months_of, month_start

RESIDENT_DOCS = ("居民身份证", "社会保障卡", "港澳台居民居住证")
CUSTODIAL = ("拘役", "有期徒刑", "无期徒刑", "死刑缓期二年执行", "死刑")
CONFLICT_DAYS = 31
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

_FW = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "})
_DOTS = str.maketrans({c: "·" for c in "•.・‧∙"})


# --- identity ---------------------------------------------------------------------------


def norm_id(value) -> str | None:
    """An ID cell as DOMAIN.md reads it: full-width to half-width, spaces and a leading
    apostrophe dropped, x to X, the 15-digit form upgraded."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = re.sub(r"\s", "", str(value).translate(_FW)).lstrip("'").upper()
    if not s:
        return None
    if re.fullmatch(r"[0-9]{15}", s):
        body = s[:6] + "19" + s[6:]
        return body + ids.check_char(body)
    return s


def norm_name(value) -> str:
    return re.sub(r"\s", "", str(value or "").translate(_FW).translate(_DOTS))


def valid(id18: str | None) -> bool:
    return bool(id18) and re.fullmatch(r"[0-9]{17}[0-9X]", id18) is not None and ids.is_valid(id18)


def one_typo_apart(a: str, b: str) -> bool:
    if len(a) != 18 or len(b) != 18:
        return False
    diff = [i for i in range(18) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


class Identity:
    """Roster records to persons, and department IDs to persons."""

    def __init__(self, d: District):
        r = d.records
        self.nid = [norm_id(x) for x in r.stored_id]
        self.name = [norm_name(x) for x in r.stored_name]
        doc = r.doc_type.to_numpy()
        anchor = [
            n is not None and (valid(n) if dt in RESIDENT_DOCS else True)
            for n, dt in zip(self.nid, doc)
        ]
        anchors_by_name: dict[str, set[str]] = defaultdict(set)
        for n, nm, a in zip(self.nid, self.name, anchor):
            if a:
                anchors_by_name[nm].add(n)
        person, link = [], []
        for i, (n, nm, a) in enumerate(zip(self.nid, self.name, anchor)):
            if a:
                person.append(n)
                link.append("exact")
                continue
            match = set()
            if doc[i] in RESIDENT_DOCS and n is not None:
                match = {x for x in anchors_by_name[nm] if x != n and one_typo_apart(n, x)}
            if len(match) == 1:
                person.append(match.pop())
                link.append("fuzzy")
            else:
                person.append(n if n is not None else "PN" + r.person_no.iat[i])
                link.append("exact")
        self.person = np.array(person, dtype=object)  # per record
        self.link = np.array(link, dtype=object)
        self.numbers: dict[str, str] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for n, nm, p in zip(self.nid, self.name, self.person):
            if n is not None:
                self.numbers[n] = min(self.numbers.get(n, p), p)
                self.by_name[nm].append((n, p))
        self.records: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.person):
            self.records[p].append(i)

    def department(self, written, name) -> tuple[str | None, str, str | None]:
        """(person, link, normalised ID) for a department row. The link is exact or fuzzy
        (a person), unresolved (a mistyped resident ID nobody matches: quarantined as
        unresolved_id) or not_enrolled (a valid number of nobody on the roster)."""
        n = norm_id(written)
        if n is None:
            return None, "unresolved", None
        if n in self.numbers:
            return self.numbers[n], "exact", n
        if not valid(n):
            nm = norm_name(name)
            match = {p for x, p in self.by_name.get(nm, []) if x != n and one_typo_apart(n, x)}
            if len(match) == 1:
                return match.pop(), "fuzzy", n
            if re.fullmatch(r"[0-9]{17}[0-9X]", n):
                return None, "unresolved", n
        return None, "not_enrolled", n


def _holder(cert) -> str | None:
    s = re.sub(r"\s", "", str(cert or "").translate(_FW)).lstrip("'").upper()
    m = re.match(r"[0-9]{17}[0-9X]|[0-9]{15}", s)
    return norm_id(m.group(0)) if m else None


def _rows(
    files: Iterable[FileData], feed: str, ident: Identity, id_col="id_number"
) -> pd.DataFrame:
    """A department feed's rows (every file, in order) with the person each links to."""
    parts = []
    for fd in files:
        if fd.feed != feed or not fd.n:
            continue
        x = pd.DataFrame(fd.cols)
        x["period"] = fd.period
        x["row"] = np.arange(fd.n)
        parts.append(x)
    if not parts:
        return pd.DataFrame(columns=["person", "link", "period", "row", "written_id"])
    x = pd.concat(parts, ignore_index=True)
    ids = x[id_col].to_numpy()
    if id_col == "certificate_no":  # the holder's ID: the first 18 characters (or 15)
        ids = np.array([_holder(c) for c in ids], dtype=object)
    linked = [ident.department(i, nm) for i, nm in zip(ids, x["name"].to_numpy())]
    x["person"] = [p for p, _, _ in linked]
    x["link"] = [lk for _, lk, _ in linked]
    x["written_id"] = [n for _, _, n in linked]
    return x


# --- the audit ----------------------------------------------------------------------------


def label(a: int) -> str:
    return f"{a // 12:04d}-{a % 12 + 1:02d}"


def month(date) -> int:
    return int(months_of(np.array([date], dtype="datetime64[D]"))[0])


def findings(d: District, files: list[FileData]) -> list[dict]:
    return _Audit(d, files).run()


class _Audit:
    def __init__(self, d: District, files: list[FileData]):
        self.d = d
        self.files = files
        self.id = Identity(d)
        r = d.records
        pay = d.payments
        self.T = int(pay.pay_month.max())
        ok = pay[pay.pay_status == 0]
        # what each record received for each 所属年月, and its 成功 正常发放 rows
        money = ok.groupby(["rec", "for_month"]).amount.sum().reset_index()
        money = money[money.for_month <= self.T]
        self.m_rec = money.rec.to_numpy()
        self.m_month = money.for_month.to_numpy()
        self.m_amount = money.amount.to_numpy()
        self.m_person = self.id.person[self.m_rec]
        self.by_person = pd.Series(np.arange(len(money))).groupby(self.m_person).indices
        normal = ok[ok.pay_type == 0].groupby(["rec", "for_month"]).amount.agg(["count", "max"])
        normal = normal.reset_index().merge(money, on=["rec", "for_month"], suffixes=("", "_got"))
        self.normal = normal[(normal["count"] >= 2) & (normal.amount - normal["max"] > 0)]
        self._rows_cache: dict[str, pd.DataFrame] = {}
        self.town_of_rec = d.townships.code[r.township.to_numpy()]
        self.enrolled = r.enrolled_on.to_numpy().astype("datetime64[D]")
        self.person_no = r.person_no.to_numpy()
        self.enrol_month = r.enrol_month.to_numpy()
        self.kept = {p: self._kept(recs) for p, recs in self.id.records.items()}
        self.out: list[dict] = []

    # --- helpers --------------------------------------------------------------------
    def _kept(self, recs: list[int]) -> int:
        if len(recs) == 1:
            return recs[0]
        # the latest roster month holding all of them is T (records never leave the roster)
        return min(recs, key=lambda i: (self.enrolled[i], self.person_no[i]))

    def person_township(self, person: str | None) -> str:
        if person is None or person not in self.kept:
            return ""
        return str(self.town_of_rec[self.kept[person]])

    def person_number(self, person: str | None) -> str:
        return "" if person is None or person.startswith("PN") else person

    def received(self, person: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(record, month, money) of the person's record-months that received money."""
        i = self.by_person.get(person, np.zeros(0, dtype=np.int64))
        i = i[self.m_amount[i] > 0]
        return self.m_rec[i], self.m_month[i], self.m_amount[i]

    def improper(self, person: str, after: int, until: int = NEVER) -> tuple[list[int], int]:
        _, m, v = self.received(person)
        hit = (m > after) & (m <= until)
        return sorted(set(m[hit].tolist())), int(v[hit].sum())

    def add(
        self,
        kind,
        person,
        *,
        period,
        months=(),
        amount=0,
        identity="exact",
        township=None,
        id_number=None,
        first=None,
    ):
        self.out.append(
            {
                "exception_type": kind,
                "id_number": self.person_number(person) if id_number is None else id_number,
                "township_code": self.person_township(person) if township is None else township,
                "event_period": period,
                "first_improper_month": first
                if first is not None
                else (label(months[0]) if months else ""),
                "last_improper_month": label(months[-1]) if months else "",
                "improper_months": len(months),
                "overpaid_amount": format_amount(amount, thousands=False),
                "identity": identity,
            }
        )

    def rows(self, feed: str, id_col: str = "id_number") -> pd.DataFrame:
        if feed not in self._rows_cache:
            self._rows_cache[feed] = _rows(self.files, feed, self.id, id_col)
        return self._rows_cache[feed]

    # --- the types ------------------------------------------------------------------------
    def run(self) -> list[dict]:
        self.earliest_event("death", self._death_candidates())
        self.earliest_event("nationality", self._nationality_candidates())
        self.other_pension()
        self.imprisonment_and_detention()
        self.duplicate_enrollment()
        self.duplicate_payment()
        self.uncertified()
        self.subsidies()
        self.contributions()
        self.disbursement_gap()
        return sorted(self.out, key=lambda f: tuple(str(f[k]) for k in FIELDS))

    def _dated(self, feed: str, date_column: str, where: tuple[str, str] | None = None) -> list[tuple]:
        """(person, link, date) of a feed's linked rows, optionally where a column has a value."""
        x = self.rows(feed)
        if not len(x):
            return []
        if where:
            x = x[x[where[0]] == where[1]]
        return [(p, lk, d) for p, lk, d in zip(x.person, x.link, x[date_column]) if isinstance(p, str)]

    def _death_candidates(self) -> list[tuple]:
        out = self._dated("cdc_deaths", "death_date") + self._dated("civil_affairs_cremations", "death_date")
        x = self.rows("police_deregistrations")
        if len(x):
            x = x[x.reason == "死亡"]
            for p, lk, dd, on in zip(x.person, x.link, x.death_date, x.deregistered_on):
                if isinstance(p, str):
                    out.append((p, lk, on if pd.isna(dd) else dd))
        return out + self._dated("township_reports", "event_date", ("situation", "死亡"))

    def _nationality_candidates(self) -> list[tuple]:
        return (self._dated("police_deregistrations", "deregistered_on", ("reason", "加入外国国籍"))
                + self._dated("township_reports", "event_date", ("situation", "丧失国籍")))

    def earliest_event(self, kind: str, candidates: list[tuple]) -> None:
        by: dict[str, list] = defaultdict(list)
        for p, lk, date in candidates:
            by[p].append((np.datetime64(date, "D"), lk))
        for p, c in by.items():
            date = min(x for x, _ in c)
            m = month(date)
            months, amount = self.improper(p, m)
            if months:
                self.add(
                    kind,
                    p,
                    period=label(m),
                    months=months,
                    amount=amount,
                    identity="exact" if any(lk == "exact" for _, lk in c) else "fuzzy",
                )

    def other_pension(self) -> None:
        x = self.rows("other_pensions")
        x = x[x.person.notna()] if len(x) else x
        for (p, scheme), g in x.groupby(["person", "scheme"]) if len(x) else []:
            s = int(g.start_month.min())
            months, amount = self.improper(p, s)
            if months:
                self.add(
                    "other_pension",
                    p,
                    period=label(s),
                    months=months,
                    amount=amount,
                    identity="exact" if (g.link == "exact").any() else "fuzzy",
                )

    def imprisonment_and_detention(self) -> None:
        x = self.rows("court_sentences")
        x = x[x.person.notna()].copy() if len(x) else x
        if len(x):
            x["case"] = [re.sub(r"\s", "", str(c).translate(_FW)) for c in x.case_no]
            x = x.sort_values(["period", "row"], kind="stable")
            exact = x.groupby(["person", "case"]).link.agg(lambda s: (s == "exact").any())
            newest = x.groupby(["person", "case"], sort=False).tail(1)
            for row in newest.itertuples():
                if (
                    row.penalty not in CUSTODIAL
                    or row.probation
                    or row.execution not in ("监内执行", "")
                ):
                    continue
                c = next(
                    v for v in (row.custody_on, row.term_start, row.effective_on) if not pd.isna(v)
                )
                until = NEVER if pd.isna(row.term_end) else month(row.term_end)
                months, amount = self.improper(row.person, month(c), until)
                if months:
                    # exact when any row of the 案号 linked exactly (every row is behind it)
                    self.add(
                        "imprisonment",
                        row.person,
                        period=label(month(c)),
                        months=months,
                        amount=amount,
                        identity="exact" if exact[(row.person, row.case)] else "fuzzy",
                    )
        t = self.rows("township_reports")
        if not len(t):
            return
        t = t[(t.situation == "羁押") & t.person.notna()]
        for (p, date), g in t.groupby(["person", "event_date"]):
            judged = (
                len(x)
                and (
                    (x.person == p)
                    & (
                        x.effective_on.to_numpy().astype("datetime64[D]")
                        >= np.datetime64(date, "D")
                    )
                ).any()
            )
            if not judged:
                self.add(
                    "detention",
                    p,
                    period=label(month(date)),
                    identity="exact" if (g.link == "exact").any() else "fuzzy",
                )

    def duplicate_enrollment(self) -> None:
        for p, recs in self.id.records.items():
            if len(recs) < 2:
                continue
            kept = self.kept[p]
            got_rec, got_month, got = self.received(p)
            receiving = defaultdict(set)
            for rec, m in zip(got_rec.tolist(), got_month.tolist()):
                receiving[m].add(rec)
            shared = {m for m, rs in receiving.items() if len(rs) >= 2}
            for rec in recs:
                if rec == kept:
                    continue
                mine = (got_rec == rec) & np.isin(got_month, list(shared))
                months = sorted(got_month[mine].tolist())
                if months:
                    amount = int(got[mine].sum())
                    self.add(
                        "duplicate_enrollment",
                        p,
                        period=label(months[0]),
                        months=months,
                        amount=amount,
                        identity=str(self.id.link[rec]),
                    )

    def duplicate_payment(self) -> None:
        for rec, g in self.normal.groupby("rec"):
            months = sorted(g.for_month.tolist())
            self.add(
                "duplicate_payment",
                self.id.person[rec],
                period=label(months[0]),
                months=months,
                amount=int((g.amount - g["max"]).sum()),
                township=str(self.town_of_rec[rec]),
            )

    def roster_status(self, a: int) -> tuple[np.ndarray, np.ndarray]:
        return self.d.status_at(a)

    def persons_with(self, a: int, status: int) -> set[str]:
        on, st = self.roster_status(a)
        return set(self.id.person[on[st == status]])

    def uncertified(self) -> None:
        T = self.T
        y = T // 12 if T % 12 + 1 >= CERT_CLOSE_MONTH else T // 12 - 1
        nov = y * 12 + CERT_CLOSE_MONTH - 1
        if nov < self.d.first_month:
            return
        c = self.d.certifications
        on = c.certified_on.to_numpy().astype("datetime64[D]")
        end = np.datetime64(label(T + 1) + "-01")
        ok = (c.result.to_numpy() == "通过") & (on >= np.datetime64(f"{y}-01-01")) & (on < end)
        certified = set(self.id.person[c.rec.to_numpy()[ok]])
        ben = self.d.records.benefit_month.to_numpy()
        started = set(self.id.person[(ben // 12 == y) & (ben <= T)])
        for p in sorted(self.persons_with(T, RECEIVING) & self.persons_with(nov, RECEIVING)):
            if p not in certified and p not in started:
                self.add("uncertified", p, period=str(y))

    def subsidies(self) -> None:
        d, T = self.d, self.T
        c = d.contributions
        years = set(c.year.astype(int)) | {a // 12 for a in d.months}
        lists: set[tuple[str, int]] = set()
        x = self.rows("civil_affairs_assistance")
        if len(x):
            x = x[(x.assistance_status == "在保") & x.person.notna()]
            lists |= {(p, int(per[:4])) for p, per in zip(x.person, x.period)}
        x = self.rows("disability_severe", "certificate_no")
        if len(x):
            x = x[x.person.notna() & x.disability_grade.isin(["一级", "二级"])]
            for p, issued, per in zip(x.person, x.issued_on, x.period):
                since = int(per) if pd.isna(issued) else int(str(issued)[:4])
                lists |= {(p, yy) for yy in years if since <= yy}
        x = self.rows("health_family_planning")
        if len(x):
            x = x[x.person.notna()]
            for p, ry in zip(x.person, x.recognised_year):
                lists |= {(p, yy) for yy in years if int(ry) <= yy}
        finished = c[c.year.to_numpy() * 12 + 11 <= T]
        gov = finished[finished.channel == "政府代缴"]
        paid: dict[tuple[str, int], int] = defaultdict(int)
        for rec, yy, amt in zip(gov.rec, gov.year, gov.amount):
            paid[(self.id.person[rec], int(yy))] += int(amt)
        for (p, yy), amt in paid.items():
            if (p, yy) not in lists:
                self.add("subsidy_ineligible", p, period=str(yy), amount=amt)
        for yy in sorted(years):
            dec = yy * 12 + 11
            if dec > T or dec < d.first_month:
                continue
            for p in sorted(self.persons_with(dec, CONTRIBUTING)):
                if (p, yy) in lists and (p, yy) not in paid:
                    self.add("subsidy_missed", p, period=str(yy))

    def contributions(self) -> None:
        d, T = self.d, self.T
        c = d.contributions.reset_index(drop=True)  # in 登记日期 order, as the files are
        reg_on = c.registered_on.to_numpy().astype("datetime64[D]")
        cash: dict[tuple, int] = defaultdict(int)
        for i in np.flatnonzero(c.channel.to_numpy() == "现金"):
            cash[(int(c.rec.iat[i]), int(c.year.iat[i]), reg_on[i], int(c.amount.iat[i]))] += int(
                c.amount.iat[i]
            )
        for (rec, _, on, _), amt in cash.items():
            self.add(
                "cash_collection",
                self.id.person[rec],
                period=label(month(on)),
                amount=amt,
                township=str(self.town_of_rec[rec]),
            )
        # receipts, as the tax office wrote them
        x = self.rows("tax_receipts")
        x = x[x.link != "unresolved"].copy()  # quarantined as unresolved_id
        x["key_person"] = [p if isinstance(p, str) else w for p, w in zip(x.person, x.written_id)]
        x["booked"] = x.booked_on.to_numpy().astype("datetime64[D]")
        x = x.sort_values(["booked", "receipt_no", "period", "row"], kind="stable")
        pool: dict[tuple, list[int]] = defaultdict(list)  # group -> receipt positions, in order
        for pos, key in enumerate(
            zip(x.key_person, x.contribution_year.tolist(), x.amount.tolist())
        ):
            pool[key].append(pos)
        booked = x.booked.to_numpy()
        taken = np.zeros(len(x), dtype=bool)
        matched_reg = np.zeros(len(c), dtype=bool)
        reg_m = months_of(reg_on)
        lo = month_start(reg_m - MATCH_MONTHS)
        hi = month_start(reg_m + MATCH_MONTHS + 1)  # exclusive
        keys = zip(self.id.person[c.rec.to_numpy()], c.year.tolist(), c.amount.tolist())
        for i, key in enumerate(keys):
            for pos in pool.get(key, ()):
                if not taken[pos] and lo[i] <= booked[pos] < hi[i]:
                    taken[pos] = True
                    matched_reg[i] = True
                    break
        for i in np.flatnonzero(~matched_reg & (reg_m + MATCH_MONTHS <= T)):
            rec = int(c.rec.iat[i])
            self.add(
                "contribution_unmatched",
                self.id.person[rec],
                period=label(int(reg_m[i])),
                amount=int(c.amount.iat[i]),
                township=str(self.town_of_rec[rec]),
            )
        for pos in np.flatnonzero(~taken):
            row = x.iloc[pos]
            m = month(row.booked)
            if m + MATCH_MONTHS <= T:
                p = row.person if isinstance(row.person, str) else None
                self.add(
                    "contribution_unmatched",
                    p,
                    period=label(m),
                    amount=int(row.amount),
                    identity=row.link if p is not None else "exact",
                    id_number=self.person_number(p) if p is not None else row.written_id,
                )

    def disbursement_gap(self) -> None:
        d = self.d
        paid = d.payments[d.payments.pay_status == 0].groupby("pay_month").amount.sum()
        for a, total in d.finance.groupby("month").amount.sum().items():
            a = int(a)
            if a > self.T:
                continue
            gap = int(total) - int(paid.get(a, 0))
            if gap:
                self.add(
                    "disbursement_gap",
                    None,
                    period=label(a),
                    amount=abs(gap),
                    id_number="",
                    township="",
                    first=label(a),
                )


def look_alikes(d: District) -> list[dict]:
    """The planted cases that must not be findings, with the ID a reader will know them by."""
    ident = Identity(d)
    prim = {}
    for i, p in enumerate(d.records.pid.to_numpy()):
        prim.setdefault(int(p), i)
    out = []
    for la in d.look_alikes:
        person = la["id_number"] if "id_number" in la else ident.person[prim[la["pid"]]]
        out.append(
            {
                "kind": la["kind"],
                "exception_type": la["exception_type"],
                "id_number": person,
                "note": la["note"],
            }
        )
    return out


__all__ = ["FIELDS", "FINDING_TYPES", "findings", "look_alikes"]
