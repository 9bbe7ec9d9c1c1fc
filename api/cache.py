"""The findings list's answers, kept until the findings change.

The list is what inspectors open most, many at once, and it changes only when the pipeline
publishes or a case takes a finding in. Every write to `findings` bumps its revision
(`store_revision`, database triggers: no writer can forget, whichever process or program
writes). An answer kept for the same question at the same revision is sent as it was
serialised, without querying or serialising again.

A request asks the store two things before anything else: the revision, and whose token it
carries (`Glance`: one query, on the event loop, on a connection of its own — no session, no
worker thread). When an answer is kept for that revision, that is the whole request. Otherwise
the list is read in a read transaction that reads the revision again (the answer is kept under
the revision it was read at)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from casework.models import Role, StoreRevision, User, utcnow


def findings_revision(session: Session) -> int:
    return session.scalar(select(StoreRevision.revision).where(StoreRevision.name == "findings")) or 0


class AnswerCache:
    """Serialised answers of the latest revision seen, least recently used dropped first once
    they hold more than `max_bytes`. Safe to share between request threads."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._revision = -1
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, revision: int, question: Hashable) -> bytes | None:
        with self._lock:
            if revision != self._revision:
                return None
            answer = self._answers.get(question)
            if answer is not None:
                self._answers.move_to_end(question)
            return answer

    def put(self, revision: int, question: Hashable, answer: bytes) -> None:
        with self._lock:
            if revision < self._revision:
                return  # read before a change another request has already seen
            if revision > self._revision:
                self._answers.clear()
                self._bytes = 0
                self._revision = revision
            previous = self._answers.pop(question, None)
            self._bytes += len(answer) - (len(previous) if previous else 0)
            self._answers[question] = answer
            while self._bytes > self.max_bytes and len(self._answers) > 1:
                self._bytes -= len(self._answers.popitem(last=False)[1])


class Glance:
    """The findings' revision and the user a bearer token belongs to, in one query on a
    connection kept for it (autocommit: each query sees what is committed, holds nothing).
    Cheap enough to run on the event loop: a primary-key lookup of two rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        self.sql = (
            "SELECT r.revision, t.expires_at, u.id, u.username, u.display_name, u.role, u.township_code, u.active "
            "FROM store_revision r LEFT JOIN api_tokens t ON t.token_hash = " + marker + " "
            "LEFT JOIN users u ON u.id = t.user_id WHERE r.name = 'findings'"
        )
        self._lock = threading.Lock()
        self._connection: Any = None
        self._users: dict[tuple, User] = {}  # one detached User per distinct row

    def __call__(self, token: str | None) -> tuple[int, User | None]:
        """The revision, and the active user whose unexpired token this is (or None)."""
        digest = hashlib.sha256(token.encode()).hexdigest() if token else ""
        with self._lock:
            row = self._query(digest)
        revision, expires_at, *person = row if row else (0, None, None)
        if person[0] is None or not person[-1]:
            return revision or 0, None
        if isinstance(expires_at, str):  # SQLite keeps datetimes as text
            expires_at = dt.datetime.fromisoformat(expires_at)
        if expires_at < utcnow():
            return revision or 0, None
        return revision or 0, self._user(tuple(person))

    def _query(self, digest: str) -> tuple | None:
        for attempt in (1, 2):
            connection = self._connection or self._connect()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self.sql, (digest,))
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except self.engine.dialect.loaded_dbapi.Error:
                self.close()  # a dropped connection: once more on a new one
                if attempt == 2:
                    raise
        return None

    def _connect(self) -> Any:
        raw = self.engine.raw_connection()
        if self.engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        self._connection = raw
        return raw

    def _user(self, person: tuple) -> User:
        user = self._users.get(person)
        if user is None:
            if len(self._users) > 10_000:
                self._users.clear()
            user_id, username, display_name, role, township_code, active = person
            user = User(
                id=user_id,
                username=username,
                display_name=display_name,
                role=Role(role),
                township_code=township_code,
                active=bool(active),
            )
            self._users[person] = user
        return user

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(self.engine.dialect.loaded_dbapi.Error):  # already gone
                connection.invalidate()
