"""The seventeen feeds, declared once.

Each declaration says what a department's file holds: its Chinese headers and their
variants, which columns are required, how each value is typed, the closed vocabularies
and the cadence. The reader, the quarantine rules, the Great Expectations suites, the dbt
sources and the district generator are all driven from here, so adding a column or a
department is one edit in this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a raw cell is read. Each kind has exactly one normaliser in `normalize.py`."""

    TEXT = "text"  # trimmed text, full-width parentheses made half-width
    NAME = "name"  # person name: spaces dropped, middle-dot variants unified
    ID = "id"  # resident ID number (GB 11643-1999), 15-digit upgraded, check digit flagged
    DOC_ID = "doc_id"  # roster 证件号码, read according to 证件类型
    DISABILITY_CERT = "disability_cert"  # 残疾人证号: the holder's ID + category + grade
    PERSON_NO = "person_no"  # 个人编号: 10 digits
    TOWNSHIP = "township"  # 乡镇(街道)代码: 9 digits
    DATE = "date"
    MONTH = "month"  # a year-month, stored as the first day of the month
    YEAR = "year"
    AMOUNT = "amount"  # yuan to the fen, DECIMAL(14,2)
    ENUM = "enum"  # one of a closed vocabulary
    CASE_NO = "case_no"  # 案号: spaces dropped, parentheses unified


class Cadence(StrEnum):
    MONTHLY = "M"
    ANNUAL = "A"


class LinkBy(StrEnum):
    """How a feed's rows reach the roster: by 个人编号 (their ID is informational and never
    a reason to quarantine) or by the person's ID number (unreadable IDs are quarantined)."""

    PERSON_NO = "person_no"
    ID_NUMBER = "id_number"
    NOBODY = "nobody"  # about money, not people (finance disbursements)


@dataclass(frozen=True)
class Column:
    name: str  # canonical column name in the warehouse
    header: str  # the Chinese header as docs/feeds.md writes it
    kind: Kind
    required: bool = False
    variants: tuple[str, ...] = ()  # other headers departments use for the same column
    vocabulary: tuple[str, ...] = ()  # complete list of allowed values (ENUM)
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings -> vocabulary value
    default: str | None = None  # value an empty optional ENUM cell stands for
    # An optional column that a finding rule, a settlement or a hold reads: an unreadable
    # value in it quarantines the row. In every other optional column (descriptive,
    # informational) an unreadable value is a value issue: the row loads, the cell is empty
    # and the value as it arrived is kept in meta.value_issues.
    decides: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.variants)

    @property
    def quarantines(self) -> bool:
        """Whether an unreadable value in this column costs the row (see `decides`)."""
        return self.required or self.decides

    @property
    def keeps_raw(self) -> bool:
        """IDs and names keep the value as it arrived beside the normalised one."""
        return self.kind in (Kind.ID, Kind.DOC_ID, Kind.DISABILITY_CERT, Kind.NAME)


@dataclass(frozen=True)
class Feed:
    name: str
    title: str  # the list's Chinese name, as a title row would carry it
    sender: str
    cadence: Cadence
    usual_format: str  # "csv" or "xlsx"
    usual_encoding: str  # for CSV: "gb18030" or "utf-8"
    link_by: LinkBy
    columns: tuple[Column, ...]
    period_column: str | None = None  # a column that must equal the file's period
    enriches_only: bool = False  # on the timeline, no finding uses it yet

    @property
    def is_monthly(self) -> bool:
        return self.cadence is Cadence.MONTHLY

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name}")

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


# --- vocabularies shared by several feeds ------------------------------------------------

PAY_CHANNELS = ("POS", "网上缴费", "手机缴费", "大厅缴费", "政府代缴")
ROSTER_STATUSES = ("参保缴费", "暂停缴费", "正常待遇", "暂停待遇", "终止参保")
RESIDENT_DOC_TYPES = ("居民身份证", "社会保障卡", "港澳台居民居住证")
DOC_TYPES = (*RESIDENT_DOC_TYPES, "外国人永久居留身份证", "护照")

