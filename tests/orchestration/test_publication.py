"""The serving contract: what dbt declares as published is exactly what the case store holds;
a build is published whole or not at all, in short transactions, and only what changed is
written."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from casework.db import migrate, open_store, session_factory
from casework.models import Finding
from casework.published import (
    PUBLISHED_TABLES,
    VERSIONING,
    FeedFile,
    PersonPayment,
    Publication,
    PublicationStatus,
    Published,
)
from orchestration import publish as publishing
from orchestration.dbt_project import prepare_manifest
from pension_audit.settings import Settings

# How the store holds each type a contract declares.
STORE_TYPES = {
    "varchar": ("VARCHAR", "TEXT", "JSON"),
    "date": ("DATE",),
    "integer": ("INTEGER", "BIGINT"),
    "decimal(14,2)": ("BIGINT",),
    "decimal(6,4)": ("INTEGER",),
    "boolean": ("BOOLEAN",),
    "timestamp": ("DATETIME",),
    "varchar[]": ("JSON",),
}


def published_models() -> dict[str, dict]:
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))
    return {
        node["alias"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "published"
    }


def test_every_published_model_is_a_public_enforced_contract_the_store_holds_column_for_column():
    models = published_models()
    tables = {model.__tablename__: model.__table__ for model in PUBLISHED_TABLES}
    assert set(models) == {*tables, "findings", "build"}, "a store table for each published model but two"
    for alias, node in models.items():
        assert node["access"] == "public" and node["config"]["contract"]["enforced"], alias
        declared = {name: column["data_type"] for name, column in node["columns"].items()}
        if alias == "build":  # one row: what the publication itself records
            assert set(declared) == {"as_of_month", "next_pay_month", "decided_on"}
            continue
        table = Finding.__table__ if alias == "findings" else tables[alias]
        held = {c.name: c.type.compile(create_engine("sqlite://").dialect).split("(")[0] for c in table.columns}
        assert set(declared) <= set(held), (alias, set(declared) - set(held))
        if alias != "findings":  # the findings table also keeps the casework's own columns
            assert set(held) - set(declared) == set(VERSIONING), alias
        for name, data_type in declared.items():
            assert held[name] in STORE_TYPES[data_type], (alias, name, data_type, held[name])


def test_the_console_the_documents_and_the_api_are_exposures_of_the_published_models():
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {"web_console", "documents", "case_api"}
    read = {node.split(".")[-1] for e in exposures.values() for node in e["depends_on"]["nodes"]}
    assert read == {node["name"] for node in published_models().values()}, "every published model has a reader"


@pytest.fixture
def store(tmp_path: Path):
    engine = open_store(Settings(home=tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


def standing(engine, model: type[Published]) -> int:
    """Rows of a published table a reader sees."""
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_readers_see_the_whole_previous_build_until_the_new_one_is_switched_in(tiny_district, store, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_district.home / "warehouse.duckdb", warehouse)
    first = publishing.publish(store, warehouse)
    files_before = standing(store, FeedFile)
    with duckdb.connect(str(warehouse)) as con:  # a later build: one more file in the log
        con.execute(
            "INSERT INTO published.feed_files SELECT * REPLACE ('payments/2099-01.csv' AS path) "
            "FROM published.feed_files LIMIT 1"
        )

    with duckdb.connect(str(warehouse), read_only=True) as wh:
        build = publishing._begin(store, "2026-01", "2026-02")
        for model in PUBLISHED_TABLES:
            publishing._publish_table(store, wh, model, build)
        # Everything is written, nothing switched: readers still see the first build, whole.
        assert standing(store, FeedFile) == files_before
        with session_factory(store)() as s:
            assert (
                s.scalar(select(Publication.id).where(Publication.status == PublicationStatus.published)) == first.build
            )
        summary = publishing._switch(store, build, publishing._hashed_findings(wh), "2026-01", "2026-02", 1, 0)
    assert standing(store, FeedFile) == files_before + 1, "switched: the new build, whole"
    assert summary.unchanged == first.opened and summary.switch_seconds < 5


def test_a_publication_that_dies_half_way_is_undone_and_readers_never_see_it(
    tiny_district, store, tmp_path, monkeypatch
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_district.home / "warehouse.duckdb", warehouse)
    publishing.publish(store, warehouse)
    counts = {model: standing(store, model) for model in PUBLISHED_TABLES}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM published.person_payments WHERE month < '2025-06'")

    def dies(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(publishing, "_hashed_findings", dies)
    with pytest.raises(OSError):
        publishing.publish(store, warehouse)
    assert {model: standing(store, model) for model in PUBLISHED_TABLES} == counts
    with store.connect() as c:
        statuses = [s for (s,) in c.execute(text("SELECT status FROM publications ORDER BY id"))]
        leftovers = c.execute(text("SELECT count(*) FROM person_payments WHERE built_in = 2 OR retired_in = 2"))
    assert statuses == ["published", "abandoned"] and leftovers.scalar() == 0

    monkeypatch.undo()
    again = publishing.publish(store, warehouse)
    assert again.rows_retired > 0 and standing(store, PersonPayment) < counts[PersonPayment]


def test_clerks_can_write_between_the_chunks_of_a_publication(tiny_district, store, monkeypatch):
    """The publisher holds SQLite's one write lock for one short transaction at a time: after each
    of them a clerk's write goes through at once (the clerk's connection gives up after 0.2 s)."""
    monkeypatch.setattr(publishing, "CHUNK_ROWS", 50)
    clerk = create_engine(store.url.render_as_string(hide_password=False), connect_args={"timeout": 0.2})
    original = publishing._writing
    transactions = []

    @contextmanager
    def then_a_clerk_writes(engine, **options):
        with original(engine, **options) as conn:
            yield conn
        with clerk.begin() as c:
            c.execute(text("UPDATE store_revision SET revision = revision WHERE name = 'findings'"))
        transactions.append(1)

    monkeypatch.setattr(publishing, "_writing", then_a_clerk_writes)
    summary = publishing.publish(store, tiny_district.home / "warehouse.duckdb")
    clerk.dispose()
    assert len(transactions) >= summary.rows_written // 50 + 2, "many short transactions, a clerk's write after each"
