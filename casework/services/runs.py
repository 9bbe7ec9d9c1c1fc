"""What the console shows of runs and of match quality: each build's run (its manifest, as the
publication keeps it) and the published identity statistics, month by month."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import Finding, IssuedDocument, IssuedFile, User
from casework.published import IdentityStat, Publication, PublicationStatus
from casework.services.access import findings_scope
from pension_audit.ingest.feeds import FEEDS_BY_NAME

# The counts of identity_stats, in the order the console shows them, with their Chinese names.
METHODS = (
    ("exact", "精确"),
    ("upgraded_15", "15位升18位"),
    ("check_digit", "校正校验位"),
    ("fuzzy", "模糊（同名一处错）"),
    ("by_person_no", "按个人编号"),
    ("unresolved", "未能关联"),
    ("not_enrolled", "号码不在名册"),
    ("unlinked", "编号不在名册"),
)


@dataclass
class IdentityMonth:
    """One period's match quality over every feed, and the unresolved IDs per feed."""

    period: str
    source_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    unresolved_by_feed: list[tuple[str, int]] = field(default_factory=list)


def identity_months(session: Session, feed: str | None = None) -> list[IdentityMonth]:
    """Match quality per period (newest first), summed over the feeds (or of one feed). A
    yearly feed's period is its year."""
    query = select(IdentityStat).order_by(IdentityStat.period.desc(), IdentityStat.feed)
    if feed is not None:
        query = query.where(IdentityStat.feed == feed)
    months: dict[str, IdentityMonth] = {}
    for row in session.scalars(query):
        month = months.setdefault(row.period, IdentityMonth(row.period, counts=dict.fromkeys(dict(METHODS), 0)))
        month.source_rows += row.source_rows
        for name, _ in METHODS:
            month.counts[name] += getattr(row, name)
        if row.unresolved:
            title = FEEDS_BY_NAME[row.feed].title if row.feed in FEEDS_BY_NAME else row.feed
            month.unresolved_by_feed.append((title, row.unresolved))
    return list(months.values())


def runs(session: Session, limit: int = 50) -> list[Publication]:
    """The published builds that carry a run, newest first."""
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.status == PublicationStatus.published, Publication.run_id.is_not(None))
            .order_by(Publication.id.desc())
            .limit(limit)
        )
    )


def run(session: Session, run_id: str) -> Publication | None:
    return session.scalar(select(Publication).where(Publication.run_id == run_id))


@dataclass(frozen=True)
class RunFacts:
    """A run as the console shows it: what its manifest says, and what in the store points to it."""

    publication: Publication
    manifest: dict[str, Any]
    findings: int  # findings whose standing version it published
    documents: list[IssuedDocument]


def run_facts(session: Session, user: User, run_id: str) -> RunFacts | None:
    """The run, with the documents issued on it that the user may see (a township officer: their
    own township's; another's notice is not there for them, nor its 文号)."""
    publication = run(session, run_id)
    if publication is None:
        return None
    findings = session.query(Finding).filter(Finding.run_id == run_id).count()
    query = select(IssuedDocument).where(IssuedDocument.run_id == run_id).order_by(IssuedDocument.id)
    if (township := findings_scope(user)) is not None:
        query = query.join(IssuedFile, IssuedFile.id == IssuedDocument.file_id).where(
            IssuedFile.township_code == township
        )
    return RunFacts(publication, publication.manifest or {}, findings, list(session.scalars(query)))


def numbers_of(session: Session, file_id: int) -> list[IssuedDocument]:
    """The 文号 a file was issued under."""
    return list(session.scalars(select(IssuedDocument).where(IssuedDocument.file_id == file_id)))


def findings_of_case(session: Session, case_id: int | None) -> list[Finding]:
    """The findings a case's notice rests on (each with its evidence and the run that published it)."""
    if case_id is None:
        return []
    return list(
        session.scalars(
            select(Finding).where(Finding.case_id == case_id).order_by(Finding.event_period, Finding.finding_key)
        )
    )


def user_name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return (user.display_name or user.username) if user is not None else "命令行"
