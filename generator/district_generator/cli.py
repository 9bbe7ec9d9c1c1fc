"""`district-generator`: writes a simulated district's inbox and truth. The console speaks
Chinese, like the product's."""

from __future__ import annotations

from pathlib import Path

import click

from . import DRIFTS, generate
from .params import SCALES


@click.command(help="生成一个模拟区县的全部数据源文件（含各类不规范数据）及其真值文件")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="输出目录")
@click.option("--scale", type=click.Choice(tuple(SCALES)), default="tiny", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--drift",
    "drifts",
    type=click.Choice(DRIFTS),
    multiple=True,
    help="植入数据源漂移（可多次指定）：可选列换了写法、缺一个月、文件被截断、列名改成未知写法",
)
def main(out: Path, scale: str, seed: int, drifts: tuple[str, ...]) -> None:
    truth = generate(out, scale, seed, drifts)
    files = truth["files"]
    rows = sum(info["data_rows"] for info in files.values())
    bad = sum(len(info["quarantined"]) for info in files.values())
    click.echo(
        f"已生成 {scale} 规模模拟区县：{truth['people']} 人（领取待遇 {truth['receiving']} 人），"
        f"{truth['first_month']} 至 {truth['last_month']}"
    )
    click.echo(
        f"  {len(files)} 个文件，{rows} 行数据，其中应隔离 {bad} 行；另有 {len(truth['broken_files'])} 个无法读取的文件"
    )
    for drift in truth.get("drifts", []):
        where = drift.get("path") or drift.get("period") or "、".join(drift.get("files", []))
        click.echo(f"  植入漂移 {drift['drift']}：{drift['feed']} {where}")
    click.echo(f"  收件箱：{out / 'inbox'}")
    click.echo(f"  真值文件：{out / 'truth.json'}")
