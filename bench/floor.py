"""The floor: the time to read every file of an inbox once into columnar memory with the
fastest readers here, and nothing else. No pipeline can ingest faster than this.

    .venv/bin/python bench/floor.py /path/to/inbox
    .venv/bin/python bench/floor.py /path/to/inbox --exclude-period 2025-12   # as bench/pipeline.py's cold run

CSV: the bytes decoded (UTF-8, else GB18030: the same detection the loader must do), then
DuckDB's CSV parser (all columns as text) into an Arrow table. XLSX: calamine (Rust) reads
the first sheet; its rows become Arrow columns. Each file is read from disk once; the page
cache is warm (run it twice, the second figure counts). Prints per feed and in all, and
writes the "floor" section of docs/benchmarks.md unless --no-report.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine_markdown, write_section

SECTION = "基线 floor：每个文件读一次"


def decode_to_utf8(data: bytes) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("gb18030").encode("utf-8")


def read_csv(con: duckdb.DuckDBPyConnection, data: bytes, scratch: Path) -> pa.Table:
    scratch.write_bytes(decode_to_utf8(data))
    return (
        con.sql(
            f"SELECT * FROM read_csv('{scratch}', header = false, all_varchar = true, "
            "null_padding = true, delim = ',', quote = '\"')"
        )
        .arrow()
        .read_all()
    )


def read_xlsx(data: bytes) -> pa.Table:
    import io

    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    columns = list(itertools.zip_longest(*rows)) if rows else []
    return pa.table(
        {
            f"c{i}": pa.array([None if v in (None, "") else str(v) for v in col], pa.string())
            for i, col in enumerate(columns)
        }
    )


def inbox_files(inbox: Path, exclude_period: str | None) -> list[Path]:
    files = [p for p in sorted(inbox.glob("*/*")) if p.suffix.lower() in (".csv", ".xlsx")]
    return [p for p in files if exclude_period is None or p.stem != exclude_period]


def measure(files: list[Path]) -> tuple[float, dict[str, list[float]], int, int]:
    """Seconds in all, per feed [seconds, files, rows], total rows and bytes."""
    per_feed: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    rows = size = unreadable = 0
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        scratch = Path(tmp) / "file.csv"
        started = time.perf_counter()
        for path in files:
            t = time.perf_counter()
            data = path.read_bytes()
            try:
                table = read_xlsx(data) if path.suffix.lower() == ".xlsx" else read_csv(con, data, scratch)
            except (duckdb.Error, UnicodeDecodeError, CalamineError):
                table = pa.table({})  # a deliberately broken file: the pipeline refuses it too
                unreadable += 1
            entry = per_feed[path.parent.name]
            entry[0] += time.perf_counter() - t
            entry[1] += 1
            entry[2] += table.num_rows
            rows += table.num_rows
            size += len(data)
        total = time.perf_counter() - started
    if unreadable:
        print(f"({unreadable} unreadable files, timed as far as they went)")
    return total, per_feed, rows, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inbox", type=Path)
    parser.add_argument("--exclude-period", help="leave out files of this period (the increment's month)")
    parser.add_argument("--repeat", type=int, default=2, help="runs; the fastest counts (default 2)")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()

    files = inbox_files(args.inbox, args.exclude_period)
    runs = [measure(files) for _ in range(args.repeat)]
    total, per_feed, rows, size = min(runs, key=lambda r: r[0])
    lines = ["| 数据源 feed | 文件 files | 行 rows | 秒 s |", "|---|---:|---:|---:|"]
    for feed, (seconds, count, feed_rows) in sorted(per_feed.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {feed} | {count} | {feed_rows:,} | {seconds:.2f} |")
    lines.append(f"| **合计 total** | {len(files)} | {rows:,} | **{total:.2f}** |")
    table = "\n".join(lines)
    print(table)
    print(f"floor: {total:.2f} s for {len(files)} files, {rows:,} rows, {size / 2**20:.0f} MiB")
    if not args.no_report:
        scope = f"（不含 {args.exclude_period} 期的文件）" if args.exclude_period else ""
        body = (
            f"收件箱 `{args.inbox}`{scope}：{len(files)} 个文件，{size / 2**20:.0f} MiB，"
            f"{rows:,} 行（含表头、标题行）。CSV 先判定编码并解码，再由 DuckDB 的 CSV 解析器读成 Arrow；"
            f"XLSX 由 calamine 读出。取 {args.repeat} 次中最快一次。\n\n"
            f"**floor = {total:.2f} s**\n\n{table}\n\n{machine_markdown()}"
        )
        print(f"written to {write_section(SECTION, body)}")


if __name__ == "__main__":
    main()
