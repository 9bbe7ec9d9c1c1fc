"""What inspectors and programs receive: the findings list and township accountability."""

import csv
import io
import json
import re
import zipfile

from click.testing import CliRunner

from pension_audit.cli import main

FINDINGS_HEADER = (
    "exception_type,id_number,name,township_code,event_period,first_improper_month,"
    "last_improper_month,improper_months,overpaid_amount,identity,evidence"
)
ACCOUNTABILITY_HEADER = (
    "township_code,township_name,year,recipients,events,on_time,late,missed,pending,awaiting,awaiting_inputs,"
    "attributable_loss,improper_months,overpaid_amount,certification_coverage"
)
TYPES = {
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
}
EVIDENCE = re.compile(r"^[a-z_]+/\d{4}(-\d{2})?#\d+$")
MONTH = re.compile(r"^\d{4}-\d{2}$")


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_findings_csv_has_the_exact_header_and_well_formed_rows(tiny_district):
    text = invoke("findings", "--home", str(tiny_district.home), "--format", "csv")
    assert text.splitlines()[0] == FINDINGS_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    for row in rows:
        assert row["exception_type"] in TYPES
        assert re.fullmatch(r"-?\d+\.\d{2}", row["overpaid_amount"]), row
        assert row["identity"] in ("exact", "fuzzy")
        assert MONTH.match(row["event_period"]) or re.fullmatch(r"\d{4}", row["event_period"])
        for ref in row["evidence"].split(";"):
            assert EVIDENCE.match(ref), ref
        months = int(row["improper_months"])
        if months:
            assert MONTH.match(row["first_improper_month"]) and MONTH.match(row["last_improper_month"])
            assert row["first_improper_month"] <= row["last_improper_month"]
        elif row["exception_type"] != "disbursement_gap":
            assert row["first_improper_month"] == row["last_improper_month"] == ""
        if row["exception_type"] == "disbursement_gap":
            assert row["id_number"] == "" and row["first_improper_month"] == row["event_period"]


def test_findings_json_matches_the_csv(tiny_district):
    as_csv = list(csv.DictReader(io.StringIO(invoke("findings", "--home", str(tiny_district.home)))))
    as_json = json.loads(invoke("findings", "--home", str(tiny_district.home), "--format", "json"))
    assert len(as_json) == len(as_csv)
    assert [r["overpaid_amount"] for r in as_json] == [r["overpaid_amount"] for r in as_csv]


def test_findings_xlsx_speaks_chinese_with_a_frozen_header(tiny_district, tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "疑点清单.xlsx"
    invoke("findings", "--home", str(tiny_district.home), "--format", "xlsx", "--out", str(out))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("稽核疑点").to_python()
    assert rows[0][:4] == ["疑点类型", "证件号码", "姓名", "乡镇(街道)代码"]
    assert "涉及金额(元)" in rows[0] and "疑点名称" in rows[0]
    assert len(rows) - 1 == len(invoke("findings", "--home", str(tiny_district.home)).splitlines()) - 1
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet


def test_accountability_has_one_row_per_township_and_year(tiny_district):
    text = invoke("accountability", "--home", str(tiny_district.home), "--year", "2025")
    assert text.splitlines()[0] == ACCOUNTABILITY_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 22 and {r["year"] for r in rows} == {"2025"}
    for r in rows:
        assert int(r["events"]) == int(r["on_time"]) + int(r["late"]) + int(r["missed"])


def test_exports_before_any_run_say_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["findings", "--home", str(tmp_path)])
    assert result.exit_code != 0 and "请先运行 pension-audit run" in result.output
