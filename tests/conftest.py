"""Shared fixtures: files written the way departments write them."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
import xlsxwriter
from sqlalchemy import create_engine, text

from casework.db import service_role
from orchestration.dbt_project import DBT_EXECUTABLE, PROJECT_DIR

POSTGRES = os.environ.get("PENSION_AUDIT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        with create_engine(POSTGRES).connect() as c:
            c.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means: not here
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES}")
        pytest.skip(f"no PostgreSQL at {POSTGRES}")
    return POSTGRES


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    name = f"pa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'DROP ROLE IF EXISTS "{service_role(url)}"'))
    admin.dispose()


def write_csv(path: Path, lines: list[str], encoding: str = "gb18030") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode("utf-8" if encoding == "utf-8-sig" else encoding)
    path.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + data)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """Rows as given; None leaves a cell empty, a date becomes a real date cell, a float a
    number cell (as Excel stores a long ID typed into a General cell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@dataclass(frozen=True)
class BuiltDistrict:
    """A generated district, loaded and built end to end by `pension-audit run`."""

    root: Path
    inbox: Path
    home: Path
    truth: dict
    output: str


def _command(args: list[str]) -> str:
    """A console script of this environment, run to the end: what it said (stdout and stderr)."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name(args[0])), *args[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-5000:]
    return done.stdout


def built_once(root: Path, marker: str, build: Callable[[], str]) -> str:
    """What `build` made of `root` (it returns the text kept in `root/marker`), made once per
    test session: pytest-xdist workers and threads wait on the folder's lock, and a build that
    failed half-way is started again from an empty folder."""
    from filelock import FileLock

    with FileLock(str(root) + ".lock"):
        done = root / marker
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            made = build()
            done.write_text(made, encoding="utf-8")
    return done.read_text(encoding="utf-8")


def build_district(base: Path, scale: str, seed: int = 1) -> BuiltDistrict:
    """Generate and run once per test session, shared by pytest-xdist workers (and by threads:
    the generator and the run are processes of their own)."""
    root = base / f"district-{scale}-{seed}"

    def build() -> str:
        _command(["district-generator", "--out", str(root), "--scale", scale, "--seed", str(seed)])
        return _command(["pension-audit", "run", "--inbox", str(root / "inbox"), "--home", str(root / "home")])

    output = built_once(root, "run-output.txt", build)
    return BuiltDistrict(
        root, root / "inbox", root / "home", json.loads((root / "truth.json").read_text(encoding="utf-8")), output
    )


def session_dir(tmp_path_factory) -> Path:
    """A folder of this test session, shared by its pytest-xdist workers (and by no other
    session: a district built by another version of the code must never be reused)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` sends the tests of an `xdist_group` to one worker, by the `@group` that
    pytest-xdist's worker appends to their ids. Under pytest 9 that worker hook no longer takes
    effect (it sets `_nodeid`, which pytest 9 no longer reads: ids are `_id`), so each group was
    split over both workers and its module fixture made twice. The suffix is appended here, as
    pytest-xdist would; a test whose id already has one is left alone."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        )
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")  # type: ignore[attr-defined]


# Which worker starts which shared district at once, in the background (pytest-xdist's
# worker names): neither worker then sits idle waiting for the other's build.
BUILT_IN_BACKGROUND = {"gw0": ("tiny", "tiny_district"), "gw1": ("small", "small_district")}


@pytest.fixture(scope="session", autouse=True)
def shared_districts_in_background(request, tmp_path_factory) -> None:
    """Start this worker's shared district building in a thread, if the session needs it; the
    fixture that needs it waits for it on its lock."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker not in BUILT_IN_BACKGROUND:
        return
    scale, fixture = BUILT_IN_BACKGROUND[worker]
    if any(fixture in getattr(item, "fixturenames", ()) for item in request.session.items):
        base = session_dir(tmp_path_factory)
        threading.Thread(target=build_district, args=(base, scale), daemon=True).start()


@pytest.fixture(scope="session")
def tiny_district(tmp_path_factory) -> BuiltDistrict:
    return build_district(session_dir(tmp_path_factory), "tiny")


@pytest.fixture(scope="session")
def small_district(tmp_path_factory) -> BuiltDistrict:
    return build_district(session_dir(tmp_path_factory), "small")


@dataclass(frozen=True)
class MonthArrived:
    """The tiny district loaded by `run_pipeline` without its last month, then again when that
    month's files arrive: the home as the first build left it, the home after the second, and
    what each run counted."""

    inbox: Path
    home_before: Path  # a copy of the home after the first build (the month not yet there)
    home: Path  # the home after the month arrived
    last_month: str
    new_files: list[str]  # the month's files, relative to the inbox
    cold: dict  # the first build's work counts (last_run_counts.json)
    increment: dict  # the second's
    feeds_run: list[str]  # the feeds the second run loaded


@pytest.fixture(scope="session")
def tiny_month_arrived(tiny_district: BuiltDistrict, tmp_path_factory) -> MonthArrived:
    """Built once per test session, shared by pytest-xdist workers."""
    from orchestration.run import run_pipeline
    from pension_audit.settings import Settings

    root = session_dir(tmp_path_factory) / "district-tiny-1-month-arrived"
    last = tiny_district.truth["last_month"]
    inbox, home, before = root / "inbox", root / "home", root / "home-before"

    def build() -> str:
        shutil.copytree(tiny_district.inbox, inbox)
        held_back = root / "held-back"
        new_files = sorted(str(p.relative_to(inbox)) for p in inbox.glob(f"*/{last}.*"))
        for name in new_files:
            (held_back / name).parent.mkdir(parents=True, exist_ok=True)
            (inbox / name).rename(held_back / name)
        settings = Settings(home=home, inbox=inbox)
        cold = run_pipeline(settings, echo=lambda _: None)
        assert cold.ok
        shutil.copytree(home, before, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs"))
        shutil.copytree(held_back, inbox, dirs_exist_ok=True)
        increment = run_pipeline(settings, echo=lambda _: None)
        assert increment.ok
        counts = {"cold": cold.counts, "increment": increment.counts, "feeds_run": increment.feeds_run}
        return json.dumps({"new_files": new_files, **counts})

    runs = json.loads(built_once(root, "runs.json", build))
    return MonthArrived(
        inbox, before, home, last, runs["new_files"], runs["cold"], runs["increment"], runs["feeds_run"]
    )


def run_dbt(args: list[str], scratch: Path, warehouse: Path) -> subprocess.CompletedProcess:
    """dbt (offline) on the given warehouse, with private target and log folders under
    `scratch`, so it never collides with another dbt process."""
    return subprocess.run(
        [
            str(DBT_EXECUTABLE),
            *args,
            "--vars",
            json.dumps({"warehouse": str(warehouse)}),
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch / "logs"),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@contextmanager
def served(app, lifespan: str = "on") -> Iterator[str]:
    """The app served for real by uvicorn on a free loopback port, in a thread: its base URL.
    (The test client waits for everything a request does; a real client gets the answer as
    soon as it is sent.)"""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
