"""`dagster dev` on the data home shows every feed asset with its checks (as the README says)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pension_audit.ingest.feeds import FEEDS

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


def test_dagster_dev_shows_every_feed_asset_with_its_checks(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PENSION_AUDIT_HOME": str(tmp_path / "home"),
        "PENSION_AUDIT_INBOX": str(tmp_path / "inbox"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    (tmp_path / "dagster").mkdir()
    (tmp_path / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
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
        deadline = time.monotonic() + 120
        nodes = None
        while time.monotonic() < deadline:
            try:
                nodes = graphql(port, QUERY)["assetNodes"]
                if nodes:
                    break
            except (OSError, ValueError, KeyError, TypeError):  # not up yet, or loading
                time.sleep(1)
        assert nodes, "dagster dev did not answer within 120 s"
        checks = {
            "/".join(n["assetKey"]["path"]): {
                c["name"]: c["blocking"] for c in n["assetChecksOrError"].get("checks", [])
            }
            for n in nodes
        }
        for feed in FEEDS:
            assert checks[f"raw/{feed.name}"] == {"structure": True, "quality": False}
        assert "marts/findings" in checks
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
