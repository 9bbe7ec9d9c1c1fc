"""Files read and typed in worker processes load exactly as the loader alone loads them: the
same rows, quarantine, value issues and file log, in the same order, and a rerun does nothing."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pension_audit.ingest.load import Warehouse, prepare
from pension_audit.ingest.reader import InboxFile, by_period, scan_inbox
from tests.conftest import write_csv, write_xlsx

CONTRIBUTIONS_HEADER = "个人编号,姓名,缴费年度,缴费档次,缴费金额,缴费方式,登记日期,乡镇(街道)代码"

# What a load leaves, without the clock's columns (each load has its own time).
CONTENTS = {
    "raw.contributions": "SELECT * EXCLUDE (_loaded_at) FROM raw.contributions ORDER BY _period, _row",
    "meta.quarantine": "SELECT * EXCLUDE (quarantined_at) FROM meta.quarantine ORDER BY period, row_number, column_name",
    "meta.value_issues": "SELECT * EXCLUDE (flagged_at) FROM meta.value_issues ORDER BY period, row_number, column_name",
    "meta.file_log": "SELECT * EXCLUDE (ingested_at, replaced_at) FROM meta.file_log ORDER BY path, status",
}


def contributions(inbox: Path, month: str, tiers: list[str]) -> None:
    lines = [CONTRIBUTIONS_HEADER]
    for i, tier in enumerate(tiers):
        amount = "" if tier == "missing" else "200.00"
        lines.append(f"{1504040001 + i},王芳,2025,{tier},{amount},POS,{month}-05,150404001")
    write_csv(inbox / f"contributions/{month}.csv", lines)


def district_inbox(inbox: Path) -> None:
    """Five months of one feed, each with something to say: clean rows, a value issue, a
    quarantined row, an unreadable file, two files for one month."""
    contributions(inbox, "2025-01", ["200", "300", "第2档", "missing"])
    contributions(inbox, "2025-02", ["200"] * 50)
    write_csv(inbox / "contributions/2025-03.csv", [], "utf-8")  # empty: refused
    contributions(inbox, "2025-04", ["100", "200"])
    write_xlsx(inbox / "contributions/2025-04.xlsx", [CONTRIBUTIONS_HEADER.split(",")])
    contributions(inbox, "2025-05", ["２００", "missing", "300"])


def periods(inbox: Path) -> list[list[InboxFile]]:
    return [files for _, files in sorted(by_period(scan_inbox(inbox)).items())]


def load(home: Path, inbox: Path, workers: int):
    with Warehouse(home / "warehouse.duckdb") as wh:
        outcomes = wh.ingest_periods(periods(inbox), workers=workers, aside_from_bytes=0)
        contents = {table: wh.con.execute(sql).fetchall() for table, sql in CONTENTS.items()}
    return outcomes, contents


def test_a_file_typed_in_another_process_stores_as_one_the_loader_typed(inbox, tmp_path):
    district_inbox(inbox)
    alone, alone_contents = load(tmp_path / "alone", inbox, workers=0)
    outcomes = []
    with (
        ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as worker,
        Warehouse(tmp_path / "aside" / "warehouse.duckdb") as wh,
    ):
        for files in periods(inbox):
            if len(files) > 1:
                outcomes += wh.ingest_period(files)
                continue
            seen = wh.seen_versions(files[0].relative, counting_duplicates=False)
            outcomes.append(wh.ingest(files[0], worker.submit(prepare, files[0], wh.archive, seen).result()))
        contents = {table: wh.con.execute(sql).fetchall() for table, sql in CONTENTS.items()}
    assert outcomes == alone
    assert contents == alone_contents


def test_the_loader_with_workers_loads_what_the_loader_alone_loads(inbox, tmp_path):
    district_inbox(inbox)
    alone, alone_contents = load(tmp_path / "alone", inbox, workers=0)
    typed_aside, aside_contents = load(tmp_path / "aside", inbox, workers=1)
    assert [o.status for o in alone] == ["loaded", "loaded", "failed", "failed", "failed", "loaded"]
    assert typed_aside == alone
    assert aside_contents == alone_contents
    assert len(aside_contents["meta.quarantine"]) == 2 and len(aside_contents["meta.value_issues"]) == 1
    # The versions were kept in the archive, whoever read them.
    assert sorted(p.name for p in (tmp_path / "aside/archive").rglob("*")) == sorted(
        p.name for p in (tmp_path / "alone/archive").rglob("*")
    )


def test_a_rerun_with_workers_does_nothing_and_a_resent_month_replaces_its_own(inbox, tmp_path):
    district_inbox(inbox)
    load(tmp_path / "home", inbox, workers=2)
    again, _ = load(tmp_path / "home", inbox, workers=2)
    assert [o.status for o in again] == ["unchanged"] * 6  # refused versions too: they were seen
    contributions(inbox, "2025-02", ["300"] * 49)
    outcomes, contents = load(tmp_path / "home", inbox, workers=2)
    resent = [o for o in outcomes if o.relative == "contributions/2025-02.csv"]
    assert [(o.status, o.rows_loaded, o.replaced) for o in resent] == [("loaded", 49, True)]
    months = [row[1] for row in contents["raw.contributions"]]
    assert months.count("2025-02") == 49
