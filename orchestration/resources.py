"""The deployment's settings as a Dagster resource: the only thing assets know of the world."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from pension_audit.ingest.load import Warehouse
from pension_audit.settings import Settings


class DataHome(dg.ConfigurableResource):
    """Where files arrive (`inbox`), where everything built from them lives (`home`), the case
    store findings are published into (`database_url`; empty: SQLite in the home) and DuckDB's
    memory bounds and the audit log's key: the fields of `Settings` a run needs, as Dagster configuration."""

    home: str
    inbox: str
    database_url: str = ""
    duckdb_memory: str = "1GB"
    loader_memory: str = "256MB"
    audit_key_file: str = ""  # empty: <home>/secrets/audit.key
    audit_anchors: str = ""  # empty: <home>/audit-anchors
    data_start: str = ""  # empty: where the inbox's data starts
    today: str = ""  # empty: the bureau's calendar day
    # `pension-audit runs verify`: the folder of the run whose case decisions the build reads
    # (its Parquet snapshots) instead of the case store's. Empty: the case store's.
    decisions_from: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, decisions_from: Path | None = None) -> DataHome:
        return cls(
            decisions_from=str(decisions_from or ""),
            home=str(settings.home),
            inbox=str(settings.inbox_path),
            database_url=settings.database_url or "",
            duckdb_memory=settings.duckdb_memory,
            loader_memory=settings.loader_memory,
            audit_key_file=str(settings.audit_key_path),
            audit_anchors=str(settings.audit_anchors_path),
            data_start=settings.data_start or "",
            today=settings.today.isoformat() if settings.today else "",
        )

    def settings(self) -> Settings:
        return Settings(
            home=Path(self.home),
            inbox=Path(self.inbox),
            database_url=self.database_url or None,
            duckdb_memory=self.duckdb_memory,
            loader_memory=self.loader_memory,
            audit_key_file=Path(self.audit_key_file) if self.audit_key_file else None,
            audit_anchors=Path(self.audit_anchors) if self.audit_anchors else None,
            data_start=self.data_start or None,
            today=dt.date.fromisoformat(self.today) if self.today else None,
        )

    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings().warehouse_path, memory_limit=self.loader_memory)
