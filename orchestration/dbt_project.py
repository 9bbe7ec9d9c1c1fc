"""The dbt project as Dagster builds it: `DbtProject`, how its manifest is prepared, and the
command that runs dbt offline."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject, DbtProjectPreparer

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = ROOT / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
# orchestration/dbt_offline.py, installed beside this interpreter as a console script.
DBT_EXECUTABLE = Path(sys.executable).with_name("pension-audit-dbt")


class OfflinePreparer(DbtProjectPreparer):
    """dagster-dbt's preparation (parse the project into its manifest: under `dagster dev` on every
    load, elsewhere when asked), with dbt run by the offline command rather than the `dbt` on the
    PATH, which would ask the package index for its latest version first."""

    def prepare(self, project: DbtProject) -> None:
        # Parse into a private folder and swap the manifest in: processes may race to do this.
        project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=project.manifest_path.parent, prefix="parse-") as scratch:
            subprocess.run(
                [
                    str(DBT_EXECUTABLE),
                    "parse",
                    "--quiet",
                    "--project-dir",
                    str(project.project_dir),
                    "--profiles-dir",
                    str(project.profiles_dir),
                    "--target-path",
                    scratch,
                    "--log-path",
                    scratch,
                ],
                check=True,
            )
            os.replace(Path(scratch) / "manifest.json", project.manifest_path)


PREPARER = OfflinePreparer()


def _newest_project_file() -> float:
    files = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    files += [p for folder in ("models", "macros", "seeds") for p in (PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def prepare_manifest() -> Path:
    """The manifest the Dagster definitions are built from, prepared again only when a file of
    the dbt project changed since (a parse costs seconds; a stale manifest would mislead)."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_project_file():
        PREPARER.prepare(DBT_PROJECT)
    return manifest
