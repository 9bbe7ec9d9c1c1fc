"""The cold run and the increment of `pension-audit run`, beside the floor.

    .venv/bin/python bench/pipeline.py                        # generate the district (~2 min), then measure
    .venv/bin/python bench/pipeline.py --generated /tmp/d     # a district generated before (its inbox/)
    .venv/bin/python bench/pipeline.py --scale small          # quicker, for trying the script

The inbox is the generated one without the last month of every monthly feed. Then:
1. the floor over exactly those files (bench/floor.py's readers, fastest of two);
2. the cold run: `pension-audit run` on an empty data home over that inbox;
3. the increment: the last month's files arrive, `pension-audit run` again;
4. the rerun: nothing new arrives, `pension-audit run` once more.
Each run is a subprocess; its wall time, its phases (the home's last_run.json) and the peak
resident memory of its whole process tree (sampled from /proc every 50 ms) are printed and
written to the "pipeline" section of docs/benchmarks.md unless --no-report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import measure
from bench.report import machine_markdown, write_section
from pension_audit.ingest.feeds import FEEDS_BY_NAME

SECTION = "流水线 pipeline：冷启动与增量"
TARGETS = {"cold_to_floor": 3.0, "increment_to_cold": 0.10, "rss_gib": 2.0}
PHASES = ("scan", "load", "decisions", "dbt", "publish")
MEMORY_SETTINGS = ("PENSION_AUDIT_LOADER_MEMORY", "PENSION_AUDIT_DUCKDB_MEMORY")  # shown when set


def _tree_rss_kib(root: int) -> dict[int, int]:
    """Resident memory of a process and each of its descendants, KiB by pid."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        tree[pid] = rss.get(pid, 0)
        stack += children.get(pid, [])
    return tree


def _label(pid: int, root: int) -> str:
    """What a process of the run is: the run itself, its loader child, dbt, or its command."""
    if pid == root:
        return "run"
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return str(pid)
    if "resource_tracker" in cmdline:
        return "resource_tracker"
    if "multiprocessing" in cmdline:
        return "loader"
    if "dbt" in cmdline:
        return "dbt"
    return cmdline.split(" ", 1)[0].rsplit("/", 1)[-1] or str(pid)


def timed_run(cmd: list[str], log: Path) -> tuple[float, float, str]:
    """Run a command; its wall seconds, the peak RSS of its process tree (GiB), and how that
    peak divided among its processes."""
    peak, at_peak = 0, {}
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, at_peak
            while not done.is_set():
                tree = _tree_rss_kib(proc.pid)
                if sum(tree.values()) > peak:  # named now: a process may be gone by the end
                    peak, at_peak = sum(tree.values()), Counter()
                    for pid, kib in tree.items():
                        at_peak[_label(pid, proc.pid)] += kib
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}); see {log}")
    parts = " + ".join(f"{label} {kib / 2**20:.2f}" for label, kib in at_peak.items() if kib > 2**14)
    return seconds, peak / 2**20, parts


