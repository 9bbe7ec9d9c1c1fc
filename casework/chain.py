"""The audit log's seal: every entry carries an HMAC over its content and the MAC of the entry
before it, under a key kept outside the database (Settings.audit_key_file). Whoever can write
the database but not read that file cannot change, replace, insert or remove an entry without
breaking the chain from there on; the chain's head is copied, dated, into anchor files outside
the database, so cutting entries off the end shows too. `pension-audit audit verify` walks both.

Writers take the chain in turn (PostgreSQL: an advisory lock held to the end of the
transaction; SQLite: its one write lock), so each entry follows the previous committed one.
Entry ids are the chain's order: each is the previous id plus one."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.orm import aliased

from casework.models import AuditEntry
from pension_audit.settings import Settings, bureau_today

# The key of the advisory lock that writers of the case store hold on PostgreSQL.
WRITERS_LOCK = 7_405_201_406
SEALED = (
    "id",
    "at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "case_id",
    "person_id",
    "before",
    "after",
    "reason",
)


class MissingSeal(RuntimeError):
    def __init__(self) -> None:
        super().__init__("案件库未配置审计日志密钥：请用 casework.db.open_store(settings) 打开案件库")


@dataclass(frozen=True)
class Seal:
    """The deployment's secret and where the log's head is anchored."""

    secret: bytes
    anchors: Path

    @classmethod
    def of(cls, settings: Settings) -> Seal:
        return cls(settings.audit_secret(), settings.audit_anchors_path)

    def key(self, purpose: str) -> bytes:
        """One key per purpose, derived from the one secret (the log's MACs, person references)."""
        return hmac.new(self.secret, purpose.encode(), hashlib.sha256).digest()


def seal_of(bind: Connection | Engine) -> Seal:
    seal = bind.get_execution_options().get("audit_seal")
    if seal is None:
        raise MissingSeal()
    return seal


def canonical(entry: dict[str, Any]) -> bytes:
    """An entry's content as the MAC covers it: its sealed fields, in one fixed JSON form."""
    values = [entry.get(name) for name in SEALED]
    return json.dumps(
        values,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v),
    ).encode()


def mac(key: bytes, previous: str, entry: dict[str, Any]) -> str:
    return hmac.new(key, previous.encode() + b"\n" + canonical(entry), hashlib.sha256).hexdigest()


def take_turn(conn: Connection) -> None:
    """Wait for the other writers of the store (PostgreSQL; SQLite has one writer anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})


def head(conn: Connection) -> tuple[int, str]:
    """The last entry's id and MAC (0 and '' while the log is empty)."""
    row = conn.execute(select(AuditEntry.id, AuditEntry.mac).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (row.id, row.mac) if row else (0, "")


def sealed(conn: Connection, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries with the ids and MACs that put them at the end of the chain."""
    key = seal_of(conn).key("audit-log")
    take_turn(conn)
    last_id, last_mac = head(conn)
    out = []
    for entry in entries:
        last_id += 1
        entry = {**entry, "id": last_id}
        last_mac = entry["mac"] = mac(key, last_mac, entry)
        out.append(entry)
    return out


def append(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Append entries to the log in bulk (publishing)."""
    if entries:
        conn.execute(insert(AuditEntry), sealed(conn, entries))


# ------------------------------------------------------------------------------- anchors


def anchor(seal: Seal, entry_id: int, entry_mac: str) -> None:
    """Copy the head into today's anchor file (北京时间), never moving it back."""
    seal.anchors.mkdir(parents=True, exist_ok=True)
    with (seal.anchors / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = seal.anchors / f"{bureau_today().isoformat()}.json"
        if path.exists() and json.loads(path.read_text(encoding="utf-8"))["id"] >= entry_id:
            return
        draft = path.with_suffix(".tmp")
        draft.write_text(json.dumps({"id": entry_id, "mac": entry_mac}) + "\n", encoding="utf-8")
        os.replace(draft, path)


@dataclass(frozen=True)
class Anchor:
    day: str
    id: int
    mac: str


def anchors(seal: Seal) -> list[Anchor]:
    """The anchor files, oldest first."""
    if not seal.anchors.is_dir():
        return []
    found = []
    for path in sorted(seal.anchors.glob("????-??-??.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(Anchor(path.stem, int(data["id"]), str(data["mac"])))
    return found


# ---------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Verdict:
    count: int  # entries that verified
    problem: str | None = None  # the first thing that does not verify, in words

    @property
    def intact(self) -> bool:
        return self.problem is None


def entries(conn: Connection) -> Iterator[dict[str, Any]]:
    table = AuditEntry.__table__
    for row in conn.execute(select(table).order_by(table.c.id)).mappings():
        yield dict(row)


def verify(conn: Connection, seal: Seal) -> Verdict:
    """Walk the chain from the first entry, then check every anchor against it."""
    key = seal.key("audit-log")
    previous, count, macs = "", 0, {}
    for entry in entries(conn):
        if entry["mac"] != mac(key, previous, entry):
            return Verdict(
                count,
                f"第 {entry['id']} 条（{entry['at']}，{entry['actor']}，{entry['action']}）校验不符："
                "该条或其前一条已被改动、替换、插入或删除",
            )
        previous, count = entry["mac"], count + 1
        macs[entry["id"]] = entry["mac"]
    for a in anchors(seal):
        if a.id not in macs:
            return Verdict(count, f"{a.day} 的锚点记录第 {a.id} 条，日志中已没有该条：日志末尾的条目被删除")
        if macs[a.id] != a.mac:
            return Verdict(count, f"{a.day} 的锚点与第 {a.id} 条不符：日志已被改写")
    return Verdict(count)


def suspect_ids(conn: Connection, ids: list[int]) -> set[int]:
    """Of these entries, those whose MAC does not follow from the entry before them (forged or
    changed), each checked on its own: what a reader of one case's log can be told at once."""
    if not ids:
        return set()
    key = seal_of(conn).key("audit-log")
    table, before = AuditEntry.__table__, aliased(AuditEntry.__table__)
    previous = (
        select(before.c.mac).where(before.c.id < table.c.id).order_by(before.c.id.desc()).limit(1).scalar_subquery()
    )
    rows = conn.execute(
        select(table, func.coalesce(previous, "").label("previous")).where(table.c.id.in_(ids))
    ).mappings()
    return {row["id"] for row in rows if row["mac"] != mac(key, row["previous"], dict(row))}
