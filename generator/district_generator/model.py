"""The district's life: who lives there, who is enrolled, and what happens to them.

Everything here is clean truth, in plain tables (pandas DataFrames, one row per fact),
before any file is written. The feed tables (`tables.py`) are views of it, and the
writer (`render.py`) spoils them the way real files are spoiled. A later issue reads the
same tables to compute the findings each planted event must produce.

Conventions: a month is an int (`timeline.am`), `NEVER` when it does not come; a person
is an index into `people` (participants first, then outsiders); an enrolment record is
an index into `records` (`records.pid` points to its person).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import ids
from . import params as P
from . import plant
from .draws import at_least, rng_for, weighted
from .money import basic_cents, ledger_rows
from .timeline import NEVER, add_months, months_of, day_in_month, month_end, month_start, parse_month

STATUS = ("参保缴费", "暂停缴费", "正常待遇", "暂停待遇", "终止参保")
CONTRIBUTING, PAUSED, RECEIVING, SUSPENDED, TERMINATED = range(5)


@dataclass
class Townships:
    code: np.ndarray
    name: np.ndarray
    kind: np.ndarray
    villages: list[list[str]]

    @classmethod
    def load(cls, rng: np.random.Generator) -> Townships:
        rows = TOWNSHIPS
        code = np.array([r[0] for r in rows], dtype=object)
        name = np.array([r[1] for r in rows], dtype=object)
        kind = np.array([r[2] for r in rows], dtype=object)
        villages = []
        for k in kind:
            stems = rng.choice(len(P.VILLAGE_STEMS), size=6, replace=False)
            suffix = "社区" if k == "街道" else "村"
            villages.append([P.VILLAGE_STEMS[s] + suffix for s in stems])
        return cls(code, name, kind, villages)


# The 22 township-level units of 松山区 (shared/reference/townships.csv).
TOWNSHIPS = (
    ("150404001", "振兴街道", "街道"),
    ("150404002", "向阳街道", "街道"),
    ("150404003", "松州街道", "街道"),
    ("150404004", "铁东街道", "街道"),
    ("150404100", "穆家营子镇", "镇"),
    ("150404101", "初头朗镇", "镇"),
    ("150404102", "大庙镇", "镇"),
    ("150404103", "王府镇", "镇"),
    ("150404104", "老府镇", "镇"),
    ("150404105", "哈拉道口镇", "镇"),
    ("150404106", "上官地镇", "镇"),
    ("150404107", "安庆镇", "镇"),
    ("150404108", "太平地镇", "镇"),
    ("150404200", "当铺地满族乡", "乡"),
    ("150404201", "夏家店乡", "乡"),
    ("150404202", "城子乡", "乡"),
    ("150404203", "大夫营子乡", "乡"),
    ("150404204", "岗子乡", "乡"),
    ("150404400", "玉龙街道", "街道"),
    ("150404401", "全宁街道", "街道"),
    ("150404407", "兴安街道", "街道"),
    ("150404408", "松城街道", "街道"),
)


@dataclass
class District:
    scale: str
    seed: int
    first_month: int
    last_month: int
    townships: Townships
    people: pd.DataFrame  # one row per human: identity, birth, township, death
    records: pd.DataFrame  # one row per enrolment record (个人编号)
    suspensions: pd.DataFrame  # rec, start_month, end_month (inclusive), reason, backpay
    deaths: pd.DataFrame  # pid, death_date, handling, and what each department says
    sentences: pd.DataFrame  # one row per court row (a 案号 may have revisions)
    nationality: pd.DataFrame
    other_pensions: pd.DataFrame
    assistance: pd.DataFrame  # spells of 低保/特困
    disability: pd.DataFrame
    family_planning: pd.DataFrame
    veterans: pd.DataFrame
    service: pd.DataFrame
    police_other: pd.DataFrame  # deregistrations that are not deaths
    township_reports: pd.DataFrame
    certifications: pd.DataFrame
    contributions: pd.DataFrame
    tax_receipts: pd.DataFrame
    payments: pd.DataFrame  # the clean ledger: every row the pension system paid or tried to
    finance: pd.DataFrame
    finance_gaps: dict[int, int] = field(default_factory=dict)  # month -> cents off
    forced_typos: dict[tuple[str, int], str] = field(default_factory=dict)  # (feed, pid) -> ID
    look_alikes: list[dict] = field(default_factory=list)  # planted cases that are no finding
    planted: dict = field(default_factory=dict)  # role -> record (see plant.py)
    _pause: np.ndarray | None = field(default=None, repr=False)  # records x years: 暂停缴费

    @property
    def months(self) -> np.ndarray:
        return np.arange(self.first_month, self.last_month + 1)

    @property
    def years(self) -> list[int]:
        return sorted({int(a) // 12 for a in self.months})

    # --- the roster at a month end ----------------------------------------------------
    def status_at(self, a: int) -> tuple[np.ndarray, np.ndarray]:
        """(records on the roster of month a, their status codes)."""
        r = self.records
        on = np.flatnonzero(r.enrol_month.to_numpy() <= a)
        st = np.full(len(r), CONTRIBUTING, dtype=np.int8)
        year_i = min(a // 12 - self.first_month // 12, self._pause.shape[1] - 1)
        st[self._pause[:, year_i]] = PAUSED
        recv = r.benefit_month.to_numpy() <= a
        st[recv] = RECEIVING
        s = self.suspensions
        if len(s):
            hit = (s.start_month.to_numpy() <= a) & (s.end_month.to_numpy() >= a)
            sus = s.rec.to_numpy()[hit]
            st[sus[recv[sus]]] = SUSPENDED
        st[r.stop_month.to_numpy() <= a] = TERMINATED
        return on, st[on]


def build(scale: str, seed: int) -> District:
    sc = P.SCALES[scale]
    first = parse_month(sc.start)
    last = first + sc.months - 1
    b = _Builder(scale, seed, first, last)
    return b.run()


class _Builder:
    def __init__(self, scale: str, seed: int, first: int, last: int):
        self.scale, self.seed, self.first, self.last = scale, seed, first, last
        self.sc = P.SCALES[scale]
        self.start_day = month_start(first)
        self.end_day = month_end(last)
        self.ndays = int((self.end_day - self.start_day).astype(int)) + 1
        self.years = list(range(first // 12, last // 12 + 1))

    def rng(self, key: str) -> np.random.Generator:
        return rng_for(self.seed, self.scale, key)

    # ---------------------------------------------------------------------------------
    def run(self) -> District:
        self.town = Townships.load(self.rng("townships"))
        self._people()
        self._deaths()
        self._records()
        self._assistance_disability_fp()
        self._veterans_service()
        self._sentences()
        self._nationality_other_pensions()
        self._police_other()
        plant.choose(self)
        self._suspensions_prison()
        d = District(
            self.scale,
            self.seed,
            self.first,
            self.last,
            self.town,
            self.people,
            self.records,
            pd.DataFrame(columns=["rec", "start_month", "end_month", "reason", "backpay"]),
            self.death_tbl,
            self.sentence_tbl,
            self.nat_tbl,
            self.op_tbl,
            self.assist_tbl,
            self.dis_tbl,
            self.fp_tbl,
            self.vet_tbl,
            self.svc_tbl,
            self.police_other_tbl,
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
        )
        d._pause = self.pause
        d.suspensions = pd.DataFrame(
            self.susp_rows, columns=["rec", "start_month", "end_month", "reason", "backpay"]
        )
        d.forced_typos = self.forced_typos
        d.look_alikes = self.plan["look_alikes"]
        d.planted = self.plan["roles"]
        self._certifications(d)
        plant.certifications(self, d)
        self._township_reports(d)
        self._contributions(d)
        self._payments(d)
        plant.payments(self, d)
        self._finance(d)
        return d

    # --- people -------------------------------------------------------------------------
    def _people(self) -> None:
        rng = self.rng("people")
        n_part = self.sc.people
        n = n_part + round(float(n_part * P.OUTSIDER_SHARE))
        old = rng.random(n) < P.RECEIVING_SHARE
        age = np.where(
            old, 60 + np.minimum(rng.exponential(9.0, n), 39.5), rng.uniform(16, 59.9, n)
        )
        birth = self.start_day - (age * 365.25).astype(np.int64).astype("timedelta64[D]")
        male = rng.random(n) < 0.5
        region = weighted(rng, P.REGIONS, P.REGION_WEIGHTS, n).astype(str)
        ymd = np.datetime_as_string(birth, unit="D").astype("U10")
        ymd = np.char.replace(ymd, "-", "")
        id18 = self._unique_ids(rng, region, ymd, male)
        doc_type = np.full(n, "居民身份证", dtype=object)
        doc_no = id18.copy()
        resident = np.ones(n, dtype=bool)
        # other document types, at least one of each, among participants
        pool = rng.permutation(n_part)
        k = 0
        for dt, rate in P.OTHER_DOC_RATES.items():
            cnt = max(1, round(float(rate * n_part)))
            who = pool[k : k + cnt]
            k += cnt
            doc_type[who] = dt
            for j, w in enumerate(who):
                if dt == "港澳台居民居住证":
                    reg = P.HMT_REGIONS[j % 3]
                    body = reg + ymd[w] + f"{int(rng.integers(0, 500)) * 2 + int(male[w]):03d}"
                    id18[w] = doc_no[w] = body + ids.check_char(body)
                elif dt == "外国人永久居留身份证":
                    if j % 2 == 0:
                        body = "915496" + ymd[w] + f"{int(rng.integers(0, 1000)):03d}"
                        doc_no[w] = body + ids.check_char(body)
                    else:
                        doc_no[w] = "MNG" + "1504" + ymd[w][2:] + f"{int(rng.integers(0, 100)):02d}"
                    id18[w] = doc_no[w]
                    resident[w] = False
                elif dt == "护照":
                    doc_no[w] = "EGPK"[j % 4] + f"{int(rng.integers(10**7, 10**8))}"
                    id18[w] = doc_no[w]
                    resident[w] = False
        # names
        sur = np.array(list(P.SURNAMES), dtype=object)[rng.integers(0, len(P.SURNAMES), n)]
        gc = np.array(list(P.GIVEN_CHARS), dtype=object)
        g1 = gc[rng.integers(0, len(gc), n)]
        g2 = np.where(rng.random(n) < 0.6, gc[rng.integers(0, len(gc), n)], "")
        name = sur + g1 + g2
        mongol = rng.random(n) < P.MONGOLIAN_NAME_RATE
        mp = np.array(P.MONGOLIAN_PARTS, dtype=object)
        a, bpart = mp[rng.integers(0, len(mp), n)], mp[rng.integers(0, len(mp), n)]
        dotted = rng.random(n) < 0.6
        name = np.where(mongol, np.where(dotted, a + "·" + bpart, a + bpart), name)
        town = rng.integers(0, len(self.town.code), n)
        village = np.array(
            [self.town.villages[t][i] for t, i in zip(town, rng.integers(0, 6, n))], dtype=object
        )
        self.birth = birth
        self.people = pd.DataFrame(
            {
                "participant": np.arange(n) < n_part,
                "name": name,
                "male": male,
                "birth_date": birth,
                "region": region,
                "id18": id18,
                "doc_type": doc_type,
                "doc_no": doc_no,
                "resident": resident,
                "born_1900s": (birth.astype("datetime64[Y]").astype(int) + 1970 <= 1999)
                & resident
                & (doc_type != "港澳台居民居住证"),
                "township": town,
                "village": village,
            }
        )
        self.n, self.n_part = n, n_part

    def _unique_ids(self, rng, region, ymd, male) -> np.ndarray:
        n = len(region)
        seq = rng.integers(0, 500, n) * 2 + male.astype(int)
        body = np.char.add(np.char.add(region, ymd), np.char.zfill(seq.astype(str), 3))
        for _ in range(20):
            _, first_idx = np.unique(body, return_index=True)
            dup = np.setdiff1d(np.arange(n), first_idx)
            if len(dup) == 0:
                break
            seq[dup] = rng.integers(0, 500, len(dup)) * 2 + male[dup].astype(int)
            body[dup] = np.char.add(
                np.char.add(region[dup], ymd[dup]), np.char.zfill(seq[dup].astype(str), 3)
            )
        return np.char.add(body, ids.check_chars(body)).astype(object)

    # --- deaths -------------------------------------------------------------------------
    def _deaths(self) -> None:
        rng = self.rng("deaths")
        pe = self.people
        age = (self.start_day - self.birth).astype(np.int64) / 365.25
        q = np.where(age < 60, 0.004, np.minimum(0.3, 0.012 * np.exp(0.09 * (age - 60))))
        years = self.sc.months / 12
        dies = rng.random(self.n) < 1 - (1 - q) ** years
        # at least a handful of deaths among recipients-to-be at every scale
        old_part = np.flatnonzero((age >= 60) & pe.participant.to_numpy())
        need = max(4, int(0.03 * len(old_part) * years)) - int(dies[old_part].sum())
        if need > 0:
            dies[rng.choice(old_part[~dies[old_part]], size=need, replace=False)] = True
        death = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[D]")
        who = np.flatnonzero(dies)
        death[who] = self.start_day + rng.integers(0, self.ndays, len(who)).astype("timedelta64[D]")
        pe["death_date"] = death
        self.death = death
        self.death_month = months_of(death)
        # what each department says about each death
        who = np.flatnonzero(~np.isnat(death))
        k = len(who)
        dd = death[who]
        cov = P.DEATH_SOURCE_COVERAGE
        days = lambda lo, hi: rng.integers(lo, hi, k).astype("timedelta64[D]")
        off = lambda: np.where(rng.random(k) < 0.1, rng.integers(-3, 4, k), 0).astype(
            "timedelta64[D]"
        )
        police_dd = np.where(rng.random(k) < 0.25, np.datetime64("NaT"), dd + off())
        conflict = rng.random(k) < 0.02
        police_dd = np.where(conflict, dd + days(40, 70), police_dd)
        self.death_tbl = pd.DataFrame(
            {
                "pid": who,
                "death_date": dd,
                "cdc": rng.random(k) < cov["cdc"],
                "cdc_reported_on": dd + days(1, 21),
                "cremation": rng.random(k) < cov["cremation"],
                "cremation_death_date": dd + off(),
                "cremated_on": dd + days(1, 5),
                "police": rng.random(k) < cov["police"],
                "police_death_date": police_dd,
                "police_on": np.where(
                    np.isnat(police_dd),
                    dd + days(5, 61),
                    np.maximum(dd + days(5, 61), police_dd + np.timedelta64(1, "D")),
                ),
                "conflict": conflict,
            }
        )

    # --- enrolment records ---------------------------------------------------------------
    def _records(self) -> None:
        rng = self.rng("records")
        pe = self.people
        part = np.flatnonzero(pe.participant.to_numpy())
        birth = self.birth[part]
        prog = np.datetime64(P.PROGRAM_START)
        earliest = np.maximum(prog, add_months(birth, np.full(len(part), 16 * 12)))
        span = np.maximum((self.start_day - 30 - earliest).astype(np.int64), 1)
        enrolled = earliest + (rng.random(len(part)) ** 3 * span).astype(np.int64).astype(
            "timedelta64[D]"
        )
        newcomers = (rng.random(len(part)) < 0.02 * self.sc.months / 12) & (
            earliest < self.start_day
        )
        enrolled[newcomers] = self.start_day + rng.integers(
            0, self.ndays - 31, newcomers.sum()
        ).astype("timedelta64[D]")
        # a death must come after enrolment
        dd = self.death[part]
        bad = ~np.isnat(dd) & (dd <= enrolled)
        enrolled[bad] = dd[bad] - 400
        pid = part.copy()
        # duplicate enrolments: a second record for the same person
        # at least three receiving through the window (the second record enrolled before
        # it), one of each ID variant: 15-digit or clean, mistyped, clean
        n_dup = max(3, round(float(P.DUPLICATE_ENROLMENT_RATE * len(part))))
        b60 = months_of(birth) + 720
        recv_soon = np.flatnonzero(
            (b60 < self.first - 1)
            & pe.resident.to_numpy()[part]
            & np.isnat(dd)
            & (enrolled < self.start_day - 400)
        )
        cand = np.flatnonzero(pe.resident.to_numpy()[part])
        dups = list(rng.choice(recv_soon, size=3, replace=False))
        dups += list(rng.choice(np.setdiff1d(cand, dups), size=n_dup - 3, replace=False))
        dups = np.array(dups, dtype=np.int64)
        dup_enrol = np.minimum(
            enrolled[dups] + rng.integers(200, 2500, len(dups)).astype("timedelta64[D]"),
            self.end_day - 60,
        )
        early = (
            enrolled[dups[:3]]
            + (rng.random(3) * (self.start_day - 60 - enrolled[dups[:3]]).astype(np.int64))
            .astype(np.int64)
            .astype("timedelta64[D]")
            + np.timedelta64(30, "D")
        )
        dup_enrol[:3] = np.minimum(early, self.start_day - 31)
        pid = np.concatenate([pid, part[dups]])
        enrolled = np.concatenate([enrolled, dup_enrol])
        n_rec = len(pid)
        is_dup = np.arange(n_rec) >= len(part)
        # 个人编号
        pn = rng.integers(0, 10**8, n_rec)
        for _ in range(20):
            _, fi = np.unique(pn, return_index=True)
            d = np.setdiff1d(np.arange(n_rec), fi)
            if not len(d):
                break
            pn[d] = rng.integers(0, 10**8, len(d))
        person_no = np.char.add("15", np.char.zfill(pn.astype(str), 8)).astype(object)
        enrol_month = months_of(enrolled)
        b_am = months_of(self.birth[pid]) + 720
        benefit_month = np.maximum(b_am + 1, enrol_month + 1)
        benefit_month = np.where(benefit_month <= self.last, benefit_month, NEVER)
        # account: years contributed before the benefit start, at a tier
        tier = weighted(rng, P.CONTRIBUTION_TIERS, P.TIER_WEIGHTS, n_rec).astype(np.int64)
        yrs_at_start = np.clip((np.minimum(benefit_month, self.first) - enrol_month) / 12, 0, 15)
        base = np.round(yrs_at_start * (tier + 40) * 100 * rng.uniform(0.9, 1.2, n_rec)).astype(
            np.int64
        )
        yrs_b = np.clip(
            (np.where(benefit_month < NEVER, benefit_month, self.first) - enrol_month) / 12, 0, 15
        )
        b0 = np.round(yrs_b * (tier + 40) * 100 * rng.uniform(0.9, 1.2, n_rec)).astype(np.int64)
        b0 = np.where(benefit_month < NEVER, b0, 0)
        acct = np.round(b0 / P.ACCOUNT_DIVISOR).astype(np.int64)
        # stored values: what the pension system holds (and so every system export shows)
        stored_id = pe.doc_no.to_numpy()[pid].copy()
        stored_name = pe.name.to_numpy()[pid].copy()
        born = pe.born_1900s.to_numpy()[pid]
        res = pe.resident.to_numpy()[pid]
        mess = np.flatnonzero((rng.random(n_rec) < P.SYSTEM_ID_MESS_RATE) & res & ~is_dup)
        for j, r in enumerate(mess):
            stored_id[r] = ids.restyle_id(
                stored_id[r], ids.ID_STYLES[j % len(ids.ID_STYLES)], bool(born[r])
            )
        for j, r in enumerate(np.flatnonzero(is_dup)):
            k = j % 3
            if k == 0 and born[r]:
                stored_id[r] = ids.to_15_digits(stored_id[r])
            elif k == 1 and j < 3:
                stored_id[r] = ids.mistype_digit(stored_id[r], rng)
            elif k in (0, 1):
                stored_id[r] = ids.mistype(stored_id[r], rng)
        nm = np.flatnonzero(rng.random(n_rec) < P.NAME_MESS_RATE)
        for r in nm:
            stored_name[r] = ids.restyle_name(stored_name[r], rng)
        dt = pe.doc_type.to_numpy()[pid].copy()
        alias = rng.random(n_rec) < 0.5
        dt[(dt == "外国人永久居留身份证") & alias] = "外国人居留证"
        dt[(dt == "护照") & alias] = "外国人护照"
        # termination at death
        h = self.rng("death-handling")
        d_am = self.death_month[pid]
        handling = weighted(h, list(P.DEATH_HANDLING), list(P.DEATH_HANDLING.values()), n_rec)
        lag = np.select(
            [handling == "on_time", handling == "late"],
            [1 + (h.random(n_rec) < 0.1), 2 + h.integers(1, 7, n_rec)],
            NEVER,
        )
        contributor_lag = 1 + h.integers(0, 4, n_rec)
        stop = np.where(
            d_am < NEVER, d_am + np.where(benefit_month <= d_am, lag, contributor_lag), NEVER
        )
        stop = np.minimum(stop, NEVER)
        self.records = pd.DataFrame(
            {
                "pid": pid,
                "person_no": person_no,
                "duplicate": is_dup,
                "doc_type": dt,
                "stored_id": stored_id,
                "stored_name": stored_name,
                "township": pe.township.to_numpy()[pid],
                "village": pe.village.to_numpy()[pid],
                "enrolled_on": enrolled,
                "enrol_month": enrol_month,
                "benefit_month": benefit_month,
                "tier": tier,
                "base_balance": base,
                "b0": b0,
                "account_pension": acct,
                "own_share": rng.uniform(0.6, 0.9, n_rec),
                "stop_month": stop,
                "stop_reason": np.where(stop < NEVER, "death", ""),
                "death_handling": np.where((d_am < NEVER) & (benefit_month <= d_am), handling, ""),
            }
        )
        self.records["stop_reason"] = self.records.stop_reason.astype(object)
        town = self.records.township.to_numpy()
        tn = self.town.name[town].copy()
        suffix = (self.town.kind[town] == "街道") & (
            self.rng("roster-town-names").random(n_rec) < 0.2
        )
        tn[suffix] = tn[suffix] + "办事处"
        self.records["township_name"] = tn
        self.pause = rng.random((n_rec, len(self.years))) < P.CONTRIB_PAUSE_RATE
        self.susp_rows: list[tuple] = []

    def _primary_rec(self) -> np.ndarray:
        """For each person, their first record (-1 for outsiders)."""
        out = np.full(self.n, -1, dtype=np.int64)
        r = self.records
        first = ~r.duplicate.to_numpy()
        out[r.pid.to_numpy()[first]] = np.flatnonzero(first)
        return out

    def _receiving_at(self, pids: np.ndarray, a: np.ndarray) -> np.ndarray:
        prim = self._primary_rec()[pids]
        ok = prim >= 0
        ben = np.full(len(pids), NEVER)
        ben[ok] = self.records.benefit_month.to_numpy()[prim[ok]]
        stop = np.full(len(pids), NEVER)
        stop[ok] = self.records.stop_month.to_numpy()[prim[ok]]
        return ok & (ben <= a) & (a < stop)

    # --- special groups -----------------------------------------------------------------
    def _assistance_disability_fp(self) -> None:
        rng = self.rng("special-groups")
        pe = self.people
        age = (self.start_day - self.birth).astype(np.int64) / 365.25
        n = self.n
        # assistance spells
        p = P.ASSISTANCE_RATE * np.where(age >= 60, 1.5, 0.8)
        who = at_least(rng, rng.random(n) < p, np.ones(n, dtype=bool), 3)
        start = rng.integers(self.first - 60, self.last + 1, len(who))
        dur = rng.integers(6, 72, len(who))
        end = np.minimum(start + dur - 1, self.death_month[who])
        kind = self.town.kind[pe.township.to_numpy()[who]]
        cat = np.where(kind == "街道", "城市低保", "农村低保").astype(object)
        cat[(age[who] >= 60) & (rng.random(len(who)) < 0.15)] = "特困供养"
        keep = end >= self.first - 1
        self.assist_tbl = pd.DataFrame(
            {
                "pid": who,
                "category": cat,
                "start_month": start,
                "end_month": np.where(end >= self.last + 5, NEVER, end),
            }
        )[keep]
        # severe disability
        who = at_least(rng, rng.random(n) < P.DISABILITY_RATE, pe.resident.to_numpy(), 2)
        issued = np.datetime64("2010-01-01") + rng.integers(
            0, int((self.end_day - np.datetime64("2010-01-01")).astype(int)), len(who)
        ).astype("timedelta64[D]")
        cat = rng.integers(1, 8, len(who))
        grade = np.where(rng.random(len(who)) < 0.4, 1, 2)
        suffix = np.where(
            rng.random(len(who)) < 0.1,
            np.char.add("B", rng.integers(1, 10, len(who)).astype(str)),
            "",
        )
        cert = np.char.add(
            np.char.add(
                np.char.add(pe.id18.to_numpy()[who].astype(str), cat.astype(str)), grade.astype(str)
            ),
            suffix,
        ).astype(object)
        self.dis_tbl = pd.DataFrame(
            {
                "pid": who,
                "certificate_no": cert,
                "category": cat,
                "grade": grade,
                "issued_on": issued,
            }
        )
        # 计划生育特殊家庭
        who = at_least(rng, rng.random(n) < P.FAMILY_PLANNING_RATE * 3, age >= 49, 2)
        self.fp_tbl = pd.DataFrame(
            {
                "pid": who,
                "category": np.where(
                    rng.random(len(who)) < 0.6, "独生子女死亡", "独生子女伤残"
                ).astype(object),
                "year": rng.integers(2012, self.years[-1] + 1, len(who)),
            }
        )

    def _veterans_service(self) -> None:
        rng = self.rng("veterans")
        pe = self.people
        age = (self.start_day - self.birth).astype(np.int64) / 365.25
        male = pe.male.to_numpy()
        res = pe.resident.to_numpy()
        who = at_least(rng, rng.random(self.n) < P.VETERAN_RATE * 2, male & (age >= 22) & res, 2)
        birth = self.birth[who]
        enl = add_months(birth, rng.integers(18 * 12, 21 * 12, len(who)))
        served = np.where(
            rng.random(len(who)) < 0.85,
            rng.integers(24, 61, len(who)),
            rng.integers(96, 240, len(who)),
        )
        dis = np.minimum(add_months(enl, served), self.end_day - 30)
        vt = weighted(rng, ("退役士兵", "转业军官", "复员干部"), (80, 10, 10), len(who))
        self.vet_tbl = pd.DataFrame(
            {"pid": who, "enlisted_on": enl, "discharged_on": dis, "type": vt}
        )
        who = at_least(
            rng, rng.random(self.n) < P.SERVICE_RATE * 4, (age >= 16) & (age <= 24) & res, 2
        )
        enl = self.start_day + rng.integers(-3 * 365, self.ndays - 20, len(who)).astype(
            "timedelta64[D]"
        )
        dis = add_months(enl, rng.choice([24, 24, 36, 60], len(who)))
        self.svc_tbl = pd.DataFrame(
            {
                "pid": who,
                "enlisted_on": enl,
                "discharged_on": dis,
                "police_reports": rng.random(len(who)) < 0.5,
            }
        )

    # --- court --------------------------------------------------------------------------
    def _sentences(self) -> None:
        rng = self.rng("sentences")
        pe = self.people
        years = self.sc.months / 12
        n_s = max(10, round(float(P.SENTENCE_RATE * self.n * years)))
        male_w = np.where(pe.male.to_numpy(), 0.85, 0.15) * pe.resident.to_numpy()
        who = rng.choice(self.n, size=n_s, replace=False, p=male_w / male_w.sum())
        pen = weighted(rng, list(P.SENTENCE_PENALTIES), list(P.SENTENCE_PENALTIES.values()), n_s)
        eff = self.start_day + rng.integers(-60, self.ndays - 10, n_s).astype("timedelta64[D]")
        # a few custodial sentences of recipients at every scale
        recv = np.flatnonzero(
            self._receiving_at(np.arange(self.n), np.full(self.n, self.first))
            & np.isnat(self.death)
        )
        forced = rng.choice(np.setdiff1d(recv, who), size=min(3, len(recv)), replace=False)
        who[: len(forced)] = forced
        pen[: len(forced)] = ["有期徒刑", "拘役", "有期徒刑"][: len(forced)]
        eff[: len(forced)] = self.start_day + rng.integers(
            20, max(21, self.ndays // 2), len(forced)
        ).astype("timedelta64[D]")
        custodial = np.isin(pen, ["有期徒刑", "拘役", "无期徒刑", "死刑缓期二年执行", "死刑"])
        has_custody = (
            custodial | ((pen == "无罪") & (rng.random(n_s) < 0.6)) | (rng.random(n_s) < 0.15)
        )
        custody = np.where(
            has_custody,
            eff - rng.integers(30, 240, n_s).astype("timedelta64[D]"),
            np.datetime64("NaT"),
        )
        term = np.select(
            [pen == "有期徒刑", pen == "拘役", pen == "管制"],
            [
                np.where(
                    rng.random(n_s) < 0.7, rng.integers(6, 37, n_s), rng.integers(37, 121, n_s)
                ),
                rng.integers(1, 7, n_s),
                rng.integers(3, 25, n_s),
            ],
            0,
        )
        probation = np.where(
            ((pen == "有期徒刑") & (term <= 36) | (pen == "拘役")) & (rng.random(n_s) < 0.35),
            rng.integers(2, 6, n_s) * np.where(pen == "拘役", 2, 6),
            0,
        )
        probation[: len(forced)] = 0
        execution = np.full(n_s, "", dtype=object)
        execution[custodial] = weighted(
            rng, ("监内执行", "", "监外执行"), (85, 10, 5), int(custodial.sum())
        )
        execution[: len(forced)] = "监内执行"
        execution[(probation > 0) | (pen == "管制")] = "社区矫正"
        term_start = np.where(
            term > 0, np.where(np.isnat(custody), eff, custody), np.datetime64("NaT")
        )
        term_end = np.where(
            term > 0,
            add_months(np.where(np.isnat(term_start), eff, term_start), term)
            - np.timedelta64(1, "D"),
            np.datetime64("NaT"),
        )
        lag = weighted(rng, (0, 1, 2, 4), (70, 20, 6, 4), n_s).astype(np.int64)
        period = months_of(eff) + lag
        eff_year = eff.astype("datetime64[Y]").astype(int) + 1970
        case_no = np.array(
            [f"（{y}）蒙0404刑初{int(k)}号" for y, k in zip(eff_year, rng.integers(1, 900, n_s))],
            dtype=object,
        )
        charge = np.array(P.CHARGES, dtype=object)[rng.integers(0, len(P.CHARGES), n_s)]
        base = pd.DataFrame(
            {
                "pid": who,
                "case_no": case_no,
                "charge": charge,
                "penalty": pen,
                "term_months": term,
                "probation_months": probation,
                "custody_on": custody,
                "term_start": term_start,
                "term_end": term_end,
                "effective_on": eff,
                "execution": execution,
                "period_month": period,
                "revision": "",
            }
        )
        base.loc[base.penalty.isin(["单处罚金", "免予刑事处罚", "无罪"]), "execution"] = ""
        # revisions: commutation of long terms, acquittal on appeal
        rev = []
        for i in np.flatnonzero(custodial & (probation == 0)):
            row = base.iloc[i]
            if row.penalty == "有期徒刑" and row.term_months >= 24 and rng.random() < 0.3:
                r = row.copy()
                r["term_end"] = add_months(
                    np.array([row.term_end]), np.array([-int(rng.integers(3, 13))])
                )[0]
                r["period_month"] = row.period_month + int(rng.integers(4, 12))
                r["revision"] = "减刑"
                rev.append(r)
            elif i >= len(forced) and rng.random() < 0.05:
                r = row.copy()
                r["penalty"], r["term_months"], r["execution"] = "无罪", 0, ""
                r["term_start"] = r["term_end"] = np.datetime64("NaT")
                r["period_month"] = row.period_month + int(rng.integers(2, 5))
                r["revision"] = "改判无罪"
                rev.append(r)
        tbl = pd.concat([base, pd.DataFrame(rev)], ignore_index=True) if rev else base
        self.sentence_tbl = tbl.reset_index(drop=True)

    def _nationality_other_pensions(self) -> None:
        rng = self.rng("nationality")
        pe = self.people
        recv = np.flatnonzero(
            self._receiving_at(np.arange(self.n), np.full(self.n, self.first))
            & np.isnat(self.death)
            & pe.resident.to_numpy()
        )
        n_nat = max(1, round(float(P.NATIONALITY_RATE * len(recv))))
        who = rng.choice(recv, size=n_nat, replace=False)
        date = self.start_day + rng.integers(0, max(1, self.ndays * 2 // 3), n_nat).astype(
            "timedelta64[D]"
        )
        police = rng.random(n_nat) < 0.7
        town = ~police | (rng.random(n_nat) < 0.5)
        self.nat_tbl = pd.DataFrame(
            {
                "pid": who,
                "date": date,
                "police": police,
                "township": town,
                "police_on": date + rng.integers(10, 60, n_nat).astype("timedelta64[D]"),
                "handled": rng.random(n_nat) < 0.5,
            }
        )
        rng = self.rng("other-pensions")
        left = np.setdiff1d(recv, who)
        n_op = max(2, round(float(P.OTHER_PENSION_RATE * len(recv))))
        part = rng.choice(left, size=min(n_op, len(left)), replace=False)
        outs = rng.choice(
            np.flatnonzero(~pe.participant.to_numpy() & pe.resident.to_numpy()),
            size=max(1, n_op // 2),
            replace=False,
        )
        who = np.concatenate([part, outs])
        k = len(who)
        start = rng.integers(self.first - 12, self.last - 1, k)
        report = np.maximum(start + rng.integers(1, 7, k), self.first + rng.integers(0, 3, k))
        scheme = weighted(rng, P.OTHER_PENSION_SCHEMES, (70, 15, 15), k)
        place = np.where(
            scheme == "外地城乡居民基本养老保险",
            weighted(rng, ("辽宁省朝阳市", "河北省承德市", "通辽市科尔沁区"), (1, 1, 1), k),
            weighted(
                rng, ("赤峰市", "赤峰市红山区", "呼和浩特市", "内蒙古自治区本级"), (4, 3, 2, 1), k
            ),
        )
        self.op_tbl = pd.DataFrame(
            {
                "pid": who,
                "scheme": scheme,
                "start_month": start,
                "report_month": report,
                "insured_place": place,
                "handled": rng.random(k) < 0.6,
                "township_reports": rng.random(k) < 0.3,
            }
        )
        # termination for handled cases
        prim = self._primary_rec()
        stop = self.records.stop_month.to_numpy().copy()
        reason = self.records.stop_reason.to_numpy().copy()
        for row in self.op_tbl.itertuples():
            rec = prim[row.pid]
            if rec >= 0 and row.handled and row.report_month < NEVER:
                s = row.report_month + 1 + int(rng.integers(0, 2))
                if s < stop[rec]:
                    stop[rec], reason[rec] = s, "other_pension"
        for row in self.nat_tbl.itertuples():
            rec = prim[row.pid]
            if rec >= 0 and row.handled:
                s = int(months_of(np.array([row.date]))[0]) + 1 + int(rng.integers(1, 4))
                if s < stop[rec]:
                    stop[rec], reason[rec] = s, "nationality"
        self.records["stop_month"], self.records["stop_reason"] = stop, reason

    def _police_other(self) -> None:
        rng = self.rng("police-other")
        pe = self.people
        res = np.flatnonzero(pe.resident.to_numpy() & np.isnat(self.death))
        k = max(2, round(float(0.001 * self.n * self.sc.months / 12)))
        who = rng.choice(res, size=k, replace=False)
        reason = weighted(rng, ("出国（境）定居", "其他"), (1, 1), k)
        on = self.start_day + rng.integers(0, self.ndays, k).astype("timedelta64[D]")
        svc = self.svc_tbl[
            self.svc_tbl.police_reports.to_numpy()
            & (self.svc_tbl.enlisted_on.to_numpy() >= self.start_day)
        ]
        on_s = svc.enlisted_on.to_numpy() + rng.integers(3, 40, len(svc)).astype("timedelta64[D]")
        nat = self.nat_tbl[self.nat_tbl.police]
        self.police_other_tbl = pd.DataFrame(
            {
                "pid": np.concatenate([who, svc.pid.to_numpy(), nat.pid.to_numpy()]),
                "reason": np.concatenate(
                    [
                        reason,
                        np.full(len(svc), "服现役", dtype=object),
                        np.full(len(nat), "加入外国国籍", dtype=object),
                    ]
                ),
                "deregistered_on": np.concatenate([on, on_s, nat.police_on.to_numpy()]),
            }
        )

    def _suspensions_prison(self) -> None:
        """Custodial sentences of recipients: the bureau suspends some, misses others."""
        rng = self.rng("prison-handling")
        s = self.sentence_tbl
        prim = self._primary_rec()
        final = s.groupby("case_no").tail(1)
        rows = []
        planted = plant.planted_pids(self)
        for row in final.itertuples():
            rec = prim[row.pid]
            if row.pid in planted:
                continue
            if rec < 0 or row.penalty not in (
                "有期徒刑",
                "拘役",
                "无期徒刑",
                "死刑缓期二年执行",
                "死刑",
            ):
                continue
            if row.probation_months or row.execution not in ("监内执行", ""):
                continue
            c = (
                row.custody_on
                if not pd.isna(row.custody_on)
                else (row.term_start if not pd.isna(row.term_start) else row.effective_on)
            )
            c_am = int(months_of(np.array([c], dtype="datetime64[D]"))[0])
            r_am = (
                int(months_of(np.array([row.term_end], dtype="datetime64[D]"))[0])
                if not pd.isna(row.term_end)
                else NEVER
            )
            if (
                self.records.benefit_month.iat[rec] > c_am
                or rng.random() >= P.PRISON_HANDLING["suspended"]
            ):
                continue
            start = c_am + 1 + int(rng.integers(0, 3))
            if start <= r_am:
                rows.append((rec, start, r_am, "prison", False))
        self.susp_rows.extend(rows)

    # --- certifications -----------------------------------------------------------------
    def _certifications(self, d: District) -> None:
        rng = self.rng("certifications")
        r = self.records
        recs_all = np.flatnonzero(~r.duplicate.to_numpy())
        death = self.death[r.pid.to_numpy()]
        out = []
        skip_next: set[int] = set()
        month_w = np.array([4, 8, 12, 12, 10, 9, 9, 9, 9, 9, 9, 0], dtype=float)
        for y in self.years:
            lo, hi = max(self.first, y * 12), min(self.last, y * 12 + 11)
            ben = r.benefit_month.to_numpy()[recs_all]
            stop = r.stop_month.to_numpy()[recs_all]
            recs = recs_all[(ben <= hi) & (stop > lo) & (ben // 12 < y)]
            recs = np.array([x for x in recs if x not in skip_next], dtype=np.int64)
            skip_next = set()
            k = len(recs)
            m = y * 12 + rng.choice(12, size=k, p=month_w / month_w.sum())
            m = np.clip(m, lo, hi)
            if self.first // 12 == y and k:
                # at least a few every month the window covers
                m[: hi - lo + 1] = np.arange(lo, hi + 1)[: min(k, hi - lo + 1)]
            date = day_in_month(m, rng)
            never = rng.random(k) < P.CERT_NEVER_RATE
            fail = rng.random(k) < P.CERT_FAIL_RATE
            alive = np.isnat(death[recs]) | (date < death[recs])
            method = weighted(
                rng, ("人脸识别", "协办员见面认证", "上门认证", "部门数据比对"), (60, 20, 10, 10), k
            )
            ok = ~never & alive
            passed_later = rng.random(k) < 0.75
            for i in np.flatnonzero(ok):
                rec = int(recs[i])
                if fail[i]:
                    out.append((rec, date[i], method[i], "未通过"))
                    d2 = date[i] + np.timedelta64(int(rng.integers(20, 70)), "D")
                    if (
                        passed_later[i]
                        and d2 <= self.end_day
                        and (np.isnat(death[rec]) or d2 < death[rec])
                    ):
                        out.append((rec, d2, "上门认证", "通过"))
                else:
                    out.append((rec, date[i], method[i], "通过"))
            # never certified by 30 November: the bureau suspends some from January
            nov = y * 12 + 10
            if nov > self.last or nov + 2 > self.last:
                continue
            uncert = recs[never | (fail & ~passed_later)]
            uncert = uncert[(r.stop_month.to_numpy()[uncert] > nov + 2)]
            sus = uncert[rng.random(len(uncert)) < 0.6]
            for rec in sus:
                start = nov + 2
                if rng.random() < 0.7:
                    s = start + int(rng.integers(1, 5))
                    if s <= self.last:
                        out.append(
                            (int(rec), day_in_month(np.array([s]), rng)[0], "上门认证", "通过")
                        )
                        self.susp_rows.append((int(rec), start, s, "uncertified", True))
                        skip_next.add(int(rec))
                        continue
                self.susp_rows.append((int(rec), start, NEVER, "uncertified", False))
        d.suspensions = pd.DataFrame(
            self.susp_rows, columns=["rec", "start_month", "end_month", "reason", "backpay"]
        )
        c = pd.DataFrame(out, columns=["rec", "certified_on", "method", "result"])
        c["certified_on"] = c.certified_on.astype("datetime64[s]")
        d.certifications = c.sort_values(["certified_on", "rec"], kind="stable").reset_index(
            drop=True
        )

    # --- township reports --------------------------------------------------------------
    def _township_reports(self, d: District) -> None:
        rng = self.rng("township-reports")
        prim = self._primary_rec()
        ev = []  # pid, situation, date
        dd = self.death
        dead = np.flatnonzero(~np.isnat(dd) & (prim >= 0))
        recv = self._receiving_at(dead, months_of(dd[dead]))
        for p in dead[recv]:
            ev.append((p, "死亡", dd[p]))
        final = self.sentence_tbl.groupby("case_no").tail(1)
        for row in final.itertuples():
            if (
                row.penalty in ("有期徒刑", "拘役", "无期徒刑", "死刑缓期二年执行", "死刑")
                and not row.probation_months
            ):
                date = row.custody_on if not pd.isna(row.custody_on) else row.effective_on
                if self._receiving_at(
                    np.array([row.pid]), months_of(np.array([date], dtype="datetime64[D]"))
                )[0]:
                    ev.append(
                        (
                            row.pid,
                            "羁押"
                            if not pd.isna(row.custody_on) and rng.random() < 0.6
                            else "判刑",
                            date if not pd.isna(row.custody_on) else row.effective_on,
                        )
                    )
        for row in self.nat_tbl[self.nat_tbl.township].itertuples():
            ev.append((row.pid, "丧失国籍", row.date))
        for row in self.op_tbl[
            self.op_tbl.township_reports & (prim[self.op_tbl.pid] >= 0)
        ].itertuples():
            ev.append(
                (row.pid, "享受其他养老待遇", month_start(max(row.start_month, self.first - 12)))
            )
        planted = plant.planted_pids(self)
        ev = [e for e in ev if int(e[0]) not in planted]
        rows = []
        for p, sit, date in ev:
            date = np.datetime64(date, "D")
            e_am = int(months_of(np.array([date]))[0])
            how = weighted(
                rng, list(P.TOWNSHIP_REPORTING), list(P.TOWNSHIP_REPORTING.values()), 1
            )[0]
            if how == "missed":
                continue
            rep = e_am + (int(rng.integers(0, 2)) if how == "on_time" else int(rng.integers(2, 6)))
            shown = (
                date + np.timedelta64(int(rng.integers(-4, 5)), "D") if rng.random() < 0.1 else date
            )
            rep_day = day_in_month(np.array([rep]), rng, 18, 28)[0]
            rep_day = max(rep_day, min(date, month_end(rep)))
            rows.append((p, prim[p], sit, shown, rep, rep_day, how, date))
        for p, rec, sit, date, rep in self.plan["reports"]:
            rep_day = max(day_in_month(np.array([rep]), rng, 18, 28)[0], date)
            rows.append((p, rec, sit, date, rep, rep_day, "on_time", date))
        d.township_reports = pd.DataFrame(
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

    # --- contributions and tax ---------------------------------------------------------
    def _contributions(self, d: District) -> None:
        rng = self.rng("contributions")
        r = self.records
        pe = self.people
        pid = r.pid.to_numpy()
        death = self.death[pid]
        month_w = np.array([16, 15, 13, 12, 10, 8, 6, 5, 5, 4, 3, 3], dtype=float)
        regs = []
        specials = {y: self._special_pids(d, y) for y in self.years}
        for y in self.years:
            lo, hi = max(self.first, y * 12), min(self.last, y * 12 + 11)
            m = np.clip(y * 12 + rng.choice(12, size=len(r), p=month_w / month_w.sum()), lo, hi)
            m[rng.permutation(len(r))[: hi - lo + 1]] = np.arange(
                lo, hi + 1
            )  # every month has some
            m = np.maximum(m, r.enrol_month.to_numpy())
            date = day_in_month(m, rng)
            year_i = y - self.years[0]
            ok = (
                (r.benefit_month.to_numpy() > m)
                & (r.stop_month.to_numpy() > m)
                & ~self.pause[:, year_i]
                & (m <= hi)
                & (np.isnat(death) | (date < death))
            )
            recs = np.flatnonzero(ok)
            special = np.isin(pid[recs], specials[y])
            k = len(recs)
            channel = weighted(
                rng,
                ("POS", "网上缴费", "手机缴费", "大厅缴费", "现金"),
                (70, 10, 12, 7.5, P.CASH_RATE * 100),
                k,
            )
            gov = (special & (rng.random(k) < P.SUBSIDY_TAKEUP)) | (
                ~special & (rng.random(k) < P.SUBSIDY_INELIGIBLE_RATE)
            )
            channel[gov] = "政府代缴"
            tier = np.where(gov, P.SUBSIDY_TIER, r.tier.to_numpy()[recs])
            regs.append(
                pd.DataFrame(
                    {
                        "rec": recs,
                        "year": y,
                        "tier": tier,
                        "amount": tier * 100,
                        "channel": channel,
                        "registered_on": date[recs],
                    }
                )
            )
        c = plant.registrations(self, pd.concat(regs, ignore_index=True))
        # 协办员: one per village
        villages = sorted(set(pe.village))
        vr = self.rng("agents")
        agent = {
            v: P.SURNAMES[int(vr.integers(0, len(P.SURNAMES)))]
            + "".join(P.GIVEN_CHARS[int(i)] for i in vr.integers(0, len(P.GIVEN_CHARS), 2))
            for v in villages
        }
        c["agent"] = [agent[v] for v in r.village.to_numpy()[c.rec.to_numpy()]]
        c["registered_on"] = c.registered_on.astype("datetime64[s]")
        d.contributions = (
            c.drop(columns=["plant", "p_missing", "p_booked"])
            .sort_values(["registered_on", "rec"], kind="stable")
            .reset_index(drop=True)
        )
        # tax receipts
        t_rng = self.rng("tax")
        k = len(c)
        cash = c.channel.to_numpy() == "现金"
        missing = (t_rng.random(k) < P.TAX_MISSING_RATE) | (cash & (t_rng.random(k) < 0.5))
        planted = c.plant.to_numpy().astype(bool)
        missing = np.where(planted, c.p_missing.to_numpy().astype(bool), missing)
        keep = np.flatnonzero(~missing)
        booked = c.registered_on.to_numpy().astype("datetime64[D]")[keep] + t_rng.integers(
            -50, 56, len(keep)
        ).astype("timedelta64[D]")
        booked = np.maximum(booked, self.start_day)
        booked = np.where(
            planted[keep], c.p_booked.to_numpy().astype("datetime64[D]")[keep], booked
        )
        tax = pd.DataFrame(
            {
                "rec": c.rec.to_numpy()[keep],
                "pid": r.pid.to_numpy()[c.rec.to_numpy()[keep]],
                "year": c.year.to_numpy()[keep],
                "amount": c.amount.to_numpy()[keep],
                "channel": np.where(cash[keep], "大厅缴费", c.channel.to_numpy()[keep]),
                "booked_on": booked,
                "registration": keep,
            }
        )
        n_orph = max(1, round(float(P.TAX_ORPHAN_RATE * k)))
        o = t_rng.choice(np.flatnonzero(~planted), size=n_orph, replace=False)
        orph = pd.DataFrame(
            {
                "rec": c.rec.to_numpy()[o],
                "pid": r.pid.to_numpy()[c.rec.to_numpy()[o]],
                "year": c.year.to_numpy()[o],
                "amount": weighted(t_rng, P.CONTRIBUTION_TIERS, P.TIER_WEIGHTS, n_orph).astype(
                    np.int64
                )
                * 100,
                "channel": "POS",
                "booked_on": self.start_day
                + t_rng.integers(0, self.ndays, n_orph).astype("timedelta64[D]"),
                "registration": -1,
            }
        )
        tax = pd.concat([tax, orph, plant.extra_receipts(self)], ignore_index=True)
        tax = tax[tax.booked_on.to_numpy() <= self.end_day].sort_values(
            ["booked_on", "rec"], kind="stable"
        )
        tax["receipt_no"] = [
            f"3150404{int(y)}{i:09d}"
            for i, y in zip(t_rng.permutation(len(tax)) + 1, tax.year.to_numpy())
        ]
        tax["booked_on"] = tax.booked_on.astype("datetime64[s]")
        d.tax_receipts = tax.reset_index(drop=True)

    def _special_pids(self, d: District, y: int) -> np.ndarray:
        a = self.assist_tbl
        on = a[(a.start_month <= y * 12 + 11) & (a.end_month >= y * 12)].pid.to_numpy()
        dis = self.dis_tbl[
            self.dis_tbl.issued_on.to_numpy() <= np.datetime64(f"{y}-12-31")
        ].pid.to_numpy()
        fp = self.fp_tbl[self.fp_tbl.year <= y].pid.to_numpy()
        return np.unique(np.concatenate([on, dis, fp]))

    # --- payments ------------------------------------------------------------------------
    def _payments(self, d: District) -> None:
        rng = self.rng("payments")
        r = self.records
        acct = r.account_pension.to_numpy()
        ledger = []
        prev_fail = np.zeros(0, dtype=np.int64)
        prev_recv = np.zeros(len(r), dtype=bool)
        sus = d.suspensions
        for a in d.months:
            on, st = d.status_at(int(a))
            recs = on[st == RECEIVING]
            basic = basic_cents(int(a) // 12)
            k = len(recs)
            status = np.zeros(k, dtype=np.int8)
            u = rng.random(k)
            status[u < P.PAY_FAIL_RATE] = 1
            status[(u >= P.PAY_FAIL_RATE) & (u < P.PAY_FAIL_RATE + P.PAY_RETURN_RATE)] = 2
            parts = [ledger_rows(a, recs, a, 0, basic, acct[recs], status)]
            if len(prev_fail):  # back pay for last month's bank failures
                parts.append(
                    ledger_rows(a, prev_fail, a - 1, 1, basic_cents(int(a - 1) // 12), acct[prev_fail], 0)
                )
            if len(sus):  # back pay after a suspension is lifted
                ended = sus[(sus.end_month == a - 1) & sus.backpay]
                for row in ended.itertuples():
                    fm = np.arange(row.start_month, row.end_month + 1)
                    parts.append(
                        ledger_rows(
                            a,
                            np.full(len(fm), row.rec),
                            fm,
                            1,
                            np.array([basic_cents(int(x) // 12) for x in fm]),
                            acct[row.rec],
                            0,
                        )
                    )
            ok = recs[status == 0]
            cb = ok[(rng.random(len(ok)) < P.PAY_CLAWBACK_RATE) & prev_recv[ok]]
            if len(cb):
                amt = -np.round(rng.uniform(10, 60, len(cb)) * 100).astype(np.int64)
                parts.append(ledger_rows(a, cb, a - 1, 2, 0, 0, 0, amount=amt))
            dup = ok[rng.random(len(ok)) < P.PAY_DUPLICATE_RATE]
            if len(dup):
                parts.append(ledger_rows(a, dup, a, 0, basic, acct[dup], 0))
            ledger.append(pd.concat(parts, ignore_index=True))
            prev_fail = recs[status == 1]
            prev_recv = np.zeros(len(r), dtype=bool)
            prev_recv[recs] = True
        pay = pd.concat(ledger, ignore_index=True)
        pay = pay.merge(
            pd.DataFrame({"rec": np.arange(len(r)), "person_no": r.person_no.to_numpy()}), on="rec"
        )
        d.payments = pay.sort_values(
            ["pay_month", "person_no", "for_month", "pay_type"], kind="stable"
        ).reset_index(drop=True)

    def _finance(self, d: District) -> None:
        rng = self.rng("finance")
        pay = d.payments
        paid = pay[pay.pay_status == 0].groupby("pay_month").amount.sum()
        rows = []
        planted_gaps = plant.finance_gaps(self)
        for a in d.months:
            total = int(paid.get(a, 0))
            gap = 0
            if rng.random() < P.FINANCE_GAP_RATE:
                gap = int(rng.integers(100, 5000)) * 100 * (1 if rng.random() < 0.5 else -1)
            gap = planted_gaps.get(int(a), gap)
            if gap:
                d.finance_gaps[int(a)] = gap
            shares = np.array(list(P.FUND_SHARES.values()))
            amt = np.floor(total * shares).astype(np.int64)
            amt[-1] += total - amt.sum() + gap
            day = day_in_month(np.array([a]), rng, 3, 15)[0]
            for j, src in enumerate(P.FUND_SHARES):
                rows.append(
                    (
                        int(a),
                        day,
                        int(amt[j]),
                        src,
                        f"松财社〔{int(a) // 12}〕{int(rng.integers(10, 300))}号",
                    )
                )
        f = pd.DataFrame(
            rows, columns=["month", "disbursed_on", "amount", "fund_source", "document_no"]
        )
        f["disbursed_on"] = f.disbursed_on.astype("datetime64[s]")
        d.finance = f
