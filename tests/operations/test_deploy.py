"""deploy/ as written is what runs: each systemd unit's ExecStart, with the unit's environment
file, started for real against PostgreSQL and a fresh data home (paths and ports substituted):
the service answers its health check and counts the proxy's X-Forwarded-For, Dagster's webserver
answers, the daemon's heartbeats make its daemons healthy, and the backup unit backs it all up
while everything runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from pension_audit.settings import DAGSTER_YAML, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def service_section(unit: Path) -> dict[str, list[str]]:
    """The [Service] section of a systemd unit: every key with its values, in order."""
    found: dict[str, list[str]] = {}
    section = None
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def environment_file(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """The units' commands on this machine: /opt/pension-audit is this checkout, /var/lib and
    /var/backups folders under tmp_path, the case store a throwaway PostgreSQL database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.home = tmp_path / "var-lib-pension-audit"
        self.backups = tmp_path / "var-backups-pension-audit"
        self.ports = {"8000": str(free_port()), "3000": str(free_port())}
        self.paths = {
            "/opt/pension-audit": str(ROOT),
            "/var/lib/pension-audit": str(self.home),
            "/var/backups/pension-audit": str(self.backups),
        }
        self.database_url = database_url
        self.processes: list[subprocess.Popen] = []

    def substitute(self, value: str) -> str:
        for original, here in self.paths.items():
            value = value.replace(original, here)
        return value

    def environment(self, unit: dict[str, list[str]]) -> dict[str, str]:
        (env_file,) = unit["EnvironmentFile"]
        assert env_file == "/etc/pension-audit/pension-audit.env"
        values = {k: self.substitute(v) for k, v in environment_file(DEPLOY / "pension-audit.env").items()}
        values["PENSION_AUDIT_DATABASE_URL"] = self.database_url
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PENSION_AUDIT_", "DAGSTER_"))}
        return {**inherited, **values}

    def command(self, unit: dict[str, list[str]]) -> list[str]:
        (exec_start,) = unit["ExecStart"]
        argv = [self.substitute(a) for a in shlex.split(exec_start.replace("%%", "%"))]
        for n, arg in enumerate(argv[:-1]):
            if arg in ("--port", "-p") and argv[n + 1] in self.ports:
                argv[n + 1] = self.ports[argv[n + 1]]
            if arg == "--workers":
                argv[n + 1] = "2"  # the test machine has two CPUs
        return argv

    def start(self, name: str) -> subprocess.Popen:
        unit = service_section(DEPLOY / name)
        (workdir,) = unit["WorkingDirectory"]
        process = subprocess.Popen(
            self.command(unit),
            cwd=self.substitute(workdir),
            env=self.environment(unit),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            # A non-interactive shell starts children with SIGINT and SIGTERM ignored; systemd does not.
            preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM)],  # noqa: PLW1509
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def deployment(tmp_path: Path, postgres_url: str) -> Iterator[Deployment]:
    here = Deployment(tmp_path, postgres_url)
    (here.home / "dagster").mkdir(parents=True)
    (here.home / "inbox").mkdir()
    here.backups.mkdir(mode=0o700)
    # As the README's installation says: deploy/dagster.yaml into DAGSTER_HOME.
    (here.home / "dagster" / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    yield here
    here.stop()


def wait_for(what: str, check, process: subprocess.Popen, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = check()
            if answer:
                return answer
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            pass
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}: {process.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer within {seconds} s")
        time.sleep(1)


DAEMONS = """{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }"""


@pytest.mark.postgres
def test_the_units_start_and_answer(deployment: Deployment, monkeypatch):
    env = environment_file(DEPLOY / "pension-audit.env")
    for key, value in env.items():
        if key.startswith("PENSION_AUDIT_"):
            monkeypatch.setenv(key, value)
    production = Settings()
    assert production.trusted_proxies == ["127.0.0.1"] and production.secure_cookies
    assert env["DAGSTER_HOME"] == str(Path(env["PENSION_AUDIT_HOME"]) / "dagster"), "one Dagster instance"
    assert yaml.safe_load((DEPLOY / "dagster.yaml").read_text()) == yaml.safe_load(DAGSTER_YAML)
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert (
        re.search(r"server 127\.0\.0\.1:8000;", nginx)
        and "--port 8000" in (DEPLOY / "pension-audit.service").read_text()
    )

    service = deployment.start("pension-audit.service")
    webserver = deployment.start("dagster-webserver.service")
    daemon = deployment.start("dagster-daemon.service")
    api = f"http://127.0.0.1:{deployment.ports['8000']}"
    dagster = f"http://127.0.0.1:{deployment.ports['3000']}/dagster"

    with httpx.Client(timeout=30) as client:
        wait_for("pension-audit serve", lambda: client.get(f"{api}/health").status_code == 200, service)
        # Behind the proxy: a failed sign-in is counted against the client the proxy names.
        refused = client.post(
            f"{api}/auth/token",
            data={"username": "nobody", "password": "wrong password"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert refused.status_code in (400, 401), refused.text
        store = create_engine(deployment.database_url)
        with store.connect() as c:
            assert c.scalar(text("SELECT client FROM sign_in_failures")) == "203.0.113.9"
        store.dispose()

        info = wait_for("dagster-webserver", lambda: client.get(f"{dagster}/server_info").json(), webserver)
        assert "dagster_webserver_version" in info or "dagit_version" in info, info

        def daemons_healthy():
            r = client.post(f"{dagster}/graphql", json={"query": DAEMONS})
            statuses = r.json()["data"]["instance"]["daemonHealth"]["allDaemonStatuses"]
            required = [s for s in statuses if s["required"]]
            return required and all(s["healthy"] for s in required) and statuses

        statuses = wait_for("dagster-daemon heartbeats", daemons_healthy, daemon)
        assert {"SENSOR", "SCHEDULER"} <= {s["daemonType"] for s in statuses}
    assert service.poll() is None and webserver.poll() is None and daemon.poll() is None

    # The backup unit, while all three run.
    unit = service_section(DEPLOY / "pension-audit-backup.service")
    done = subprocess.run(
        deployment.command(unit),
        cwd=str(ROOT),
        env=deployment.environment(unit),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (taken,) = deployment.backups.iterdir()
    manifest = json.loads((taken / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"]["method"] == "pg_dump"
    assert any(f["path"].startswith("dagster/") for f in manifest["files"])
