"""The append-only audit log: every change, who made it, when, the record before and after,
and why (article 16). Each entry is sealed into the chain as it is added (casework.chain); when
the transaction commits, the new head is anchored outside the database."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from casework import chain
from casework.models import AuditEntry, User, utcnow

NEVER_LOGGED = {"password_hash"}  # what a snapshot leaves out


def snapshot(obj: Any) -> dict[str, Any]:
    """The record's columns as JSON-safe values (money as text, exactly)."""
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in sa_inspect(obj).mapper.column_attrs
        if attr.key not in NEVER_LOGGED
    }


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


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj: Any,
    before: dict | None,
    reason: str | None,
    case_id: int | None = None,
    person_id: str | None = None,
) -> AuditEntry:
    session.flush()  # ids and versions as stored
    identity = sa_inspect(obj).identity
    return write(
        session,
        actor,
        action,
        obj.__tablename__,
        str(identity[0] if len(identity) == 1 else "/".join(map(str, identity))),
        before=before,
        after=snapshot(obj),
        reason=reason,
        case_id=case_id,
        person_id=person_id,
    )


def entry(
    actor: User | None,
    action: str,
    entity: str,
    entity_id: str,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    case_id: int | None = None,
    person_id: str | None = None,
    actor_name: str | None = None,
) -> dict[str, Any]:
    """An entry's content, dated now, before it is sealed. `actor_name` names who acted when no
    user did (a failed sign-in's user name)."""
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "actor": actor.username if actor else (actor_name or "system")[:64],
        "action": action,
        "entity": entity,
        "entity_id": entity_id[:200],
        "case_id": case_id,
        "person_id": person_id,
        "before": before,
        "after": after,
        "reason": reason,
    }


def write(
    session: Session,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: str,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    case_id: int | None = None,
    person_id: str | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """One entry, sealed at the end of the chain."""
    session.flush()  # entries added before this one are in the chain first
    content = entry(
        actor,
        action,
        entity,
        entity_id,
        before=before,
        after=after,
        reason=reason,
        case_id=case_id,
        person_id=person_id,
        actor_name=actor_name,
    )
    (row,) = chain.sealed(session.connection(), [content])
    added = AuditEntry(**row)
    session.add(added)
    session.info["audit_head"] = (row["id"], row["mac"])
    return added


def write_all(session: Session, entries: list[dict[str, Any]]) -> None:
    """Entries (`entry`) in bulk, sealed in their order at the end of the chain: the service's
    records of what its answers showed, many requests' in one transaction."""
    if not entries:
        return
    session.flush()
    rows = chain.sealed(session.connection(), entries)
    session.execute(insert(AuditEntry), rows)
    session.info["audit_head"] = (rows[-1]["id"], rows[-1]["mac"])


@event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    """The head the transaction left, copied outside the database once it is committed."""
    head = session.info.pop("audit_head", None)
    if head is not None:
        chain.anchor(chain.seal_of(session.get_bind()), *head)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop("audit_head", None)
