"""Documents as PDF: Jinja templates (autoescaped, `StrictUndefined`) on one shared base,
print CSS with @page rules, rendered by WeasyPrint with a URL fetcher that can read nothing
but the templates folder (and inline `data:` charts).

Faces, as GB/T 9704 sets a government document (docs/documents.md): 标题 and 版头 in a 宋体
(Noto Serif CJK SC, Debian `fonts-noto-cjk`: bold stands in for the proprietary 小标宋), 正文 in
仿宋 (FandolFang, from TeX Live's Fandol family in Debian `texlive-lang-chinese`), first-level
headings in 黑体 (FandolHei) and second-level in 楷体 (FandolKai). All free, installed by
`scripts/setup` and known to fontconfig, so the URL fetcher stays locked to the templates. Without
them Chinese would come out as boxes or another face and WeasyPrint would not say so, so
rendering refuses to start when fontconfig does not know every face.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reports import chinese

TEMPLATES = Path(__file__).resolve().parent / "templates"
SONG = "Noto Serif CJK SC"  # 宋体: 标题, 发文机关标志, page numbers
FANG = "FandolFang"  # 仿宋: 正文, tables, charts
HEI = "FandolHei"  # 黑体: first-level headings 一、
KAI = "FandolKai"  # 楷体: second-level headings （一）
FACES = {SONG: "fonts-noto-cjk", FANG: "texlive-lang-chinese", HEI: "texlive-lang-chinese", KAI: "texlive-lang-chinese"}
CJK_FONT = FANG  # the charts' face


class FontMissing(RuntimeError):
    """The CJK font is not installed: every Chinese character would be a box."""


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        capitals=chinese.amount_in_capitals,
        money=chinese.amount_in_figures,
        cn_date=chinese.chinese_date,
        cn_number=chinese.ordinal,
        date=chinese.numeric_date,
        month=chinese.numeric_month,
        mask=chinese.mask_id,
        percent=chinese.percent,
    )
    return env


def render_html(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(**context)


@functools.cache
def font_file(face: str = CJK_FONT) -> str:
    """A face's file, as fontconfig resolves the family (checked once per process)."""
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", face], capture_output=True, text=True, check=False
        ).stdout
        family, _, path = found.partition("\t")
        if face in family and path:
            return path
    raise FontMissing(
        f"未安装字体 {face}，生成的文书会显示为方框或错用字体。"
        f"请运行 scripts/setup，或：sudo apt-get install -y {FACES[face]}"
    )


def fonts_ready() -> None:
    for face in FACES:
        font_file(face)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    fonts_ready()
    html = render_html(template, context)
    return HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=TemplatesOnly()).write_pdf()


class TemplatesOnly(URLFetcher):
    """Fetches files inside the templates folder and inline `data:` URLs; refuses anything
    else (other files, the network), so a value that reached a template cannot pull in
    another resource."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)

    def fetch(self, url: str, headers=None):
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not path.is_relative_to(TEMPLATES):
                raise ValueError(f"文书模板只能引用模板目录内的文件：{url}")
        elif not url.startswith("data:"):
            raise ValueError(f"文书模板不能引用外部资源：{url}")
        return super().fetch(url, headers)
