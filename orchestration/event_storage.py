"""Dagster's SQLite event log, with one SQLAlchemy engine per database file instead of one per
event.

Dagster's own SQLite event log builds a new engine for every event it stores. A new engine
starts with an empty statement cache, so each event's INSERTs are compiled again and its
dialect is set up again. A run stores thousands of events (each feed period's materialisation
and checks, each dbt model and test): storing them was a quarter of a small run's CPU, and
keeping the engines saves about a third of that. Kept engines still open one connection per use
(NullPool, as Dagster's), so nothing holds a database file open between events, and other
processes (the sensor, `dagster dev`, which read the home's dagster.yaml and use Dagster's own
class) share the same files as before. `orchestration.run.dagster_instance` opens a data home
with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool


class SqliteEventLogStorageKeepingEngines(SqliteEventLogStorage):
    """Dagster's SQLite event log (same files, same schema), its engines kept."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, Engine] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> SqliteEventLogStorageKeepingEngines:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            # A shard Dagster has not (or no longer, after a wipe) set up gets a new engine.
            if shard not in self._initialized_dbs or shard not in self._engines:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=NullPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            with self._engines[shard].connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def sqlite_storage_keeping_engines(dagster_home: Path) -> dict[str, Any]:
    """Instance overrides: Dagster's default SQLite storages in `dagster_home` (its own defaults,
    the same files as its default `storage`), the event log by the class above; none when the
    home's dagster.yaml chooses its own storage (PostgreSQL, say)."""
    config = yaml.safe_load((dagster_home / "dagster.yaml").read_text(encoding="utf-8")) or {}
    if any(key in config for key in STORAGE_KEYS):
        return {}
    defaults = InstanceRef.config_defaults(str(dagster_home))

    def storage(key: str, module: str | None = None, name: str | None = None) -> dict[str, Any]:
        data = defaults[key]
        assert data is not None
        return {
            "module": module or data.module_name,
            "class": name or data.class_name,
            "config": yaml.safe_load(data.config_yaml),
        }

    return {
        "run_storage": storage("run_storage"),
        "event_log_storage": storage("event_log_storage", __name__, SqliteEventLogStorageKeepingEngines.__name__),
        "schedule_storage": storage("schedule_storage"),
    }
