"""Where the load phase's time goes: the CPU seconds of each step of loading one month of a feed.

    .venv/bin/python bench/load_steps.py                                   # roster and payments, 2025-11
    .venv/bin/python bench/load_steps.py --inbox /path/to/inbox --period 2025-10 --repeat 5
    .venv/bin/python bench/load_steps.py --no-dagster --no-report          # quicker

Each repetition loads the file into an empty data home with the real loader (`Warehouse.ingest`)
and checks it as the feed asset does (structural checks in DuckDB, GX warning checks, the
results recorded), timing each step by CPU time of this process (DuckDB's threads included), so
other work on a shared machine changes the figures little. The steps: reading and decoding
(`data_rows`: bytes to Arrow text columns, header, footers), hashing and archiving the file,
typing in DuckDB with the quarantine rules (`type_rows`), the `_arrived` cells (when the loader builds them at
ingestion), storing the rows (raw table, quarantine, value issues), the commit, the file log,
the structural checks, the GX warning checks, recording the checks. Then, unless --no-dagster,
the same file loaded by the Dagster run `pension-audit run` starts (`load_feeds`, in this
process): its CPU above the sum of the steps is Dagster's. Prints the fastest repetition of each
step and writes the "load steps" section of docs/benchmarks.md unless --no-report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine_markdown, write_section
from orchestration import feed_assets
from pension_audit.ingest import load
from pension_audit.ingest.feeds import FEEDS_BY_NAME
from pension_audit.ingest.reader import scan_inbox
from pension_audit.settings import Settings

SECTION = "载入步骤 load steps：一个月的文件"
DEFAULT_INBOX = Path("/tmp/pension-audit-bench/generated-district/inbox")
STEPS = (
    ("read", "读取解码 read/decode"),
    ("archive", "哈希与归档 hash+archive"),
    ("typing", "类型转换与隔离规则 typing + quarantine rules (type_rows)"),
    ("arrived", "_arrived 原样单元格"),
    ("store", "写入 store (raw + quarantine)"),
    ("commit", "提交 commit"),
    ("file_log", "文件日志 file log"),
    ("structure", "结构检查 structural (DuckDB)"),
    ("gx", "GX 告警检查 warning checks"),
    ("record_checks", "记录检查结果 record checks"),
    ("other", "其他 other"),
)


class Clock:
    """CPU seconds (and wall seconds) by step; a step inside another is counted once, in the inner."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self._stack and self._stack[-1] == name:
            yield
            return
        cpu, wall = time.process_time(), time.perf_counter()
        self._stack.append(name)
        try:
            yield
        finally:
            self._stack.pop()
            spent_cpu, spent_wall = time.process_time() - cpu, time.perf_counter() - wall
            self.cpu[name] += spent_cpu
            self.wall[name] += spent_wall
            if self._stack:  # the outer step does not count it again
                self.cpu[self._stack[-1]] -= spent_cpu
                self.wall[self._stack[-1]] -= spent_wall


def sql_step(sql: str) -> str:
    """The step a loader statement belongs to, by what it does."""
    s = " ".join(sql.split())
    if s.startswith("COMMIT"):
        return "commit"
    if "meta.file_log" in s and "INSERT INTO meta.check_results" not in s:
        return "file_log"
    if "TEMP TABLE arrived" in s:
        return "arrived"
    if s.startswith(("INSERT INTO raw.", "INSERT INTO meta.quarantine", "INSERT INTO meta.value_issues", "DELETE")):
        return "store"
    return "other"


