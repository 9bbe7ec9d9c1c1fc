"""The rendering machinery: templates that refuse undefined values and escape what they print,
a URL fetcher that reads nothing outside the templates folder, the faces GB/T 9704 asks for in
every PDF (宋体 for titles and page numbers, 仿宋 for the text), embedded."""

from __future__ import annotations

import subprocess

import pytest
from jinja2 import UndefinedError

from reports.render import TEMPLATES, TemplatesOnly, environment, render_pdf
from tests.reports.support import embedded_fonts, pdf_text


def test_a_template_refuses_an_undefined_value():
    with pytest.raises(UndefinedError):
        environment().from_string("{{ nobody }}").render()


def test_values_are_escaped():
    html = environment().get_template("base.html").render(title="<script>x</script>")
    assert "&lt;script&gt;" in html and "<script>x" not in html


def test_the_fetcher_reads_only_the_templates_folder():
    fetcher = TemplatesOnly()
    assert fetcher((TEMPLATES / "documents.css").as_uri()).read().startswith(b"/*")
    for url in (
        "file:///etc/passwd",
        (TEMPLATES / ".." / "render.py").resolve().as_uri(),
        "https://example.org/x.css",
        "http://127.0.0.1/x.png",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_an_outside_resource_in_a_document_is_not_fetched(tmp_path, monkeypatch):
    """A document pointing at a file outside the templates is refused, not rendered with it."""
    from weasyprint.urls import FatalURLFetchingError

    secret = tmp_path / "secret.css"
    secret.write_text("html { color: red }")
    monkeypatch.setattr(
        "reports.render.render_html", lambda *_: f'<link rel="stylesheet" href="{secret.as_uri()}"><p>文书</p>'
    )
    with pytest.raises(FatalURLFetchingError):
        render_pdf("base.html", {})


def test_the_title_is_set_in_song_and_the_text_in_fangsong_both_embedded(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "reports.render.render_html",
        lambda *_: (
            '<link rel="stylesheet" href="documents.css"><h1 class="title">通知</h1>'
            "<p>赤峰市松山区 壹仟贰佰元整 1,234.56</p>"
        ),
    )
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(render_pdf("base.html", {}))
    fonts = embedded_fonts(pdf)
    faces = sorted({name.split("+")[-1] for name, _ in fonts})
    # 标题 in bold 宋体, the page number in 宋体, the text in 仿宋: nothing else.
    assert faces == ["FandolFang", "Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"], fonts
    assert all(embedded == "yes" for _, embedded in fonts)
    assert "赤峰市松山区 壹仟贰佰元整 1,234.56" in pdf_text(pdf.read_bytes())
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(tmp_path / "t")], check=True)
    assert (tmp_path / "t.png").stat().st_size > 0
