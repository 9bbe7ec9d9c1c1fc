"""A run folder whose manifest.json is damaged or altered: `runs list` lists the others and names
it, `runs verify` says it cannot be read (exit 1) — in Chinese, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pension_audit.cli import main

GOOD = {
    "run_id": "20261207-081500-3fa2",
    "recorded_at": "2026-12-07T08:15:00+08:00",
    "build": {"as_of_month": "2025-12", "decided_on": "2026-12-07"},
    "inputs": [],
    "findings": {"rows": 0, "sha256": "0" * 64},
    "code": {"source_revision": "unknown"},
}


def test_a_damaged_run_manifest_is_named_and_refused_not_a_traceback(tmp_path: Path):
    runs = tmp_path / "home" / "runs"
    (runs / GOOD["run_id"]).mkdir(parents=True)
    (runs / GOOD["run_id"] / "manifest.json").write_text(json.dumps(GOOD), encoding="utf-8")
    for damaged, text in (("20261207-000000-dead", '{"run_id": "2026'), ("20261207-000001-beef", "[1, 2]")):
        (runs / damaged).mkdir()
        (runs / damaged / "manifest.json").write_text(text, encoding="utf-8")
    home = ["--home", str(tmp_path / "home")]

    listed = CliRunner().invoke(main, ["runs", "list", *home])
    assert listed.exit_code == 0 and listed.exception is None, listed.output
    assert GOOD["run_id"] in listed.output
    assert "以下运行的清单无法读取" in listed.output and "20261207-000000-dead、20261207-000001-beef" in listed.output

    verified = CliRunner().invoke(main, ["runs", "verify", "20261207-000000-dead", *home])
    assert verified.exit_code == 1 and not isinstance(verified.exception, ValueError), verified.output
    assert "运行 20261207-000000-dead 核验未通过" in verified.output and "无法读取" in verified.output
