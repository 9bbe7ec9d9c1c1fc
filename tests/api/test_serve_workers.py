"""The service scales out: `pension-audit serve --workers N` runs N processes on PostgreSQL,
each answering from the shared store alone; SQLite, which has one writer, refuses more than one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework.db import migrate, open_store, session_factory
from casework.models import Finding
from orchestration.publish import publish
from pension_audit.cli import main
from pension_audit.settings import Settings
from tests.api.conftest import PASSWORD, add_staff

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path):
    result = CliRunner().invoke(main, ["serve", "--home", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 1
    assert "SQLite 案件库只能由一个服务进程使用" in result.output and "PostgreSQL" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.postgres
def test_two_worker_processes_serve_one_postgresql_store(postgres_url: str, tiny_district, tmp_path: Path):
    home = tmp_path / "a-host-with-no-pipeline-files"
    engine = open_store(Settings(home=home, database_url=postgres_url))  # the key in this host's home
    migrate(engine)
    publish(engine, tiny_district.home / "warehouse.duckdb")
    with session_factory(engine)() as s:
        township = s.scalar(select(Finding.township_code).where(Finding.township_code.is_not(None)).limit(1))
    add_staff(engine, township)
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pension_audit",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            "--home",
            str(home),
            "--database-url",
            postgres_url,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "the service did not start"
                time.sleep(0.3)
            assert len(children_of(server.pid)) >= 2, "two worker processes"
            token = client.post("/auth/token", data={"username": "jingban", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            answers = [client.get("/findings", headers=headers, params={"page": n % 3 + 1}) for n in range(30)]
            assert {r.status_code for r in answers} == {200} and answers[0].json()["total"] > 0
            assert client.get("/web/dashboard", cookies={"pa_token": token["access_token"]}).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert not (home / "warehouse.duckdb").exists()
