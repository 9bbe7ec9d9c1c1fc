"""One declaration per feed drives everything: the committed dbt sources file is the one
the declarations write, and every feed has its staging model."""

from pension_audit.ingest.dbt_sources import SOURCES_FILE, sources_yaml
from pension_audit.ingest.feeds import FEEDS, FILE_REASONS, ROW_REASONS, Kind


def test_the_dbt_sources_file_is_generated_from_the_feed_declarations():
    assert SOURCES_FILE.read_text(encoding="utf-8") == sources_yaml(), (
        "run `python -m pension_audit.ingest.dbt_sources` after changing pension_audit/ingest/feeds.py"
    )


def test_every_feed_has_a_staging_model():
    staging = SOURCES_FILE.parent
    assert {p.stem for p in staging.glob("stg_*.sql")} == {f"stg_{f.name}" for f in FEEDS}


def test_declarations_are_complete_and_consistent():
    assert len(FEEDS) == 17
    for feed in FEEDS:
        names = [c.name for c in feed.columns]
        assert len(names) == len(set(names)), feed.name
        headers = [h for c in feed.columns for h in c.headers]
        assert len(headers) == len(set(headers)), feed.name
        assert feed.required_columns, feed.name
        for col in feed.columns:
            assert (col.kind is Kind.ENUM) == bool(col.vocabulary), (feed.name, col.name)
            assert set(col.aliases.values()) <= set(col.vocabulary), (feed.name, col.name)


def test_reasons_have_chinese_labels():
    for label in {**ROW_REASONS, **FILE_REASONS}.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label)
