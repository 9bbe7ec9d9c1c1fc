"""Dagster's SQLite event log, with one SQLAlchemy engine and one open connection per database
file instead of a new engine and connection for every event.

Dagster's own SQLite event log builds a new engine for every event it stores. A new engine
starts with an empty statement cache, so each event's INSERTs are compiled again and its
dialect is set up again; and each use opened and closed a connection, and closing the last
connection to a WAL database checkpoints it, with an fsync. A run stores thousands of events
(each feed period's materialisation and checks, each dbt model and test). Here each file keeps
its engine and one connection (StaticPool), used by one event at a time (the storage's lock), and
commits append to the WAL without an fsync. On the tiny district's dbt build this took SQLite's
share of storing events from about 7 s to 1 s. Other processes (the sensor, `dagster dev`,
which read the home's dagster.yaml and use Dagster's own class) share the same files as before:
an idle connection holds no lock. `orchestration.run.dagster_instance` opens a data home with it.
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
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool


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
                if shard in self._engines:  # after a wipe: the old connection's file is gone
                    self._engines.pop(shard).dispose()
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=StaticPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                )
                event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
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


def _commit_without_waiting_for_the_disk(dbapi_connection: Any, _record: Any) -> None:
    """The event log is in WAL mode: with synchronous=NORMAL a commit appends to the WAL without
    an fsync (checkpoints still sync). A power cut may lose the last events, never corrupt the file."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


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