ID_HEADERS = ("证件号码", "身份证号码", "公民身份号码")
NAME_HEADERS = ("姓名",)
TOWNSHIP_CODE_HEADERS = ("乡镇代码", "街道代码", "乡镇（街道）代码")


def _person_no(required: bool = True) -> Column:
    return Column("person_no", "个人编号", Kind.PERSON_NO, required, ("个人编码", "人员编号"))


def _name(header: str = "姓名", required: bool = False) -> Column:
    return Column("name", header, Kind.NAME, required, tuple(h for h in ("姓名", "人员姓名") if h != header))


def _id(header: str, required: bool = True) -> Column:
    return Column("id_number", header, Kind.ID, required, tuple(h for h in ID_HEADERS if h != header))


def _township_code(header: str = "乡镇(街道)代码", required: bool = False) -> Column:
    return Column("township_code", header, Kind.TOWNSHIP, required, TOWNSHIP_CODE_HEADERS)


FEEDS: tuple[Feed, ...] = (
    Feed(
        "roster",
        "参保人员名册",
        "区社保局",
        Cadence.MONTHLY,
        "csv",
        "gb18030",
        LinkBy.PERSON_NO,
        (
            _person_no(),
            _name(required=True),
            Column(
                "doc_type",
                "证件类型",
                Kind.ENUM,
                vocabulary=DOC_TYPES,
                default="居民身份证",
                decides=True,
                aliases={"外国人居留证": "外国人永久居留身份证", "外国人护照": "护照"},
            ),
            Column("id_number", "证件号码", Kind.DOC_ID, True, ("身份证号码", "证件号")),
            Column("sex", "性别", Kind.ENUM, vocabulary=("男", "女")),
            Column("birth_date", "出生日期", Kind.DATE, variants=("出生年月日",)),
            _township_code(required=True),
            Column("township_name", "乡镇(街道)", Kind.TEXT, variants=("乡镇", "乡镇街道")),
            Column("village", "村(居)", Kind.TEXT, variants=("村居", "村（社区）")),
            Column("enrolled_on", "参保日期", Kind.DATE, True, ("参保时间",)),
            Column("status", "参保状态", Kind.ENUM, True, ("人员状态",), vocabulary=ROSTER_STATUSES),
            Column("benefit_start_month", "待遇享受年月", Kind.MONTH, variants=("待遇开始年月",), decides=True),
            Column("basic_pension", "基础养老金", Kind.AMOUNT),
            Column("account_pension", "个人账户养老金", Kind.AMOUNT, decides=True),
            Column("account_balance", "个人账户余额", Kind.AMOUNT, variants=("账户余额",), decides=True),
            Column(
                "own_contribution_balance", "其中个人缴费部分", Kind.AMOUNT, variants=("个人缴费部分",), decides=True
            ),
        ),
    ),
    Feed(
        "payments",
        "待遇发放明细",
        "区社保局",
        Cadence.MONTHLY,
        "csv",
        "gb18030",
        LinkBy.PERSON_NO,
        (
            Column("pay_month", "发放年月", Kind.MONTH, True, ("发放月份",)),
            _person_no(),
            _name(),
            _id("证件号码", required=False),
            _township_code(),
            Column("for_month", "所属年月", Kind.MONTH, True, ("待遇所属期", "所属期")),
            Column("pay_type", "发放类型", Kind.ENUM, True, vocabulary=("正常发放", "补发", "扣回")),
            Column("basic_pension", "基础养老金", Kind.AMOUNT),
            Column("account_pension", "个人账户养老金", Kind.AMOUNT),
            Column("amount", "实发金额", Kind.AMOUNT, True, ("实发额", "发放金额")),
            Column("pay_status", "发放状态", Kind.ENUM, True, vocabulary=("成功", "失败", "退回")),
        ),
        period_column="pay_month",
    ),
    Feed(
        "certifications",
        "待遇资格认证记录",
        "区社保局",
        Cadence.MONTHLY,
        "csv",
        "gb18030",
        LinkBy.PERSON_NO,
        (
            _person_no(),
            _name(),
            _id("证件号码", required=False),
            Column("certified_on", "认证日期", Kind.DATE, True, ("认证时间",)),
            Column(
                "method", "认证方式", Kind.ENUM, vocabulary=("人脸识别", "上门认证", "协办员见面认证", "部门数据比对")
            ),
            Column("result", "认证结果", Kind.ENUM, True, vocabulary=("通过", "未通过")),
            Column("township_code", "经办乡镇代码", Kind.TOWNSHIP, variants=("经办机构代码",)),
        ),
    ),
    Feed(
        "contributions",
        "缴费登记台账",
        "乡镇(村(居)协办员)",
        Cadence.MONTHLY,
        "csv",
        "gb18030",
        LinkBy.PERSON_NO,
        (
            _person_no(),
            _name(),
            _id("证件号码", required=False),
            _township_code(),
            Column("village", "村(居)", Kind.TEXT, variants=("村居",)),
            Column("contribution_year", "缴费年度", Kind.YEAR, True, ("缴费年份",)),
            Column("tier", "缴费档次", Kind.AMOUNT),
            Column("amount", "缴费金额", Kind.AMOUNT, True, ("缴费额",)),
            Column("channel", "缴费方式", Kind.ENUM, True, vocabulary=(*PAY_CHANNELS, "现金")),
            Column("registered_on", "登记日期", Kind.DATE, True, ("登记时间",)),
            Column("agent", "协办员", Kind.TEXT),
        ),
    ),
    Feed(
        "township_reports",
        "领取待遇人员死亡、羁押、判刑情况月报",
        "乡镇(街道)社会事务办",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            Column("reporter_code", "上报单位代码", Kind.TOWNSHIP, True, ("单位代码",)),
            Column("reporter_name", "上报单位", Kind.TEXT, variants=("单位名称",)),
            Column("reported_on", "上报日期", Kind.DATE, True),
            _name(),
            _id("身份证号码"),
            Column(
                "situation",
                "情形",
                Kind.ENUM,
                True,
                ("情况",),
                vocabulary=("死亡", "羁押", "判刑", "丧失国籍", "享受其他养老待遇"),
            ),
            Column("event_date", "发生日期", Kind.DATE, True, ("发生时间",)),
            Column("note", "备注", Kind.TEXT),
        ),
    ),
    Feed(
        "tax_receipts",
        "城乡居民养老保险费入库明细",
        "区税务局",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            Column("id_number", "纳税人识别号", Kind.ID, True, ("缴费人识别号",)),
            Column("name", "纳税人名称", Kind.NAME, variants=("缴费人名称",)),
            Column("contribution_year", "费款所属期", Kind.YEAR, True),
            Column("amount", "实缴金额", Kind.AMOUNT, True, ("实缴金额(元)",)),
            Column("booked_on", "入库日期", Kind.DATE, True),
            Column("receipt_no", "税票号码", Kind.TEXT, True, ("电子税票号码",)),
            Column("channel", "征收方式", Kind.ENUM, vocabulary=PAY_CHANNELS),
            Column("tax_office", "征收机关", Kind.TEXT),
        ),
    ),
    Feed(
        "finance_disbursements",
        "待遇资金拨付",
        "区财政局",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.NOBODY,
        (
            Column("disbursed_month", "拨付年月", Kind.MONTH, True),
            Column("disbursed_on", "拨付日期", Kind.DATE, True),
            Column("amount", "拨付金额", Kind.AMOUNT, True, ("拨付金额(元)",)),
            Column("fund_source", "资金来源", Kind.ENUM, vocabulary=("中央", "自治区", "市", "区")),
            Column("document_no", "文号", Kind.TEXT),
        ),
    ),
    Feed(
        "civil_affairs_assistance",
        "低保、特困供养人员名单",
        "区民政局",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            _id("身份证号码"),
            Column("category", "救助类别", Kind.ENUM, True, vocabulary=("城市低保", "农村低保", "特困供养")),
            Column("township_name", "乡镇(街道)", Kind.TEXT),
            Column("start_month", "保障起始年月", Kind.MONTH),
            Column("assistance_status", "保障状态", Kind.ENUM, True, vocabulary=("在保", "停保")),
        ),
    ),
    Feed(
        "civil_affairs_cremations",
        "火化人员名单",
        "区民政局(殡仪馆)",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name("逝者姓名"),
            Column("sex", "性别", Kind.ENUM, vocabulary=("男", "女")),
            _id("身份证号"),
            Column("death_date", "死亡日期", Kind.DATE, True),
            Column("cremated_on", "火化日期", Kind.DATE),
            Column("funeral_home", "殡仪馆", Kind.TEXT),
            Column("domicile", "户籍地", Kind.TEXT),
        ),
    ),
    Feed(
        "cdc_deaths",
        "死亡人员名单",
        "区疾控中心",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            Column("sex", "性别", Kind.ENUM, vocabulary=("男", "女")),
            _id("有效证件号码"),
            Column("birth_date", "出生日期", Kind.DATE),
            Column("death_date", "死亡日期", Kind.DATE, True),
            Column("death_place", "死亡地点", Kind.TEXT),
            Column("address", "户籍地址", Kind.TEXT),
            Column("reported_on", "报告日期", Kind.DATE),
        ),
    ),
    Feed(
        "police_deregistrations",
        "户籍注销人员名单",
        "区公安分局",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            Column("sex", "性别", Kind.ENUM, vocabulary=("男", "女")),
            _id("公民身份号码"),
            Column("deregistered_on", "注销日期", Kind.DATE, True),
            Column(
                "reason",
                "注销原因",
                Kind.ENUM,
                True,
                vocabulary=("死亡", "出国（境）定居", "加入外国国籍", "服现役", "其他"),
            ),
            Column("police_station", "派出所", Kind.TEXT),
            Column("death_date", "死亡日期", Kind.DATE, decides=True),
        ),
    ),
    Feed(
        "court_sentences",
        "刑事判决人员名单",
        "区人民法院",
        Cadence.MONTHLY,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            _id("身份证号"),
            Column("case_no", "案号", Kind.CASE_NO, True),
            Column("charge", "罪名", Kind.TEXT),
            Column(
                "penalty",
                "刑罚种类",
                Kind.ENUM,
                True,
                ("刑种",),
                vocabulary=(
                    "拘役",
                    "有期徒刑",
                    "无期徒刑",
                    "死刑缓期二年执行",
                    "死刑",
                    "管制",
                    "单处罚金",
                    "免予刑事处罚",
                    "无罪",
                ),
            ),
            Column("term", "刑期", Kind.TEXT),
            Column("probation", "缓刑考验期", Kind.TEXT),
            Column("custody_on", "羁押日期", Kind.DATE, decides=True),
            Column("term_start", "刑期起始日期", Kind.DATE, decides=True),
            Column("term_end", "刑期届满日期", Kind.DATE, decides=True),
            Column("effective_on", "判决生效日期", Kind.DATE, True),
            Column("execution", "执行方式", Kind.ENUM, vocabulary=("监内执行", "监外执行", "社区矫正"), decides=True),
        ),
    ),
    Feed(
        "other_pensions",
        "其他养老保险待遇领取人员",
        "自治区社保信息比对",
        Cadence.MONTHLY,
        "csv",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _id("证件号码"),
            _name(),
            Column(
                "scheme",
                "险种",
                Kind.ENUM,
                True,
                ("险种名称",),
                vocabulary=("企业职工基本养老保险", "机关事业单位基本养老保险", "外地城乡居民基本养老保险"),
            ),
            Column("start_month", "待遇起始年月", Kind.MONTH, True, ("待遇开始年月",)),
            Column("insured_place", "参保地", Kind.TEXT),
            Column("matched_on", "比对日期", Kind.DATE),
        ),
    ),
    Feed(
        "health_family_planning",
        "计划生育特殊家庭名单",
        "区卫健委",
        Cadence.ANNUAL,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            _id("身份证号码"),
            Column("family_category", "特殊家庭类别", Kind.ENUM, True, vocabulary=("独生子女死亡", "独生子女伤残")),
            Column("recognised_year", "认定年度", Kind.YEAR, True),
            Column("township_name", "乡镇(街道)", Kind.TEXT),
        ),
    ),
    Feed(
        "veterans_retired",
        "退役军人名单",
        "区退役军人事务局",
        Cadence.ANNUAL,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            _id("公民身份号码"),
            Column("enlisted_on", "入伍时间", Kind.DATE),
            Column("discharged_on", "退役时间", Kind.DATE, True),
            Column("discharge_type", "退役类别", Kind.TEXT),
            Column("resettled_in", "安置地", Kind.TEXT),
        ),
        enriches_only=True,
    ),
    Feed(
        "disability_severe",
        "重度残疾人名单",
        "区残联",
        Cadence.ANNUAL,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            Column("certificate_no", "残疾人证号", Kind.DISABILITY_CERT, True),
            Column("disability_category", "残疾类别", Kind.TEXT),
            Column("disability_grade", "残疾等级", Kind.ENUM, True, vocabulary=("一级", "二级")),
            Column("issued_on", "发证日期", Kind.DATE, decides=True),
            Column("township_name", "乡镇(街道)", Kind.TEXT),
        ),
    ),
    Feed(
        "armed_forces_service",
        "服兵役人员名单",
        "区人武部",
        Cadence.ANNUAL,
        "xlsx",
        "utf-8",
        LinkBy.ID_NUMBER,
        (
            _name(),
            _id("公民身份号码"),
            Column("enlisted_on", "入伍时间", Kind.DATE, True),
            Column("service_status", "服役状态", Kind.ENUM, True, vocabulary=("现役", "已退役")),
            Column("discharged_on", "退役时间", Kind.DATE),
        ),
        enriches_only=True,
    ),
)

