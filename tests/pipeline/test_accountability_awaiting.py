"""Township accountability waits for its data (issue 15, item 3): the small district with one
month's township reports missing (the generator's `missing-report` drift). An event whose
on-time window reads that month, and that the reports which came do not decide, is awaiting
data: not counted, never a missed report of its township; the township's month shows 待数据 on
the console and in the 问责报告. Everything decided is as in the cold build of the whole district;
once the file arrives, the counts equal the cold build's.

One generation and two runs for the module; the cold build is the session's small district."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from district_generator import generate
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from api.app import create_app
from casework.db import open_store, session_factory
from casework.models import User
from casework.published import AccountabilityTotal, AccountabilityTownshipMonth
from pension_audit.cli import main
from reports.documents.accountability_report import accountability_report
from tests.api.conftest import PASSWORD, add_staff, deployment_settings
from tests.reports.support import flat, pdf_text

# Its tests share one costly fixture: one worker runs them all, so it is built once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("late-report")

EVENTS = "event_type, finding_key, township_code, event_month, report_month, report_status, attributable_loss"
MONTHS = "township_code, month, events, on_time, late, missed, pending, on_time_rate, attributable_loss, loss_rank"
YEARS = "township_code, year, events, on_time, late, missed, pending, on_time_rate, attributable_loss, loss_rank"


def query(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def month_text(day: dt.date, later: int = 0) -> str:
    months = day.year * 12 + day.month - 1 + later
    return f"{months // 12}-{months % 12 + 1:02d}"


def run(inbox: Path, home: Path) -> str:
    """Judged on the 20th of the month after the data ends, as the demo does: every file of the
    last month is due, so the late ones are exactly what the drift left out. (The cold build's
    accountability does not depend on the day: with every file there, nothing awaits.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PENSION_AUDIT_TODAY", "2026-01-20")
        result = CliRunner().invoke(main, ["run", "--inbox", str(inbox), "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.output


@dataclass(frozen=True)
class LateReport:
    home: Path
    late_store: Path  # the case store as the first run published it, before the file came
    period: str  # the month whose township reports did not come
    output: str
    events: dict[tuple, tuple]  # (event_type, finding_key) -> the rest of EVENTS, report missing
    awaiting: dict[tuple, str]  # awaiting event -> awaiting_inputs
    months: list[tuple]  # MONTHS + awaiting, awaiting_inputs, report missing
    arrived: dict[str, list[tuple]]  # the three tables once the file came


@pytest.fixture(scope="module")
def late_report(small_district, tmp_path_factory) -> LateReport:
    root = tmp_path_factory.mktemp("late-report")
    truth = generate(root, "small", 1, ("missing-report",))
    (drift,) = truth["drifts"]
    period = drift["period"]
    inbox, home = root / "inbox", root / "home"
    output = run(inbox, home)
    events = {row[:2]: row[2:] for row in query(home, f"SELECT {EVENTS} FROM marts.accountability_events")}
    awaiting = {
        row[:2]: row[2]
        for row in query(
            home,
            "SELECT event_type, finding_key, awaiting_inputs FROM marts.accountability_events"
            " WHERE report_status = 'awaiting'",
        )
    }
    months = query(
        home, f"SELECT {MONTHS}, awaiting, awaiting_inputs FROM marts.accountability_township_month ORDER BY 1, 2"
    )
    late_store = root / "cases-late.sqlite"
    with sqlite3.connect(home / "cases.sqlite") as source, sqlite3.connect(late_store) as copy:
        source.backup(copy)
    # The month's workbook arrives (the generator wrote the same one for the whole district).
    (arrived_file,) = (small_district.inbox / "township_reports").glob(f"{period}.*")
    shutil.copy(arrived_file, inbox / "township_reports" / arrived_file.name)
    run(inbox, home)
    arrived = {
        "events": query(home, f"SELECT {EVENTS} FROM marts.accountability_events ORDER BY 1, 2"),
        "months": query(home, f"SELECT {MONTHS} FROM marts.accountability_township_month ORDER BY 1, 2"),
        "years": query(home, f"SELECT {YEARS} FROM marts.accountability_township_year ORDER BY 1, 2"),
    }
    return LateReport(home, late_store, period, output, events, awaiting, months, arrived)


def test_the_missing_month_is_late_and_its_events_await_data(late_report):
    assert f"township_reports）{late_report.period} 应于" in late_report.output
    assert f"不计为漏报）：待 township_reports {late_report.period}（missing）" in late_report.output
    assert late_report.awaiting, "events whose window reads the missing month await it"
    assert set(late_report.awaiting.values()) == {f"township_reports {late_report.period}（missing）"}


def test_an_awaiting_event_is_never_counted_against_its_township(late_report, small_district):
    cold = {row[:2]: row[2:] for row in query(small_district.home, f"SELECT {EVENTS} FROM marts.accountability_events")}
    assert set(late_report.events) == set(cold)
    for key, (township, month, report_month, status, loss) in late_report.events.items():
        if status == "awaiting":
            # its window (the event month and the next) holds the missing month
            assert late_report.period in (month_text(month), month_text(month, 1)), key
            assert cold[key][3] != "pending" and loss == 0, key
        elif cold[key][2] is not None and month_text(cold[key][2]) == late_report.period:
            # reported only in the missing month, after its window: counted (missed) until it comes
            assert (status, cold[key][3]) == ("missed", "late"), key
        else:
            assert (township, month, report_month, status, loss) == cold[key], key


def test_a_township_month_awaiting_data_shows_no_rate(late_report, small_district):
    cold = {
        row[:2]: row for row in query(small_district.home, f"SELECT {MONTHS} FROM marts.accountability_township_month")
    }
    waiting = [row for row in late_report.months if row[-2] > 0]
    assert waiting
    for row in waiting:
        township, month, events, _, _, missed, _, rate, *_ = row
        assert rate is None and row[-1] == f"township_reports {late_report.period}（missing）"
        # fewer events counted, never more missed than the township really had
        assert events + row[-2] == cold[(township, month)][2] and missed <= cold[(township, month)][5]


def test_the_console_and_the_report_say_awaiting_data(late_report):
    """The case store the first run published (before the file came): the accountability page of
    the month, and its 问责报告."""
    month = min(row[1] for row in late_report.months if row[-2] > 0).strftime("%Y-%m")
    settings = deployment_settings(
        f"sqlite:///{late_report.late_store}", late_report.home, late_report.home / "private"
    )
    engine = open_store(settings)
    try:
        with session_factory(engine)() as s:
            published = s.scalars(
                select(AccountabilityTownshipMonth).where(
                    AccountabilityTownshipMonth.month == month, AccountabilityTownshipMonth.awaiting > 0
                )
            ).all()
            assert published and all(r.on_time_rate is None for r in published)
        add_staff(engine, published[0].township_code)
        with TestClient(create_app(settings)) as client:
            token = client.post("/auth/token", data={"username": "renshe", "password": PASSWORD}).json()
            client.cookies.set("pa_token", token["access_token"])
            page = client.get("/web/accountability", params={"year": month[:4], "month": month})
            assert page.status_code == 200
            assert 'data-testid="awaiting"' in page.text and f"township_reports {late_report.period}" in page.text
            events = client.get(
                "/web/accountability/events", params={"month": month, "township": published[0].township_code}
            )
            assert "待数据" in events.text
        with session_factory(engine)() as s:
            renshe = s.scalars(select(User).where(User.username == "renshe")).one()
            document = accountability_report(s, renshe, None, month)
            text = flat(pdf_text(document.pdf()))
            total = s.scalars(select(AccountabilityTotal).where(AccountabilityTotal.period == month)).one()
        assert f"本期待数据：township_reports{late_report.period}" in text
        # The XLSX's 合计 is the published district line, its awaiting count with it.
        *_, last = CalamineWorkbook.from_filelike(io.BytesIO(document.xlsx())).get_sheet_by_index(0).to_python()
        assert total.awaiting >= sum(r.awaiting for r in published) > 0 and total.on_time_rate is None
        assert last[0] == "合计" and last[4:11] == [
            total.events,
            total.on_time,
            total.late,
            total.missed,
            total.pending,
            total.awaiting,
            "",
        ]
    finally:
        engine.dispose()


def test_once_the_file_arrives_the_counts_equal_the_cold_build(late_report, small_district):
    cold = {
        "events": query(small_district.home, f"SELECT {EVENTS} FROM marts.accountability_events ORDER BY 1, 2"),
        "months": query(small_district.home, f"SELECT {MONTHS} FROM marts.accountability_township_month ORDER BY 1, 2"),
        "years": query(small_district.home, f"SELECT {YEARS} FROM marts.accountability_township_year ORDER BY 1, 2"),
    }
    assert late_report.arrived == cold
    assert not query(late_report.home, "SELECT * FROM marts.accountability_events WHERE report_status = 'awaiting'")
