"""The dbt manifest the Dagster definitions are built from, parsed again only when a file
of the dbt project changed since (so the command line and tests never read a stale one)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = ROOT / "dbt_project"
MANIFEST = PROJECT_DIR / "target" / "manifest.json"
DBT_OFFLINE = ROOT / "orchestration" / "dbt-offline"


def _newest_source_mtime() -> float:
    return max(p.stat().st_mtime for folder in ("models", "macros", "seeds")
               for p in (PROJECT_DIR / folder).rglob("*") if p.is_file())


def ensure_manifest() -> Path:
    project_files = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    newest = max(_newest_source_mtime(), *(p.stat().st_mtime for p in project_files))
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= newest:
        return MANIFEST
    # Parse into a private folder and swap the manifest in: processes may race to do this.
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=MANIFEST.parent, prefix="parse-") as scratch:
        env = {**os.environ, "PENSION_AUDIT_PYTHON": sys.executable, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
               "DBT_TARGET_PATH": scratch, "DBT_LOG_PATH": scratch}
        subprocess.run([str(DBT_OFFLINE), "parse", "--quiet", "--project-dir", str(PROJECT_DIR),
                        "--profiles-dir", str(PROJECT_DIR)], check=True, env=env)
        os.replace(Path(scratch) / "manifest.json", MANIFEST)
    return MANIFEST
