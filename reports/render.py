"""Documents as PDF: Jinja templates (autoescaped, `StrictUndefined`) on one shared base,
print CSS with @page rules, rendered by WeasyPrint with a URL fetcher that can read nothing
but the templates folder (and inline `data:` charts).

The CJK font is the system's WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`, installed by
`scripts/setup`); without it Chinese would come out as boxes and WeasyPrint would not say so,
so rendering refuses to start when fontconfig does not know the font.
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
CJK_FONT = "WenQuanYi Micro Hei"
FONT_PACKAGE = "fonts-wqy-microhei"


class FontMissing(RuntimeError):
    """The CJK font is not installed: every Chinese character would be a box."""


@functools.cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        capitals=chinese.amount_in_capitals,
        money=chinese.amount_in_figures,
        cn_date=chinese.chinese_date,
        date=chinese.numeric_date,
        month=chinese.numeric_month,
        mask=chinese.mask_id,
        percent=chinese.percent,
    )
    env.globals["font_family"] = CJK_FONT
    return env


def render_html(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(**context)


@functools.cache
def font_file() -> str:
    """The CJK font's file, as fontconfig resolves the family (checked once per process)."""
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{family}\t%{file}", CJK_FONT], capture_output=True,
                               text=True, check=False).stdout
        family, _, path = found.partition("\t")
        if CJK_FONT in family and path:
            return path
    raise FontMissing(f"未安装中文字体 {CJK_FONT}，生成的文书会显示为方框。"
                      f"请运行 scripts/setup，或：sudo apt-get install -y {FONT_PACKAGE}")


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    font_file()
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
