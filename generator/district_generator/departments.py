"""The other departments' files as clean, typed columns (`filedata.FileData`): the
townships' reports, the tax office's receipts, the finance bureau's disbursements, and the
lists of civil affairs, the CDC, the police, the court, the other pension schemes, health,
veterans affairs, the disabled persons' federation and the armed forces."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from . import ids, params
from .district import District
from .filedata import FileData, Persons, as_days, table_rng
from .timeline import day_in_month, month_label, months_of

NO_DATE = np.datetime64("NaT")
TAX_OFFICES = np.array(
    [
        "国家税务总局赤峰市松山区税务局",
        "国家税务总局赤峰市松山区税务局第一税务分局",
        "国家税务总局赤峰市松山区税务局穆家营子税务所",
    ],
    dtype=object,
)
CN_DIGITS = "零一二三四五六七八九十"


def files(district: District, persons: Persons) -> Iterator[FileData]:
    """Every department's files, monthly feeds first, then the annual ones."""
    yield from _township_reports(district, persons)
    yield from _tax(district, persons)
    yield from _finance(district)
    yield from _assistance(district, persons)
    yield from _cremations(district, persons)
    yield from _cdc(district, persons)
    yield from _police(district, persons)
    yield from _court(district, persons)
    yield from _other_pensions(district, persons)
    yield from _family_planning(district, persons)
    yield from _veterans(district, persons)
    yield from _disability(district, persons)
    yield from _armed_forces(district, persons)


def _by_month(district: District, feed: str, table: pd.DataFrame, row_months: np.ndarray):
    """(month, period, rows, rng) of each month of the window that has rows."""
    for month in district.months:
        rows = table[row_months == month]
        if len(rows):
            period = month_label(int(month))
            yield month, period, rows, table_rng(district, feed, period)


def _township_reports(district: District, persons: Persons) -> Iterator[FileData]:
    """The month's reports, some with a note (补报 for most late ones). Every month, even one
    with nothing to report (a 零报告: the header alone): townships must report monthly."""
    table = district.township_reports
    records = district.records
    report_months = table.report_month.to_numpy()
    for month in district.months:
        period = month_label(int(month))
        rows, rng = table[report_months == month], table_rng(district, "township_reports", period)
        pids = rows.pid.to_numpy()
        township = records.township.to_numpy()[rows.rec.to_numpy()]
        reporter = persons.town_name[township].copy()
        suffixed = (persons.town_kind[township] == "街道") & (rng.random(len(rows)) < 0.3)
        reporter[suffixed] = reporter[suffixed] + "办事处"
        note = np.where(
            rng.random(len(rows)) < 0.3,
            rng.choice(["家属告知", "村委会核实", "补报", "已核实"], len(rows)),
            "",
        )
        late = rows.timeliness.to_numpy() == "late"
        note = np.where(late, np.where(rng.random(len(rows)) < 0.5, "补报", note), note)
        yield FileData(
            "township_reports",
            period,
            {
                "reporter_code": persons.town_code[township],
                "reporter_name": reporter,
                "reported_on": as_days(rows.reported_on),
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "situation": rows.situation.to_numpy(),
                "event_date": as_days(rows.event_date),
                "note": note.astype(object),
            },
            canon_id=persons.id[pids],
        )


