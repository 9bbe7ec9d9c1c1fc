"""A held file released from the console: the request is recorded in the case store (audited),
only a data engineer may make it, once per period; the next run applies it to the warehouse
before loading, as `pension-audit release` does, and the file loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from casework.db import migrate, open_store, session_factory, transaction
from casework.errors import Conflict, Forbidden, NotFound
from casework.models import AuditEntry, FeedRelease, Role, User
from casework.services.feed_releases import request_release
from casework.services.users import add_user
from orchestration.decisions import apply_releases
from pension_audit.ingest.load import Warehouse
from tests.api.conftest import PASSWORD, deployment_settings
from tests.ingest.test_drift import ingest, payments, rows
from tests.orchestration.held_files import held_and_published


@pytest.fixture
def engine(tmp_path: Path):
    engine = open_store(deployment_settings(f"sqlite:///{tmp_path / 'cases.sqlite'}", tmp_path / "home", tmp_path))
    migrate(engine)
    with transaction(session_factory(engine, writing=True)) as s:
        held_and_published(s, "2025-05")
        add_user(s, "jingban", "稽核经办员", Role.inspector, PASSWORD, None)
    yield engine
    engine.dispose()


def user(s, username: str) -> User:
    return s.scalars(select(User).where(User.username == username)).one()


def test_a_data_engineer_requests_a_release_once_and_it_is_audited(engine):
    with transaction(session_factory(engine, writing=True)) as s:
        with pytest.raises(Forbidden):
            request_release(s, user(s, "jingban"), "payments", "2025-05")
        with pytest.raises(NotFound):
            request_release(s, user(s, "shuju"), "payments", "2025-04")  # nothing held there
        release = request_release(s, user(s, "shuju"), "payments", "2025-05")
        assert (release.path, release.applied_at) == ("payments/2025-05.csv", None)
    with transaction(session_factory(engine, writing=True)) as s, pytest.raises(Conflict):
        request_release(s, user(s, "shuju"), "payments", "2025-05")
    with session_factory(engine)() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "request_release")).all()
        assert (entry.actor, entry.entity) == ("shuju", "feed_releases")


def test_the_next_run_applies_pending_requests_before_loading(engine, inbox, tmp_path):
    for month in range(1, 5):
        payments(inbox, f"2025-{month:02d}", 60)
    payments(inbox, "2025-05", 4)
    with Warehouse(tmp_path / "home" / "warehouse.duckdb") as wh:
        assert ingest(wh, inbox)["payments/2025-05.csv"].status == "held"
        with transaction(session_factory(engine, writing=True)) as s:
            request_release(s, user(s, "shuju"), "payments", "2025-05")
        assert apply_releases(engine, wh) == ["已放行 payments/2025-05.csv（控制台申请人：数据组陈工（shuju））"]
        assert apply_releases(engine, wh) == []  # applied once
        assert rows(wh, "SELECT status, released_by FROM meta.file_log WHERE path = 'payments/2025-05.csv'") == [
            ("released", "数据组陈工（shuju）")
        ]
        assert ingest(wh, inbox)["payments/2025-05.csv"].status == "loaded"
        assert rows(wh, "SELECT count(*) FROM raw.payments WHERE _period = '2025-05'") == [(4,)]
    with session_factory(engine)() as s:
        (release,) = s.scalars(select(FeedRelease)).all()
        assert release.applied_at is not None and release.outcome == "已放行 payments/2025-05.csv"
