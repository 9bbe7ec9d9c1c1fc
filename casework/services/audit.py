"""The append-only audit log: every change, who made it, when, the record before and after,
and why (article 16)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from casework.models import AuditEntry, User


def snapshot(obj: Any) -> dict[str, Any]:
    """The record's columns as JSON-safe values (money as text, exactly)."""
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in sa_inspect(obj).mapper.column_attrs}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):  # a document's content: its size here, its fingerprint in its own column
        return f"{len(value)} bytes"
    return value


def record(session: Session, actor: User | None, action: str, obj: Any, before: dict | None,
           reason: str | None, case_id: int | None = None, person_id: str | None = None) -> AuditEntry:
    session.flush()  # ids and versions as stored
    entry = AuditEntry(
        actor_id=actor.id if actor else None, actor=actor.username if actor else "system",
        action=action, entity=obj.__tablename__,
        entity_id=str(sa_inspect(obj).identity[0] if len(sa_inspect(obj).identity) == 1
                      else "/".join(map(str, sa_inspect(obj).identity))),
        case_id=case_id, person_id=person_id, before=before, after=snapshot(obj), reason=reason)
    session.add(entry)
    return entry