def _tax(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.tax_receipts
    booked_in = months_of(as_days(table.booked_on))
    for _, period, rows, rng in _by_month(district, "tax_receipts", table, booked_in):
        pids = rows.pid.to_numpy()
        yield FileData(
            "tax_receipts",
            period,
            {
                "id_number": persons.dept_ids(pids, rng),
                "name": persons.dept_names(pids, rng),
                "contribution_year": rows.year.to_numpy(),
                "amount": rows.amount.to_numpy(),
                "booked_on": as_days(rows.booked_on),
                "receipt_no": rows.receipt_no.to_numpy(),
                "channel": rows.channel.to_numpy(),
                "tax_office": TAX_OFFICES[rng.integers(0, 3, len(rows))],
            },
            canon_id=persons.id[pids],
            unit="笔",
        )


def _finance(district: District) -> Iterator[FileData]:
    """Every month, even one without a disbursement."""
    table = district.finance
    for month in district.months:
        rows = table[table.month.to_numpy() == month]
        yield FileData(
            "finance_disbursements",
            month_label(int(month)),
            {
                "disbursed_month": rows.month.to_numpy(),
                "disbursed_on": as_days(rows.disbursed_on),
                "amount": rows.amount.to_numpy(),
                "fund_source": rows.fund_source.to_numpy(),
                "document_no": rows.document_no.to_numpy(),
            },
            unit="笔",
        )


def _assistance(district: District, persons: Persons) -> Iterator[FileData]:
    """Everyone on the list in the month (在保), and those who left it the month before."""
    table = district.assistance
    start, end = table.start_month.to_numpy(), table.end_month.to_numpy()
    for month in district.months:
        listed = (start <= month) & (end >= month)
        left = end == month - 1
        rows = table[listed | left]
        if not len(rows):
            continue
        period = month_label(int(month))
        rng = table_rng(district, "civil_affairs_assistance", period)
        pids = rows.pid.to_numpy()
        start_shown = np.where(rng.random(len(rows)) < 0.1, -1, rows.start_month.to_numpy())
        status = np.where(listed[listed | left], "在保", "停保").astype(object)
        yield FileData(
            "civil_affairs_assistance",
            period,
            {
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "category": rows.category.to_numpy(),
                "township_name": persons.town_names(pids, rng, 0.2),
                "start_month": start_shown,
                "assistance_status": status,
            },
            canon_id=persons.id[pids],
        )


def _cremations(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.deaths[district.deaths.cremation]
    cremated_in = months_of(as_days(table.cremated_on))
    funeral_homes = np.array(params.FUNERAL_HOMES, dtype=object)
    for _, period, rows, rng in _by_month(district, "civil_affairs_cremations", table, cremated_in):
        pids = rows.pid.to_numpy()
        yield FileData(
            "civil_affairs_cremations",
            period,
            {
                "name": persons.dept_names(pids, rng),
                "sex": persons.sex(pids),
                "id_number": persons.dept_ids(pids, rng),
                "death_date": as_days(rows.cremation_death_date),
                "cremated_on": as_days(rows.cremated_on),
                "funeral_home": funeral_homes[rng.integers(0, 3, len(rows))],
                "domicile": persons.town_names(pids, rng, 0.3),
            },
            canon_id=persons.id[pids],
        )


def _cdc(district: District, persons: Persons) -> Iterator[FileData]:
    """Death reports; a few without the birth date."""
    table = district.deaths[district.deaths.cdc]
    reported_in = months_of(as_days(table.cdc_reported_on))
    places = np.array(params.DEATH_PLACES, dtype=object)
    for _, period, rows, rng in _by_month(district, "cdc_deaths", table, reported_in):
        pids = rows.pid.to_numpy()
        birth = persons.birth[pids].copy()
        birth[rng.random(len(rows)) < 0.1] = NO_DATE
        address = "赤峰市松山区" + persons.town_name[persons.township[pids]] + persons.village[pids]
        yield FileData(
            "cdc_deaths",
            period,
            {
                "name": persons.dept_names(pids, rng),
                "sex": persons.sex(pids),
                "id_number": persons.dept_ids(pids, rng),
                "birth_date": birth,
                "death_date": as_days(rows.death_date),
                "death_place": places[rng.choice(4, len(rows), p=[0.5, 0.4, 0.07, 0.03])],
                "address": address.astype(object),
                "reported_on": as_days(rows.cdc_reported_on),
            },
            canon_id=persons.id[pids],
        )


def _police(district: District, persons: Persons) -> Iterator[FileData]:
    """Deregistrations: deaths (with the death date or, sometimes, without) and others."""
    deaths = district.deaths[district.deaths.police]
    other = district.police_other
    pids = np.concatenate([deaths.pid.to_numpy(), other.pid.to_numpy()])
    deregistered_on = np.concatenate([as_days(deaths.police_on), as_days(other.deregistered_on)])
    reason = np.concatenate([np.full(len(deaths), "死亡", dtype=object), other.reason.to_numpy()])
    death_date = np.concatenate(
        [as_days(deaths.police_death_date), np.full(len(other), NO_DATE, dtype="datetime64[D]")]
    )
    stations = np.array(params.POLICE_STATIONS, dtype=object)
    deregistered_in = months_of(deregistered_on)
    for month in district.months:
        rows = np.flatnonzero(deregistered_in == month)
        if not len(rows):
            continue
        period = month_label(int(month))
        rng = table_rng(district, "police_deregistrations", period)
        yield FileData(
            "police_deregistrations",
            period,
            {
                "name": persons.dept_names(pids[rows], rng),
                "sex": persons.sex(pids[rows]),
                "id_number": persons.dept_ids(pids[rows], rng),
                "deregistered_on": deregistered_on[rows],
                "reason": reason[rows],
                "police_station": stations[rng.integers(0, len(stations), len(rows))],
                "death_date": death_date[rows],
            },
            canon_id=persons.id[pids[rows]],
        )


def _cn_number(number: int) -> str:
    """0 to 99 in Chinese numerals."""
    if number <= 10:
        return CN_DIGITS[number]
    if number < 20:
        return "十" + CN_DIGITS[number - 10]
    return CN_DIGITS[number // 10] + "十" + (CN_DIGITS[number % 10] if number % 10 else "")


def term_text(months: int, arabic: bool) -> str:
    """A term as the court writes it: 1年6个月 or 一年六个月."""
    if months <= 0:
        return ""
    years, months = divmod(int(months), 12)
    if arabic:
        return (f"{years}年" if years else "") + (f"{months}个月" if months else "")
    return (f"{_cn_number(years)}年" if years else "") + (f"{_cn_number(months)}个月" if months else "")


def _court(district: District, persons: Persons) -> Iterator[FileData]:
    """Sentences, each file in Arabic or Chinese numerals, some 案号 with half-width
    brackets."""
    table = district.sentences
    for _, period, rows, rng in _by_month(district, "court_sentences", table, table.period_month.to_numpy()):
        pids = rows.pid.to_numpy()
        arabic = rng.random() < 0.5
        penalty = rows.penalty.to_numpy()
        term = np.array(
            [
                term_text(months, arabic)
                if kind not in ("无期徒刑", "死刑缓期二年执行", "死刑")
                else ("无期" if kind == "无期徒刑" else "")
                for months, kind in zip(rows.term_months, penalty)
            ],
            dtype=object,
        )
        probation = np.array([term_text(months, arabic) for months in rows.probation_months], dtype=object)
        case_no = rows.case_no.to_numpy().copy()
        half_width = rng.random(len(rows)) < 0.3
        case_no[half_width] = [number.replace("（", "(").replace("）", ")") for number in case_no[half_width]]
        yield FileData(
            "court_sentences",
            period,
            {
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "case_no": case_no,
                "charge": rows.charge.to_numpy(),
                "penalty": penalty,
                "term": term,
                "probation": probation,
                "custody_on": as_days(rows.custody_on),
                "term_start": as_days(rows.term_start),
                "term_end": as_days(rows.term_end),
                "effective_on": as_days(rows.effective_on),
                "execution": rows.execution.to_numpy(),
            },
            canon_id=persons.id[pids],
            unit="件",
        )


def _other_pensions(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.other_pensions
    for month, period, rows, rng in _by_month(district, "other_pensions", table, table.report_month.to_numpy()):
        pids = rows.pid.to_numpy()
        yield FileData(
            "other_pensions",
            period,
            {
                "id_number": persons.dept_ids(pids, rng),
                "name": persons.dept_names(pids, rng),
                "scheme": rows.scheme.to_numpy(),
                "start_month": rows.start_month.to_numpy(),
                "insured_place": rows.insured_place.to_numpy(),
                "matched_on": day_in_month(np.full(len(rows), month), rng),
            },
            canon_id=persons.id[pids],
        )


# --- annual lists: everyone on the list that year and alive at its start --------------------


def _alive_at(persons: Persons, pids, year: int) -> np.ndarray:
    return persons.death_month[pids] >= year * 12


def _family_planning(district: District, persons: Persons) -> Iterator[FileData]:
    table = district.family_planning
    for year in district.years:
        listed = table.year.to_numpy() <= year
        rows = table[listed & _alive_at(persons, table.pid.to_numpy(), year)]
        if not len(rows):
            continue
        rng = table_rng(district, "health_family_planning", str(year))
        pids = rows.pid.to_numpy()
        yield FileData(
            "health_family_planning",
            str(year),
            {
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "family_category": rows.category.to_numpy(),
                "recognised_year": rows.year.to_numpy(),
                "township_name": persons.town_names(pids, rng, 0.3),
            },
            canon_id=persons.id[pids],
        )


def _veterans(district: District, persons: Persons) -> Iterator[FileData]:
    """Veterans discharged by the year's end; a few without the enlistment date."""
    table = district.veterans
    for year in district.years:
        discharged = as_days(table.discharged_on) <= np.datetime64(f"{year}-12-31")
        rows = table[discharged & _alive_at(persons, table.pid.to_numpy(), year)]
        if not len(rows):
            continue
        rng = table_rng(district, "veterans_retired", str(year))
        pids = rows.pid.to_numpy()
        enlisted = as_days(rows.enlisted_on).copy()
        enlisted[rng.random(len(rows)) < 0.05] = NO_DATE
        yield FileData(
            "veterans_retired",
            str(year),
            {
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "enlisted_on": enlisted,
                "discharged_on": as_days(rows.discharged_on),
                "discharge_type": rows.type.to_numpy(),
                "resettled_in": persons.town_names(pids, rng, 0.2),
            },
            canon_id=persons.id[pids],
        )


def _disability(district: District, persons: Persons) -> Iterator[FileData]:
    """Certificate holders; the certificate number stands for the ID (some oddly written)."""
    table = district.disability
    categories = np.array(params.DISABILITY_CATEGORIES, dtype=object)
    for year in district.years:
        issued = as_days(table.issued_on) <= np.datetime64(f"{year}-12-31")
        rows = table[issued & _alive_at(persons, table.pid.to_numpy(), year)]
        if not len(rows):
            continue
        rng = table_rng(district, "disability_severe", str(year))
        pids = rows.pid.to_numpy()
        certificate = rows.certificate_no.to_numpy().copy()
        for row in np.flatnonzero(rng.random(len(rows)) < 0.04):
            style = ("lower_x", "outer_space", "quote", "fullwidth")[row % 4]
            certificate[row] = ids.restyle_id(certificate[row], style, False)
        issued_on = as_days(rows.issued_on).copy()
        issued_on[rng.random(len(rows)) < 0.05] = NO_DATE
        grade = np.where(rows.grade.to_numpy() == 1, "一级", "二级").astype(object)
        yield FileData(
            "disability_severe",
            str(year),
            {
                "name": persons.dept_names(pids, rng),
                "certificate_no": certificate,
                "disability_category": categories[rows.category.to_numpy() - 1],
                "disability_grade": grade,
                "issued_on": issued_on,
                "township_name": persons.town_names(pids, rng, 0.2),
            },
            canon_id=rows.certificate_no.to_numpy(),
        )


def _armed_forces(district: District, persons: Persons) -> Iterator[FileData]:
    """Those serving at the year's end, and those discharged in it or the year before."""
    table = district.service
    enlisted, discharged = as_days(table.enlisted_on), as_days(table.discharged_on)
    for year in district.years:
        year_end = np.datetime64(f"{year}-12-31")
        listed = (enlisted <= year_end) & (discharged >= np.datetime64(f"{year - 2}-01-01"))
        rows = table[listed]
        if not len(rows):
            continue
        rng = table_rng(district, "armed_forces_service", str(year))
        pids = rows.pid.to_numpy()
        serving = discharged[listed] > year_end
        yield FileData(
            "armed_forces_service",
            str(year),
            {
                "name": persons.dept_names(pids, rng),
                "id_number": persons.dept_ids(pids, rng),
                "enlisted_on": enlisted[listed],
                "service_status": np.where(serving, "现役", "已退役").astype(object),
                "discharged_on": np.where(serving, NO_DATE, discharged[listed]),
            },
            canon_id=persons.id[pids],
        )
