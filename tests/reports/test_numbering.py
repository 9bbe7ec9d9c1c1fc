"""文号: a sequence per document kind and year; a document keeps the number and date it was
first issued with, on SQLite and PostgreSQL. And the 0003 migration creates what the model
says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.db import make_engine, migrate, open_store, session_factory, transaction
from casework.models import AuditEntry, DocumentNumber, IssuedDocument, Role, User
from reports.documents.common import document_number
from tests.api.conftest import deployment_settings


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path: Path):
    url = (
        f"sqlite:///{tmp_path / 'cases.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = open_store(deployment_settings(url, tmp_path, tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


def number(engine, kind: str, subject: str, day: dt.date) -> tuple[str, dt.date]:
    with transaction(session_factory(engine, writing=True)) as s:
        clerk = s.scalar(select(User).where(User.username == "jingban"))
        if clerk is None:
            clerk = User(username="jingban", display_name="张经办", role=Role.inspector, password_hash="x")
            s.add(clerk)
            s.flush()
        issued = document_number(s, kind, subject, day, clerk)
        return issued.document_no, issued.issued_on


def test_each_kind_counts_per_year_and_a_document_keeps_its_number(engine):
    day = dt.date(2026, 1, 10)
    assert number(engine, "recovery_notice", "demand:7", day) == ("松社保追字〔2026〕1号", day)
    assert number(engine, "recovery_notice", "demand:9", day)[0] == "松社保追字〔2026〕2号"
    assert number(engine, "return_notice", "demand:8", day)[0] == "松社保返字〔2026〕1号"
    assert number(engine, "recovery_notice", "demand:7", dt.date(2026, 3, 1)) == ("松社保追字〔2026〕1号", day), (
        "issued again: same number, same date"
    )
    assert number(engine, "recovery_notice", "demand:11", dt.date(2027, 1, 4))[0] == "松社保追字〔2027〕1号"
    assert number(engine, "deregistration_notice", "case:3", day)[0] == "松社保注字〔2026〕1号"
    assert number(engine, "benefit_notice", "record:1504040001", day)[0] == "松社保待字〔2026〕1号"
    with session_factory(engine)() as s:
        sequences = {(d.kind, d.year): d.last_number for d in s.scalars(select(DocumentNumber))}
        assert sequences == {
            ("recovery_notice", 2026): 2,
            ("recovery_notice", 2027): 1,
            ("return_notice", 2026): 1,
            ("deregistration_notice", 2026): 1,
            ("benefit_notice", 2026): 1,
        }
        assert s.scalar(select(func.count()).select_from(IssuedDocument)) == 6
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "document_numbered")).all()
        assert len(entries) == 6 and {e.actor for e in entries} == {"jingban"}, "numbered by a named user"


def test_the_migration_creates_the_table_the_model_describes(tmp_path: Path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from casework.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'cases.sqlite'}")
    migrate(engine)
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    mine = [d for d in diff if "issued_documents" in repr(d)]
    assert mine == [], mine
