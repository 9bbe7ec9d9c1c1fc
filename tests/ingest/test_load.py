"""Loading files as they really arrive: docs/feeds.md's rules, one scenario per test."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pension_audit.ingest.load import Warehouse
from pension_audit.ingest.reader import decode, scan_inbox
from tests.conftest import write_csv, write_xlsx

PAYMENTS_HEADER = "个人编号,姓名,证件号码,所属年月,发放类型,实发金额,发放状态,发放年月"
DEATHS_HEADER = ["姓名", "有效证件号码", "死亡日期", "性别"]


@pytest.fixture
def warehouse(tmp_path):
    with Warehouse(tmp_path / "home" / "warehouse.duckdb") as wh:
        yield wh


def ingest_all(wh: Warehouse, inbox: Path):
    from pension_audit.ingest.reader import by_period, naming_problem

    files = scan_inbox(inbox)
    out = [wh.refuse(f, "bad_name", naming_problem(f)) for f in files if not f.well_named]
    for group in by_period(files).values():
        out += wh.ingest_period(group)
    return {o.relative: o for o in out}


def rows(wh, sql):
    return wh.con.execute(sql).fetchall()


# --- encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_encoding_is_detected_not_assumed(inbox, warehouse, encoding):
    write_csv(
        inbox / "other_pensions/2025-03.csv",
        ["证件号码,姓名,险种,待遇起始年月", "11010519491231002X,阿拉坦·其木格,企业职工基本养老保险,2024-07"],
        encoding,
    )
    outcome = ingest_all(warehouse, inbox)["other_pensions/2025-03.csv"]
    assert outcome.status == "loaded" and outcome.rows_loaded == 1
    assert rows(warehouse, "SELECT name, scheme FROM raw.other_pensions") == [("阿拉坦·其木格", "企业职工基本养老保险")]
    assert rows(warehouse, "SELECT encoding FROM meta.file_log")[0][0] == encoding


def test_gb18030_is_not_mistaken_for_utf8():
    text, encoding = decode("参保人员名册".encode("gb18030"))
    assert (text, encoding) == ("参保人员名册", "gb18030")


# --- layout -------------------------------------------------------------------------------


def test_header_found_below_a_title_and_footer_rows_skipped(inbox, warehouse):
    write_xlsx(
        inbox / "cdc_deaths/2025-03.xlsx",
        [
            ["2025年3月死亡人员名单"],
            ["序号", " 性别 ", "姓名", "有效证件号码", "死亡日期", "联系电话"],  # shuffled, extra columns
            [1, "女", "王  芳", "11010519491231002X", dt.date(2025, 3, 5), "13800000000"],
            [],
            [2, "男", "李四", "150102880730303", "2025年3月7日", None],
            ["制表单位：区疾控中心"],
            ["制表日期：2025年4月2日"],
            ["合计：2人"],
        ],
    )
    outcome = ingest_all(warehouse, inbox)["cdc_deaths/2025-03.xlsx"]
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (2, 2, 0)
    assert rows(warehouse, "SELECT _row, name, id_number, death_date FROM raw.cdc_deaths ORDER BY _row") == [
        (3, "王芳", "11010519491231002X", dt.date(2025, 3, 5)),
        (5, "李四", "150102198807303035", dt.date(2025, 3, 7)),
    ]
    assert rows(warehouse, "SELECT header_row FROM meta.file_log")[0][0] == 2


def test_header_variants_and_full_width_parentheses(inbox, warehouse):
    write_csv(
        inbox / "roster/2025-03.csv",
        [
            "个人编码 ,姓名,证件号码,乡镇（街道）代码,参保时间,人员状态,证件类型",
            "1504040001,王芳,11010519491231002X,150404001,2012-01-05,正常待遇,",
            "1504040002,John Smith,E12345678,150404001,2015-03-01,参保缴费,外国人护照",
        ],
    )
    assert ingest_all(warehouse, inbox)["roster/2025-03.csv"].rows_loaded == 2
    assert rows(warehouse, "SELECT person_no, doc_type, township_code FROM raw.roster ORDER BY _row") == [
        ("1504040001", "居民身份证", "150404001"),
        ("1504040002", "护照", "150404001"),
    ]


# --- quarantine ---------------------------------------------------------------------------


def test_unreadable_rows_are_quarantined_with_row_column_value_and_reason(inbox, warehouse):
    write_csv(
        inbox / "payments/2025-03.csv",
        [
            PAYMENTS_HEADER,
            '1504040001,王芳,150102880730303,2025-03,正常发放,"1,203.00",成功,202503',
            "1504040002,李四,x,2025年3月,正常发方,203.00,成功,2025-03",
            "1504040003,张三,'11010519491231002X,2025-03,补发,-12.5,成功,2025-04",
            "123,赵六,1.5E+17,2025-13,正常发放,abc,成功,2025-03",
            "1504040005,钱七,,2025-03,扣回,,成功,2025-03",
        ],
    )
    outcome = ingest_all(warehouse, inbox)["payments/2025-03.csv"]
    # A row counts once however many problems it has: loaded + quarantined = data rows.
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (5, 1, 4)
    assert rows(warehouse, "SELECT row_number, column_name, value, reason FROM meta.quarantine ORDER BY 1, 2") == [
        (3, "pay_type", "正常发方", "unknown_value"),
        (4, "pay_month", "2025-04", "period_mismatch"),
        (5, "amount", "abc", "invalid_amount"),
        (5, "for_month", "2025-13", "invalid_date"),
        (5, "person_no", "123", "invalid_code"),
        (6, "amount", None, "missing_required"),
    ]
    # Payments link by 个人编号: an unreadable 证件号码 there is no reason to quarantine.
    assert rows(warehouse, "SELECT amount FROM raw.payments") == [(Decimal("1203.00"),)]
    # Nothing is lost: the whole row is kept beside its reasons.
    record = rows(warehouse, "SELECT record FROM meta.quarantine WHERE row_number = 3")[0][0]
    assert "正常发方" in record and "李四" in record


def test_unrecoverable_department_ids_are_quarantined_but_typos_are_not(inbox, warehouse):
    write_xlsx(
        inbox / "cdc_deaths/2025-03.xlsx",
        [
            DEATHS_HEADER,
            ["王五", 150404195503120000.0, "2025-03-07", "男"],  # Excel rounded the number
            ["钱六", "15040419550312", "2025-03-08", "男"],  # impossible length
            ["孙七", "110105194912310021", "2025-03-09", "女"],  # wrong check digit: a typo
            ["周八", None, "2025-03-10", "女"],
        ],
    )
    ingest_all(warehouse, inbox)
    assert rows(warehouse, "SELECT row_number, column_name, value, reason FROM meta.quarantine ORDER BY 1") == [
        (2, "id_number", "1.50404195503E+17", "unrecoverable_id"),
        (3, "id_number", "15040419550312", "unrecoverable_id"),
        (5, "id_number", None, "missing_required"),
    ]
    assert rows(warehouse, "SELECT id_number, id_number_valid FROM raw.cdc_deaths") == [("110105194912310021", False)]


def test_vocabulary_aliases_and_parenthesis_variants_are_the_same_value(inbox, warehouse):
    write_xlsx(
        inbox / "police_deregistrations/2025-03.xlsx",
        [
            ["姓名", "公民身份号码", "注销日期", "注销原因"],
            ["甲", "11010519491231002X", "2025-03-01", "出国(境)定居"],
            ["乙", "150102880730303", "2025-03-02", "出国（境）定居"],
            ["丙", "150102880730303", "2025-03-02", "出国定居"],
        ],
    )
    ingest_all(warehouse, inbox)
    assert rows(warehouse, "SELECT DISTINCT reason FROM raw.police_deregistrations") == [("出国（境）定居",)]
    assert rows(warehouse, "SELECT row_number, reason FROM meta.quarantine") == [(4, "unknown_value")]


def test_disability_certificate_yields_the_holders_id(inbox, warehouse):
    write_xlsx(
        inbox / "disability_severe/2025.xlsx",
        [
            ["姓名", "残疾人证号", "残疾等级"],
            ["甲", "1101051949123100X" + "X"[:0] + "2X11", "一级"],  # 17 chars + X? not a certificate
            ["乙", "11010519491231002X" + "42", "二级"],
            ["丙", "11010519491231002X" + "42B1", "一级"],
        ],
    )
    ingest_all(warehouse, inbox)
    assert rows(
        warehouse, "SELECT certificate_no, id_number, id_number_valid FROM raw.disability_severe ORDER BY _row"
    ) == [
        ("11010519491231002X42", "11010519491231002X", True),
        ("11010519491231002X42B1", "11010519491231002X", True),
    ]
    assert rows(warehouse, "SELECT row_number, reason FROM meta.quarantine") == [(2, "unrecoverable_id")]


# --- file versions ------------------------------------------------------------------------


def test_rerun_with_nothing_new_does_no_work(inbox, warehouse):
    write_csv(
        inbox / "payments/2025-03.csv", [PAYMENTS_HEADER, "1504040001,王芳,,2025-03,正常发放,203.00,成功,2025-03"]
    )
    assert ingest_all(warehouse, inbox)["payments/2025-03.csv"].status == "loaded"
    assert ingest_all(warehouse, inbox)["payments/2025-03.csv"].status == "unchanged"
    assert rows(warehouse, "SELECT count(*) FROM raw.payments")[0][0] == 1
    assert rows(warehouse, "SELECT count(*) FROM meta.file_log")[0][0] == 1


def test_a_resent_file_replaces_exactly_its_period_and_the_old_version_stays_logged(inbox, warehouse):
    line = "{no},王芳,,{m},正常发放,203.00,成功,{m}"
    write_csv(inbox / "payments/2025-03.csv", [PAYMENTS_HEADER, line.format(no="1504040001", m="2025-03"), "x,,,,,,,"])
    write_csv(inbox / "payments/2025-04.csv", [PAYMENTS_HEADER, line.format(no="1504040001", m="2025-04")])
    ingest_all(warehouse, inbox)
    write_csv(
        inbox / "payments/2025-03.csv",
        [PAYMENTS_HEADER] + [line.format(no=f"150404000{i}", m="2025-03") for i in (1, 2, 3)],
    )
    outcome = ingest_all(warehouse, inbox)["payments/2025-03.csv"]
    assert outcome.replaced and outcome.rows_loaded == 3
    assert rows(warehouse, "SELECT _period, count(*) FROM raw.payments GROUP BY 1 ORDER BY 1") == [
        ("2025-03", 3),
        ("2025-04", 1),
    ]
    assert (
        rows(warehouse, "SELECT count(*) FROM meta.quarantine")[0][0] == 0
    )  # the old version's quarantine went with it
    assert rows(
        warehouse,
        "SELECT period, status, rows_loaded FROM meta.file_log WHERE period = '2025-03' ORDER BY replaced_at NULLS LAST",
    ) == [("2025-03", "replaced", 1), ("2025-03", "loaded", 3)]


# --- files that cannot be read at all ------------------------------------------------------


def test_each_unreadable_file_fails_alone_with_a_message_naming_file_and_cause(inbox, warehouse):
    write_xlsx(inbox / "cdc_deaths/2025-03.xlsx", [DEATHS_HEADER, ["王芳", "11010519491231002X", "2025-03-05", "女"]])
    (inbox / "cdc_deaths/2025-04.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    write_xlsx(
        inbox / "court_sentences/2025-03.xlsx", [["姓名", "身份证号", "罪名"], ["甲", "11010519491231002X", "盗窃罪"]]
    )
    write_csv(inbox / "other_pensions/2025-03.csv", [""], "utf-8")
    (inbox / "other_pensions/2025-04.csv").write_bytes(b"")
    write_xlsx(inbox / "cdc_deaths/死亡名单(最终版).xlsx", [DEATHS_HEADER])
    write_xlsx(inbox / "veterans_retired/2025-03.xlsx", [["姓名"]])
    write_xlsx(inbox / "tax_receipts/2025-03.xlsx", [["纳税人识别号"]])
    write_csv(inbox / "tax_receipts/2025-03.csv", ["纳税人识别号"], "utf-8")

    out = ingest_all(warehouse, inbox)
    assert out["cdc_deaths/2025-03.xlsx"].status == "loaded"  # every other file still loads
    expected = {
        "cdc_deaths/2025-04.xlsx": ("unreadable", "XLSX 已损坏或不是 Excel 文件"),
        "court_sentences/2025-03.xlsx": ("missing_columns", "缺少必填列：案号、刑罚种类、判决生效日期"),
        "other_pensions/2025-03.csv": ("empty", "文件为空"),
        "other_pensions/2025-04.csv": ("empty", "文件为空"),
        "cdc_deaths/死亡名单(最终版).xlsx": ("bad_name", "不是期间 YYYY-MM"),
        "veterans_retired/2025-03.xlsx": ("bad_name", "不是期间 YYYY（退役军人名单按年报送）"),
        "tax_receipts/2025-03.xlsx": ("duplicate_period", "同一期间有 2 个文件"),
        "tax_receipts/2025-03.csv": ("duplicate_period", "请删除其中一个后重新运行"),
    }
    for relative, (reason, words) in expected.items():
        outcome = out[relative]
        assert (outcome.status, outcome.reason) == ("failed", reason), relative
        assert outcome.message.startswith(relative) and words in outcome.message, outcome.message


def test_unknown_feed_folder_is_reported_not_guessed(inbox, warehouse):
    write_csv(inbox / "deaths/2025-03.csv", ["姓名"], "utf-8")
    outcome = ingest_all(warehouse, inbox)["deaths/2025-03.csv"]
    assert outcome.reason == "bad_name" and "未知数据源目录「deaths」" in outcome.message


def test_a_duplicate_period_loads_once_one_file_is_removed(inbox, warehouse):
    csv_file = write_csv(
        inbox / "other_pensions/2025-03.csv",
        ["证件号码,险种,待遇起始年月", "11010519491231002X,企业职工基本养老保险,2024-07"],
        "utf-8",
    )
    write_xlsx(inbox / "other_pensions/2025-03.xlsx", [["证件号码", "险种", "待遇起始年月"]])
    assert {o.status for o in ingest_all(warehouse, inbox).values()} == {"failed"}
    assert {o.status for o in ingest_all(warehouse, inbox).values()} == {"unchanged"}  # idempotent
    (inbox / "other_pensions/2025-03.xlsx").unlink()
    assert ingest_all(warehouse, inbox)[csv_file.relative_to(inbox).as_posix()].status == "loaded"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_regular_csv_and_an_irregular_one_read_the_same(tmp_path, newline):
    """A file whose records are all as wide as the header is read by Arrow's CSV reader; one
    with a row of another width (here a footer) by Python's csv module: the same rows, row
    numbers and cells either way."""
    from pension_audit.ingest.feeds import FEEDS_BY_NAME
    from pension_audit.ingest.reader import _read_regular_csv, data_rows

    def read(text: str):
        path = tmp_path / "2025-03.csv"
        path.write_bytes(text.replace("\n", newline).encode("gb18030"))
        return data_rows(FEEDS_BY_NAME["cdc_deaths"], path, path.read_bytes())

    regular = (
        "序号,姓名,有效证件号码,死亡日期,备注\n"
        '1,王芳,11010519491231002X,2025-03-05,"住址：一组,二号"\n'
        "\n"
        '2,"李""四",150102880730303,2025年3月7日,"两行\n备注"\n'
        "3, ,150102198807303035,2025-03-09,\n"
    )
    assert _read_regular_csv(regular) is not None and _read_regular_csv(regular + "合计：3人\n") is None
    arrow = read(regular)
    csv_module = read(regular + "合计：3人\n")
    assert arrow.table.equals(csv_module.table)
    assert arrow.table.column("_row").to_pylist() == [2, 4, 5]
    assert arrow.table.column("__raw_name").to_pylist() == ["王芳", '李"四', None]


CSV_LINES = [
    "2025年3月死亡人员名单",
    "序号,性别,姓名,有效证件号码,死亡日期,联系电话",
    "1,女,王芳,11010519491231002X,2025-03-05,13800000000",
    "",
    "2,男,李四,150102880730303,2025年3月7日",  # a short row
    "3,男, ,150102198807303035,2025-03-09,,,多余",  # a blank name, cells past the header
    "制表单位：区疾控中心",
    "合计：3人",
]


def test_an_irregular_csv_keeps_the_row_numbers_of_its_blank_and_title_rows(tmp_path):
    from pension_audit.ingest.feeds import FEEDS_BY_NAME
    from pension_audit.ingest.reader import data_rows

    path = tmp_path / "2025-03.csv"
    path.write_text("\n".join(CSV_LINES), encoding="utf-8")
    rows = data_rows(FEEDS_BY_NAME["cdc_deaths"], path, path.read_bytes())
    assert rows.layout.header_row == 2
    assert rows.table.column("_row").to_pylist() == [3, 5, 6]
    assert rows.table.column("__raw_name").to_pylist() == ["王芳", "李四", None]
