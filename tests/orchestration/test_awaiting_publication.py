"""Nothing already published is withdrawn because later data is late: a published finding that
now awaits data stays open in the case store; one that is simply gone is resolved by data."""

import shutil
from pathlib import Path

import duckdb
from sqlalchemy import select

from casework.db import migrate, open_store
from casework.models import Finding, FindingStatus
from orchestration.publish import publish
from pension_audit.settings import Settings


def test_a_published_finding_that_now_awaits_data_is_not_resolved(tiny_district, tmp_path: Path):
    engine = open_store(Settings(home=tmp_path))
    migrate(engine)
    publish(engine, tiny_district.home / "warehouse.duckdb")
    later = tmp_path / "later.duckdb"
    shutil.copy(tiny_district.home / "warehouse.duckdb", later)
    with duckdb.connect(str(later)) as con:
        waiting, gone = (
            key
            for (key,) in con.execute(
                "SELECT finding_key FROM published.findings ORDER BY finding_key LIMIT 2"
            ).fetchall()
        )
        # The next build: the first now awaits a late file, the second is no longer found.
        con.execute(
            """INSERT INTO published.findings_awaiting
                       SELECT finding_key, exception_type, exception_label, person_id, name, township_code,
                              person_no, event_period, 1, 'payments 2025-06（missing）'
                       FROM published.findings WHERE finding_key = ?""",
            [waiting],
        )
        con.execute("DELETE FROM published.findings WHERE finding_key IN (?, ?)", [waiting, gone])
    summary = publish(engine, later)
    assert summary.resolved == 1
    with engine.connect() as conn:
        status = dict(
            conn.execute(select(Finding.finding_key, Finding.status).where(Finding.finding_key.in_([waiting, gone])))
            .tuples()
            .all()
        )
    engine.dispose()
    assert status == {waiting: FindingStatus.open, gone: FindingStatus.resolved_by_data}
