"""Each feed's files as clean, typed columns: what the sender meant to write.

A `FileData` holds one file's rows under the canonical column names of `feeds.py`.
Typed values: DATE columns are datetime64[D] (NaT = empty), MONTH and YEAR ints (-1 =
empty; a month is `timeline.am`), AMOUNT int64 fen (`NO_AMOUNT` = empty), everything else
str ('' = empty). IDs and names already carry the sender's own oddities (a legacy 15-digit
ID in the pension system, a typo at a department); the writer adds the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from . import ids
from . import params as P
from .draws import rng_for
from .district import RECEIVING, STATUS, SUSPENDED, TERMINATED, District
from .money import PAY_STATUSES, PAY_TYPES, basic_cents
from .timeline import months_of, day_in_month

NO_AMOUNT = np.iinfo(np.int64).min
SYSTEM_FEEDS = ("roster", "payments", "certifications", "contributions")


def D(x) -> np.ndarray:
    return np.asarray(x).astype("datetime64[D]")


@dataclass
class FileData:
    feed: str
    period: str  # YYYY-MM or YYYY
    cols: dict[str, np.ndarray]
    canon_id: np.ndarray | None = None  # the clean ID behind each row's ID column
    unit: str = "人"  # for the 合计 footer
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(next(iter(self.cols.values())))


class _People:
    """Per-person lookups and the departments' way of writing a person."""

    def __init__(self, d: District):
        self.d = d
        pe = d.people
        self.name = pe.name.to_numpy()
        self.id = pe.doc_no.to_numpy()
        self.male = pe.male.to_numpy()
        self.birth = D(pe.birth_date)
        self.death = D(pe.death_date)
        self.death_month = months_of(self.death)
        self.born = pe.born_1900s.to_numpy()
        self.resident = pe.resident.to_numpy()
        self.town = pe.township.to_numpy()
        self.village = pe.village.to_numpy()
        t = d.townships
        self.town_code, self.town_name, self.town_kind = t.code, t.name, t.kind

    def sex(self, pids) -> np.ndarray:
        return np.where(self.male[pids], "男", "女").astype(object)

    def dept_ids(self, pids, rng: np.random.Generator) -> np.ndarray:
        """IDs as a department writes them: mostly clean, some odd, a few mistyped."""
        out = self.id[pids].copy()
        k = len(pids)
        u = rng.random(k)
        for j in np.flatnonzero(u < P.DEPT_ID_MESS_RATE):
            style = ids.ID_STYLES[int(rng.integers(0, len(ids.ID_STYLES)))]
            if self.resident[pids[j]] or style in ("fullwidth", "outer_space", "quote"):
                out[j] = ids.restyle_id(out[j], style, bool(self.born[pids[j]]))
        typo = (u >= P.DEPT_ID_MESS_RATE) & (u < P.DEPT_ID_MESS_RATE + P.DEPT_ID_TYPO_RATE)
        for j in np.flatnonzero(typo & self.resident[pids]):
            out[j] = ids.mistype(out[j], rng)
        return out

    def dept_names(self, pids, rng: np.random.Generator) -> np.ndarray:
        out = self.name[pids].copy()
        dotted = np.array(["·" in x for x in out], dtype=bool)
        for j in np.flatnonzero(
            (rng.random(len(pids)) < P.NAME_MESS_RATE) | (dotted & (rng.random(len(pids)) < 0.5))
        ):
            out[j] = ids.restyle_name(out[j], rng)
        return out

    def town_names(self, pids, rng: np.random.Generator, suffix_rate: float = 0.0) -> np.ndarray:
        t = self.town[pids]
        names = self.town_name[t].copy()
        add = (self.town_kind[t] == "街道") & (rng.random(len(pids)) < suffix_rate)
        names[add] = names[add] + "办事处"
        return names


def month_label(a: int) -> str:
    return f"{a // 12:04d}-{a % 12 + 1:02d}"


def files(d: District) -> Iterator[FileData]:
    """Every feed's files for the window, in a fixed order."""
    pp = _People(d)
    for fd in _files(d, pp):
        for (feed, pid), typo in d.forced_typos.items():
            if feed == fd.feed and fd.n:
                fd.cols["id_number"] = np.where(
                    fd.canon_id == pp.id[pid], typo, fd.cols["id_number"]
                ).astype(object)
        yield fd


