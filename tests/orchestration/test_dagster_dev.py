"""`dagster dev` on the data home shows every feed asset with its checks, and each period's check
results under its partition (as the README says)."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from orchestration.run import load_feeds
from pension_audit.ingest.feeds import FEEDS
from pension_audit.settings import Settings
from tests.conftest import write_csv

ROOT = Path(__file__).resolve().parents[2]
QUERY = (
    """{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


@contextlib.contextmanager
def dagster_dev(home: Path, inbox: Path) -> Iterator[int]:
    """`dagster dev` on a data home, as the README starts it; the port of its GraphQL."""
    port = free_port()
    dagster_home = Settings(home=home).prepare_dagster_home()
    env = {
        **os.environ,
        "PENSION_AUDIT_HOME": str(home),
        "PENSION_AUDIT_INBOX": str(inbox),
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    dagster = Path(sys.executable).parent / "dagster"
    process = subprocess.Popen(
        [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Started from a non-interactive shell, SIGINT and SIGTERM arrive ignored and dagster dev would
        # keep ignoring them: reset them in the child before it starts (nothing else runs there).
        start_new_session=True,
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM)],  # noqa: PLW1509
    )
    try:
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def answer(port: int, query: str, field: str):
    """The query's `field` once dagster dev answers it (it loads the definitions first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            found = graphql(port, query)[field]
            if found:
                return found
        except (OSError, ValueError, KeyError, TypeError):  # not up yet, or loading
            pass
        time.sleep(1)
    raise AssertionError("dagster dev did not answer within 120 s")


def test_dagster_dev_shows_every_feed_asset_with_its_checks(tmp_path):
    with dagster_dev(tmp_path / "home", tmp_path / "inbox") as port:
        nodes = answer(port, QUERY, "assetNodes")
    checks = {
        "/".join(n["assetKey"]["path"]): {c["name"]: c["blocking"] for c in n["assetChecksOrError"].get("checks", [])}
        for n in nodes
    }
    for feed in FEEDS:
        assert checks[f"raw/{feed.name}"] == {"structure": True, "quality": False}
    assert "marts/findings" in checks


PARTITION_STATUSES = """{ assetNodeOrError(assetKey: {path: ["raw", "payments"]}) { ... on AssetNode {
    assetCheckOrError(checkName: "quality") { ... on AssetCheck { partitionStatuses {
        ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } } } } } } } }"""
EXECUTIONS = """{ assetCheckExecutions(assetKey: {path: ["raw", "payments"]}, checkName: "quality", limit: 5,
    partition: "2025-02") { status evaluation { partition severity success } } }"""


def test_dagster_dev_shows_each_periods_check_result_under_its_partition(inbox, tmp_path):
    """Two months loaded in one run, the second with a wrong ID check digit: the quality check's
    partitions show January passed and February failed, and February's execution is its own."""
    home = tmp_path / "home"
    header = "个人编号,姓名,证件号码,所属年月,发放类型,实发金额,发放状态,发放年月"
    for month, id_number in (("2025-01", "150102198807303035"), ("2025-02", "150102198807303036")):
        write_csv(
            inbox / f"payments/{month}.csv",
            [header, f"1504040001,王芳,{id_number},{month},正常发放,203.00,成功,{month}"],
        )
    assert load_feeds(Settings(home=home, inbox=inbox).model_dump(), ["payments"], "2025-01", "2025-02") == []
    with dagster_dev(home, inbox) as port:
        node = answer(port, PARTITION_STATUSES, "assetNodeOrError")
        executions = answer(port, EXECUTIONS, "assetCheckExecutions")
    assert node["assetCheckOrError"]["partitionStatuses"]["ranges"] == [
        {"startKey": "2025-01", "endKey": "2025-01", "status": "SUCCEEDED"},
        {"startKey": "2025-02", "endKey": "2025-02", "status": "FAILED"},
    ]
    assert executions == [
        {"status": "FAILED", "evaluation": {"partition": "2025-02", "severity": "WARN", "success": False}}
    ]
