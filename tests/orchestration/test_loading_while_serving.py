"""Loads and serving never block each other. While `pension-audit run` loads re-sent files and
rebuilds (a real process, as the inbox sensor would start it), clerks read the console, the
API and documents and write their casework: no answer is a server error, no connection is
refused, no load step fails, and the new build is published when the run ends."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Self

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.deps import today
from casework.db import migrate, open_store, session_factory
from casework.models import Finding
from casework.published import Publication
from orchestration.publish import publish
from pension_audit.settings import Settings
from tests.api.conftest import PASSWORD, TODAY, add_staff
from tests.conftest import served


def resend(inbox: Path) -> None:
    """The latest roster and payments files re-sent with one row fewer (a department's correction)."""
    for feed in ("roster", "payments"):
        latest = max((inbox / feed).glob("*.csv"))
        lines = latest.read_bytes().decode("gb18030").splitlines()
        latest.write_bytes(("\n".join(lines[:-2] + lines[-1:]) + "\n").encode("gb18030"))


THINKING_SECONDS = 0.2


class Clerks:
    """Clerks at work in threads until told to stop: every answer's status, and every failure
    to get one, counted."""

    def __init__(self, base_url: str, paths: list[str], findings: list[str]):
        self.base_url, self.paths, self.findings = base_url, paths, findings
        self.statuses: Counter[int] = Counter()
        self.opened: Counter[int] = Counter()
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self.work, args=(who,), daemon=True)
            for who in ("jingban", "fuhe", "renshe", "shuju")
        ]
        self.threads.append(threading.Thread(target=self.open_cases, daemon=True))

    def work(self, who: str) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            token = client.post("/auth/token", data={"username": who, "password": PASSWORD}).json()["access_token"]
            client.cookies.set("pa_token", token)
            while not self.stop.is_set():
                for path in self.paths:
                    try:
                        self.statuses[client.get(path).status_code] += 1
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{path}: {exc!r}")
                    # A clerk reads what came before asking again: without it four threads
                    # keep a core busy, which only slows the run (and the suite beside it).
                    self.stop.wait(THINKING_SECONDS)

    def open_cases(self) -> None:
        """An inspector opens a case for one finding after another while the run goes on."""
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            token = client.post("/auth/token", data={"username": "jingban2", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for key in self.findings:
                if self.stop.is_set():
                    return
                try:
                    self.opened[
                        client.post("/cases", headers=headers, json={"finding_key": key, "reason": "核查"}).status_code
                    ] += 1
                except httpx.HTTPError as exc:
                    self.failures.append(f"open case: {exc!r}")
                time.sleep(0.5)

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_run_loads_and_publishes_while_clerks_read_and_write(backend, request, tiny_district, tmp_path: Path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    shutil.copytree(tiny_district.home, home, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
    shutil.copytree(tiny_district.inbox, inbox)
    url = f"sqlite:///{home / 'cases.sqlite'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    settings = Settings(home=home, database_url=url)  # the copied home's own audit key
    engine = open_store(settings)
    migrate(engine)
    if backend == "postgresql":
        publish(engine, home / "warehouse.duckdb")
    with session_factory(engine)() as s:
        township = s.scalar(select(Finding.township_code).where(Finding.township_code.is_not(None)).limit(1))
        keys = list(s.scalars(select(Finding.finding_key).order_by(Finding.finding_key)))
        builds = s.scalar(select(func.count()).select_from(Publication))
    add_staff(engine, township)
    app = create_app(settings)
    app.dependency_overrides[today] = lambda: TODAY
    resend(inbox)
    paths = [
        "/web/dashboard",
        "/web/findings",
        "/web/feeds",
        "/web/accountability",
        "/findings",
        "/cases",
        "/documents/accountability-report?year=2025",
        "/documents/inspection-summary?month=2026-01",
        "/payroll/holds?month=2026-01",
        "/health",
    ]
    with served(app) as base_url, Clerks(base_url, paths, keys) as clerks:
        time.sleep(1)  # the clerks are at work before the run starts
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pension_audit",
                "run",
                "--inbox",
                str(inbox),
                "--home",
                str(home),
                "--database-url",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        time.sleep(1)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "运行失败" not in run.stdout and "本次载入 2 个文件" in run.stdout, run.stdout[-3000:]
    assert clerks.failures == [], clerks.failures[:5]
    assert clerks.opened[201] > 0 and set(clerks.opened) <= {201, 200}, clerks.opened
    assert sum(clerks.statuses.values()) > 50, clerks.statuses
    assert all(status < 500 for status in clerks.statuses), clerks.statuses
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Publication)) == builds + 1, "the new build is published"
    engine.dispose()