class TimedWarehouse(load.Warehouse):
    """The loader with each statement's CPU time put to its step."""

    clock: Clock

    def _sql(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.clock.step(sql_step(sql)):
            return super()._sql(sql, params)


@contextlib.contextmanager
def timed_functions(clock: Clock) -> Iterator[None]:
    """The loader's reading and archiving, timed where the loader calls them."""
    saved = {name: getattr(load, name) for name in ("data_rows", "keep", "file_hash", "type_rows")}

    def timed(name: str, step: str):
        def call(*args, **kwargs):
            with clock.step(step):
                return saved[name](*args, **kwargs)

        return call

    load.data_rows = timed("data_rows", "read")
    load.keep = timed("keep", "archive")
    load.file_hash = timed("file_hash", "archive")
    load.type_rows = timed("type_rows", "typing")
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(load, name, fn)


def one_inbox(source: Path, feed: str, period: str, scratch: Path) -> Path:
    """An inbox holding only the feed's file of the period (a copy)."""
    inbox = scratch / "inbox"
    (inbox / feed).mkdir(parents=True)
    found = [p for p in (source / feed).glob(f"{period}.*") if p.suffix in (".csv", ".xlsx")]
    if not found:
        raise SystemExit(f"{source / feed} 中没有 {period} 的文件")
    shutil.copy(found[0], inbox / feed / found[0].name)
    return inbox


def load_once(inbox: Path, feed_name: str, period: str, home: Path) -> tuple[Clock, int]:
    """Load and check the file as the feed asset does, each step timed; the rows loaded."""
    feed = FEEDS_BY_NAME[feed_name]
    clock = Clock()
    TimedWarehouse.clock = clock
    (file,) = [f for f in scan_inbox(inbox) if f.feed is feed and f.period == period]
    with timed_functions(clock), TimedWarehouse(home / "warehouse.duckdb") as wh:
        outcome = wh.ingest(file)
        assert outcome.status == "loaded", outcome.summary
        with clock.step("structure"):
            structural = feed_assets.structure_periods(wh, feed, [period])
        with clock.step("gx"):
            quality = feed_assets.quality_periods(wh, feed, [period])
        with clock.step("record_checks"):
            wh.record_checks(feed, feed_assets.combine(feed, structural, quality))
    return clock, outcome.rows_loaded


def dagster_once(inbox: Path, feed: str, period: str, home: Path) -> float:
    """CPU seconds of the Dagster run that loads the file (`load_feeds`, as `pension-audit run`'s child)."""
    from orchestration.run import load_feeds

    settings = Settings(home=home, inbox=inbox, data_start=period)
    cpu = time.process_time()
    failed = load_feeds(settings.model_dump(), [feed], period, period)
    spent = time.process_time() - cpu
    assert not failed, failed
    return spent


def measure(inbox: Path, feed: str, period: str, repeat: int, dagster: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="load-steps-") as tmp:
        scratch = Path(tmp)
        source = one_inbox(inbox, feed, period, scratch)
        runs, rows = [], 0
        # One untimed run first: imports, GX's context, DuckDB's extension are paid once a process.
        for i in range(repeat + 1):
            home = scratch / f"home{i}"
            clock, rows = load_once(source, feed, period, home)
            shutil.rmtree(home)
            if i:
                runs.append(clock)
        best = {step: min(r.cpu.get(step, 0.0) for r in runs) for step, _ in STEPS}
        total = min(sum(r.cpu.values()) for r in runs)
        wall = min(sum(r.wall.values()) for r in runs)
        dagster_cpu = None
        if dagster:
            times = []
            for i in range(repeat + 1):
                home = scratch / f"dagster{i}"
                times.append(dagster_once(source, feed, period, home))
                shutil.rmtree(home)
            dagster_cpu = min(times[1:])
    return {
        "feed": feed,
        "period": period,
        "rows": rows,
        "steps": best,
        "total": total,
        "wall": wall,
        "dagster": dagster_cpu,
    }


def read_back_cost(home: Path) -> str:
    """The build's side of the trade: the CPU seconds to read back, from the archive of a built
    data home, every row its published findings cite (what `pub_evidence_rows` does when the
    previous build held none of them), by feed."""
    import duckdb

    from pension_audit.ingest.archive import ARCHIVE_DIR
    from pension_audit.ingest.arrived import read_back

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        wanted = con.execute(
            "SELECT e.feed, any_value(f.path), e.file_hash, list(DISTINCT e.row_number) "
            "FROM published.evidence_rows e JOIN meta.file_log f USING (file_hash) GROUP BY e.feed, e.file_hash"
        ).fetchall()
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for feed, relative, digest, rows in wanted:
        cpu = time.process_time()
        found = read_back(home / ARCHIVE_DIR, feed, relative, digest, rows)
        spent[feed][0] += time.process_time() - cpu
        spent[feed][1] += 1
        spent[feed][2] += len(found)
    lines = ["| 数据源 feed | 文件 files | 引用行 rows | CPU 秒 |", "|---|---|---|---|"]
    for feed, (cpu, files, rows) in sorted(spent.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {feed} | {files} | {rows:,} | {cpu:.2f} |")
    total = [sum(v[i] for v in spent.values()) for i in range(3)]
    lines.append(f"| **合计** | {int(total[1])} | {int(total[2]):,} | **{total[0]:.2f}** |")
    return "\n".join(lines)


def _cell(after: float, before: float | None) -> str:
    return f"{after:.3f}" if before is None else f"{before:.3f} → {after:.3f}"


def table(results: list[dict], before: list[dict] | None = None) -> str:
    """One column per file; with `before` (an earlier run's --save), each cell is before → after."""
    earlier = {(r["feed"], r["period"]): r for r in before or []}
    was = [earlier.get((r["feed"], r["period"])) for r in results]
    heads = " | ".join(f"{r['feed']} {r['period']}（{r['rows']:,} 行）" for r in results)
    lines = [f"| 步骤 step (CPU 秒, 最快一次) | {heads} |", "|---" * (len(results) + 1) + "|"]
    for step, label in STEPS:
        cells = [_cell(r["steps"][step], b["steps"].get(step, 0.0) if b else None) for r, b in zip(results, was)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [_cell(r["total"], b["total"] if b else None) for r, b in zip(results, was)]
    lines.append("| **合计 total (CPU)** | " + " | ".join(f"**{c}**" for c in cells) + " |")
    cells = [_cell(r["wall"], b["wall"] if b else None) for r, b in zip(results, was)]
    lines.append("| 合计 total (墙钟 wall) | " + " | ".join(cells) + " |")
    if all(r["dagster"] is not None for r in results):
        cells = [_cell(r["dagster"], b["dagster"] if b and b["dagster"] else None) for r, b in zip(results, was)]
        lines.append("| 经 Dagster 载入 via Dagster run (CPU) | " + " | ".join(cells) + " |")
        cells = [
            _cell(r["dagster"] - r["total"], b["dagster"] - b["total"] if b and b["dagster"] else None)
            for r, b in zip(results, was)
        ]
        lines.append("| 其中 Dagster 开销 Dagster overhead | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="载入一个月文件的各步骤 CPU 时间")
    parser.add_argument("--inbox", type=Path, default=DEFAULT_INBOX)
    parser.add_argument("--feeds", default="roster,payments")
    parser.add_argument("--period", default="2025-11")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dagster", action="store_true")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--note", default="", help="写在表格下的说明（Markdown）")
    parser.add_argument("--evidence-home", type=Path, help="已构建的数据目录：另测从归档读回全部证据行的 CPU 时间")
    parser.add_argument("--save", type=Path, help="把结果存为 JSON（供以后 --before 对比）")
    parser.add_argument("--before", type=Path, help="较早一次 --save 的结果：表中显示 之前 → 现在")
    args = parser.parse_args()
    results = [
        measure(args.inbox, feed, args.period, args.repeat, not args.no_dagster) for feed in args.feeds.split(",")
    ]
    if args.save:
        args.save.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else None
    body = table(results, before)
    if args.evidence_home:
        body += (
            "\n\n从归档读回证据行（`pub_evidence_rows`，上一次构建未保存任何证据行时；"
            f"数据目录 {args.evidence_home.name}）：\n\n" + read_back_cost(args.evidence_home)
        )
    print(body)
    if not args.no_report:
        text = (
            machine_markdown()
            + f"\n\n`bench/load_steps.py`：每个文件载入空仓库，重复 {args.repeat} 次取各步骤最快一次的 CPU 时间"
            + "（time.process_time，含 DuckDB 线程）。\n\n"
            + body
        )
        if before:
            text += "\n\n每格为 之前 → 现在（之前：--before 给出的较早一次结果）。"
        if args.note:
            note = Path(args.note)
            text += "\n\n" + (note.read_text(encoding="utf-8") if note.is_file() else args.note)
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
