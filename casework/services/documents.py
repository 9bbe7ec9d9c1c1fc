"""Issued documents as the casework knows them: which file a notice stands as, and voiding
(作废) one. Rendering and numbering are the documents' (reports.documents.issuance); voiding is
here so that an approved correction can void the notices that rested on earlier figures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Conflict, Invalid
from casework.models import Case, IssuedDocument, IssuedFile, User, utcnow
from casework.services import audit


def standing_file(session: Session, subject: str) -> IssuedFile | None:
    """The file a notice of this subject stands as (the latest issued, not voided), any kind."""
    return session.scalar(
        select(IssuedFile)
        .where(IssuedFile.subject == subject, IssuedFile.voided_at.is_(None))
        .order_by(IssuedFile.id.desc())
        .limit(1)
    )


def void_file(session: Session, user: User, issued: IssuedFile, reason: str) -> IssuedFile:
    """作废 an issued file with the reason: kept as issued and marked, its 文号 spent (never given
    again); the notice may then be issued again. Audited."""
    if issued.voided_at is not None:
        raise Conflict("already_voided", "该文书已作废")
    why = (reason or "").strip()
    if len(why) < 2:
        raise Invalid("reason_required", "请填写作废原因")
    before = audit.snapshot(issued)
    issued.voided_at, issued.voided_by, issued.void_reason = utcnow(), user.id, why
    numbers = list(session.scalars(select(IssuedDocument).where(IssuedDocument.file_id == issued.id)))
    for numbered in numbers:
        numbered.voided_at = issued.voided_at
    case = session.get(Case, issued.case_id) if issued.case_id is not None else None
    audit.record(
        session,
        user,
        "document_voided",
        issued,
        before,
        f"{issued.title} {'、'.join(n.document_no for n in numbers)} 作废：{why}",
        issued.case_id,
        case.person_id if case is not None else None,
    )
    return issued
