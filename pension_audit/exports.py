"""Exports of the marts: the findings list and township accountability, as CSV (for
programs, with the exact English header), XLSX (Chinese headers: what an inspector opens)
and JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from pension_audit.home import Home
from pension_audit.queries import has_table, read


@dataclass(frozen=True)
class Field:
    name: str  # CSV/JSON header
    label: str  # XLSX header
    sql: str  # expression over the mart
    width: int = 12


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


def _query(home: Home, mart: str, fields: tuple[Field, ...], where: str = "", params=None,
           order: str = "1") -> list[tuple]:
    if not has_table(home, "marts", mart):
        raise NotBuilt(mart)
    cols = ", ".join(f"{f.sql} AS {f.name}" for f in fields)
    return read(home, f"SELECT {cols} FROM marts.{mart} {where} ORDER BY {order}", params)


def findings(home: Home, xlsx: bool = False) -> tuple[tuple[Field, ...], list[tuple]]:
    fields = FINDING_FIELDS + (FINDING_XLSX_EXTRA if xlsx else ())
    return fields, _query(home, "findings", fields, order="exception_type, township_code, id_number, finding_key")


def accountability(home: Home, year: int | None, xlsx: bool = False) -> tuple[tuple[Field, ...], list[tuple]]:
    fields = ACCOUNTABILITY_FIELDS + (ACCOUNTABILITY_XLSX_EXTRA if xlsx else ())
    where, params = ("WHERE year = ?", [year]) if year else ("", None)
    return fields, _query(home, "accountability_township_year", fields, where, params, order="year, township_code")


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def write_csv(fields, rows, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(f.name for f in fields)
    writer.writerows([_plain(v) for v in row] for row in rows)


def write_json(fields, rows, stream) -> None:
    json.dump([{f.name: _plain(v) for f, v in zip(fields, row)} for row in rows], stream,
              ensure_ascii=False, indent=1)
    stream.write("\n")


def write_xlsx(fields, rows, path: Path | BinaryIO, sheet: str) -> None:
    """Chinese headers, a frozen header row, sensible widths, amounts as numbers to the fen.
    `path` may be a file or an in-memory stream (an HTTP download)."""
    import xlsxwriter

    in_file = isinstance(path, Path)
    book = xlsxwriter.Workbook(str(path) if in_file else path,
                               {"constant_memory": True} if in_file else {"in_memory": True})
    ws = book.add_worksheet(sheet)
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    money = book.add_format({"num_format": "#,##0.00"})
    text = book.add_format({"num_format": "@"})
    for col, field in enumerate(fields):
        ws.set_column(col, col, field.width)
        ws.write(0, col, field.label, header)
    ws.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, Decimal):
                ws.write_number(r, col, float(value), money)  # display only; the CSV carries exact text
            elif isinstance(value, str):
                ws.write_string(r, col, value, text)
            else:
                ws.write(r, col, value)
    if rows:
        ws.autofilter(0, 0, len(rows), len(fields) - 1)
    book.close()


def export(fields, rows, fmt: str, out: Path | None, sheet: str, stdout) -> None:
    if fmt == "xlsx":
        if out is None:
            raise ValueError("XLSX 需要 --out 指定输出文件")
        write_xlsx(fields, rows, out, sheet)
        return
    buffer = io.StringIO()
    (write_csv if fmt == "csv" else write_json)(fields, rows, buffer)
    if out:
        out.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        stdout.write(buffer.getvalue())
