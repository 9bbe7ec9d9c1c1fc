"""Exports of the marts: the findings list and township accountability, with their exact
headers (`pension-audit findings`, `pension-audit accountability`)."""

from __future__ import annotations

from pathlib import Path

from orchestration.warehouse_queries import has_table, read
from reports.tables import Field

FINDING_FIELDS = (
    Field("exception_type", "疑点类型", "exception_type", 20),
    Field("id_number", "证件号码", "coalesce(id_number, '')", 21),
    Field("name", "姓名", "coalesce(name, '')", 12),
    Field("township_code", "乡镇(街道)代码", "coalesce(township_code, '')", 12),
    Field("event_period", "事件期间", "event_period", 10),
    Field("first_improper_month", "首个不当发放月", "coalesce(first_improper_month, '')", 12),
    Field("last_improper_month", "末个不当发放月", "coalesce(last_improper_month, '')", 12),
    Field("improper_months", "不当发放月数", "improper_months", 10),
    Field("overpaid_amount", "涉及金额(元)", "overpaid_amount", 14),
    Field("identity", "身份匹配", "identity", 9),
    Field("evidence", "证据行", "array_to_string(evidence, ';')", 60),
)
FINDING_XLSX_EXTRA = (
    Field("exception_label", "疑点名称", "exception_label", 20),
    Field("conflict", "来源冲突", "coalesce(conflict, '')", 30),
    Field("finding_key", "疑点编号", "finding_key", 40),
)

AWAITING_FIELDS = (
    Field("exception_type", "疑点类型", "exception_type", 20),
    Field("name", "姓名", "coalesce(name, '')", 12),
    Field("township_code", "乡镇(街道)代码", "coalesce(township_code, '')", 12),
    Field("person_no", "个人编号", "coalesce(person_no, '')", 12),
    Field("event_period", "事件期间", "coalesce(event_period, '')", 10),
    Field("missing_inputs", "所缺数据期间", "missing_inputs", 50),
    Field("finding_key", "疑点编号", "finding_key", 40),
)

ACCOUNTABILITY_FIELDS = (
    Field("township_code", "乡镇(街道)代码", "township_code", 12),
    Field("township_name", "乡镇(街道)", "township_name", 14),
    Field("year", "年度", "year", 8),
    Field("recipients", "领取待遇人数", "recipients", 10),
    Field("events", "应报事件数", "events", 10),
    Field("on_time", "按时上报", "on_time", 9),
    Field("late", "迟报", "late", 8),
    Field("missed", "漏报", "missed", 8),
    Field("pending", "待报", "pending", 8),
    Field("awaiting", "待数据", "awaiting", 8),
    Field("awaiting_inputs", "所缺数据期间", "coalesce(awaiting_inputs, '')", 30),
    Field("attributable_loss", "可归责损失(元)", "attributable_loss", 14),
    Field("improper_months", "不当发放月数", "improper_months", 10),
    Field("overpaid_amount", "不当发放金额(元)", "overpaid_amount", 14),
    Field("certification_coverage", "认证覆盖率", "coalesce(cast(certification_coverage as varchar), '')", 10),
)
ACCOUNTABILITY_XLSX_EXTRA = (
    Field("on_time_rate", "按时上报率", "coalesce(cast(on_time_rate as varchar), '')", 10),
    Field("loss_rank", "排名", "loss_rank", 6),
)


class NotBuilt(Exception):
    """The marts do not exist yet: `pension-audit run` has not built them."""


def _query(
    warehouse: Path, mart: str, fields: tuple[Field, ...], where: str = "", params=None, order: str = "1"
) -> list[tuple]:
    if not has_table(warehouse, "marts", mart):
        raise NotBuilt(mart)
    cols = ", ".join(f"{f.sql} AS {f.name}" for f in fields)
    return read(warehouse, f"SELECT {cols} FROM marts.{mart} {where} ORDER BY {order}", params)


def findings(warehouse: Path, xlsx: bool = False) -> tuple[tuple[Field, ...], list[tuple]]:
    fields = FINDING_FIELDS + (FINDING_XLSX_EXTRA if xlsx else ())
    return fields, _query(warehouse, "findings", fields, order="exception_type, township_code, id_number, finding_key")


def awaiting(warehouse: Path, xlsx: bool = False) -> tuple[tuple[Field, ...], list[tuple]]:
    """The findings awaiting data: not decided while a feed-period they need is late."""
    return AWAITING_FIELDS, _query(
        warehouse, "findings_awaiting", AWAITING_FIELDS, order="exception_type, event_period, finding_key"
    )


def accountability(warehouse: Path, year: int | None, xlsx: bool = False) -> tuple[tuple[Field, ...], list[tuple]]:
    fields = ACCOUNTABILITY_FIELDS + (ACCOUNTABILITY_XLSX_EXTRA if xlsx else ())
    where, params = ("WHERE year = ?", [year]) if year else ("", None)
    return fields, _query(warehouse, "accountability_township_year", fields, where, params, order="year, township_code")