FEEDS_BY_NAME: dict[str, Feed] = {feed.name: feed for feed in FEEDS}

# Why a row or a file was refused. Row reasons go to the quarantine table; file reasons to
# the file log. Chinese labels are what inspectors and data engineers read. (The person
# master adds `unresolved_id` for department rows whose mistyped ID matches nobody.)
ROW_REASONS: dict[str, str] = {
    "unrecoverable_id": "证件号码无法识别(如被Excel截断为科学计数法)",
    "invalid_date": "日期或年月无法识别",
    "invalid_amount": "金额无法识别",
    "invalid_code": "编码格式错误(个人编号10位、乡镇代码9位)",
    "missing_required": "必填项为空",
    "unknown_value": "取值不在规定范围内",
    "period_mismatch": "所属期与文件期间不一致",
}
FILE_REASONS: dict[str, str] = {
    "bad_name": "文件名不符合 <数据源>/<期间>.<csv|xlsx> 规则",
    "duplicate_period": "同一数据源同一期间有多个文件",
    "empty": "文件为空或没有数据行",
    "unreadable": "文件无法读取(损坏或格式错误)",
    "encoding": "无法识别文件编码",
    "missing_columns": "缺少必填列",
    "no_header": "找不到表头行",
}
# Why a file that reads was held rather than loaded (pension_audit/ingest/holds.py).
HOLD_REASONS: dict[str, str] = {
    "too_few_rows": "可读行数骤减(与本数据源历史相比)",
    "quarantine_jump": "隔离比例骤升",
}
