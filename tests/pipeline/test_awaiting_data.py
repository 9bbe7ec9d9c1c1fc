"""Findings wait for their data: with one month's payments missing past its due date, the
findings whose decision reads that month are awaiting data, not published; once the file
arrives they are decided, and the result equals the run that had every file in order."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from casework.models import Finding
from casework.published import FeedLate, FindingAwaiting, Publication, PublicationStatus
from orchestration.warehouse_queries import read
from pension_audit.cli import main

MISSING = "payments/2025-06.csv"


def _run(inbox: Path, home: Path) -> str:
    """Judged today, as the session's tiny district was: the month left out is long past due."""
    result = CliRunner().invoke(main, ["run", "--inbox", str(inbox), "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.output


def _findings(home: Path) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in read(
            home / "warehouse.duckdb",
            """
        SELECT finding_key, first_improper_month, last_improper_month, improper_months,
               cast(overpaid_amount AS varchar) FROM marts.findings""",
        )
    }


def test_a_missing_month_holds_the_findings_that_read_it(tiny_district, tmp_path: Path):
    # The in-order run: the session's tiny district, every file loaded at once.
    everything = _findings(tiny_district.home)

    inbox = tmp_path / "inbox"
    shutil.copytree(tiny_district.inbox, inbox)
    (inbox / MISSING).rename(tmp_path / "late.csv")
    home = tmp_path / "home"
    output = _run(inbox, home)
    assert "待数据的疑点" in output and "逾期" in output

    awaiting = {
        key: missing
        for key, missing in read(
            home / "warehouse.duckdb", "SELECT finding_key, missing_inputs FROM marts.findings_awaiting"
        )
    }
    assert awaiting, "a month of payments missing holds the findings that read it"
    assert all("payments 2025-06" in missing for missing in awaiting.values())
    held = _findings(home)
    assert not set(awaiting) & set(held)
    # A finding of the in-order run whose months include June is awaiting, or (when June alone
    # triggered it) not there at all: never decided on the hole.
    touching = {key for key, (first, last, *_) in everything.items() if first and last and first <= "2025-06" <= last}
    assert not touching & set(held), {k: (everything[k], held[k]) for k in touching & set(held)}
    # Everything else is decided exactly as in order.
    expected = {k: v for k, v in everything.items() if k not in awaiting and k not in touching}
    assert held == expected, {k: (expected.get(k), held.get(k)) for k in set(held) ^ set(expected)}

    engine = create_engine(f"sqlite:///{home / 'cases.sqlite'}")
    with engine.connect() as conn:
        published = set(conn.scalars(select(Finding.finding_key)))
        build = conn.scalar(
            select(Publication.id)
            .where(Publication.status == PublicationStatus.published)
            .order_by(Publication.id.desc())
            .limit(1)
        )
        store_awaiting = set(conn.scalars(select(FindingAwaiting.finding_key).where(FindingAwaiting.in_build(build))))
        late = {(f, p) for f, p in conn.execute(select(FeedLate.feed, FeedLate.period).where(FeedLate.in_build(build)))}
    assert not published & set(awaiting), "a finding awaiting data is not published"
    assert store_awaiting == set(awaiting)
    assert ("payments", "2025-06") in late

    export = CliRunner().invoke(main, ["findings", "--awaiting", "--home", str(home), "--format", "csv"])
    assert export.exit_code == 0 and "payments 2025-06" in export.output

    # The file arrives: the findings are decided, the same as in order.
    (tmp_path / "late.csv").rename(inbox / MISSING)
    _run(inbox, home)
    assert _findings(home) == everything
    assert not read(home / "warehouse.duckdb", "SELECT * FROM marts.findings_awaiting")
    with engine.connect() as conn:
        # Decided: those that are findings now are published (an awaiting candidate, such as a
        # June disbursement gap on no payments, may be ruled out by the data that came).
        assert set(awaiting) & set(everything) <= set(conn.scalars(select(Finding.finding_key)))
        assert set(awaiting) - set(everything)
    engine.dispose()
