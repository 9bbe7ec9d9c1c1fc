"""The audit log is tamper-evident, on SQLite and PostgreSQL: whoever can write the database
but not read the key cannot change, replace, insert or remove an entry, nor cut entries off
the end, without `pension-audit audit verify` naming the first entry that does not verify; the
database itself refuses what it can (REPLACE, TRUNCATE, and on PostgreSQL the service's role
may only read and append)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from casework.db import MIGRATIONS, migrate, open_store, service_url
from pension_audit.cli import main
from tests.api.conftest import Api, deployment_settings
from tests.api.test_case_rules import decide, open_case, propose


def verify(settings) -> tuple[int, str]:
    env = {
        "PENSION_AUDIT_AUDIT_KEY_FILE": str(settings.audit_key_path),
        "PENSION_AUDIT_AUDIT_ANCHORS": str(settings.audit_anchors_path),
    }
    result = CliRunner(env=env).invoke(
        main, ["audit", "verify", "--home", str(settings.home), "--database-url", settings.store_url]
    )
    return result.exit_code, result.output


def tamper(engine, *statements: str) -> None:
    """What the database's owner (or anyone with the SQLite file) can do: lift the triggers,
    then write."""
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            for trigger in ("no_update", "no_delete", "no_replace"):
                c.execute(text(f"DROP TRIGGER IF EXISTS audit_log_{trigger}"))
        else:
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for sql in statements:
            c.execute(text(sql))


def some_casework(api: Api) -> dict:
    case = open_case(api, "death")
    decide(api, propose(api, case, "cancellation"))
    return case


def entry_ids(api: Api) -> list[int]:
    with api.engine.connect() as c:
        return list(c.scalars(text("SELECT id FROM audit_log ORDER BY id")))


def test_an_untouched_log_verifies(api: Api, store_settings):
    some_casework(api)
    code, output = verify(store_settings)
    assert code == 0, output
    assert f"共 {len(entry_ids(api))} 条" in output


@pytest.mark.parametrize("change", ["changed", "inserted", "removed", "mac_forged"])
def test_a_changed_inserted_or_removed_entry_is_named(api: Api, store_settings, change: str):
    some_casework(api)
    ids = entry_ids(api)
    middle, last = ids[len(ids) // 2], ids[-1]
    first_bad = {"changed": middle, "inserted": last + 1, "removed": ids[ids.index(middle) + 1], "mac_forged": ids[0]}[
        change
    ]
    sql = {
        "changed": f"UPDATE audit_log SET actor = 'someone_else' WHERE id = {middle}",
        "inserted": f"INSERT INTO audit_log (id, at, actor, action, entity, entity_id, mac) VALUES "
        f"({last + 1}, '2026-01-09 08:00:00', 'fuhe', 'approved', 'proposals', '1', '{'0' * 64}')",
        "removed": f"DELETE FROM audit_log WHERE id = {middle}",
        # a MAC made up without the deployment's key
        "mac_forged": f"UPDATE audit_log SET mac = '{'f' * 64}' WHERE id = {ids[0]}",
    }[change]
    tamper(api.engine, sql)
    code, output = verify(store_settings)
    assert code == 1, output
    assert f"第 {first_bad} 条" in output and "校验不符" in output


def test_entries_cut_off_the_end_are_found_by_the_anchor(api: Api, store_settings):
    some_casework(api)
    ids = entry_ids(api)
    tamper(api.engine, f"DELETE FROM audit_log WHERE id >= {ids[-2]}")
    code, output = verify(store_settings)
    assert code == 1, output
    assert f"第 {ids[-1]} 条" in output and "末尾" in output


def test_a_forged_entry_shows_as_not_intact_in_the_case_log(api: Api):
    case = some_casework(api)
    last = entry_ids(api)[-1]
    tamper(
        api.engine,
        f"INSERT INTO audit_log (id, at, actor, action, entity, entity_id, case_id, mac) VALUES "
        f"({last + 1}, '2026-01-09 08:00:00', 'fuhe2', 'approved', 'proposals', '1', {case['id']}, "
        f"'{'0' * 64}')",
    )
    log = api.get("jingban", f"/cases/{case['id']}/audit").json()
    assert [e["intact"] for e in log] == [True] * (len(log) - 1) + [False]


def test_sqlite_refuses_replace_into_an_existing_entry(api: Api, store_url: str):
    if not store_url.startswith("sqlite"):
        pytest.skip("REPLACE is SQLite's")
    some_casework(api)
    first = entry_ids(api)[0]
    values = f"VALUES ({first}, '2026-01-09 08:00:00', 'x', 'approved', 'cases', '1', 'x')"
    columns = "audit_log (id, at, actor, action, entity, entity_id, mac)"
    unsealed = "INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES ('2026-01-09', 'x', 'a', 'b', '1')"
    for sql in (f"REPLACE INTO {columns} {values}", f"INSERT OR REPLACE INTO {columns} {values}", unsealed):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), api.engine.begin() as c:
            c.execute(text(sql))


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_truncate_and_the_service_role_may_only_read_and_append(api: Api, store_settings):
    some_casework(api)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), api.engine.begin() as c:
        c.execute(text("TRUNCATE audit_log CASCADE"))
    service = create_engine(service_url(store_settings))
    try:
        with service.connect() as c:
            assert c.scalar(text("SELECT current_user")).endswith("_service")
            assert c.scalar(text("SELECT count(*) FROM audit_log")) > 0
        for sql in (
            "TRUNCATE audit_log",
            "UPDATE audit_log SET reason = 'x'",
            "DELETE FROM audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"), service.begin() as c:
                c.execute(text(sql))
    finally:
        service.dispose()
    assert api.get("jingban", "/cases").status_code == 200, "the service itself runs as that role"


def test_a_log_written_before_the_seal_is_chained_by_the_migration(store_url: str, tmp_path):
    settings = deployment_settings(store_url, tmp_path, tmp_path)
    engine = open_store(settings)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as c:
        config.attributes["connection"] = c
        command.upgrade(config, "0005")
        for n in range(3):
            c.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, after) VALUES "
                    f"('2025-12-0{n + 1} 09:00:00', 'system', 'published', 'finding', 'k{n}', '{{\"n\": {n}}}')"
                )
            )
    migrate(engine)
    engine.dispose()
    code, output = verify(settings)
    assert code == 0 and "共 3 条" in output, output
