"""The platform's one configuration: where its data lives, which case store it serves, how much
memory and how many threads it may take, and the bureau's clock.

Every value comes from this object. Environment variables prefixed `PENSION_AUDIT_` (or a
`.env` file in the working directory) set them; the command line's `--home` and
`--database-url` override them. Nothing else in the platform reads the environment, and
nothing here changes it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The bureau's calendar: deadlines, "today" and the next 发放年月 are taken here.
BUREAU_TIMEZONE = "Asia/Shanghai"

# Dagster's own storage lives in the data home. Telemetry off; step output is streamed as
# structured events already, so capturing stdout into files (a `tail` per step) is off too.
DAGSTER_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""


class Settings(BaseSettings):
    """Settings of one deployment. Paths are absolute once read."""

    model_config = SettingsConfigDict(env_prefix="PENSION_AUDIT_", env_file=".env", extra="ignore", frozen=True)

    home: Path = Path("data")  # everything a run produces: warehouse, Dagster storage, logs
    inbox: Path | None = None  # where departments' files land; default <home>/inbox
    database_url: str | None = None  # the case store; default SQLite <home>/cases.sqlite
    duckdb_memory: str = "1GB"  # DuckDB's buffer bound for dbt (spills to disk past it)
    loader_memory: str = "256MB"  # the same bound for the loader
    # Processes that read and type a cold start's files beside the loader, which stores them
    # (0: the loader alone). Each takes about 0.5 GB; the loader itself keeps one core busy.
    load_workers: int = min(2, (os.cpu_count() or 1) - 1)
    threads: int = 4  # worker threads for the service's routes
    workers: int = 1  # service processes (PostgreSQL only when more than one)
    token_hours: int = 12  # how long a sign-in lasts
    # The secret that seals the audit log and derives person references: outside the database,
    # so that whoever can write the database cannot forge the log. Default <home>/secrets/audit.key,
    # created (mode 0600) the first time it is needed.
    audit_key_file: Path | None = None
    audit_anchors: Path | None = None  # dated copies of the log's head; default <home>/audit-anchors
    service_password: SecretStr | None = None  # PostgreSQL: the service role's password, if it needs one
    secure_cookies: bool = False  # served over HTTPS: the sign-in cookie is sent over HTTPS only
    trusted_proxies: list[str] = []  # reverse proxies (addresses or networks) whose X-Forwarded-For counts
    retention_years: int = 10  # received files and quarantined rows are kept this long (pension-audit purge)
    # Where the district's data starts ('YYYY-MM'): the first period feeds owe by the calendar and
    # the first Dagster partition. Empty: the earliest period in the inbox (or the file log).
    data_start: str | None = None
    # The bureau's day a build decides on (due dates, late feeds); empty: today in 北京时间.
    today: dt.date | None = None

    @field_validator("data_start")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value:
            dt.datetime.strptime(value, "%Y-%m")  # raises on anything but YYYY-MM
        return value or None

    @field_validator("home", "inbox", "audit_key_file", "audit_anchors")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().resolve()

    @property
    def inbox_path(self) -> Path:
        return self.inbox or self.home / "inbox"

    @property
    def warehouse_path(self) -> Path:
        """The pipeline's private workspace: the service never opens it."""
        return self.home / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.home / "secrets" / "audit.key"

    @property
    def audit_anchors_path(self) -> Path:
        return self.audit_anchors or self.home / "audit-anchors"

    def audit_secret(self) -> bytes:
        """The deployment's secret: 32 random bytes, kept in hex in `audit_key_path`. Created the
        first time with mode 0600, atomically (several processes may start at once)."""
        path = self.audit_key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(secrets.token_hex(32) + "\n")
            try:
                os.link(draft, path)  # fails if another process was first: its key stands
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'cases.sqlite'}"

    @property
    def uses_sqlite(self) -> bool:
        return self.store_url.startswith("sqlite")

    def with_overrides(self, **values: Any) -> Settings:
        """These settings with the given values replaced (None leaves a value as it is)."""
        chosen = {key: value for key, value in values.items() if value is not None}
        return Settings(**{**self.model_dump(), **chosen}) if chosen else self

    def environment(self) -> dict[str, str]:
        """These settings as the environment variables that give them (for processes started
        from here, such as the service's worker processes)."""
        prefix = self.model_config["env_prefix"]
        return {
            f"{prefix}{key.upper()}": _env_value(value) for key, value in self.model_dump().items() if value is not None
        }

    def dbt_vars(self) -> str:
        """What dbt needs to know of this deployment, as its `--vars` (the profile reads them)."""
        values = {
            "warehouse": str(self.warehouse_path),
            "duckdb_memory": self.duckdb_memory,
            "today": (self.today or bureau_today()).isoformat(),
        }
        if self.data_start:
            values["data_start"] = self.data_start
        return json.dumps(values)

    def calendar_today(self) -> dt.date:
        """The day due dates are judged on: `today` if set, else the bureau's calendar day."""
        return self.today or bureau_today()

    def prepare_dagster_home(self) -> Path:
        """Dagster's storage folder with its configuration (telemetry off)."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config = self.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML, encoding="utf-8")
        return self.dagster_home


def _env_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return json.dumps(value) if isinstance(value, list) else str(value)


def bureau_now() -> dt.datetime:
    """The bureau's wall clock (北京时间), naive."""
    return dt.datetime.now(ZoneInfo(BUREAU_TIMEZONE)).replace(tzinfo=None)


def bureau_today() -> dt.date:
    """The bureau's calendar day: what deadlines and "today" mean in every decision."""
    return bureau_now().date()
