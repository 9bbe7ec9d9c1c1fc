"""Every number the synthetic district is built from, in one place.

Scales, the policy table (basic pension by year), contribution tiers, event rates and the
word lists for names and places. Rates are per person per year unless said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    people: int  # distinct enrolled persons
    months: int  # months covered
    start: str  # first month, YYYY-MM


SCALES: dict[str, Scale] = {
    "tiny": Scale(people=300, months=12, start="2025-01"),
    "small": Scale(people=5_000, months=24, start="2024-01"),
    "district": Scale(people=120_000, months=36, start="2023-01"),
    # About 1,000,000 receiving (a third of those enrolled), one year: the scale a province
    # adopting the platform brings (issue 7); generating it takes minutes and gigabytes.
    "province": Scale(people=3_000_000, months=12, start="2025-01"),
}

# 基础养老金 (元/月) by calendar year: national minimum plus the region's top-up. A year
# beyond the table uses the last entry.
BASIC_PENSION: dict[int, float] = {
    2019: 128.0,
    2020: 133.0,
    2021: 138.0,
    2022: 148.0,
    2023: 163.0,
    2024: 183.0,
    2025: 203.0,
}
ACCOUNT_DIVISOR = 139  # 个人账户养老金 = balance at benefit start / 139
CONTRIBUTION_TIERS = (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000, 3000)
TIER_WEIGHTS = (30, 28, 12, 6, 8, 3, 2, 2, 1, 4, 2, 1, 1)
SUBSIDY_TIER = 100  # 政府代缴 pays the lowest tier
PROGRAM_START = "2011-07-01"  # 城乡居民养老保险 in the district

OUTSIDER_SHARE = 0.30  # residents who are not enrolled, seen only by the departments
RECEIVING_SHARE = 1 / 3  # share of enrolled persons aged 60+

# --- identity ----------------------------------------------------------------------------
REGIONS = ("150404", "150402", "150403", "150421")
REGION_WEIGHTS = (0.85, 0.05, 0.05, 0.05)
HMT_REGIONS = ("810000", "820000", "830000")
DUPLICATE_ENROLMENT_RATE = 0.003
# doc type -> share of enrolled persons (at least one each at every scale)
OTHER_DOC_RATES = {
    "社会保障卡": 0.012,
    "港澳台居民居住证": 0.002,
    "外国人永久居留身份证": 0.002,
    "护照": 0.001,
}
SYSTEM_ID_MESS_RATE = 0.03  # roster records whose stored ID is in a legacy/odd form
DEPT_ID_MESS_RATE = 0.06  # department rows whose ID arrives in an odd (still readable) form
DEPT_ID_TYPO_RATE = 0.004  # department rows with a wrong check digit
NAME_MESS_RATE = 0.03
MONGOLIAN_NAME_RATE = 0.05

# --- life events -------------------------------------------------------------------------
DEATH_HANDLING = {"on_time": 0.65, "late": 0.25, "never": 0.10}
DEATH_SOURCE_COVERAGE = {"cdc": 0.92, "cremation": 0.75, "police": 0.85}
TOWNSHIP_REPORTING = {"on_time": 0.60, "late": 0.25, "missed": 0.15}
SENTENCE_RATE = 0.008
SENTENCE_PENALTIES = {
    "有期徒刑": 40,
    "拘役": 15,
    "管制": 8,
    "单处罚金": 12,
    "免予刑事处罚": 5,
    "无期徒刑": 2,
    "死刑缓期二年执行": 1,
    "死刑": 1,
    "无罪": 4,
}
PRISON_HANDLING = {"suspended": 0.55, "never": 0.45}
OTHER_PENSION_RATE = 0.004  # of recipients, over the whole window
OTHER_PENSION_SCHEMES = (
    "企业职工基本养老保险",
    "机关事业单位基本养老保险",
    "外地城乡居民基本养老保险",
)
NATIONALITY_RATE = 0.0005
ASSISTANCE_RATE = 0.05
DISABILITY_RATE = 0.015
FAMILY_PLANNING_RATE = 0.004
VETERAN_RATE = 0.02
SERVICE_RATE = 0.01

# --- money and registration --------------------------------------------------------------
PAY_FAIL_RATE = 0.004
PAY_RETURN_RATE = 0.001
PAY_CLAWBACK_RATE = 0.002
PAY_DUPLICATE_RATE = 0.0003
CERT_FAIL_RATE = 0.04
CERT_NEVER_RATE = 0.03
CONTRIB_PAUSE_RATE = 0.08
CASH_RATE = 0.005
SUBSIDY_TAKEUP = 0.92  # special-group contributors whose contribution the government pays
SUBSIDY_INELIGIBLE_RATE = 0.003
TAX_MISSING_RATE = 0.015  # registrations with no receipt
TAX_ORPHAN_RATE = 0.005  # receipts with no registration
FINANCE_GAP_RATE = 0.10  # months whose disbursement differs from what was paid
FUND_SHARES = {"中央": 0.55, "自治区": 0.25, "市": 0.10, "区": 0.10}

# --- file messiness ----------------------------------------------------------------------
QUARANTINE_RATE = (0.003, 0.01)  # per file, share of data rows planted with one problem
DEPT_AS_CSV_RATE = 0.08  # a usually-XLSX department file sent as CSV (and vice versa)
EXTRA_COLUMNS = ("序号", "联系电话", "备注2", "经办人")

# --- words -------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
    "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
    "龙万段雷钱汤尹黎易常武乔贺赖龚文包"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩凯健俊帆"
    "帅旭宁龙林欢阳建国建华建军志强志明海燕海涛春梅春花丽娟淑珍淑兰凤英凤兰桂芝秀珍玉兰"
    "文福德贵金山银花宝山振华振国永生长林喜"
)
MONGOLIAN_PARTS = (
    "阿拉坦",
    "其木格",
    "巴特尔",
    "乌力吉",
    "图雅",
    "苏日娜",
    "额尔敦",
    "朝鲁",
    "斯琴",
    "娜仁",
    "宝音",
    "那日苏",
    "孟和",
    "敖登",
    "格日勒",
    "布和",
    "哈斯",
    "萨仁",
    "乌兰",
    "巴图",
    "特木尔",
    "达来",
)
VILLAGE_STEMS = (
    "前进",
    "红旗",
    "东风",
    "新地",
    "王家",
    "李家",
    "大营子",
    "南营子",
    "北山",
    "西沟",
    "东沟",
    "五家",
    "三家",
    "二道沟",
    "头道沟",
    "太平",
    "和平",
    "兴隆",
    "永丰",
    "富民",
    "三眼井",
    "七家",
    "马架子",
    "双井",
)
CHARGES = (
    "盗窃罪",
    "故意伤害罪",
    "诈骗罪",
    "危险驾驶罪",
    "交通肇事罪",
    "寻衅滋事罪",
    "赌博罪",
    "非法采矿罪",
    "滥伐林木罪",
    "失火罪",
    "合同诈骗罪",
    "非法吸收公众存款罪",
)
POLICE_STATIONS = (
    "振兴派出所",
    "向阳派出所",
    "松州派出所",
    "铁东派出所",
    "穆家营子派出所",
    "初头朗派出所",
    "大庙派出所",
    "王府派出所",
    "老府派出所",
    "安庆派出所",
)
FUNERAL_HOMES = ("松山区殡仪馆", "赤峰市殡仪馆", "松山区殡仪服务中心")
DEATH_PLACES = ("家中", "医院", "养老机构", "其他")
DISABILITY_CATEGORIES = (
    "视力残疾",
    "听力残疾",
    "言语残疾",
    "肢体残疾",
    "智力残疾",
    "精神残疾",
    "多重残疾",
)
