"""The findings list's answers, kept until the findings change.

The list is what inspectors open most, many at once, and it changes only when the pipeline
publishes or a case takes a finding in. Every write to `findings` bumps its revision
(`store_revision`, database triggers: no writer can forget). A request reads that number in
the same read transaction as it would read the list; an answer kept for the same question at
the same revision is sent as it was serialised, without querying or serialising again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import StoreRevision


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
