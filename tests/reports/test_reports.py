"""The reports from the warehouse: the township's 资格认证报告书 (article 26) and the 乡镇问责报告
for the 区人社局 (article 31). Their figures are the marts' for the same period."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from orchestration.warehouse_queries import read
from reports.chinese import mask_id, percent
from tests.api.conftest import Api
from tests.reports.support import flat, get_pdf, get_xlsx, keep, money, pdf_text


def test_the_certification_report_names_who_was_certified_and_who_was_not_and_why(api: Api, tiny_district):
    home = tiny_district.home / "warehouse.duckdb"
    township, name, coverage = read(
        home,
        """
        SELECT township_code, township_name, certification_coverage FROM marts.accountability_township_year
        WHERE year = 2025 AND certification_coverage < 1 ORDER BY certification_coverage, township_code LIMIT 1""",
    )[0]
    november = read(
        home,
        """
        SELECT DISTINCT r.person_id, m.name, m.id_number FROM intermediate.int_roster_months AS m
        JOIN intermediate.int_roster_records_identified AS r USING (person_no)
        WHERE m.month = DATE '2025-11-01' AND m.status = '正常待遇' AND m.township_code = ?""",
        [township],
    )
    pdf = get_pdf(api, "jingban", "/documents/certification-report", year=2025, township=township)
    keep(pdf, "certification-report")
    text = pdf_text(pdf)
    assert f"{name}2025年度城乡居民基本养老保险领取待遇人员资格认证报告书" in text
    assert f"认证覆盖率 {percent(coverage, 2)}" in text, "the coverage is the accountability mart's"
    certified = round(Decimal(str(coverage)) * len(november))
    assert f"领取待遇 {len(november)} 人，已认证 {certified} 人，未认证 {len(november) - certified} 人" in text
    for _, person, id_number in november:
        assert person in text and mask_id(id_number) in text and id_number not in text
    uncertified_part = text[text.index("二、未认证人员及原因") : text.index("三、已认证人员")]
    reasons = [line for line in uncertified_part.splitlines()[2:] if line.split()[:1] and line.split()[0].isdigit()]
    assert len(reasons) == len(november) - certified
    assert all(line.split()[-1] for line in reasons), "every uncertified person has a reason"
    rows = get_xlsx(api, "jingban", "/documents/certification-report", year=2025, township=township)
    assert rows[0] == [
        "序号",
        "认证情况",
        "姓名",
        "个人编号",
        "证件号码",
        "村(居)",
        "认证日期",
        "认证方式",
        "未认证原因",
    ]
    assert len(rows) - 1 == len(november) and sum(r[1] == "已认证" for r in rows[1:]) == certified
    # The township's own report, and no other's.
    officer_township = api.get("xiangzhen", "/findings", params={"size": 1}).json()["items"][0]["township_code"]
    assert api.get("xiangzhen", "/documents/certification-report", params={"year": 2025}).status_code == 200
    other = api.get("xiangzhen", "/documents/certification-report", params={"year": 2025, "township": township})
    assert other.status_code == (200 if township == officer_township else 404)
    r = api.get("jingban", "/documents/certification-report", params={"year": 2024, "township": township})
    assert r.status_code == 409 and r.json()["code"] == "no_roster"


def _row(text: str, rank: int, name: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"{rank} {name} "))
    return line.split()[2:]


def test_the_accountability_report_gives_the_marts_figures_ranking_charts_and_the_reports_behind_them(
    api: Api, tiny_district
):
    home = tiny_district.home / "warehouse.duckdb"
    mart = read(
        home,
        """
        SELECT township_name, loss_rank, recipients, events, on_time, late, missed, pending, awaiting, on_time_rate,
               improper_months, overpaid_amount, attributable_loss, certification_coverage
        FROM marts.accountability_township_year WHERE year = 2025 ORDER BY loss_rank, township_code""",
    )
    behind = read(
        home,
        """
        SELECT person_no, report_status, attributable_loss FROM marts.accountability_events
        WHERE report_status IN ('late', 'missed') AND year(event_month) = 2025""",
    )
    assert behind, "the tiny district has late and missed reports"
    pdf = get_pdf(api, "renshe", "/documents/accountability-report", year=2025)
    keep(pdf, "accountability-report")
    text = pdf_text(pdf)
    assert "2025年度乡镇（街道）领取待遇人员死亡、羁押、判刑情况上报问责报告" in text
    assert "报送：区人力资源和社会保障局" in text
    for (
        name,
        rank,
        recipients,
        events,
        on_time,
        late,
        missed,
        pending,
        awaiting,
        rate,
        months,
        overpaid,
        loss,
        coverage,
    ) in mart:
        assert _row(text, rank, name) == [
            str(recipients),
            str(events),
            str(on_time),
            str(late),
            str(missed),
            str(pending),
            str(awaiting),
            percent(rate),
            str(months),
            money(overpaid),
            money(loss),
            "0.00",
            "0.00",
            "0",
            percent(coverage),
        ], name
    # The 合计 is the district's own line (each event in one township: its counts add up; a
    # person or record-month in two townships counts once: test_figures_in_documents.py).
    totals = next(line for line in text.splitlines() if line.startswith("合计 ")).split()[1:]
    assert totals[1:7] == [str(sum(r[i] for r in mart)) for i in range(3, 9)]
    assert int(totals[0]) <= sum(r[2] for r in mart) and int(totals[8]) <= sum(r[10] for r in mart)
    assert Decimal(totals[9].replace(",", "")) <= sum(r[11] for r in mart)
    assert totals[10] == money(sum(r[12] for r in mart))
    assert [rank for _, rank, *_ in mart] == sorted(rank for _, rank, *_ in mart)
    # The charts, as text the PDF carries.
    assert "2025年度各乡镇（街道）按时上报率" in text and "可归责损失（按事件月份）" in text
    assert "按时上报率（%）" in text and "12月" in text
    # Every late or missed report behind the figures, with its person.
    details = text[text.index("二、迟报、漏报事件明细") :]
    for person_no, status, loss in behind:
        line = next(line for line in details.splitlines() if f" {person_no} " in line)
        assert {"late": "迟报", "missed": "漏报"}[status] in line and money(loss) in line
    rows = get_xlsx(api, "renshe", "/documents/accountability-report", year=2025)
    assert rows[0][:3] == ["排名", "乡镇(街道)代码", "乡镇(街道)"]
    assert [(r[2], r[0], r[4], r[13]) for r in rows[1:-1]] == [(m[0], m[1], m[3], float(m[12])) for m in mart]
    assert rows[-1][0] == "合计", "then the district's line (test_figures_in_documents.py)"
    # For the HR bureau and the bureau; not for a township.
    assert api.get("jingban", "/documents/accountability-report", params={"year": 2025}).status_code == 200
    r = api.get("xiangzhen", "/documents/accountability-report", params={"year": 2025})
    assert r.status_code == 403 and r.json()["code"] == "forbidden_role"


def test_the_monthly_accountability_report_is_the_monthly_marts(api: Api, tiny_district):
    home = tiny_district.home / "warehouse.duckdb"
    month = read(
        home,
        """SELECT strftime(month, '%Y-%m') FROM marts.accountability_township_month
                          GROUP BY month ORDER BY sum(late + missed) DESC, month LIMIT 1""",
    )[0][0]
    mart = read(
        home,
        """SELECT township_name, events, on_time, late, missed, pending, awaiting, attributable_loss
                         FROM marts.accountability_township_month WHERE month = ?""",
        [dt.date.fromisoformat(month + "-01")],
    )
    text = pdf_text(get_pdf(api, "renshe", "/documents/accountability-report", month=month))
    assert f"{int(month[:4])}年{int(month[5:])}月乡镇（街道）" in text
    for name, events, on_time, late, missed, pending, awaiting, loss in mart:
        line = next(line for line in text.splitlines() if f" {name} " in f" {line} " and line[0].isdigit())
        figures = line.split()[2:]
        assert figures[:6] == [str(events), str(on_time), str(late), str(missed), str(pending), str(awaiting)], name
        assert figures[7] == money(loss)
    assert "近12个月" in flat(text)
    assert api.get("renshe", "/documents/accountability-report").status_code == 409


def test_the_accountability_report_is_issued_with_a_number_one_column_sizing_and_unrepeated_sections(
    api: Api, tiny_district
):
    draft = flat(pdf_text(get_pdf(api, "renshe", "/documents/accountability-report", year=2025)))
    assert "责字" not in draft, "made on request, it bears no number"
    r = api.post("jingban", "/documents/accountability-report/issue", params={"year": 2025})
    assert r.status_code == 201, r.text
    assert api.post("renshe", "/documents/accountability-report/issue", params={"year": 2025}).status_code == 403
    pdf = api.get("renshe", r.json()["url"]).content
    keep(pdf, "accountability-report-issued")
    one = flat(pdf_text(pdf))
    assert one.startswith("赤峰市松山区社会保险事业管理局松社保责字〔2026〕1号"), one[:60]
    assert "抄送：" in one and "印发" in one
    # The township sections under 二、 are numbered （一）（二）… once each, whatever the ranks.
    sections = re.findall(r"（([一二三四五六七八九十]+)）[^（]{1,12}（排名第", one)
    assert sections and len(sections) == len(set(sections)), sections
