"""The shape of the code: imports at the top of modules, one place that reads the environment,
and a repository that explains itself. (The layers themselves are import-linter's contracts in
pyproject.toml, which scripts/test checks before the tests run.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("pension_audit", "expectations", "casework", "reports", "api", "orchestration")
FIRST_PARTY = set(PRODUCT)
# Imported on first use, not at start: Great Expectations costs 3-5 s to import, and only the
# loader's validation needs it.
LAZY_THIRD_PARTY = {"great_expectations"}
# The console script's entry point imports the commands only when one runs: a process started
# with `spawn` imports its parent's main module again (pension_audit/console.py).
ENTRY_POINTS = {Path("pension_audit/console.py")}


def product_modules() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def function_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import inside a function body."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found += [(inner.lineno, alias.name) for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    found.append((inner.lineno, "." * inner.level + (inner.module or "")))
    return found


def test_no_module_imports_inside_a_function():
    hidden = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in product_modules()
        if path.relative_to(ROOT) not in ENTRY_POINTS
        for line, module in function_imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] not in LAZY_THIRD_PARTY
    ]
    assert hidden == []


def test_the_command_entry_point_imports_no_command_until_one_runs():
    """The loader's worker processes import the console script again: it must cost nothing."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, pension_audit.console; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    heavy = {"dagster", "dbt", "duckdb", "fastapi", "sqlalchemy", "weasyprint", "click"}
    assert [m for m in loaded if m.split(".")[0] in FIRST_PARTY | heavy] == ["pension_audit", "pension_audit.console"]


def environment_reads(tree: ast.AST) -> list[int]:
    """Lines that read the process environment (os.environ[...], .get, os.getenv)."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_read_the_environment():
    """Settings (pydantic-settings) are the one reader; the command line hands the settings to the
    service's worker processes in their environment, and nothing else touches it."""
    touching = {
        str(path.relative_to(ROOT)): environment_reads(ast.parse(path.read_text(encoding="utf-8")))
        for path in product_modules()
    }
    touching = {path: lines for path, lines in touching.items() if lines}
    assert set(touching) <= {"pension_audit/cli.py"}
    cli = (ROOT / "pension_audit" / "cli.py").read_text(encoding="utf-8")
    assert cli.count("os.environ") == 1 and "{**os.environ, **settings.environment()}" in cli


OUTSIDE = re.compile(
    r"\.\./shared|steering|(?<![\w/])(FEEDS|DOMAIN|STACK|STYLE|POLICY|DEVELOPERS)\.md"
    r"|songshan-procedure|GBT9704\.md|townships\.csv beside"
)


def test_the_repository_refers_only_to_itself():
    """Code, docs and the README point at documents inside the repository, never outside it."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    texts = [
        ROOT / name
        for name in tracked
        if name.endswith((".py", ".md", ".sql", ".yml", ".yaml", ".toml", ".html", ".css", ".sh"))
        or name.startswith("scripts/")
    ]
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in texts
        if path.is_file() and path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offending == []
