"""Releasing a held file from the console: the data engineer's request is recorded in the case
store (and in the audit log); the next loading run applies it to the warehouse before reading
the file (orchestration.decisions.apply_releases), as `pension-audit release` does: a
`pension-audit run`, or the run Dagster's inbox sensor asks for."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Conflict, NotFound
from casework.models import FeedRelease, User
from casework.published import FeedFile
from casework.services import audit
from casework.services.access import require

FEED_NAME = re.compile(r"[a-z_]{1,32}")
PERIOD = re.compile(r"\d{4}(-\d{2})?")


def pending(session: Session, feed: str, period: str) -> FeedRelease | None:
    return session.scalars(
        select(FeedRelease).where(
            FeedRelease.feed == feed, FeedRelease.period == period, FeedRelease.applied_at.is_(None)
        )
    ).first()


def request_release(session: Session, user: User, feed: str, period: str) -> FeedRelease:
    """Record the request to release the held file of (feed, period), as published."""
    require(user, "release")
    if not (FEED_NAME.fullmatch(feed) and PERIOD.fullmatch(period)):
        raise NotFound("暂缓载入的文件")  # no such feed or period: nothing to look up
    held = session.scalars(
        select(FeedFile).where(FeedFile.feed == feed, FeedFile.period == period, FeedFile.status == "held")
    ).first()
    if held is None:
        raise NotFound("暂缓载入的文件")
    if pending(session, feed, period) is not None:
        raise Conflict("release_pending", f"{feed} {period} 已申请放行，下一次载入时放行")
    release = FeedRelease(feed=feed, period=period, path=held.path, requested_by=user.id)
    session.add(release)
    audit.record(session, user, "request_release", release, None, f"放行暂缓载入的文件 {held.path}")
    return release
