"""One set of figures, everywhere a total appears: the dashboard, the findings list and its
Excel export, the 稽核情况月报 (PDF and XLSX) and the 乡镇问责报告 all show the open findings'
count and money as the warehouse computed them once (pub_finding_totals, and
pub_finding_month_totals for the documents' month), each record-month once within a total.
All are checked here against the same independent count of the case store's rows."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from python_calamine import CalamineWorkbook
from sqlalchemy import select

from casework.db import session_factory
from casework.models import Finding, FindingStatus, Settlement
from casework.published import (
    AccountabilityEvent,
    AccountabilityTotal,
    AccountabilityTownshipYear,
    FindingMonth,
    FindingType,
    Township,
)
from casework.services.policy import latest_publication
from reports.chinese import percent
from tests.api.conftest import Api
from tests.api.test_one_set_of_figures import expected
from tests.reports.support import approve, flat, get_pdf, get_xlsx, keep, money, open_case, pdf_text, settled_demand

ZERO = Decimal("0.00")


def figures_of(line: str) -> list[str]:
    return line.split()[1:]


def type_lines(text: str, labels: dict[str, str]) -> dict[str, list[str]]:
    """The first table row of each type in `text`: its label, then its figures."""
    out = {}
    for line in text.splitlines():
        for code, label in labels.items():
            if code not in out and line.startswith(f"{label} ") and re.match(r"^\d+$", figures_of(line)[0]):
                out[code] = figures_of(line)
    return out


def settle_a_person_of_two_types(api: Api) -> Decimal:
    """A case of a person with findings of two types, settled (its account offset): the offset
    the 月报 once showed under both types. Returns the amount offset."""
    with session_factory(api.engine)() as s:
        findings = s.scalars(
            select(Finding)
            .where(Finding.status == FindingStatus.open, Finding.person_id.is_not(None))
            .order_by(Finding.finding_key)
        ).all()
    types_of: dict[str | None, set[str]] = {}
    for f in findings:
        types_of.setdefault(f.person_id, set()).add(f.exception_type)
    target = next(
        f
        for f in findings
        if f.exception_type in ("death", "nationality", "other_pension") and len(types_of[f.person_id]) > 1
    )
    case = open_case(api, target.finding_key)
    approve(api, case, "cancellation")
    approve(api, case, "offset")
    with session_factory(api.engine)() as s:
        assert len(s.scalars(select(Finding).where(Finding.case_id == case["id"])).all()) > 1, "one case, two types"
        settlements = s.scalars(select(Settlement).where(Settlement.case_id == case["id"])).all()
        return sum((x.balance_offset + x.subsidy_offset for x in settlements), ZERO)


def test_every_place_a_total_appears_shows_the_same_figures(api: Api):
    settled_demand(api, "death", "家属", "子女")  # a case with an offset and a demand
    offset = settle_a_person_of_two_types(api)
    assert offset > 0, "the two-type case has money to show"
    figures = expected(api)
    total_count, total_amount = figures[("*", "*")]
    types = {t: v for (town, t), v in figures.items() if town == "*" and t != "*"}
    assert sum(a for _, a in types.values()) >= total_amount, "types may add up to more than the total"
    with session_factory(api.engine)() as s:
        as_of = latest_publication(s).as_of_month
        labels = {t.exception_type: t.label for t in s.scalars(select(FindingType)) if t.exception_type in types}
    seen: dict[str, tuple[int, Decimal]] = {}

    # The dashboard and the findings list.
    page = api.get("jingban", "/web/dashboard").text
    seen["工作台"] = (
        int(re.search(r'data-testid="open-total">(\d+)<', page)[1]),
        Decimal(re.search(r'data-testid="open-amount">([\d,.]+)<', page)[1].replace(",", "")),
    )
    for code, (count, amount) in types.items():
        row = re.search(rf'<tr data-type="{code}">.*?</tr>', page, re.DOTALL)[0]
        cells = re.findall(r'<td class="n">([^<]*)</td>', row)
        assert (int(cells[0]), Decimal(cells[1].replace(",", ""))) == (count, amount), f"工作台 {code}"
    listed = api.get("jingban", "/web/findings", params={"status": "open"}).text
    seen["疑点清单"] = (
        int(re.search(r'data-testid="total">(\d+)<', listed)[1]),
        Decimal(re.search(r'data-testid="list-amount">([\d,.]+)<', listed)[1].replace(",", "")),
    )

    # The findings list's Excel export.
    r = api.get("jingban", "/web/findings/export.xlsx", params={"status": "open"})
    last = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()[-1]
    seen["疑点清单导出"] = (int(re.match(r"合计 (\d+) 条", str(last[0]))[1]), Decimal(f"{last[9]:.2f}"))

    # The 稽核情况月报 of the build's month: its heading, its type rows and its total.
    pdf = get_pdf(api, "jingban", "/documents/inspection-summary", month=as_of)
    keep(pdf, "one-set-of-figures-inspection-summary")
    text = pdf_text(pdf)
    heading = re.search(r"疑点(\d+)条，涉及\d+人，涉及金额([\d,.]+)元", flat(text))
    seen["月报说明"] = (int(heading[1]), Decimal(heading[2].replace(",", "")))
    total = figures_of(next(line for line in text.splitlines() if line.startswith("合计 ")))
    seen["月报合计"] = (int(total[0]), Decimal(total[3].replace(",", "")))
    by_type = type_lines(text, labels)
    assert set(by_type) == set(types), "every type in the 月报"
    for code, (count, amount) in types.items():
        assert (by_type[code][0], by_type[code][3]) == (str(count), money(amount)), f"月报 {code}"
    assert "各类之和可能大于合计" in flat(text)
    rows = get_xlsx(api, "jingban", "/documents/inspection-summary", month=as_of)
    seen["月报表格"] = (rows[-1][2], Decimal(f"{rows[-1][5]:.2f}"))
    # Each case's money under one type: the types' offsets, demands, recoveries add up to the total.
    typed = [row for row in rows if row[0] == "按类型"]
    placed = [row for row in rows if row[0] == "按乡镇"]
    for column in (6, 7, 8, 9, 10):
        want = Decimal(f"{rows[-1][column]:.2f}")
        assert sum((Decimal(f"{row[column]:.2f}") for row in typed), ZERO) == want, rows[0][column]
        assert sum((Decimal(f"{row[column]:.2f}") for row in placed), ZERO) == want, rows[0][column]
    assert Decimal(f"{rows[-1][7]:.2f}") >= offset > 0, "the settled cases' offsets are in the 月报"

    # The 乡镇问责报告 of the same month: its section of findings, by type and in all.
    pdf = get_pdf(api, "renshe", "/documents/accountability-report", month=as_of)
    keep(pdf, "one-set-of-figures-accountability-report")
    section = pdf_text(pdf).split("三、稽核疑点及涉及金额", 1)[1]
    total = figures_of(next(line for line in section.splitlines() if line.startswith("合计 ")))
    seen["问责报告"] = (int(total[0]), Decimal(total[3].replace(",", "")))
    by_type = type_lines(section, labels)
    assert set(by_type) == set(types), "every type in the 问责报告"
    for code, (count, amount) in types.items():
        assert (by_type[code][0], by_type[code][3]) == (str(count), money(amount)), f"问责报告 {code}"
    assert "各类之和可能大于合计" in flat(section)

    assert seen == dict.fromkeys(seen, (total_count, total_amount)), seen


def district_line(text: str) -> list[str]:
    """The 合计 row under the township table (section 一): its figures, in column order."""
    section = text.split("一、各乡镇（街道）上报情况及排名", 1)[1].split("二、迟报、漏报事件明细", 1)[0]
    return figures_of(next(line for line in section.splitlines() if line.startswith("合计 ")))


def events_in(api: Api, months: tuple[str, str]) -> tuple[list[int], Decimal]:
    """(应报, 按时, 迟报, 漏报, 待报, 待数据) and the attributable loss of the events of the district's
    townships whose event month falls in [first, last], counted from the store's event rows."""
    with session_factory(api.engine)() as s:
        townships = set(s.scalars(select(Township.township_code)))
        events = [
            e
            for e in s.scalars(select(AccountabilityEvent).where(AccountabilityEvent.event_month.between(*months)))
            if e.township_code in townships
        ]
    status = [e.report_status for e in events]
    decided = len(status) - status.count("pending") - status.count("awaiting")
    counts = [decided, *(status.count(k) for k in ("on_time", "late", "missed", "pending", "awaiting"))]
    return counts, sum((e.attributable_loss for e in events), ZERO)


