"""How fast the web console answers on a small district: every page, N times, over HTTP.

    .venv/bin/python bench/console.py                 # generate and run a small district first
    .venv/bin/python bench/console.py data/ -n 30     # or use a data home that has a warehouse

It publishes the home's warehouse into a fresh SQLite case store (the home's own store is left
alone), adds one user per role, starts uvicorn in a subprocess on a free loopback port, signs
in through the login form and prints p50 / p95 / max per page in milliseconds. The budget is
300 ms a page. A script, not a test: timings depend on the machine."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casework.db import migrate, open_store, session_factory, transaction
from casework.models import Finding, Role
from casework.services.users import add_user
from orchestration.publish import publish
from pension_audit.settings import Settings

PASSWORD = "bench password 1"
BUDGET_MS = 300


def build_small(work: Path) -> Path:
    cli = str(Path(sys.executable).with_name("pension-audit"))
    generator = str(Path(sys.executable).with_name("district-generator"))
    subprocess.run([generator, "--out", str(work / "district"), "--scale", "small"], check=True)
    subprocess.run([cli, "run", "--inbox", str(work / "district" / "inbox"), "--home", str(work / "home")], check=True)
    return work / "home"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_store(home: Path, url: str) -> tuple[str, str]:
    """Publish, add the staff; return a death finding's key and its person."""
    engine = open_store(Settings(home=home, database_url=url))
    migrate(engine)
    publish(engine, home / "warehouse.duckdb")
    with session_factory(engine)() as s:
        death = s.scalar(
            select(Finding).where(Finding.exception_type == "death").order_by(Finding.overpaid_amount.desc()).limit(1)
        )
        towns = s.scalar(select(func.count(func.distinct(Finding.township_code))))
    with transaction(session_factory(engine, writing=True)) as s:
        for username, name, role in (
            ("jingban", "张经办", Role.inspector),
            ("fuhe", "王复核", Role.reviewer),
            ("renshe", "区人社局", Role.hr_bureau),
            ("shuju", "数据组", Role.data_engineer),
        ):
            add_user(s, username, name, role, PASSWORD, None)
        add_user(s, "xiangzhen", "乡镇经办员", Role.township_officer, PASSWORD, death.township_code)
    engine.dispose()
    print(f"案件库：{url}（{towns} 个乡镇有疑点）")
    return death.finding_key, death.person_id


def sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    r = client.post("/web/login", data={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "home", nargs="?", help="a data home holding warehouse.duckdb (default: build a small district)"
    )
    parser.add_argument("-n", type=int, default=20, help="requests per page (after one warm-up)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="console-bench-"))
    home = Path(args.home).resolve() if args.home else build_small(work)
    url = f"sqlite:///{work / 'cases.sqlite'}"
    finding_key, person_id = prepare_store(home, url)

    port = free_port()
    env = {**os.environ, "PENSION_AUDIT_HOME": str(home), "PENSION_AUDIT_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        jingban, renshe, shuju, xiangzhen = (sign_in(base, u) for u in ("jingban", "renshe", "shuju", "xiangzhen"))
        r = jingban.post("/web/cases/open", data={"finding_key": finding_key, "reason": "基准测试立案"})
        case_url = r.url.path
        version = re.search(r'name="case_version" value="(\d+)"', r.text).group(1)
        jingban.post(
            f"{case_url}/proposals", data={"kind": "cancellation", "case_version": version, "reason": "基准测试"}
        )
        feed_page = next(
            a for a in shuju.get("/web/feeds").text.split('href="')[1:] if a.startswith("/web/feeds/")
        ).split('"')[0]
        events_page = (
            "/web/accountability/events?year="
            + renshe.get("/web/accountability").text.split('name="year"><option selected>')[1][:4]
        )
        pages = [
            ("登录页", httpx.Client(base_url=base), "/web/login"),
            ("工作台", jingban, "/web/dashboard"),
            ("疑点清单", jingban, "/web/findings"),
            ("疑点清单·筛选", jingban, "/web/findings?type=death&sort=-period&min=100"),
            ("疑点清单·第3页", jingban, "/web/findings?page=3"),
            ("疑点导出 XLSX", jingban, "/web/findings/export.xlsx"),
            ("人员", jingban, f"/web/persons/{person_id}"),
            ("案件", jingban, case_url),
            ("案件列表", jingban, "/web/cases"),
            ("乡镇疑点（乡镇）", xiangzhen, "/web/findings"),
            ("乡镇问责·年度", renshe, "/web/accountability"),
            ("乡镇问责·明细", renshe, events_page),
            ("数据源", shuju, "/web/feeds"),
            ("数据源·期间", shuju, feed_page),
        ]
        print(f"\n{'页面':<16}{'路径':<58}{'p50':>8}{'p95':>8}{'max':>8}  (ms, n={args.n})")
        worst = 0.0
        for label, client, path in pages:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            times = []
            for _ in range(args.n):
                t = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            worst = max(worst, p95)
            print(f"{label:<16}{path[:56]:<58}{statistics.median(times):8.1f}{p95:8.1f}{times[-1]:8.1f}")
        print(f"\n最慢页面 p95 {worst:.1f} ms（预算 {BUDGET_MS} ms）：{'达标' if worst < BUDGET_MS else '超出'}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