def _files(d: District, pp: _People) -> Iterator[FileData]:
    yield from _roster(d, pp)
    yield from _payments(d, pp)
    yield from _certifications(d, pp)
    yield from _contributions(d, pp)
    yield from _township_reports(d, pp)
    yield from _tax(d, pp)
    yield from _finance(d)
    yield from _assistance(d, pp)
    yield from _cremations(d, pp)
    yield from _cdc(d, pp)
    yield from _police(d, pp)
    yield from _court(d, pp)
    yield from _other_pensions(d, pp)
    yield from _family_planning(d, pp)
    yield from _veterans(d, pp)
    yield from _disability(d, pp)
    yield from _armed_forces(d, pp)


def _rng(d: District, feed: str, period: str) -> np.random.Generator:
    return rng_for(d.seed, d.scale, "table", feed, period)


# --- the pension system's exports --------------------------------------------------------


def _roster(d: District, pp: _People) -> Iterator[FileData]:
    r = d.records
    pid = r.pid.to_numpy()
    ben = r.benefit_month.to_numpy()
    b0, acct, share = r.balance_at_start.to_numpy(), r.account_pension.to_numpy(), r.own_share.to_numpy()
    base = r.base_balance.to_numpy()
    c = d.contributions
    c_rec, c_am = c.rec.to_numpy(), months_of(D(c.registered_on))
    c_amt = c.amount.to_numpy()
    order = np.argsort(r.person_no.to_numpy(), kind="stable")
    for a in d.months:
        a = int(a)
        rng = _rng(d, "roster", month_label(a))
        on, st = d.status_at(a)
        keep = np.isin(order, on)
        recs = order[keep]
        st_full = np.zeros(len(r), dtype=np.int8)
        st_full[on] = st
        st = st_full[recs]
        p = pid[recs]
        got_benefit = ben[recs] <= a
        paid_months = np.maximum(0, a - ben[recs] + 1)
        bal_recv = np.maximum(0, b0[recs] - acct[recs] * paid_months)
        contributed = np.bincount(
            c_rec[c_am <= a], weights=c_amt[c_am <= a] * 1.3, minlength=len(r)
        )
        bal_contrib = base[recs] + np.round(contributed[recs]).astype(np.int64)
        balance = np.where(got_benefit, bal_recv, bal_contrib)
        own = np.minimum(balance, np.round(balance * share[recs]).astype(np.int64))
        show_pension = got_benefit & np.isin(st, [RECEIVING, SUSPENDED, TERMINATED])
        doc = r.doc_type.to_numpy()[recs].copy()
        if rng.random() < 0.5:
            doc[doc == "居民身份证"] = ""
        yield FileData(
            "roster",
            month_label(a),
            {
                "person_no": r.person_no.to_numpy()[recs],
                "name": r.stored_name.to_numpy()[recs],
                "doc_type": doc,
                "id_number": r.stored_id.to_numpy()[recs],
                "sex": pp.sex(p),
                "birth_date": pp.birth[p],
                "township_code": pp.town_code[r.township.to_numpy()[recs]],
                "township_name": r.township_name.to_numpy()[recs],
                "village": r.village.to_numpy()[recs],
                "enrolled_on": D(r.enrolled_on)[recs],
                "status": np.array(STATUS, dtype=object)[st],
                "benefit_start_month": np.where(got_benefit, ben[recs], -1),
                "basic_pension": np.where(show_pension, basic_cents(a // 12), NO_AMOUNT),
                "account_pension": np.where(show_pension, acct[recs], NO_AMOUNT),
                "account_balance": balance,
                "own_contribution_balance": own,
            },
            canon_id=pp.id[p],
        )


def _payments(d: District, pp: _People) -> Iterator[FileData]:
    pay = d.payments
    r = d.records
    groups = pay.groupby("pay_month").indices
    for a in d.months:
        idx = groups.get(a, np.zeros(0, dtype=np.int64))
        x = pay.iloc[idx]
        rec = x.rec.to_numpy()
        p = r.pid.to_numpy()[rec]
        ptype = x.pay_type.to_numpy()
        claw = ptype == 2
        yield FileData(
            "payments",
            month_label(int(a)),
            {
                "pay_month": x.pay_month.to_numpy(),
                "person_no": x.person_no.to_numpy(),
                "name": r.stored_name.to_numpy()[rec],
                "id_number": r.stored_id.to_numpy()[rec],
                "township_code": pp.town_code[r.township.to_numpy()[rec]],
                "for_month": x.for_month.to_numpy(),
                "pay_type": np.array(PAY_TYPES, dtype=object)[ptype],
                "basic_pension": np.where(claw, NO_AMOUNT, x.basic.to_numpy()),
                "account_pension": np.where(claw, NO_AMOUNT, x.account.to_numpy()),
                "amount": x.amount.to_numpy(),
                "pay_status": np.array(PAY_STATUSES, dtype=object)[x.pay_status.to_numpy()],
            },
            canon_id=pp.id[p],
            unit="笔",
        )


def _certifications(d: District, pp: _People) -> Iterator[FileData]:
    c = d.certifications
    r = d.records
    m = months_of(D(c.certified_on))
    for a in d.months:
        x = c[m == a]
        rec = x.rec.to_numpy()
        p = r.pid.to_numpy()[rec]
        yield FileData(
            "certifications",
            month_label(int(a)),
            {
                "person_no": r.person_no.to_numpy()[rec],
                "name": r.stored_name.to_numpy()[rec],
                "id_number": r.stored_id.to_numpy()[rec],
                "certified_on": D(x.certified_on),
                "method": x.method.to_numpy(),
                "result": x.result.to_numpy(),
                "township_code": pp.town_code[r.township.to_numpy()[rec]],
            },
            canon_id=pp.id[p],
        )


def _contributions(d: District, pp: _People) -> Iterator[FileData]:
    c = d.contributions
    r = d.records
    m = months_of(D(c.registered_on))
    for a in d.months:
        x = c[m == a]
        rec = x.rec.to_numpy()
        p = r.pid.to_numpy()[rec]
        yield FileData(
            "contributions",
            month_label(int(a)),
            {
                "person_no": r.person_no.to_numpy()[rec],
                "name": r.stored_name.to_numpy()[rec],
                "id_number": r.stored_id.to_numpy()[rec],
                "township_code": pp.town_code[r.township.to_numpy()[rec]],
                "village": r.village.to_numpy()[rec],
                "contribution_year": x.year.to_numpy(),
                "tier": x.tier.to_numpy() * 100,
                "amount": x.amount.to_numpy(),
                "channel": x.channel.to_numpy(),
                "registered_on": D(x.registered_on),
                "agent": x.agent.to_numpy(),
            },
            canon_id=pp.id[p],
            unit="笔",
        )


# --- departments, monthly ----------------------------------------------------------------


def _township_reports(d: District, pp: _People) -> Iterator[FileData]:
    t = d.township_reports
    r = d.records
    for a in d.months:
        x = t[t.report_month.to_numpy() == a]
        if not len(x):
            continue
        rng = _rng(d, "township_reports", month_label(int(a)))
        p = x.pid.to_numpy()
        town = r.township.to_numpy()[x.rec.to_numpy()]
        name = pp.town_name[town].copy()
        suffix = (pp.town_kind[town] == "街道") & (rng.random(len(x)) < 0.3)
        name[suffix] = name[suffix] + "办事处"
        note = np.where(
            rng.random(len(x)) < 0.3,
            rng.choice(["家属告知", "村委会核实", "补报", "已核实"], len(x)),
            "",
        )
        note = np.where(
            x.timeliness.to_numpy() == "late",
            np.where(rng.random(len(x)) < 0.5, "补报", note),
            note,
        )
        yield FileData(
            "township_reports",
            month_label(int(a)),
            {
                "reporter_code": pp.town_code[town],
                "reporter_name": name,
                "reported_on": D(x.reported_on),
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "situation": x.situation.to_numpy(),
                "event_date": D(x.event_date),
                "note": note.astype(object),
            },
            canon_id=pp.id[p],
        )


def _tax(d: District, pp: _People) -> Iterator[FileData]:
    t = d.tax_receipts
    m = months_of(D(t.booked_on))
    offices = np.array(
        [
            "国家税务总局赤峰市松山区税务局",
            "国家税务总局赤峰市松山区税务局第一税务分局",
            "国家税务总局赤峰市松山区税务局穆家营子税务所",
        ],
        dtype=object,
    )
    for a in d.months:
        x = t[m == a]
        if not len(x):
            continue
        rng = _rng(d, "tax_receipts", month_label(int(a)))
        p = x.pid.to_numpy()
        yield FileData(
            "tax_receipts",
            month_label(int(a)),
            {
                "id_number": pp.dept_ids(p, rng),
                "name": pp.dept_names(p, rng),
                "contribution_year": x.year.to_numpy(),
                "amount": x.amount.to_numpy(),
                "booked_on": D(x.booked_on),
                "receipt_no": x.receipt_no.to_numpy(),
                "channel": x.channel.to_numpy(),
                "tax_office": offices[rng.integers(0, 3, len(x))],
            },
            canon_id=pp.id[p],
            unit="笔",
        )


def _finance(d: District) -> Iterator[FileData]:
    f = d.finance
    for a in d.months:
        x = f[f.month.to_numpy() == a]
        yield FileData(
            "finance_disbursements",
            month_label(int(a)),
            {
                "disbursed_month": x.month.to_numpy(),
                "disbursed_on": D(x.disbursed_on),
                "amount": x.amount.to_numpy(),
                "fund_source": x.fund_source.to_numpy(),
                "document_no": x.document_no.to_numpy(),
            },
            unit="笔",
        )


def _assistance(d: District, pp: _People) -> Iterator[FileData]:
    s = d.assistance
    start, end = s.start_month.to_numpy(), s.end_month.to_numpy()
    for a in d.months:
        on = (start <= a) & (end >= a)
        off = end == a - 1
        x = s[on | off]
        if not len(x):
            continue
        rng = _rng(d, "civil_affairs_assistance", month_label(int(a)))
        p = x.pid.to_numpy()
        start_shown = np.where(rng.random(len(x)) < 0.1, -1, x.start_month.to_numpy())
        yield FileData(
            "civil_affairs_assistance",
            month_label(int(a)),
            {
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "category": x.category.to_numpy(),
                "township_name": pp.town_names(p, rng, 0.2),
                "start_month": start_shown,
                "assistance_status": np.where(on[on | off], "在保", "停保").astype(object),
            },
            canon_id=pp.id[p],
        )


def _address(pp: _People, p) -> np.ndarray:
    return ("赤峰市松山区" + pp.town_name[pp.town[p]] + pp.village[p]).astype(object)


def _cremations(d: District, pp: _People) -> Iterator[FileData]:
    t = d.deaths[d.deaths.cremation]
    m = months_of(D(t.cremated_on))
    for a in d.months:
        x = t[m == a]
        if not len(x):
            continue
        rng = _rng(d, "civil_affairs_cremations", month_label(int(a)))
        p = x.pid.to_numpy()
        yield FileData(
            "civil_affairs_cremations",
            month_label(int(a)),
            {
                "name": pp.dept_names(p, rng),
                "sex": pp.sex(p),
                "id_number": pp.dept_ids(p, rng),
                "death_date": D(x.cremation_death_date),
                "cremated_on": D(x.cremated_on),
                "funeral_home": np.array(P.FUNERAL_HOMES, dtype=object)[rng.integers(0, 3, len(x))],
                "domicile": pp.town_names(p, rng, 0.3),
            },
            canon_id=pp.id[p],
        )


def _cdc(d: District, pp: _People) -> Iterator[FileData]:
    t = d.deaths[d.deaths.cdc]
    m = months_of(D(t.cdc_reported_on))
    for a in d.months:
        x = t[m == a]
        if not len(x):
            continue
        rng = _rng(d, "cdc_deaths", month_label(int(a)))
        p = x.pid.to_numpy()
        birth = pp.birth[p].copy()
        birth[rng.random(len(x)) < 0.1] = np.datetime64("NaT")
        yield FileData(
            "cdc_deaths",
            month_label(int(a)),
            {
                "name": pp.dept_names(p, rng),
                "sex": pp.sex(p),
                "id_number": pp.dept_ids(p, rng),
                "birth_date": birth,
                "death_date": D(x.death_date),
                "death_place": np.array(P.DEATH_PLACES, dtype=object)[
                    rng.choice(4, len(x), p=[0.5, 0.4, 0.07, 0.03])
                ],
                "address": _address(pp, p),
                "reported_on": D(x.cdc_reported_on),
            },
            canon_id=pp.id[p],
        )


def _police(d: District, pp: _People) -> Iterator[FileData]:
    t = d.deaths[d.deaths.police]
    o = d.police_other
    dp = np.concatenate([t.pid.to_numpy(), o.pid.to_numpy()])
    on = np.concatenate([D(t.police_on), D(o.deregistered_on)])
    reason = np.concatenate([np.full(len(t), "死亡", dtype=object), o.reason.to_numpy()])
    ddate = np.concatenate(
        [D(t.police_death_date), np.full(len(o), np.datetime64("NaT"), dtype="datetime64[D]")]
    )
    m = months_of(on)
    for a in d.months:
        k = np.flatnonzero(m == a)
        if not len(k):
            continue
        rng = _rng(d, "police_deregistrations", month_label(int(a)))
        p = dp[k]
        yield FileData(
            "police_deregistrations",
            month_label(int(a)),
            {
                "name": pp.dept_names(p, rng),
                "sex": pp.sex(p),
                "id_number": pp.dept_ids(p, rng),
                "deregistered_on": on[k],
                "reason": reason[k],
                "police_station": np.array(P.POLICE_STATIONS, dtype=object)[
                    rng.integers(0, len(P.POLICE_STATIONS), len(k))
                ],
                "death_date": ddate[k],
            },
            canon_id=pp.id[p],
        )


_CN_DIGITS = "零一二三四五六七八九十"


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")


def term_text(months: int, arabic: bool) -> str:
    if months <= 0:
        return ""
    y, m = divmod(int(months), 12)
    if arabic:
        return (f"{y}年" if y else "") + (f"{m}个月" if m else "")
    return (f"{_cn_number(y)}年" if y else "") + (f"{_cn_number(m)}个月" if m else "")


def _court(d: District, pp: _People) -> Iterator[FileData]:
    s = d.sentences
    for a in d.months:
        x = s[s.period_month.to_numpy() == a]
        if not len(x):
            continue
        rng = _rng(d, "court_sentences", month_label(int(a)))
        p = x.pid.to_numpy()
        arabic = rng.random() < 0.5
        pen = x.penalty.to_numpy()
        term = np.array(
            [
                term_text(t, arabic)
                if pn not in ("无期徒刑", "死刑缓期二年执行", "死刑")
                else ("无期" if pn == "无期徒刑" else "")
                for t, pn in zip(x.term_months, pen)
            ],
            dtype=object,
        )
        prob = np.array([term_text(t, arabic) for t in x.probation_months], dtype=object)
        case = x.case_no.to_numpy().copy()
        half = rng.random(len(x)) < 0.3
        case[half] = [c.replace("（", "(").replace("）", ")") for c in case[half]]
        yield FileData(
            "court_sentences",
            month_label(int(a)),
            {
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "case_no": case,
                "charge": x.charge.to_numpy(),
                "penalty": pen,
                "term": term,
                "probation": prob,
                "custody_on": D(x.custody_on),
                "term_start": D(x.term_start),
                "term_end": D(x.term_end),
                "effective_on": D(x.effective_on),
                "execution": x.execution.to_numpy(),
            },
            canon_id=pp.id[p],
            unit="件",
        )


def _other_pensions(d: District, pp: _People) -> Iterator[FileData]:
    t = d.other_pensions
    for a in d.months:
        x = t[t.report_month.to_numpy() == a]
        if not len(x):
            continue
        rng = _rng(d, "other_pensions", month_label(int(a)))
        p = x.pid.to_numpy()
        yield FileData(
            "other_pensions",
            month_label(int(a)),
            {
                "id_number": pp.dept_ids(p, rng),
                "name": pp.dept_names(p, rng),
                "scheme": x.scheme.to_numpy(),
                "start_month": x.start_month.to_numpy(),
                "insured_place": x.insured_place.to_numpy(),
                "matched_on": day_in_month(np.full(len(x), a), rng),
            },
            canon_id=pp.id[p],
        )


# --- departments, annual -----------------------------------------------------------------


def _alive_at(pp: _People, p, y: int) -> np.ndarray:
    return pp.death_month[p] >= y * 12


def _family_planning(d: District, pp: _People) -> Iterator[FileData]:
    t = d.family_planning
    for y in d.years:
        x = t[(t.year.to_numpy() <= y) & _alive_at(pp, t.pid.to_numpy(), y)]
        if not len(x):
            continue
        rng = _rng(d, "health_family_planning", str(y))
        p = x.pid.to_numpy()
        yield FileData(
            "health_family_planning",
            str(y),
            {
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "family_category": x.category.to_numpy(),
                "recognised_year": x.year.to_numpy(),
                "township_name": pp.town_names(p, rng, 0.3),
            },
            canon_id=pp.id[p],
        )


def _veterans(d: District, pp: _People) -> Iterator[FileData]:
    t = d.veterans
    for y in d.years:
        x = t[
            (D(t.discharged_on) <= np.datetime64(f"{y}-12-31")) & _alive_at(pp, t.pid.to_numpy(), y)
        ]
        if not len(x):
            continue
        rng = _rng(d, "veterans_retired", str(y))
        p = x.pid.to_numpy()
        enl = D(x.enlisted_on).copy()
        enl[rng.random(len(x)) < 0.05] = np.datetime64("NaT")
        yield FileData(
            "veterans_retired",
            str(y),
            {
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "enlisted_on": enl,
                "discharged_on": D(x.discharged_on),
                "discharge_type": x.type.to_numpy(),
                "resettled_in": pp.town_names(p, rng, 0.2),
            },
            canon_id=pp.id[p],
        )


def _disability(d: District, pp: _People) -> Iterator[FileData]:
    t = d.disability
    for y in d.years:
        x = t[(D(t.issued_on) <= np.datetime64(f"{y}-12-31")) & _alive_at(pp, t.pid.to_numpy(), y)]
        if not len(x):
            continue
        rng = _rng(d, "disability_severe", str(y))
        p = x.pid.to_numpy()
        cert = x.certificate_no.to_numpy().copy()
        for j in np.flatnonzero(rng.random(len(x)) < 0.04):
            cert[j] = ids.restyle_id(
                cert[j], ("lower_x", "outer_space", "quote", "fullwidth")[j % 4], False
            )
        issued = D(x.issued_on).copy()
        issued[rng.random(len(x)) < 0.05] = np.datetime64("NaT")
        yield FileData(
            "disability_severe",
            str(y),
            {
                "name": pp.dept_names(p, rng),
                "certificate_no": cert,
                "disability_category": np.array(P.DISABILITY_CATEGORIES, dtype=object)[
                    x.category.to_numpy() - 1
                ],
                "disability_grade": np.where(x.grade.to_numpy() == 1, "一级", "二级").astype(
                    object
                ),
                "issued_on": issued,
                "township_name": pp.town_names(p, rng, 0.2),
            },
            canon_id=x.certificate_no.to_numpy(),
        )


def _armed_forces(d: District, pp: _People) -> Iterator[FileData]:
    t = d.service
    for y in d.years:
        end = np.datetime64(f"{y}-12-31")
        enl, dis = D(t.enlisted_on), D(t.discharged_on)
        x_mask = (enl <= end) & (dis >= np.datetime64(f"{y - 2}-01-01"))
        x = t[x_mask]
        if not len(x):
            continue
        rng = _rng(d, "armed_forces_service", str(y))
        p = x.pid.to_numpy()
        serving = dis[x_mask] > end
        yield FileData(
            "armed_forces_service",
            str(y),
            {
                "name": pp.dept_names(p, rng),
                "id_number": pp.dept_ids(p, rng),
                "enlisted_on": enl[x_mask],
                "service_status": np.where(serving, "现役", "已退役").astype(object),
                "discharged_on": np.where(serving, np.datetime64("NaT"), dis[x_mask]),
            },
            canon_id=pp.id[p],
        )


__all__ = ["NO_AMOUNT", "SYSTEM_FEEDS", "FileData", "files"]
