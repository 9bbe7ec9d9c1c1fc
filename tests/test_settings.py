"""One configuration: read from the environment once, overridden by the command line, handed to
worker processes whole; the bureau's clock; and importing the platform changes nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from pension_audit.settings import Settings, bureau_now

ROOT = Path(__file__).resolve().parents[1]


def test_decisions_take_the_day_in_beijing_whatever_the_servers_zone():
    in_beijing = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=8)
    assert abs(bureau_now() - in_beijing) < dt.timedelta(minutes=1)


def test_the_environment_sets_and_the_command_line_overrides(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("PENSION_AUDIT_HOME", str(tmp_path / "from-env"))
    monkeypatch.setenv("PENSION_AUDIT_THREADS", "7")
    settings = Settings()
    assert settings.home == tmp_path / "from-env" and settings.threads == 7
    assert settings.store_url == f"sqlite:///{tmp_path / 'from-env' / 'cases.sqlite'}"
    assert settings.inbox_path == tmp_path / "from-env" / "inbox"
    chosen = settings.with_overrides(home=tmp_path / "from-cli", database_url=None)
    assert chosen.home == tmp_path / "from-cli" and chosen.threads == 7


def test_worker_processes_get_the_same_settings(monkeypatch, tmp_path: Path):
    settings = Settings(home=tmp_path, database_url="postgresql+psycopg://u@h/db", workers=3, loader_memory="1GB")
    for key, value in settings.environment().items():
        monkeypatch.setenv(key, value)
    assert Settings() == settings


def test_importing_the_platform_reads_and_changes_nothing():
    """No dbt parse and no change to the environment at import: the definitions are built when
    Dagster loads them."""
    probe = """
import os, subprocess
before = dict(os.environ)
started = subprocess.Popen.__init__
def no_dbt(self, args, *rest, **kwargs):
    if "dbt" in " ".join(map(str, args)):
        raise AssertionError(f"dbt was run at import: {args}")
    started(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = no_dbt
import orchestration.dbt_project as project
def boom(*args, **kwargs):
    raise AssertionError("the dbt manifest was prepared at import")
project.prepare_manifest = project.PREPARER.prepare = boom
import pension_audit.cli, orchestration.definitions, api.app  # noqa
assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())
print("quiet")
"""
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0 and ran.stdout.strip() == "quiet", ran.stderr[-3000:]