def split_inbox(generated: Path, inbox: Path, later: Path) -> tuple[str, list[Path]]:
    """Hard-link the generated inbox into `inbox`, all but the last month of the monthly feeds,
    which goes to `later`. Returns that month and the files of the cold inbox."""
    source = generated / "inbox"
    months = sorted(
        {
            p.stem
            for p in source.glob("*/*")
            if p.parent.name in FEEDS_BY_NAME and FEEDS_BY_NAME[p.parent.name].is_monthly and len(p.stem) == 7
        }
    )
    last = months[-1]
    for target in (inbox, later):
        shutil.rmtree(target, ignore_errors=True)
    cold = []
    for path in sorted(source.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(source)
        dest = (later if path.stem == last else inbox) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, dest)
        if dest.is_relative_to(inbox) and path.suffix.lower() in (".csv", ".xlsx") and len(rel.parts) == 2:
            cold.append(dest)
    return last, cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="district")
    parser.add_argument("--generated", type=Path, help="a district already generated (has inbox/)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pension-audit-bench"))
    parser.add_argument(
        "--runs", default="cold,increment,rerun", help="which runs, in order (a province may take only the cold run)"
    )
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()

    # The checkout this script is in, whatever the virtualenv's editable install points at.
    cli = [sys.executable, "-m", "pension_audit"]
    args.work.mkdir(parents=True, exist_ok=True)
    generated = args.generated
    if generated is None:
        generated = args.work / f"generated-{args.scale}"
        if not (generated / "truth.json").exists():
            subprocess.run(
                [sys.executable, "-m", "district_generator", "--out", str(generated.resolve()), "--scale", args.scale],
                check=True,
                cwd=ROOT / "generator",
            )
    truth = json.loads((generated / "truth.json").read_text())
    scale = truth.get("scale", args.scale)
    inbox, later, home = args.work / "inbox", args.work / "later", args.work / "home"
    month, cold_files = split_inbox(generated, inbox, later)
    shutil.rmtree(home, ignore_errors=True)
    env_note = "案件库为数据目录中的 SQLite（默认）"

    floor = min(measure(cold_files)[0] for _ in range(2))
    print(f"floor: {floor:.1f} s over {len(cold_files)} files")
    runs: dict[str, tuple[float, float, dict]] = {}
    publications: dict[str, dict] = {}  # run -> what its publishing wrote (last_publication.json)
    at_peak: dict[str, str] = {}  # run -> its processes' RSS at its peak, GiB
    for name in args.runs.split(","):
        if name == "increment":
            for path in later.rglob("*"):
                if path.is_file():
                    dest = inbox / path.relative_to(later)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, dest)
        seconds, rss, parts = timed_run(
            [*cli, "run", "--inbox", str(inbox), "--home", str(home)], args.work / f"{name}.log"
        )
        phases = json.loads((home / "last_run.json").read_text())
        counts = json.loads((home / "last_run_counts.json").read_text())
        print(
            f"{name}: work {json.dumps({k: v for k, v in counts.items() if k != 'dbt'})}, dbt {counts['dbt']['by_type']}"
        )
        published = home / "last_publication.json"
        publications[name] = json.loads(published.read_text()) if published.exists() and phases.get("publish") else {}
        runs[name] = (seconds, rss, phases)
        at_peak[name] = parts
        print(f"{name}: {seconds:.1f} s, peak RSS {rss:.2f} GiB ({parts}), phases {phases}")

    cold = runs["cold"][0]
    peak = max(rss for _, rss, _ in runs.values())
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    if scale == "district":  # the targets are the district's
        checks = [
            (
                "冷启动 / floor cold ÷ floor",
                f"{cold / floor:.1f}×",
                f"≤ {TARGETS['cold_to_floor']:.0f}×",
                cold / floor <= TARGETS["cold_to_floor"],
            )
        ]
        if "increment" in runs:
            increment = runs["increment"][0]
            checks.append(
                (
                    "增量 / 冷启动 increment ÷ cold",
                    f"{increment / cold:.0%}",
                    f"≤ {TARGETS['increment_to_cold']:.0%}",
                    increment / cold <= TARGETS["increment_to_cold"],
                )
            )
        checks.append(
            ("峰值内存 peak RSS", f"{peak:.2f} GiB", f"≤ {TARGETS['rss_gib']:.0f} GiB", peak <= TARGETS["rss_gib"])
        )
    else:  # a larger scale must complete on this machine
        checks = [
            ("冷启动完成 cold run completes", f"{cold:.0f} s（{cold / floor:.1f}× floor）", "完成 completes", True),
            ("峰值内存 peak RSS", f"{peak:.2f} GiB", f"≤ 本机内存 RAM {ram:.1f} GiB", peak <= ram),
        ]
    lines = [
        "| 运行 run | 秒 s | 峰值内存 peak RSS (GiB) | " + " | ".join(PHASES) + " |",
        "|---|---:|---:|" + "---:|" * len(PHASES),
    ]
    lines.append(f"| floor | {floor:.1f} | – |" + " – |" * len(PHASES))
    for name, (seconds, rss, phases) in runs.items():
        lines.append(
            f"| {name} | {seconds:.1f} | {rss:.2f} | " + " | ".join(f"{phases.get(p, 0):.1f}" for p in PHASES) + " |"
        )
    lines += [
        "",
        "| 发布 publish | 秒 s | 写入行 rows written | 退役行 rows retired | 切换事务 switch s | 新增疑点 opened |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, figures in publications.items():
        if figures:
            lines.append(
                f"| {name} | {runs[name][2].get('publish', 0):.1f} | {figures['rows_written']:,} | "
                f"{figures['rows_retired']:,} | {figures['switch_seconds']:.2f} | {figures['opened']:,} |"
            )
        else:
            lines.append(f"| {name} | – | 0 | 0 | – | 0 |")
    verdicts = ["| 指标 measure | 实测 measured | 目标 target | |", "|---|---:|---:|---|"]
    verdicts += [
        f"| {label} | {value} | {target} | {'达标 ✓' if ok else '未达标 ✗'} |" for label, value, target, ok in checks
    ]
    table = (
        "\n".join(lines)
        + "\n\n"
        + "\n".join(f"- 峰值时各进程 processes at the peak（{name}，GiB）：{parts}" for name, parts in at_peak.items())
        + "\n\n"
        + "\n".join(verdicts)
    )
    print(table)
    if not args.no_report:
        memory = {k: v for k, v in os.environ.items() if k in MEMORY_SETTINGS}
        if memory:
            env_note += "；" + "，".join(f"{k}={v}" for k, v in sorted(memory.items()))
        body = (
            f"模拟 `{scale}`：{truth.get('people', '?'):,} 人"
            f"（领取待遇 {truth.get('receiving', '?'):,} 人）。冷启动载入除 {month} 以外的全部文件"
            f"（{len(cold_files)} 个）"
            + (f"；增量为 {month} 各月报数据源的新文件" if "increment" in runs else "；本次未测增量")
            + ("；重跑为无新文件时再运行一次。" if "rerun" in runs else "。")
            + f"每次运行是一个 `pension-audit run` 子进程（{env_note}），峰值内存为其整个进程树之和。"
            f"各阶段秒数取自数据目录的 last_run.json。\n\n{table}\n\n{machine_markdown()}"
        )
        section = SECTION if scale == "district" else f"{SECTION}（{scale}）"
        print(f"written to {write_section(section, body)}")


if __name__ == "__main__":
    main()
