"""Refusals: every request the service refuses carries a stable code for programs and a
Chinese message for people (the web layer turns them into 4xx answers)."""

from __future__ import annotations


class Problem(Exception):
    """A request the service refuses, and why."""

    status = 400
    on_record = False  # the refusal wrote to the audit log: committed, not rolled back

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status


class NotFound(Problem):
    status = 404

    def __init__(self, what: str = "记录"):
        super().__init__("not_found", f"未找到该{what}，或您无权查看")


class Forbidden(Problem):
    status = 403


class Conflict(Problem):
    status = 409


class Invalid(Problem):
    status = 422


def stale(kind: str, current: int) -> Conflict:
    return Conflict("stale_version", f"该{kind}已被他人更新（当前版本 {current}），请刷新后重试")