def test_the_accountability_reports_district_line_is_the_warehouses_not_the_rows_added_up(api: Api):
    with session_factory(api.engine)() as s:
        as_of = latest_publication(s).as_of_month
        townships = set(s.scalars(select(Township.township_code)))
        findings = {
            f.finding_key: f
            for f in s.scalars(select(Finding))
            if f.township_code in townships and (f.event_date.year if f.event_date else int(f.event_period[:4])) == 2025
        }
        once = {
            (no, month): amount
            for key, no, month, amount in s.execute(
                select(FindingMonth.finding_key, FindingMonth.person_no, FindingMonth.month, FindingMonth.amount)
            )
            if key in findings
        }
        rows = s.scalars(select(AccountabilityTownshipYear).where(AccountabilityTownshipYear.year == 2025)).all()

    # The year: its events, and each record-month of improper payment once in the district.
    pdf = get_pdf(api, "renshe", "/documents/accountability-report", year=2025)
    line = district_line(pdf_text(pdf))
    counts, loss = events_in(api, ("2025-01", "2025-12"))
    events, on_time, *_, awaiting = counts
    assert [int(x) for x in line[1:7]] == counts
    assert line[7] == ("待数据" if awaiting else percent(round(Decimal(on_time) / events, 4) if events else None))
    assert (int(line[8]), line[9]) == (len(once), money(sum(once.values(), ZERO))), "each record-month once"
    assert line[10] == money(loss)
    assert int(line[0]) <= sum(r.recipients for r in rows), "persons once, however many rosters hold them"
    assert len(once) <= sum(r.improper_months for r in rows)

    # The build's month: its events alone.
    pdf = get_pdf(api, "renshe", "/documents/accountability-report", month=as_of)
    line = district_line(pdf_text(pdf))
    counts, loss = events_in(api, (as_of, as_of))
    assert [int(x) for x in line[0:6]] == counts
    assert line[7] == money(loss)


