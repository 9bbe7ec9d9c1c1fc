"""Honest errors: every refusal is a 4xx with a stable code for programs and a Chinese
message for people. Nothing a client sends may produce a 500; what fails nonetheless answers a
500 in Chinese too (`Failures`), and is logged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework.errors import Problem

log = logging.getLogger("pension_audit.api")
INTERNAL_MESSAGE = "系统内部错误，请求未能完成（已记录）：请稍后重试，仍不成功请联系系统管理员"

HTTP_MESSAGES = {
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "未找到该页面或记录"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "不支持请求的格式"),
    415: ("unsupported_media_type", "不支持的请求内容类型"),
}

FIELD_ERRORS = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为金额（元，最多两位小数）",
    "decimal_max_places": "金额最多两位小数",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "enum": "不在允许的取值范围内",
    "literal_error": "不在允许的取值范围内",
    "greater_than": "应大于零",
    "greater_than_equal": "超出允许范围",
    "less_than_equal": "超出允许范围",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
}


# Fields by the names people know them by (the API's and the console's forms share them).
FIELD_LABELS = {
    "username": "用户名",
    "password": "密码",
    "display_name": "姓名",
    "role": "岗位",
    "township_code": "乡镇（街道）代码",
    "finding_key": "疑点编号",
    "reason": "理由",
    "note": "复核意见",
    "version": "版本",
    "case_version": "案件版本",
    "kind": "申请类别",
    "from_month": "停发起始年月",
    "resume_month": "恢复发放年月",
    "custody_rule": "结算依据",
    "demand_id": "核销通知",
    "addressee": "被通知人",
    "relation": "与当事人关系",
    "voucher_no": "缴存凭证号",
    "amount": "退还金额",
    "paid_on": "缴存日期",
    "visited_on": "走访日期",
    "staff": "在场工作人员",
    "evidence_ref": "执法记录仪影像编号",
    "effective_from": "生效日期",
    "account_name": "户名",
    "bank": "开户银行",
    "account_no": "账号",
}
FIELD_ERRORS.update(
    {"date_from_datetime_inexact": "应为日期（YYYY-MM-DD）", "too_long": "过多", "less_than": "超出允许范围"}
)


def _field_message(error: dict) -> str:
    names = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
    where = ".".join(FIELD_LABELS.get(n, n) for n in names)
    if error.get("type") == "value_error":  # our own validators say it in Chinese
        reason = str(error.get("ctx", {}).get("error", "取值无效"))
    else:
        reason = FIELD_ERRORS.get(error.get("type", ""), "取值无效")
    return f"{where or '请求'}：{reason}"


def describe(errors: list) -> str:
    """A validation's errors in one Chinese sentence: what is wrong with which field."""
    return "；".join(_field_message(e) for e in errors[:10])


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return JSONResponse(
            {
                "code": "invalid_request",
                "message": "请求有误：" + describe(errors),
                "fields": [
                    {"field": ".".join(str(p) for p in e.get("loc", ())), "type": e.get("type")} for e in errors
                ],
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理"))
        if isinstance(exc.detail, dict):
            code, message = exc.detail.get("code", code), exc.detail.get("message", message)
        return JSONResponse(
            {"code": code, "message": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        return JSONResponse({"code": "stale_version", "message": "记录已被他人同时更新，请刷新后重试"}, status_code=409)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return JSONResponse(
            {"code": "conflict", "message": "与已有记录冲突（可能重复提交），请刷新后重试"}, status_code=409
        )

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" in str(exc.orig) or "could not serialize" in str(exc.orig):
            return JSONResponse({"code": "busy", "message": "系统繁忙，请稍后重试"}, status_code=409)
        raise exc


async def internal_answer(_request: Request) -> Response:
    return JSONResponse({"code": "internal_error", "message": INTERNAL_MESSAGE}, status_code=500)


class Failures:
    """An exception no handler answers is logged with its request and answered 500 in Chinese,
    inside the other middleware: the answer gets their headers and its audit record. Left to
    Starlette, it is answered outside them all, in English, and uvicorn then drops the
    connection (a client on keep-alive sees it reset)."""

    def __init__(self, app: ASGIApp, answer: Callable[[Request], Awaitable[Response]] = internal_answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except ClientDisconnect:
            raise  # the client left, or was refused its body (api.guards.BodyLimit): no one to answer
        except Exception:
            log.exception("请求 %s %s 未能完成（未预料的错误）", scope["method"], scope["path"])
            if started:
                raise  # part of the answer is out: nothing honest is left but to drop the connection
            response = await self.answer(Request(scope, receive))
            await response(scope, receive, send)
