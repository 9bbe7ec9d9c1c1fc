"""`district-generator`: writes a simulated district's inbox and truth. The console speaks
Chinese, like the product's."""

from __future__ import annotations

from pathlib import Path

import click

from . import generate
from .params import SCALES


@click.command(help="生成一个模拟区县的全部数据源文件（含各类不规范数据）及其真值文件")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="输出目录")
@click.option("--scale", type=click.Choice(tuple(SCALES)), default="tiny", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def main(out: Path, scale: str, seed: int) -> None:
    truth = generate(out, scale, seed)
    files = truth["files"]
    rows = sum(info["data_rows"] for info in files.values())
    bad = sum(len(info["quarantined"]) for info in files.values())
    click.echo(
        f"已生成 {scale} 规模模拟区县：{truth['people']} 人（领取待遇 {truth['receiving']} 人），"
        f"{truth['first_month']} 至 {truth['last_month']}"
    )
    click.echo(
        f"  {len(files)} 个文件，{rows} 行数据，其中应隔离 {bad} 行；"
        f"另有 {len(truth['broken_files'])} 个无法读取的文件"
    )
    click.echo(f"  收件箱：{out / 'inbox'}")
    click.echo(f"  真值文件：{out / 'truth.json'}")
