"""dbt's own tests pass against a built district, and the docs build.

The data tests (keys, relationships, closed vocabularies, invariants) live in
dbt_project/models/{intermediate,marts}/_*__models.yml; the unit tests (one rule edge each)
in dbt_project/models/**/_unit_tests.yml. Each test here runs dbt on a private copy of the
tiny district's warehouse, with its own target and log folders, so it never writes the shared
district nor collides with another dbt process.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_project import PROJECT_DIR
from tests.conftest import BuiltDistrict, run_dbt

# Its tests share a module fixture: one worker runs them all, so it is made once (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("dbt-build")

PROJECT = PROJECT_DIR


def _dbt(args: list[str], scratch: Path, warehouse: Path | None = None) -> subprocess.CompletedProcess:
    return run_dbt(args, scratch, warehouse or scratch / "warehouse.duckdb")


def _tail(result: subprocess.CompletedProcess, lines: int = 60) -> str:
    return "\n".join((result.stdout + result.stderr).splitlines()[-lines:])


@dataclass(frozen=True)
class Build:
    scratch: Path
    warehouse: Path
    result: subprocess.CompletedProcess
    shared_untouched: bool


@pytest.fixture(scope="module")
def built(tiny_district: BuiltDistrict, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`dbt build` (seeds, models, every data test and unit test) on a private copy of the
    tiny district's warehouse. The shared district may have been built by other code, so the
    copy is rebuilt from its raw tables rather than trusted."""
    scratch = tmp_path_factory.mktemp("dbt-build")
    shared = tiny_district.home / "warehouse.duckdb"
    shared_mtime = shared.stat().st_mtime
    warehouse = scratch / "warehouse.duckdb"
    shutil.copyfile(shared, warehouse)
    result = _dbt(["build"], scratch, warehouse)
    return Build(scratch, warehouse, result, shared.stat().st_mtime == shared_mtime)


def test_dbt_build_passes_every_data_test_and_unit_test(built: Build):
    assert built.result.returncode == 0, _tail(built.result)
    assert built.shared_untouched

    run = json.loads((built.scratch / "target" / "run_results.json").read_text(encoding="utf-8"))
    statuses = {r["unique_id"]: r["status"] for r in run["results"] if not r["unique_id"].startswith("exposure.")}
    bad = {uid: status for uid, status in statuses.items() if status not in ("pass", "success")}
    assert not bad, bad
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    data_tests = [uid for uid in statuses if uid.startswith("test.")]
    assert len(unit_tests) >= 20, unit_tests
    assert len(data_tests) >= 250, len(data_tests)


def test_a_required_column_left_empty_fails_its_tables_one_null_check(built: Build, tmp_path: Path):
    """The columns of a table that must hold a value are checked in one query; a row with one
    of them empty fails it, and its failing row says which column."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    emptied = con.execute(
        "UPDATE marts.persons SET name = NULL WHERE person_id = (SELECT min(person_id) FROM marts.persons)"
        " RETURNING person_id"
    ).fetchall()
    con.close()
    assert len(emptied) == 1

    result = _dbt(["test", "--select", "persons,test_name:not_null_columns"], tmp_path, warehouse)

    assert result.returncode == 1, _tail(result)
    run = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))
    (test,) = run["results"]
    assert test["status"] == "fail" and test["failures"] == 1, test
    con = duckdb.connect(str(warehouse), read_only=True)
    failing = con.execute(test["compiled_code"])
    row = dict(zip([d[0] for d in failing.description], failing.fetchone(), strict=True))
    con.close()
    assert row == {
        "person_id_is_null": False,
        "kept_person_no_is_null": False,
        "name_is_null": True,
        "record_count_is_null": False,
        "invalid_id_is_null": False,
    }


def test_dbt_docs_generate_writes_the_catalog(built: Build, tmp_path: Path):
    result = _dbt(["docs", "generate"], tmp_path, built.warehouse)
    assert result.returncode == 0, _tail(result)

    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text(encoding="utf-8"))
    assert not catalog.get("errors"), catalog["errors"]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {
        uid
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["schema"] in ("intermediate", "marts")
    }
    missing = sorted(models - set(catalog["nodes"]))
    assert not missing, missing
    persons = catalog["nodes"]["model.pension_audit.persons"]
    assert {"person_id", "kept_person_no", "township_code"} <= set(persons["columns"])
    assert (tmp_path / "target" / "index.html").exists()


def test_every_model_is_described_and_its_grain_tested(tmp_path: Path):
    """Every intermediate and mart model has a description and a uniqueness test on its grain;
    test names are unique and fit Dagster's asset-check names (dagster-dbt turns each data test
    into one; a duplicate name fails the whole `pension-audit run`)."""
    result = _dbt(["parse"], tmp_path)
    assert result.returncode == 0, _tail(result)
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))

    models = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["schema"] in ("intermediate", "marts")
    }
    assert models
    undescribed = sorted(n["name"] for n in models.values() if not n["description"].strip())
    assert not undescribed, undescribed

    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    grain_tested = {
        n["attached_node"]
        for n in tests
        if n.get("test_metadata", {}).get("name") in ("unique", "unique_combination", "unique_key")
    }
    # int_as_of is a single row; int_findings_triggered & co. are unions checked on finding_key.
    untested = sorted(n["name"] for uid, n in models.items() if uid not in grain_tested and n["name"] != "int_as_of")
    assert not untested, untested

    names = [n["name"] for n in tests]
    assert len(names) == len(set(names)), sorted({x for x in names if names.count(x) > 1})
    bad = [x for x in names if not re.fullmatch(r"[A-Za-z0-9_]+", x)]
    assert not bad, bad

    unit_tests = manifest["unit_tests"]
    tested_models = {u["model"] for u in unit_tests.values()}
    assert {
        "int_death_triggers",
        "int_money_by_record_month",
        "int_court_sentences_current",
        "int_improper_months",
        "int_source_records_linked",
        "int_roster_records_identified",
        "int_person_records_kept",
        "int_duplicate_enrollment_months",
        "int_subsidy_triggers",
        "int_duplicate_payment_months",
        "int_contribution_matches",
    } <= tested_models
