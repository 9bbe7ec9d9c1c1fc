"""Planted cases: every kind of finding at every scale, and look-alikes that are none.

The natural simulation produces most kinds of finding now and then. These make sure each
appears at every scale, in the awkward variants DOMAIN.md's precise readings call for, beside
cases that look like findings and must not become one. The persons are picked after the
natural events from those no natural event touched, so each planted case is exactly what
it says. Months are placed in the last twelve months of the window (B = T - 11), so every
scale sees them. `expected.py` does not read anything here: it finds the planted cases in
the district's data like any other.

The builder calls, in order: `choose` (after the natural events, before the bureau's own
reactions), `registrations` (inside the contributions), `certifications`, `payments` and
`finance_gaps`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import ids
from .money import basic_cents, ledger_rows
from .timeline import NEVER, add_months, month_end, month_start

if TYPE_CHECKING:
    from .builder import Builder
    from .district import District

RECIPIENT_ROLES = (
    # death
    "death_sources",  # four sources, dates disagree by more than 31 days, earliest in an earlier month
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
GAPS = {2: 123_456, 7: -25_000}  # month offset from B -> fen off


def day(a: int, dom: int) -> np.datetime64:
    """Day `dom` of month a (clipped to the month's end)."""
    start = month_start(np.array([a]))[0]
    end = month_end(np.array([a]))[0]
    return min(start + np.timedelta64(dom - 1, "D"), end)


def _plus(d: np.datetime64, months: int) -> np.datetime64:
    return add_months(np.array([d], dtype="datetime64[D]"), np.array([months]))[0]


NAT = np.datetime64("NaT", "D")


def choose(b: Builder) -> None:
    rng = b.rng("plant")
    F, T = b.first_month, b.last_month
    B = max(F, T - 11)
    b.plan = plan = {"B": B, "roles": {}, "reports": [], "look_alikes": [], "forced_typos": {}}
    pe, r = b.people, b.records
    pid = r.pid.to_numpy()
    n_rec = np.bincount(pid, minlength=b.population)
    busy = np.zeros(b.population, dtype=bool)
    for tbl in (
        b.sentences,
        b.nationality,
        b.other_pensions,
        b.police_other,
        b.service,
        b.veterans,
        b.assistance,
        b.disability,
        b.family_planning,
    ):
        busy[tbl.pid.to_numpy().astype(np.int64)] = True
    busy[pid[r.duplicate.to_numpy()]] = True
    single = ~r.duplicate.to_numpy() & (n_rec[pid] == 1)
    clean = (
        single
        & (r.doc_type.to_numpy() == "居民身份证")
        & np.isnat(b.death_date[pid])
        & ~busy[pid]
        & (r.stop_month.to_numpy() == NEVER)
    )
    ben = r.benefit_month.to_numpy()
    recipients = rng.permutation(np.flatnonzero(clean & (ben <= B - 13)))
    specials = np.unique(np.concatenate([_special(b, y) for y in b.years]))
    contributors = rng.permutation(
        np.flatnonzero(
            clean & (ben == NEVER) & (r.enrol_month.to_numpy() < F) & ~np.isin(pid, specials)
        )
    )
    if len(recipients) < len(RECIPIENT_ROLES) or len(contributors) < len(CONTRIBUTOR_ROLES):
        raise RuntimeError(
            f"too few clean persons to plant: {len(recipients)} recipients, "
            f"{len(contributors)} contributors"
        )
    roles = plan["roles"]
    la = plan["look_alikes"]
    for role, rec in zip(RECIPIENT_ROLES, recipients):
        roles[role] = int(rec)
    for role, rec in zip(CONTRIBUTOR_ROLES, contributors):
        roles[role] = int(rec)
        b.paused[rec, :] = False
    outsiders = np.flatnonzero(
        ~pe.participant.to_numpy() & (pe.doc_type.to_numpy() == "居民身份证") & np.isnat(b.death_date)
    )
    # receipts of payers nobody enrolled: one as typed, one with a mistyped ID
    out_pid, typo_pid = (int(x) for x in rng.choice(outsiders, size=2, replace=False))
    plan["outsiders"] = {"receipt": out_pid, "receipt_typo": typo_pid}
    typo = ids.mistype_digit(pe.doc_no.iat[typo_pid], rng)
    plan["forced_typos"][("tax_receipts", typo_pid)] = typo
    la.append(
        {
            "kind": "unresolved_receipt",
            "exception_type": "contribution_unmatched",
            "pid": typo_pid,
            "id_number": typo,
            "note": "a receipt whose mistyped ID matches nobody is quarantined (unresolved_id)",
        }
    )

    P = lambda role: int(pid[roles[role]])

    def look_alike(kind: str, exception_type: str, role: str, note: str) -> None:
        la.append({"kind": kind, "exception_type": exception_type, "pid": P(role), "note": note})

    def report(role: str, situation: str, date: np.datetime64, report_month: int) -> None:
        plan["reports"].append((P(role), roles[role], situation, date, report_month))

    # --- deaths ---------------------------------------------------------------------------
    deaths = []

    def die(role, true, stop, *, cdc=NAT, cremation=NAT, police_on=NAT, police_date=NAT):
        p, rec = P(role), roles[role]
        b.death_date[p] = true
        b.death_month[p] = int((true.astype("datetime64[M]").astype(int)) + 1970 * 12)
        r.loc[rec, ["stop_month", "stop_reason", "death_handling"]] = (
            stop,
            "death" if stop < NEVER else "",
            "never" if stop == NEVER else ("on_time" if stop <= b.death_month[p] + 1 else "late"),
        )
        dates = [x for x in (cdc, cremation, police_date) if not np.isnat(x)]
        deaths.append(
            {
                "pid": p,
                "death_date": true,
                "cdc": not np.isnat(cdc),
                "cdc_reported_on": (cdc if not np.isnat(cdc) else true) + np.timedelta64(9, "D"),
                "cremation": not np.isnat(cremation),
                "cremation_death_date": cremation,
                "cremated_on": (cremation if not np.isnat(cremation) else true)
                + np.timedelta64(3, "D"),
                "police": not np.isnat(police_on),
                "police_death_date": police_date,
                "police_on": police_on,
                "conflict": bool(dates) and (max(dates) - min(dates)).astype(int) > 31,
                "cdc_death_date": cdc,
            }
        )

    # four sources: cremation says the last day of B+2, cdc two days later, police 45 days
    # later (a conflict), the township on time
    t = day(B + 3, 2)
    die(
        "death_sources",
        t,
        NEVER,
        cdc=t,
        cremation=t - np.timedelta64(2, "D"),
        police_on=t + np.timedelta64(50, "D"),
        police_date=t + np.timedelta64(45, "D"),
    )
    report("death_sources", "死亡", t + np.timedelta64(1, "D"), B + 3)
    # police only, 死亡日期 empty: the 注销日期 (B+5) stands in for the death (B+4)
    die("death_police_only", day(B + 4, 20), NEVER, police_on=day(B + 5, 8))
    # a cdc row with a mistyped ID is all there is
    t = day(B + 5, 12)
    die("death_fuzzy", t, NEVER, cdc=t)
    plan["forced_typos"][("cdc_deaths", P("death_fuzzy"))] = ids.mistype_digit(
        pe.doc_no.iat[P("death_fuzzy")], rng
    )
    # look-alikes
    t = day(B + 2, 15)
    die("la_death_stopped", t, B + 3, cdc=t, police_on=t + np.timedelta64(20, "D"), police_date=t)
    report("la_death_stopped", "死亡", t, B + 3)
    look_alike(
        "death_stopped_in_time",
        "death",
        "la_death_stopped",
        "died in the month of B+2; paid for that month only, nothing after",
    )
    t = day(B + 6, 5)
    die("la_death_failed", t, NEVER, cdc=t)
    look_alike(
        "failed_after_death",
        "death",
        "la_death_failed",
        "every payment after the death month was 失败: no money moved",
    )
    die("la_death_stand_in", day(B + 3, 20), B + 6, police_on=day(B + 5, 3))
    look_alike(
        "police_stand_in",
        "death",
        "la_death_stand_in",
        "police 死亡 with empty 死亡日期: the 注销日期 (B+5) is the date; paid up to it only",
    )
    dt = pd.DataFrame(deaths)
    b.people["death_date"] = b.death_date
    cols = list(b.deaths.columns)
    dt["cdc_death_date"] = dt.cdc_death_date.astype("datetime64[s]")
    b.deaths = pd.concat([b.deaths, dt[cols]], ignore_index=True)

    # --- nationality ------------------------------------------------------------------------
    nat, police = [], []
    t = day(B + 2, 10)
    nat.append((P("nat_both"), t, True, False, day(B + 3, 15), False))
    police.append((P("nat_both"), "加入外国国籍", day(B + 3, 15)))
    report("nat_both", "丧失国籍", t, B + 3)
    t = day(B + 5, 20)
    nat.append((P("nat_township"), t, False, False, t, False))
    report("nat_township", "丧失国籍", t, B + 5)
    police.append((P("la_emigrated"), "出国（境）定居", day(B + 4, 6)))
    look_alike(
        "emigrated",
        "nationality",
        "la_emigrated",
        "police 出国（境）定居 is not a loss of nationality",
    )
    b.nationality = pd.concat(
        [b.nationality, pd.DataFrame(nat, columns=b.nationality.columns)], ignore_index=True
    )
    b.police_other = pd.concat(
        [b.police_other, pd.DataFrame(police, columns=b.police_other.columns)],
        ignore_index=True,
    )

    # --- other pensions ---------------------------------------------------------------------
    ops = [
        (P("op_enterprise"), "企业职工基本养老保险", B + 2, B + 4, "赤峰市", False, False),
        (
            P("op_two_schemes"),
            "机关事业单位基本养老保险",
            F - 6,
            B + 1,
            "赤峰市红山区",
            False,
            False,
        ),
        (
            P("op_two_schemes"),
            "外地城乡居民基本养老保险",
            B + 6,
            B + 8,
            "辽宁省朝阳市",
            False,
            False,
        ),
    ]
    b.other_pensions = pd.concat([b.other_pensions, pd.DataFrame(ops, columns=b.other_pensions.columns)], ignore_index=True)
    report("la_op_township", "享受其他养老待遇", day(B + 3, 1), B + 4)
    look_alike(
        "township_other_pension_report",
        "other_pension",
        "la_op_township",
        "township report 享受其他养老待遇 has no start month and is no trigger",
    )

    # --- court ------------------------------------------------------------------------------
    rows = []
    k = iter(range(901, 999))

    def case(
        role,
        penalty,
        *,
        custody=NAT,
        start=NAT,
        end=NAT,
        effective,
        execution,
        period,
        term=0,
        probation=0,
        revision="",
        case_no=None,
    ):
        eff_year = int(str(effective)[:4])
        no = case_no or f"（{eff_year}）蒙0404刑初{next(k)}号"
        rows.append(
            {
                "pid": P(role),
                "case_no": no,
                "charge": "盗窃罪",
                "penalty": penalty,
                "term_months": term,
                "probation_months": probation,
                "custody_on": custody,
                "term_start": start,
                "term_end": end,
                "effective_on": effective,
                "execution": execution,
                "period_month": period,
                "revision": revision,
            }
        )
        return no

    c = day(B + 1, 15)
    case(
        "imp_fixed",
        "有期徒刑",
        custody=c,
        start=c,
        end=_plus(c, 8) - np.timedelta64(1, "D"),
        effective=day(B + 3, 20),
        execution="监内执行",
        period=B + 4,
        term=8,
    )
    c = day(B - 2, 10)
    no = case(
        "imp_commuted",
        "有期徒刑",
        custody=c,
        start=c,
        end=_plus(c, 24) - np.timedelta64(1, "D"),
        effective=day(B, 25),
        execution="监内执行",
        period=B + 1,
        term=24,
    )
    case(
        "imp_commuted",
        "有期徒刑",
        custody=c,
        start=c,
        end=day(B + 8, 9),
        effective=day(B, 25),
        execution="监内执行",
        period=B + 7,
        term=24,
        revision="减刑",
        case_no=no.replace("（", "(").replace("）", ")"),
    )
    c = day(B + 3, 5)
    case(
        "imp_life",
        "无期徒刑",
        custody=c,
        start=c,
        effective=day(B + 6, 12),
        execution="",
        period=B + 7,
    )
    s = day(B + 5, 2)
    case(
        "imp_short",
        "拘役",
        start=s,
        end=_plus(s, 4) - np.timedelta64(1, "D"),
        effective=s,
        execution="监内执行",
        period=B + 5,
        term=4,
    )
    s = day(B + 2, 8)
    case(
        "la_probation",
        "有期徒刑",
        start=s,
        end=_plus(s, 12) - np.timedelta64(1, "D"),
        effective=s,
        execution="社区矫正",
        period=B + 3,
        term=12,
        probation=24,
    )
    look_alike("suspended_sentence", "imprisonment", "la_probation", "有期徒刑 宣告缓刑")
    s = day(B + 4, 3)
    case(
        "la_control",
        "管制",
        start=s,
        end=_plus(s, 6) - np.timedelta64(1, "D"),
        effective=s,
        execution="社区矫正",
        period=B + 4,
        term=6,
    )
    look_alike("control", "imprisonment", "la_control", "管制 is not custodial")
    c = day(B + 1, 3)
    case(
        "la_outside",
        "有期徒刑",
        custody=c,
        start=c,
        end=_plus(c, 10) - np.timedelta64(1, "D"),
        effective=day(B + 3, 3),
        execution="监外执行",
        period=B + 3,
        term=10,
    )
    look_alike("outside_execution", "imprisonment", "la_outside", "有期徒刑 监外执行")
    s = day(B + 5, 5)
    case(
        "la_community",
        "拘役",
        start=s,
        end=_plus(s, 3) - np.timedelta64(1, "D"),
        effective=s,
        execution="社区矫正",
        period=B + 6,
        term=3,
    )
    look_alike("community_correction", "imprisonment", "la_community", "拘役 社区矫正")
    c = day(B + 2, 5)
    case("la_acquitted", "无罪", custody=c, effective=day(B + 5, 18), execution="", period=B + 5)
    report("la_acquitted", "羁押", c, B + 3)
    look_alike("acquittal", "imprisonment", "la_acquitted", "detained, then 无罪")
    look_alike(
        "detention_then_judged",
        "detention",
        "la_acquitted",
        "羁押 reported, then a court row took effect after it",
    )
    c = day(B + 1, 12)
    no = case(
        "la_appeal",
        "有期徒刑",
        custody=c,
        start=c,
        end=_plus(c, 18) - np.timedelta64(1, "D"),
        effective=day(B + 3, 1),
        execution="监内执行",
        period=B + 3,
        term=18,
    )
    case(
        "la_appeal",
        "无罪",
        custody=c,
        effective=day(B + 3, 1),
        execution="",
        period=B + 7,
        revision="改判无罪",
        case_no=no,
    )
    look_alike(
        "acquittal_on_appeal",
        "imprisonment",
        "la_appeal",
        "有期徒刑, then a newer row of the same 案号 in a later file: 无罪",
    )
    c = day(F - 10, 1)
    case(
        "la_released_before",
        "有期徒刑",
        custody=c,
        start=c,
        end=_plus(c, 6) - np.timedelta64(1, "D"),
        effective=day(F - 8, 15),
        execution="监内执行",
        period=F,
        term=6,
    )
    look_alike(
        "released_before_payments",
        "imprisonment",
        "la_released_before",
        "served and released before any payment inside the window",
    )
    # detention
    report("det_no_court", "羁押", day(B + 4, 8), B + 4)
    report("det_old_court", "羁押", day(B + 6, 3), B + 6)
    case("det_old_court", "单处罚金", effective=day(F - 3, 10), execution="", period=F)
    st = pd.DataFrame(rows)
    for col in ("custody_on", "term_start", "term_end", "effective_on"):
        st[col] = st[col].astype("datetime64[s]")
    b.sentences = pd.concat([b.sentences, st], ignore_index=True)

    look_alike(
        "duplicate_clawed_back",
        "duplicate_payment",
        "la_dp_clawed",
        "a second 正常发放, taken back in full by a 扣回 the next month",
    )
    look_alike(
        "duplicate_failed", "duplicate_payment", "la_dp_failed", "a second 正常发放 that 失败"
    )
    if T % 12 == 11:
        look_alike(
            "certified_in_december",
            "uncertified",
            "la_unc_december",
            "the only 通过 of the year is in December, after 30 November but by T",
        )

    # --- special groups for the subsidy cases -------------------------------------------------
    yf = finished_year(b)
    a_rows = [
        (P("la_si_listed"), "农村低保", yf * 12 + 3, yf * 12 + 4),
        (P("sm_assistance"), "特困供养", yf * 12 + 1, NEVER),
    ]
    b.assistance = pd.concat(
        [b.assistance, pd.DataFrame(a_rows, columns=b.assistance.columns)], ignore_index=True
    )
    b.family_planning = pd.concat(
        [
            b.family_planning,
            pd.DataFrame(
                [(P("sm_family_planning"), "独生子女伤残", yf - 1)], columns=b.family_planning.columns
            ),
        ],
        ignore_index=True,
    )
    look_alike(
        "subsidy_on_list",
        "subsidy_ineligible",
        "la_si_listed",
        "政府代缴 for a person 在保 on the 低保 list two months of the year",
    )
    look_alike(
        "receipt_in_next_but_one_month",
        "contribution_unmatched",
        "la_cu_late",
        "the receipt is booked in the second month after the registration's",
    )
    look_alike(
        "registration_window_open",
        "contribution_unmatched",
        "la_cu_pending",
        "no receipt yet, but the window (two months after) has not closed by T",
    )
    b.forced_typos = plan["forced_typos"]


def finished_year(b: Builder) -> int:
    return b.last_month // 12 if b.last_month % 12 == 11 else b.last_month // 12 - 1


def cert_year(b: Builder) -> int:
    return b.last_month // 12 if b.last_month % 12 >= 10 else b.last_month // 12 - 1


def _special(b: Builder, y: int) -> np.ndarray:
    a = b.assistance
    on = a[(a.start_month <= y * 12 + 11) & (a.end_month >= y * 12)].pid.to_numpy()
    dis = b.disability.pid.to_numpy()
    fp = b.family_planning.pid.to_numpy()
    return np.unique(np.concatenate([on, dis, fp]).astype(np.int64))


def planted_pids(b: Builder) -> set[int]:
    pid = b.records.pid.to_numpy()
    return {int(pid[rec]) for rec in b.plan["roles"].values()} | set(b.plan["outsiders"].values())


# --- the bureau's side ----------------------------------------------------------------------


def registrations(b: Builder, c: pd.DataFrame) -> pd.DataFrame:
    """Replace the contributor roles' registrations with planted ones. Adds `plant` (True
    for planted rows), `p_missing` (no receipt) and `p_booked` (the receipt's date)."""
    roles, B, T = b.plan["roles"], b.plan["B"], b.last_month
    yf = finished_year(b)
    recs = [roles[x] for x in CONTRIBUTOR_ROLES]
    c = c[~c.rec.isin(recs)].copy()
    tier = b.records.tier.to_numpy()
    rows = []

    def reg(role, date, channel, booked=None, amount=None):
        rec = roles[role]
        t = 100 if channel == "政府代缴" else int(tier[rec])
        amt = amount if amount is not None else t * 100
        rows.append(
            {
                "rec": rec,
                "year": int(str(date)[:4]),
                "tier": t,
                "amount": amt,
                "channel": channel,
                "registered_on": date,
                "plant": True,
                "p_missing": booked is None,
                "p_booked": booked if booked is not None else NAT,
            }
        )

    d = np.timedelta64
    for role in ("si_a", "si_b"):
        t = day(yf * 12 + 4, 12)
        reg(role, t, "政府代缴", t + d(9, "D"))
    t = day(yf * 12 + 5, 8)
    reg("la_si_listed", t, "政府代缴", t + d(5, "D"))
    t = day(yf * 12 + 6, 14)
    reg("sm_assistance", t, "POS", t + d(12, "D"))
    t = day(yf * 12 + 2, 20)
    reg("sm_family_planning", t, "网上缴费", t + d(3, "D"))
    t = day(B + 2, 16)
    reg("cash_a", t, "现金", t + d(20, "D"))
    t = day(B + 6, 5)
    reg("cash_b", t, "现金", t - d(10, "D"))
    reg("cu_reg_a", day(B + 3, 9), "POS")
    reg("cu_reg_b", day(B + 7, 22), "手机缴费")
    t = day(B + 1, 10)
    reg("cu_receipt", t, "POS", t + d(6, "D"))
    reg("la_cu_late", day(B + 2, 3), "POS", day(B + 4, 25))
    reg("la_cu_pending", day(T - 1, 10), "POS")
    p = pd.DataFrame(rows)
    p["registered_on"] = p.registered_on.astype("datetime64[s]")
    p["p_booked"] = p.p_booked.astype("datetime64[s]")
    c["plant"], c["p_missing"], c["p_booked"] = False, False, NAT
    c["registered_on"] = c.registered_on.astype("datetime64[s]")
    return pd.concat([c, p], ignore_index=True)


def extra_receipts(b: Builder) -> pd.DataFrame:
    """Receipts with no registration: a participant's, and a payer nobody enrolled."""
    roles, B = b.plan["roles"], b.plan["B"]
    rec = roles["cu_receipt"]
    out = b.plan["outsiders"]
    t1, t2, t3 = day(B + 4, 11), day(B + 5, 6), day(B + 3, 17)
    return pd.DataFrame(
        {
            "rec": [rec, -1, -1],
            "pid": [int(b.records.pid.iat[rec]), out["receipt"], out["receipt_typo"]],
            "year": [int(str(t)[:4]) for t in (t1, t2, t3)],
            "amount": [88_800, 30_000, 20_000],
            "channel": ["POS", "手机缴费", "大厅缴费"],
            "booked_on": np.array([t1, t2, t3], dtype="datetime64[D]"),
        }
    )


def certifications(b: Builder, d: District) -> None:
    """Planted recipients: no suspension, a 通过 every year (but the uncertified ones)."""
    roles = b.plan["roles"]
    recs = np.array([roles[x] for x in RECIPIENT_ROLES], dtype=np.int64)
    y_star = cert_year(b)
    cert = d.certifications
    jan = np.datetime64(f"{y_star}-01-01")
    unc = {roles["unc_a"], roles["unc_b"], roles["la_unc_december"]}
    drop = (
        cert.rec.isin(list(unc))
        & (cert.certified_on.to_numpy() >= jan)
        & (cert.result.to_numpy() == "通过")
    )
    cert = cert[~drop]
    add = []
    death = b.death_date[b.records.pid.to_numpy()]
    passed = cert[cert.result == "通过"]
    years_passed = set(zip(passed.rec.to_numpy(), passed.certified_on.dt.year.to_numpy()))
    for rec in recs:
        for y in b.years:
            if rec in unc and y >= y_star:
                continue
            a = max(b.first_month, y * 12)
            when = day(a, 20)
            if (rec, y) in years_passed or a > b.last_month:
                continue
            if not np.isnat(death[rec]) and when >= death[rec]:
                continue
            add.append((int(rec), when, "人脸识别", "通过"))
    if b.last_month % 12 == 11:
        add.append((roles["la_unc_december"], day(b.last_month, 5), "上门认证", "通过"))
    new = pd.DataFrame(add, columns=["rec", "certified_on", "method", "result"])
    new["certified_on"] = new.certified_on.astype("datetime64[s]")
    d.certifications = (
        pd.concat([cert, new], ignore_index=True)
        .sort_values(["certified_on", "rec"], kind="stable")
        .reset_index(drop=True)
    )
    b.suspension_rows = [s for s in b.suspension_rows if s[0] not in set(recs.tolist())]
    d.suspensions = pd.DataFrame(
        b.suspension_rows, columns=["rec", "start_month", "end_month", "reason", "backpay"]
    )


def payments(b: Builder, d: District) -> None:
    """Duplicate payments (and their look-alikes); failed payments after a death."""
    roles, B = b.plan["roles"], b.plan["B"]
    pay = d.payments
    acct = b.records.account_pension.to_numpy()
    def pay_row(pay_month, rec, for_month, pay_type, amount, status):
        basic = basic_cents(for_month // 12) if pay_type == 0 else 0
        return ledger_rows(
            pay_month,
            [rec],
            for_month,
            pay_type,
            basic,
            acct[rec] if pay_type == 0 else 0,
            status,
            amount=[amount],
        )

    dp = [roles[x] for x in ("dp_same", "dp_two", "la_dp_clawed", "la_dp_failed")]
    mine = pay.rec.isin(dp)
    pay = pay[~(mine & ((pay.pay_type != 0) | pay.duplicated(["rec", "pay_month", "for_month"])))].copy()
    pay.loc[pay.rec.isin(dp), "pay_status"] = 0
    rec = roles["la_death_failed"]
    d_am = int(b.death_month[int(b.records.pid.iat[rec])])
    after = (pay.rec == rec) & (pay.for_month > d_am)
    pay = pay[~(after & (pay.pay_type != 0))].copy()
    pay.loc[(pay.rec == rec) & (pay.for_month > d_am), "pay_status"] = 1
    full = lambda rec, a: basic_cents(a // 12) + int(acct[rec])
    extra = [
        pay_row(B + 3, roles["dp_same"], B + 3, 0, full(roles["dp_same"], B + 3), 0),
        pay_row(B + 5, roles["dp_two"], B + 5, 0, basic_cents((B + 5) // 12), 0),
        pay_row(B + 8, roles["dp_two"], B + 8, 0, full(roles["dp_two"], B + 8), 0),
        pay_row(B + 4, roles["la_dp_clawed"], B + 4, 0, full(roles["la_dp_clawed"], B + 4), 0),
        pay_row(B + 5, roles["la_dp_clawed"], B + 4, 2, -full(roles["la_dp_clawed"], B + 4), 0),
        pay_row(B + 6, roles["la_dp_failed"], B + 6, 0, full(roles["la_dp_failed"], B + 6), 1),
    ]
    pay = pd.concat([pay, *extra], ignore_index=True)
    pn = b.records.person_no.to_numpy()
    pay["person_no"] = pn[pay.rec.to_numpy()]
    pay["pay_status"] = pay.pay_status.astype(np.int8)
    pay["pay_type"] = pay.pay_type.astype(np.int8)
    d.payments = pay.sort_values(
        ["pay_month", "person_no", "for_month", "pay_type"], kind="stable"
    ).reset_index(drop=True)


def finance_gaps(b: Builder) -> dict[int, int]:
    return {b.plan["B"] + k: v for k, v in GAPS.items()}


__all__ = ["CONTRIBUTOR_ROLES", "RECIPIENT_ROLES", "choose"]
