"""A tiny district with every drift planted at once (issue 15, item 7), loaded end to end:
the optional column in a new form costs no row, the truncated file is held, and no finding
is decided from it — the findings are those of the same district with that file absent.

One generation for the module, two runs: the first with the truncated file not yet in the
inbox (the district without it), the second after it arrives."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from district_generator import DRIFTS, generate

from orchestration.publish import FINDING_COLUMNS
from pension_audit.cli import main

# Its tests share one costly fixture: one worker runs them all, so it is built once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("drifted-district")

# A finding as the store keeps it: what the two runs must agree on.
FINDINGS = f"SELECT {', '.join(FINDING_COLUMNS)} FROM marts.findings ORDER BY finding_key"


@dataclass(frozen=True)
class Drifted:
    root: Path
    home: Path
    truth: dict
    findings_without_the_file: list[tuple]
    output: str

    def drift(self, name: str) -> dict:
        return next(d for d in self.truth["drifts"] if d["drift"] == name)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def findings(self) -> list[tuple]:
        return self.query(FINDINGS)


def run(inbox: Path, home: Path) -> str:
    result = CliRunner().invoke(main, ["run", "--inbox", str(inbox), "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def drifted(tmp_path_factory) -> Drifted:
    root = tmp_path_factory.mktemp("drifted")
    truth = generate(root, "tiny", 1, DRIFTS)
    inbox, home = root / "inbox", root / "home"
    truncated = next(d for d in truth["drifts"] if d["drift"] == "truncated-file")["path"]
    aside = root / "aside"
    aside.mkdir()
    shutil.move(inbox / truncated, aside / "file")
    run(inbox, home)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        without = con.execute(FINDINGS).fetchall()
    finally:
        con.close()
    shutil.move(aside / "file", inbox / truncated)
    output = run(inbox, home)
    return Drifted(root, home, truth, without, output)


def test_every_drift_is_planted(drifted):
    assert {d["drift"] for d in drifted.truth["drifts"]} == set(DRIFTS)
    assert drifted.drift("truncated-file")["path"] in drifted.truth["files"]
    missing = drifted.drift("missing-month")
    assert not list((drifted.root / "inbox" / missing["feed"]).glob(f"{missing['period']}.*"))


def test_the_optional_column_in_a_new_form_costs_no_row(drifted):
    drift = drifted.drift("optional-column-form")
    log = {
        path: (status, read, loaded, quarantined)
        for path, status, read, loaded, quarantined in drifted.query(
            "SELECT path, status, rows_read, rows_loaded, rows_quarantined FROM meta.file_log WHERE status = 'loaded'"
        )
    }
    issues = set(
        drifted.query("""
        SELECT l.path, v.row_number, v.column_name, v.reason FROM meta.value_issues v
        JOIN meta.file_log l ON l.file_hash = v.file_hash AND l.status = 'loaded'""")
    )
    tier_issues = 0
    for path in drift["files"]:
        planted = drifted.truth["files"][path]
        status, read, loaded, quarantined = log[path]
        # only the rows planted for a column that decides something are quarantined
        assert (status, read, quarantined) == (
            "loaded",
            planted["data_rows"],
            len({q["row"] for q in planted["quarantined"]}),
        ), path
        assert loaded + quarantined == read, path
        expected = {(path, v["row"], v["column"], v["reason"]) for v in planted["value_issues"]}
        assert {i for i in issues if i[0] == path} == expected, path
        tier_issues += sum(v["column"] == "tier" for v in planted["value_issues"])
    assert tier_issues > 0
    # and the drifted cells are in the value issues exactly as they arrived
    values = {v for (v,) in drifted.query("SELECT DISTINCT value FROM meta.value_issues WHERE column_name = 'tier'")}
    assert values and all(v.startswith("第") and v.endswith("档") for v in values)


def test_the_truncated_file_is_held_and_reaches_no_table(drifted):
    drift = drifted.drift("truncated-file")
    assert drifted.query("SELECT status, reason FROM meta.file_log WHERE path = ?", [drift["path"]]) == [
        ("held", "too_few_rows")
    ]
    assert drifted.query("SELECT count(*) FROM raw.payments WHERE _period = ?", [drift["period"]]) == [(0,)]
    assert f"⏸ {drift['path']}" in drifted.output
    assert f"pension-audit release payments {drift['period']}" in drifted.output


def test_no_finding_is_decided_from_the_held_file(drifted):
    """The findings equal those of the same district with the truncated file absent."""
    assert drifted.findings_without_the_file
    assert drifted.findings() == drifted.findings_without_the_file


def test_the_renamed_required_column_fails_its_file_alone(drifted):
    drift = drifted.drift("renamed-column")
    ((status, reason, message),) = drifted.query(
        "SELECT status, reason, message FROM meta.file_log WHERE path = ?", [drift["path"]]
    )
    assert (status, reason) == ("failed", "missing_columns") and "险种" in message


def test_the_missing_month_is_simply_not_there(drifted):
    drift = drifted.drift("missing-month")
    assert drifted.query(
        "SELECT count(*) FROM meta.file_log WHERE feed = ? AND period = ?", [drift["feed"], drift["period"]]
    ) == [(0,)]
