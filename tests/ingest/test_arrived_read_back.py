"""A cited row read back from the archive is the row as the department's file had it: every
declared column by its header, full-width characters, spaces and look-alikes kept, a blank cell
empty; in a CSV and in an XLSX (a title row above the header), by physical row number."""

import datetime as dt
import json

import pytest

from pension_audit.ingest.arrived import read_back
from pension_audit.ingest.load import Warehouse
from tests.conftest import write_csv, write_xlsx
from tests.ingest.test_load import ingest_all, rows


@pytest.fixture
def warehouse(tmp_path):
    with Warehouse(tmp_path / "home" / "warehouse.duckdb") as wh:
        yield wh


def test_a_csv_row_reads_back_exactly_as_it_arrived(inbox, warehouse):
    write_csv(
        inbox / "payments/2025-03.csv",
        [
            "个人编号,姓名,证件号码,所属年月,发放类型,实发金额,发放状态,发放年月",
            "3201000001,张三,110105194912310021,2025-03,正常发放,200.00,成功,2025-03",
            '３２０１０００００２, 李　四 ,\'11010519491231002x,2025-03,正常发放,"1,234.5",成功,202503',
        ],
    )
    assert ingest_all(warehouse, inbox)["payments/2025-03.csv"].status == "loaded"
    ((digest, loaded),) = rows(warehouse, "SELECT _file_hash, count(_arrived) FROM raw.payments GROUP BY 1")
    assert loaded == 0, "the loader no longer keeps the row as it arrived"

    found = read_back(warehouse.archive, "payments", "payments/2025-03.csv", digest, [3, 99])
    assert [f["row"] for f in found] == [3], "only data rows of the file"
    arrived = json.loads(found[0]["arrived"])
    assert arrived["个人编号"] == "３２０１０００００２" and arrived["姓名"] == " 李　四 "
    assert arrived["证件号码"] == "'11010519491231002x" and arrived["实发金额"] == "1,234.5"
    assert arrived["发放年月"] == "202503" and arrived["乡镇(街道)代码"] is None, "a column the file lacks is empty"


def test_an_xlsx_row_reads_back_by_its_physical_row_number(inbox, warehouse):
    write_xlsx(
        inbox / "cdc_deaths/2025-03.xlsx",
        [
            ["2025年3月死亡人员名单"],
            ["序号", "性别", "姓名", "有效证件号码", "死亡日期"],
            [1, "女", "王  芳", "11010519491231002X", dt.date(2025, 3, 5)],
            [2, "男", "李四", "150102880730303", "2025年3月7日"],
        ],
    )
    assert ingest_all(warehouse, inbox)["cdc_deaths/2025-03.xlsx"].status == "loaded"
    ((digest,),) = rows(warehouse, "SELECT DISTINCT _file_hash FROM raw.cdc_deaths")
    found = read_back(warehouse.archive, "cdc_deaths", "cdc_deaths/2025-03.xlsx", digest, [4, 3])
    assert [f["row"] for f in found] == [3, 4]
    first, second = (json.loads(f["arrived"]) for f in found)
    assert (first["姓名"], first["死亡日期"]) == ("王  芳", "2025-03-05")
    assert (second["有效证件号码"], second["死亡日期"]) == ("150102880730303", "2025年3月7日")
    assert read_back(warehouse.archive, "cdc_deaths", "cdc_deaths/2025-03.xlsx", "0" * 64, [3]) == [], (
        "a version not in the archive has no rows to show"
    )
