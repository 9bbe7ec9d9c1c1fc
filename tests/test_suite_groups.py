"""The suite's own scheduling: the tests of an `xdist_group` run on one pytest-xdist worker, so
a module fixture they share is made once (tests/conftest.py appends the `@group` to their ids,
which pytest 9 no longer lets pytest-xdist do)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GROUPED = """
import os
import pytest

pytestmark = pytest.mark.xdist_group("shared")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    with open(os.environ["MADE_LOG"], "a") as log:
        log.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")


def test_one(made): pass
def test_two(made): pass
def test_three(made): pass
def test_four(made): pass
"""


def test_a_groups_module_fixture_is_made_once_on_two_workers(tmp_path: Path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text("from tests.conftest import pytest_collection_modifyitems  # noqa: F401\n")
    (suite / "test_grouped.py").write_text(GROUPED)
    (suite / "test_other.py").write_text("".join(f"def test_other_{i}(): pass\n" for i in range(12)))
    made = tmp_path / "made.log"
    env = {**os.environ, "MADE_LOG": str(made), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p", "no:cacheprovider", str(suite)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert len(made.read_text().split()) == 1, "the group's module fixture was made on each worker"
