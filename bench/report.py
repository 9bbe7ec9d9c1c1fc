"""What every benchmark script shares: the machine it ran on, and its section of
`docs/benchmarks.md`.

    from bench.report import machine_info, machine_markdown, write_section

    write_section("API", machine_markdown() + "\n\n" + table)

`write_section("API", body)` replaces exactly the `## API` section (its heading line down to the
next `## ` heading, headings inside code fences not counted) and leaves every other section as
it was; a section not yet in the file is appended. The read-modify-write holds a lock (a file
in the temporary directory) and the new text replaces the old in one rename, so two scripts
finishing at once neither interleave nor lose each other's section."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import platform
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
PREAMBLE = """# 基准测试 Benchmarks

每一节由 `bench/` 下的一个脚本写入（脚本结束时替换本节，其余各节不动），并注明运行的机器。
Each section is written by one script under `bench/`, with the machine it ran on; rerun the
script to refresh its section.
"""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _os() -> str:
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        name = release.get("PRETTY_NAME", "").strip('"')
    except OSError:
        name = ""
    return f"{name or platform.system()} (kernel {platform.release()}, {platform.machine()})"


def _duckdb() -> str:
    try:
        import duckdb

        return duckdb.__version__
    except ImportError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """CPU model, cores, RAM, OS, Python, DuckDB and the date: what a figure depends on."""
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or 0),
        "ram": _memory(),
        "os": _os(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "duckdb": _duckdb(),
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


LABELS = {
    "cpu": "CPU",
    "cores": "核数 cores",
    "ram": "内存 RAM",
    "os": "系统 OS",
    "python": "Python",
    "duckdb": "DuckDB",
    "date": "日期 date",
}


def machine_markdown() -> str:
    """The machine as a short Markdown list, to head a section."""
    info = machine_info()
    return "\n".join(f"- {LABELS.get(k, k)}: {v}" for k, v in info.items())


def _split(text: str) -> list[tuple[str | None, list[str]]]:
    """The file as (level-2 title or None for the preamble, its lines)."""
    parts: list[tuple[str | None, list[str]]] = [(None, [])]
    fence = False
    for line in text.splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            fence = not fence
        elif not fence and re.match(r"^## (?!#)", line):
            parts.append((line[3:].strip(), []))
        parts[-1][1].append(line)
    return parts


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"pension-audit-benchmarks-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_section(title: str, body: str) -> Path:
    """Replace the `## <title>` section of docs/benchmarks.md with `body` (created if missing)."""
    path = REPORT
    section = [f"## {title}", "", *body.strip("\n").splitlines()]
    with _locked(path):
        text = path.read_text(encoding="utf-8") if path.exists() else PREAMBLE
        parts = _split(text)
        for i, (name, _lines) in enumerate(parts):
            if name == title:
                parts[i] = (title, section)
                break
        else:
            parts.append((title, section))
        chunks = []
        for _name, lines in parts:
            while lines and not lines[-1].strip():
                lines = lines[:-1]
            if lines:
                chunks.append("\n".join(lines))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text("\n\n".join(chunks) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    return path
