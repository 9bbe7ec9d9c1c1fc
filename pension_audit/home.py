"""The one local data folder that holds everything a run produces."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = Path("data")

# Offline at run time: no telemetry, no version checks, for every tool we start.
OFFLINE_ENV = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
}

# Step output is streamed as structured events already; capturing stdout into files costs a
# `tail` process per step.
DAGSTER_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""


def go_offline() -> None:
    """Telemetry off for every tool we start; dbt's wrapper runs with our interpreter."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PENSION_AUDIT_PYTHON", sys.executable)


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Home:
        return cls(Path(root or os.environ.get("PENSION_AUDIT_HOME") or DEFAULT_HOME).resolve())

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    def prepare_dagster(self) -> Path:
        """Dagster's own storage lives in the data home, telemetry off."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config = self.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML)
        return self.dagster_home
