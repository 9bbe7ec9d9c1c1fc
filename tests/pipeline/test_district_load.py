"""A generated district, as the departments would send it, loaded end to end: every file
accounted for, every planted problem quarantined for the reason planted, nothing else."""

import duckdb
import pytest

from tests.conftest import BuiltDistrict


def file_log(district: BuiltDistrict) -> dict[str, tuple]:
    con = duckdb.connect(str(district.home / "warehouse.duckdb"), read_only=True)
    try:
        return {
            path: rest
            for path, *rest in con.execute(
                "SELECT path, status, rows_read, rows_loaded, rows_quarantined, reason FROM meta.file_log "
                "WHERE status <> 'replaced'"
            ).fetchall()
        }
    finally:
        con.close()


def quarantine(district: BuiltDistrict) -> set[tuple]:
    con = duckdb.connect(str(district.home / "warehouse.duckdb"), read_only=True)
    try:
        return set(
            con.execute("""
            SELECT l.path, q.row_number, q.column_name, q.reason FROM meta.quarantine q
            JOIN meta.file_log l ON l.file_hash = q.file_hash AND l.status = 'loaded'""").fetchall()
        )
    finally:
        con.close()


def check_every_file(district: BuiltDistrict) -> None:
    log = file_log(district)
    for path, expected in district.truth["files"].items():
        assert path in log, f"{path} was not ingested"
        status, read, loaded, quarantined, _ = log[path]
        assert status == "loaded", (path, log[path])
        planted = len({q["row"] for q in expected["quarantined"]})
        assert (read, quarantined) == (expected["data_rows"], planted), path
        assert loaded + quarantined == read, path


def check_quarantine_reasons(district: BuiltDistrict) -> None:
    planted = {
        (path, q["row"], q["column"], q["reason"])
        for path, f in district.truth["files"].items()
        for q in f["quarantined"]
    }
    assert quarantine(district) == planted


def value_issues(district: BuiltDistrict) -> set[tuple]:
    con = duckdb.connect(str(district.home / "warehouse.duckdb"), read_only=True)
    try:
        return set(
            con.execute("""
            SELECT l.path, v.row_number, v.column_name, v.reason FROM meta.value_issues v
            JOIN meta.file_log l ON l.file_hash = v.file_hash AND l.status = 'loaded'""").fetchall()
        )
    finally:
        con.close()


def check_value_issues(district: BuiltDistrict) -> None:
    planted = {
        (path, v["row"], v["column"], v["reason"])
        for path, f in district.truth["files"].items()
        for v in f["value_issues"]
    }
    assert planted and value_issues(district) == planted


def check_broken_files(district: BuiltDistrict) -> None:
    log = file_log(district)
    for broken in district.truth["broken_files"]:
        status, *_, reason = log[broken["path"]]
        assert (status, reason) == ("failed", broken["reason"]), broken


def test_tiny_every_file_loaded_plus_quarantined_equals_rows_written(tiny_district):
    check_every_file(tiny_district)


def test_tiny_quarantine_reasons_are_exactly_those_planted(tiny_district):
    check_quarantine_reasons(tiny_district)


def test_tiny_value_issues_are_exactly_those_planted_and_cost_no_row(tiny_district):
    check_value_issues(tiny_district)


def test_tiny_unreadable_files_fail_alone_with_their_reason(tiny_district):
    check_broken_files(tiny_district)
    for broken in tiny_district.truth["broken_files"]:
        assert broken["path"] in tiny_district.output  # the user is told, by name


def test_every_feed_loads(tiny_district):
    from pension_audit.ingest.feeds import FEEDS

    loaded_feeds = {path.split("/")[0] for path, (status, *_) in file_log(tiny_district).items() if status == "loaded"}
    assert loaded_feeds == {f.name for f in FEEDS}


@pytest.mark.slow
def test_small_district_loads_every_file_and_quarantines_exactly_what_was_planted(small_district):
    check_every_file(small_district)
    check_quarantine_reasons(small_district)
    check_value_issues(small_district)
    check_broken_files(small_district)
