"""Connecting to the case store and bringing its schema up to date (Alembic).

`open_store(settings)` is the way in: the engine carries the deployment's seal (the key that
chains the audit log, casework.chain), without which nothing can be written to the log. On
PostgreSQL the service connects as its own role, which may only read and append to the audit
log (`service_role`); migrations and the command line run as the database's owner."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, QueuePool, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from casework.chain import Seal, take_turn
from casework.errors import Problem
from pension_audit.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_store(settings: Settings, service: bool = False) -> Engine:
    """The case store of these settings, sealed with their key; as the service's role when
    `service` (PostgreSQL)."""
    url = service_url(settings) if service else settings.store_url
    return make_engine(url, Seal.of(settings))


def make_engine(url: str, seal: Seal | None = None) -> Engine:
    engine = _sqlite_engine(url) if url.startswith("sqlite") else _postgres_engine(url)
    if seal is not None:
        engine.update_execution_options(audit_seal=seal)
    return engine


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    pool = {}
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than request threads (Settings.threads): requests never queue
        # for the pool on top of the threadpool.
        pool = {"poolclass": QueuePool, "pool_size": 10, "max_overflow": 40}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        # A writer takes SQLite's write lock when it begins, so two writers queue instead
        # of failing when the first commits (SQLITE_BUSY_SNAPSHOT); readers stay deferred.
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine


def _postgres_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "begin")
    def _writers_take_turns(connection) -> None:
        # Writers queue here, as on SQLite, before they touch anything: the audit log is one
        # chain, and a writer that locked rows first and the chain second could deadlock.
        if connection.get_execution_options().get("writer"):
            take_turn(connection)

    return engine


def service_role(url: str) -> str:
    """The service's PostgreSQL role, one per database (two deployments, or two test databases,
    on one server never share it)."""
    database = make_url(url).database or "postgres"
    name = f"pension_audit_{database}_service"
    if len(name) > 63:  # PostgreSQL's limit on names
        name = f"pension_audit_{database[:30]}_{hashlib.sha256(database.encode()).hexdigest()[:8]}_service"
    return name


def service_url(settings: Settings) -> str:
    if settings.uses_sqlite:
        return settings.store_url
    url = make_url(settings.store_url).set(username=service_role(settings.store_url), password=None)
    if settings.service_password is not None:
        url = url.set(password=settings.service_password.get_secret_value())
    return url.render_as_string(hide_password=False)


def grant_service_role(connection: Connection, password: str | None = None) -> None:
    """The service's role (created if missing) may read and write the case tables, but only read
    and append to the audit log, and never truncate or alter anything."""
    role = service_role(connection.engine.url.render_as_string(hide_password=False))
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
    quoted = connection.dialect.identifier_preparer.quote(role)
    if not exists:
        connection.execute(text(f"CREATE ROLE {quoted} LOGIN"))
    if password is not None:
        connection.execute(text(f"ALTER ROLE {quoted} PASSWORD :password"), {"password": password})
    for statement in (
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
    ):
        connection.execute(text(statement))


def migrate(engine: Engine, service_password: str | None = None) -> None:
    """Upgrade the case store to the newest schema (run at start-up and by every command, as the
    owner); on PostgreSQL, then give the service's role what it may do."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_seal"] = engine.get_execution_options().get("audit_seal")
        command.upgrade(config, "head")
        if connection.dialect.name == "postgresql":
            grant_service_role(connection, service_password)


def prepare_store(settings: Settings) -> None:
    """Bring the store of these settings up to date, as its owner (before the service starts)."""
    engine = open_store(settings)
    try:
        password = settings.service_password
        migrate(engine, password.get_secret_value() if password else None)
    finally:
        engine.dispose()


def session_factory(engine: Engine, writing: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or for writing (writers take their turn up front: SQLite's write
    lock, PostgreSQL's writers' lock). A reading session sees one snapshot of the store from its
    first query to its end — one published build, whatever the publisher switches meanwhile:
    SQLite's WAL gives that to every transaction, PostgreSQL to a REPEATABLE READ one."""
    bind: Engine
    if writing:
        bind = engine.execution_options(sqlite_begin="BEGIN IMMEDIATE", writer=True)
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        bind = engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Committed when the block ends; rolled back when it raises, except for a refusal that is
    itself on record (a failed sign-in): that is committed, then raised."""
    with factory() as session:
        session.begin()
        try:
            yield session
        except Problem as exc:
            if exc.on_record:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
