"""Findings and persons: lists with filters and pages, a finding's evidence, a person's view."""

import dataclasses
import functools
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.cache import AnswerCache, findings_revision
from api.deps import CurrentUser, GlimpsedUser, ReadSession, Refs
from api.schemas import (
    NO_CONTROL_CHARACTERS,
    TOWNSHIP_PATTERN,
    CaseBrief,
    FindingDetail,
    FindingMonthOut,
    FindingOut,
    FindingVersionOut,
    Message,
    Page,
    Period,
    PersonEventOut,
    PersonOut,
    PersonRecordOut,
)
from casework.errors import NotFound
from casework.models import Finding, FindingStatus, User
from casework.services import findings as service
from casework.services.access import findings_scope
from casework.services.persons import REF_PATTERN, PersonRefs

NOBODY = ""  # a person id no finding has: a reference to nobody finds nothing

router = APIRouter(tags=["稽核疑点"], responses={401: {"model": Message}, 403: {"model": Message}})

Key = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)]


@router.get("/findings", response_model=Page[FindingOut], summary="疑点清单（可筛选、分页）")
async def list_findings(
    request: Request,
    seen: GlimpsedUser,
    exception_type: Annotated[str | None, Query(max_length=32, description="疑点类型代码")] = None,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_PATTERN)] = None,
    month: Annotated[Period | None, Query(description="事件期间 YYYY-MM 或 YYYY（亦可 YYYY/MM、YYYY年M月）")] = None,
    status: FindingStatus | None = None,
    person: Annotated[str | None, Query(pattern=REF_PATTERN, description="人员（人员视图地址中的人员编码）")] = None,
    min_amount: Annotated[Decimal | None, Query(ge=0, max_digits=11, decimal_places=2)] = None,
    max_amount: Annotated[Decimal | None, Query(ge=0, max_digits=11, decimal_places=2)] = None,
    sort: Annotated[
        str,
        Query(
            pattern=r"^-?(amount|period|type|township)$", description="排序：字段前加“-”为降序（-amount 金额从高到低）"
        ),
    ] = "-amount",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The list most asked for: an answer kept for this question at the store's revision is sent
    from the event loop (api.cache); only a new question, or a changed store, takes a worker
    thread and a read transaction."""
    answers: AnswerCache = request.app.state.findings_answers
    scope = findings_scope(seen.user)  # 403 before anything is read
    f = service.FindingFilter(exception_type, township_code, month, status, min_amount, max_amount, None)
    if person is None:
        body = answers.get(seen.revision, (scope, f, page, size, sort))
        if body is not None:
            return Response(body, media_type="application/json")
    read = functools.partial(_read_findings, request, seen.user, f, person, page, size, sort)
    return Response(await run_in_threadpool(read), media_type="application/json")


def _read_findings(
    request: Request, user: User, f: service.FindingFilter, person: str | None, page: int, size: int, sort: str
) -> bytes:
    refs: PersonRefs = request.app.state.person_refs
    answers: AnswerCache = request.app.state.findings_answers
    with request.app.state.read_sessions() as session:
        revision = findings_revision(session)  # first read of this transaction: the list is read as of it
        if person:
            f = dataclasses.replace(f, person_id=refs.resolve(session, person) or NOBODY)
        question = (findings_scope(user), f, page, size, sort)
        body = answers.get(revision, question)
        if body is None:
            items, total = service.list_findings(session, user, f, page, size, sort)
            body = (
                Page[FindingOut](
                    items=[FindingOut.model_validate(i, context={"refs": refs}) for i in items],
                    total=total,
                    page=page,
                    size=size,
                )
                .model_dump_json()
                .encode()
            )
            answers.put(revision, question, body)
        return body


@router.get(
    "/findings/{finding_key}",
    response_model=FindingDetail,
    responses={404: {"model": Message}},
    summary="疑点详情：证据行、各月金额、历次版本",
)
def get_finding(finding_key: Key, user: CurrentUser, session: ReadSession, refs: Refs) -> FindingDetail:
    finding: Finding = service.get_finding(session, user, finding_key)
    detail = FindingDetail.model_validate(finding, context={"refs": refs})
    detail.months = [FindingMonthOut.model_validate(m) for m in service.finding_months(session, finding_key)]
    detail.versions = [FindingVersionOut.model_validate(v) for v in service.finding_versions(session, finding_key)]
    return detail


PersonRef = Annotated[str, Path(pattern=REF_PATTERN, description="人员编码（不含证件号码，长期不变）")]


def person_of(session: Session, refs: PersonRefs, ref: str) -> str:
    """The person behind a reference in a URL (404 when there is none)."""
    person_id = refs.resolve(session, ref)
    if person_id is None:
        raise NotFound("人员")
    return person_id


@router.get(
    "/persons/{ref}",
    response_model=PersonOut,
    responses={404: {"model": Message}},
    summary="人员视图：参保记录、事件时间线与证据、不当发放月份、案件",
)
async def get_person(ref: PersonRef, request: Request, seen: GlimpsedUser) -> Response:
    """Signed in from the event loop (api.cache.Glance), then one worker thread reads the person
    and serialises the answer: not a session and five thread trips to check a token, hand the
    connection back and validate the answer again."""
    read = functools.partial(_read_person, request, seen.user, ref)
    return Response(await run_in_threadpool(read), media_type="application/json")


def _read_person(request: Request, user: User, ref: str) -> bytes:
    refs: PersonRefs = request.app.state.person_refs
    with request.app.state.read_sessions() as session:
        view = service.person_view(session, user, person_of(session, refs, ref))
        return (
            PersonOut(
                person_id=view.person_id,
                person_ref=ref,
                name=view.name,
                id_number=view.id_number,
                township_code=view.township_code,
                records=[PersonRecordOut.model_validate(r) for r in view.records],
                events=[PersonEventOut.model_validate(e) for e in view.events],
                findings=[FindingOut.model_validate(f, context={"refs": refs}) for f in view.findings],
                improper_money=[FindingMonthOut.model_validate(m) for m in view.money],
                cases=[CaseBrief.model_validate(c) for c in view.cases],
            )
            .model_dump_json()
            .encode()
        )
