"""The notices of a township and month in one PDF, for printing in one go: every notice issued
(not voided) for that township whose issue falls in the month (北京时间), in 文号 order.

Nothing is rendered and nothing is numbered: the batch is the kept bytes of each issued file,
page for page, combined with pypdf (a GET never issues). The notices are printed on both sides
of the sheet, as GB/T 9704 lays them out (page numbers outside: odd on the right, even on the
left), so each notice starts on an odd page: after a notice with an odd number of pages a blank
page is put in, and no two notices share a sheet. Each notice is a bookmark, by its 文号."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import IssuedDocument, IssuedFile, User
from casework.services.townships import township_name, township_names
from pension_audit.settings import BUREAU_TIMEZONE
from reports.documents.common import Nothing, allow, township_scope

# The notices a township's batch holds, in the order their 文号 sequences are printed.
NOTICES = ("recovery-notice", "return-notice", "deregistration-notice", "benefit-notice")


@dataclass
class Batch:
    township: str
    month: str
    title: str
    files: list[IssuedFile]
    numbers: dict[int, list[IssuedDocument]] = field(default_factory=dict)  # file id → its 文号

    @property
    def filename(self) -> str:
        return f"notices-{self.township}-{self.month}.pdf"

    def pdf(self) -> bytes:
        """The kept bytes of each file, one after the other, each starting on an odd page."""
        writer = PdfWriter()
        for position, issued in enumerate(self.files):
            reader = PdfReader(io.BytesIO(issued.content))
            start = len(writer.pages)
            writer.append(reader, import_outline=False)
            writer.add_outline_item(title=self.label(issued), page_number=start)
            last = position == len(self.files) - 1
            if len(reader.pages) % 2 == 1 and not last:
                box = reader.pages[-1].mediabox
                writer.add_blank_page(float(box.width), float(box.height))
        writer.add_metadata({"/Title": self.title, "/Producer": "pension-audit"})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def label(self, issued: IssuedFile) -> str:
        numbers = [n.document_no for n in self.numbers.get(issued.id, [])]
        if not numbers:
            return issued.title
        more = f"等{len(numbers)}件" if len(numbers) > 1 else ""
        return f"{numbers[0]}{more} {issued.title}"


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The month in 北京时间 as naive UTC bounds [start, end), as `issued_at` is stored."""
    year, number = int(month[:4]), int(month[5:7])
    following = (year + 1, 1) if number == 12 else (year, number + 1)
    zone = ZoneInfo(BUREAU_TIMEZONE)

    def utc(y: int, m: int) -> dt.datetime:
        return dt.datetime(y, m, 1, tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)

    return utc(year, number), utc(*following)


def batch(session: Session, user: User | None, township: str, month: str) -> Batch:
    """The issued notices of a township and month, in 文号 order. A township officer has only
    their own township's (another's does not exist for them: 404); nothing issued: 404."""
    allow(user, "read")
    township = township_scope(user, township) or township
    start, end = month_bounds(month)
    files = list(
        session.scalars(
            select(IssuedFile).where(
                IssuedFile.kind.in_(NOTICES),
                IssuedFile.township_code == township,
                IssuedFile.voided_at.is_(None),
                IssuedFile.issued_at >= start,
                IssuedFile.issued_at < end,
            )
        )
    )
    names = township_names(session)
    if names and township not in names:
        raise Nothing("unknown_township", f"没有代码为 {township} 的乡镇（街道）")
    name = township_name(names, township)
    year, number = int(month[:4]), int(month[5:7])
    if not files:
        raise Nothing("nothing_issued", f"{name}{year}年{number}月没有已出具（未作废）的通知书")
    numbers: dict[int, list[IssuedDocument]] = {f.id: [] for f in files}
    for numbered in session.scalars(
        select(IssuedDocument).where(IssuedDocument.file_id.in_(numbers)).order_by(IssuedDocument.number)
    ):
        numbers[numbered.file_id or 0].append(numbered)

    def order(issued: IssuedFile) -> tuple:
        first = min(((n.year, n.number) for n in numbers[issued.id]), default=(9999, 0))
        return (NOTICES.index(issued.kind), *first, issued.id)

    files.sort(key=order)
    title = f"{name}{year}年{number}月已出具通知书（{len(files)}份）"
    return Batch(township, month, title, files, numbers)