def test_the_accountability_xlsx_ends_with_the_warehouses_district_line(api: Api):
    """The XLSX of the 问责报告 ends with the PDF's 合计: the published district line
    (pub_accountability_totals), awaiting count included, never the listed rows added up; it
    stays under the list, outside the filter, so sorting the list never moves it."""
    import zipfile

    with session_factory(api.engine)() as s:
        as_of = latest_publication(s).as_of_month
        published = {t.period: t for t in s.scalars(select(AccountabilityTotal))}
    for period, params in (("2025", {"year": 2025}), (as_of, {"month": as_of})):
        r = api.get("renshe", "/documents/accountability-report", params={**params, "format": "xlsx"})
        assert r.status_code == 200, r.text
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
        header, *listed, last = sheet
        line = published[period]
        assert header[9] == "待数据" and last[:3] == ["合计", "", ""], period
        blank = ""  # a month's line has no recipients, improper months, amount or coverage
        assert last[3:14] == [
            blank if line.recipients is None else line.recipients,
            line.events,
            line.on_time,
            line.late,
            line.missed,
            line.pending,
            line.awaiting,
            blank if line.on_time_rate is None else float(line.on_time_rate),
            blank if line.improper_months is None else line.improper_months,
            blank if line.overpaid_amount is None else float(line.overpaid_amount),
            float(line.attributable_loss),
        ], period
        assert last[17] == (blank if line.certification_coverage is None else float(line.certification_coverage))
        # The case store's money as the PDF's 合计 gives it.
        pdf = district_line(pdf_text(get_pdf(api, "renshe", "/documents/accountability-report", **params)))
        recovered, outstanding, referrals = pdf[11:14] if period == "2025" else pdf[8:11]
        assert [money(Decimal(str(last[14]))), money(Decimal(str(last[15]))), str(int(last[16]))] == [
            recovered,
            outstanding,
            referrals,
        ]
        xml = zipfile.ZipFile(io.BytesIO(r.content)).read("xl/worksheets/sheet1.xml").decode()
        assert f'<autoFilter ref="A1:R{len(listed) + 1}"/>' in xml, "the 合计 is outside the filter"
