"""Persons as URLs name them: an opaque reference, never an identity number.

A reference is the HMAC of the person's id under a key derived from the deployment's secret
(casework.chain.Seal): the same person always gets the same reference, whatever rebuild
published them, and nobody without the key can tell whose it is or make one. The routes turn
a reference back into the person by looking it up among the persons with findings: a map kept
per findings revision (store_revision), which each change only extends with the persons it
brought. (When the pipeline publishes persons into the store, the reference can become their
column instead.)"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import Finding, StoreRevision

REF_PATTERN = r"^[0-9a-f]{24}$"
IS_REF = re.compile(REF_PATTERN)


class PersonRefs:
    """References of persons, and persons of references, under one key. Safe to share between
    request threads."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._lock = threading.Lock()
        self._revision = -1
        self._persons: dict[str, str] = {}  # reference → person id

    def ref(self, person_id: str | None) -> str | None:
        if person_id is None:
            return None
        return hmac.new(self._key, person_id.encode(), hashlib.sha256).hexdigest()[:24]

    def resolve(self, session: Session, ref: str) -> str | None:
        """The person id behind a reference, or None (no such person with findings)."""
        if not IS_REF.match(ref):
            return None
        revision = session.scalar(select(StoreRevision.revision).where(StoreRevision.name == "findings")) or 0
        with self._lock:
            if revision != self._revision:
                self._learn(session)
                self._revision = revision
            return self._persons.get(ref)

    def _learn(self, session: Session) -> None:
        known = set(self._persons.values())
        for person_id in session.scalars(select(Finding.person_id).where(Finding.person_id.is_not(None)).distinct()):
            if person_id is not None and person_id not in known:
                self._persons[self.ref(person_id) or ""] = person_id
