"""Lists as files: CSV (for programs, with an exact English header), XLSX (Chinese headers,
what an inspector opens) and JSON. Money stays exact: CSV and JSON carry it as text to the fen."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter


@dataclass(frozen=True)
class Field:
    name: str  # CSV/JSON header
    label: str  # XLSX header
    sql: str  # expression over the mart
    width: int = 12


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def write_csv(fields, rows, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(f.name for f in fields)
    writer.writerows([_plain(v) for v in row] for row in rows)


def write_json(fields, rows, stream) -> None:
    json.dump([{f.name: _plain(v) for f, v in zip(fields, row)} for row in rows], stream, ensure_ascii=False, indent=1)
    stream.write("\n")


def write_xlsx(fields, rows, path: Path | BinaryIO, sheet: str, footer: tuple | None = None) -> None:
    """Chinese headers, a frozen header row, sensible widths, amounts as numbers to the fen.
    `path` may be a file or an in-memory stream (an HTTP download). `footer`: a 合计 row under
    the list, in bold and outside the filter, so sorting the list never moves it."""
    in_file = isinstance(path, Path)
    book = xlsxwriter.Workbook(
        str(path) if in_file else path, {"constant_memory": True} if in_file else {"in_memory": True}
    )
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
    if footer is not None:
        r = len(rows) + 1
        formats = {
            "money": book.add_format({"num_format": "#,##0.00", "bold": True, "top": 1}),
            "text": book.add_format({"num_format": "@", "bold": True, "top": 1}),
            "other": book.add_format({"bold": True, "top": 1}),
        }
        for col, value in enumerate(footer):
            if isinstance(value, Decimal):
                ws.write_number(r, col, float(value), formats["money"])
            elif isinstance(value, str):
                ws.write_string(r, col, value, formats["text"])
            elif value is not None:
                ws.write(r, col, value, formats["other"])
            else:
                ws.write_blank(r, col, None, formats["other"])
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
