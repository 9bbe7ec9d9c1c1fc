"""The payroll hold list for the payment system: JSON, CSV (English header, for programs) or
XLSX (Chinese headers, for people)."""

import io
from dataclasses import astuple
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import CurrentUser, ReadSession
from api.schemas import HoldList, Message, Month
from casework.services import payroll
from casework.services.access import require
from reports.tables import Field, write_csv, write_xlsx

router = APIRouter(
    tags=["待遇发放"], responses={401: {"model": Message}, 403: {"model": Message}, 422: {"model": Message}}
)

HOLD_FIELDS = (
    Field("section", "类别", "", 10),
    Field("person_no", "个人编号", "", 14),
    Field("person_id", "人员标识", "", 21),
    Field("id_number", "证件号码", "", 21),
    Field("name", "姓名", "", 12),
    Field("township_code", "乡镇(街道)代码", "", 12),
    Field("reason_code", "原因代码", "", 9),
    Field("reason_label", "原因", "", 24),
    Field("hold_kind", "暂停/终止", "", 9),
    Field("from_month", "停发起始年月", "", 12),
    Field("until_month", "恢复年月", "", 10),
    Field("case_id", "案件号", "", 8),
    Field("finding_key", "疑点编号", "", 40),
)
SECTION_LABELS = {"held": "停发", "pending_review": "待复核（建议暂停）"}


@router.get(
    "/payroll/holds",
    response_model=HoldList,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
    summary="某发放年月不得发放的记录（附原因代码），及待复核建议暂停的记录",
)
def holds(
    user: CurrentUser,
    session: ReadSession,
    month: Annotated[Month, Query(description="发放年月 YYYY-MM（亦可 YYYY/MM、YYYY年M月）")],
    format: Literal["json", "csv", "xlsx"] = "json",
):
    require(user, "payroll")
    rows = payroll.holds_for_month(session, month)
    if format == "json":
        return HoldList(
            month=month,
            held=[r for r in rows if r.section == "held"],
            pending_review=[r for r in rows if r.section != "held"],
        )
    values = [tuple("" if v is None else v for v in astuple(r)) for r in rows]
    if format == "csv":
        text = io.StringIO()
        write_csv(HOLD_FIELDS, values, text)
        return Response(
            text.getvalue().encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="holds-{month}.csv"'},
        )
    labelled = [(SECTION_LABELS[v[0]], *v[1:]) for v in values]
    buffer = io.BytesIO()
    write_xlsx(HOLD_FIELDS, labelled, buffer, f"{month}停发名单")
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="holds-{month}.xlsx"'},
    )
