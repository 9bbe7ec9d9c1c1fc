"""Reading documents back: the text of a PDF, its fonts, a PNG of its pages kept under
artifacts/reports/ (git-ignored) for people to look at; and casework through the API."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import Api, later_publication  # noqa: F401 (re-exported for the tests)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
SETUP_HINT = (
    "缺少 poppler-utils 或中文字体：请运行 scripts/setup，"
    "或 sudo apt-get install -y fonts-noto-cjk texlive-lang-chinese poppler-utils libharfbuzz-subset0"
)
# The faces GB/T 9704 asks for, as pdffonts names them: 宋体 (标题, 版头) and 仿宋 (正文).
SONG, FANG = "Noto-Serif-CJK-SC", "FandolFang"
ACCOUNT = {
    "effective_from": "2020-01-01",
    "account_name": "赤峰市松山区社会保险事业管理局",
    "bank": "中国农业银行赤峰松山支行",
    "account_no": "0547 0101 0400 12345",
    "reason": "开立收入户",
}
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} 不可用。{SETUP_HINT}")
    return path


def pdf_text(content: bytes) -> str:
    """The text of every page, as a reader would copy it, spaces between words kept."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """The text without line breaks and spaces, for phrases that wrap across lines."""
    return re.sub(r"\s+", "", text)


def embedded_fonts(path: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) of every font of a PDF, from pdffonts."""
    out = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def keep(content: bytes, name: str, pages: tuple[int, ...] | None = None) -> Path:
    """Keep the PDF and a PNG of each page (or the pages given) under artifacts/reports/, check
    its fonts: every font embedded, the 宋体 and the 仿宋 among them (else Chinese would be boxes,
    or in a face the standard does not use)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(content)
    fonts = embedded_fonts(pdf)
    assert any(SONG in font for font, _ in fonts), f"{name}: 未嵌入宋体 {fonts}。{SETUP_HINT}"
    assert any(FANG in font for font, _ in fonts), f"{name}: 未嵌入仿宋 {fonts}。{SETUP_HINT}"
    assert not any("WenQuanYi" in font for font, _ in fonts), f"{name}: 文书不用黑体 WenQuanYi {fonts}"
    assert all(embedded == "yes" for _, embedded in fonts), f"{name}: 有未嵌入的字体 {fonts}"
    for old in ARTIFACTS.glob(f"{name}-page*.png"):
        old.unlink()
    for page in pages or range(1, page_count(content) + 1):
        target = ARTIFACTS / (f"{name}.png" if page == 1 else f"{name}-page{page}.png")
        subprocess.run(
            [
                _tool("pdftoppm"),
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(target.with_suffix("")),
            ],
            check=True,
        )
        assert target.stat().st_size > 10_000, f"{target} looks empty"
    return pdf


def get_pdf(api: Api, who: str, url: str, **params) -> bytes:
    r = api.get(who, url, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == PDF
    assert r.content[:5] == b"%PDF-"
    return r.content


def issue_pdf(api: Api, who: str, url: str, **params) -> bytes:
    """Issue a notice as `who` (its 文号 given, its PDF kept), then get it as issued: the same
    bytes by its own address and by the notice's."""
    r = api.post(who, f"{url}/issue", params=params)
    assert r.status_code in (200, 201), r.text
    issued = r.json()
    by_id = api.get(who, issued["url"])
    content = get_pdf(api, who, url, **params)
    assert by_id.content == content, "the notice's address gives the issued bytes"
    return content


def get_xlsx(api: Api, who: str, url: str, **params) -> list[list]:
    """The rows of the first sheet; and the header row is frozen."""
    import zipfile

    from python_calamine import CalamineWorkbook

    r = api.get(who, url, params={**params, "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    sheet_xml = zipfile.ZipFile(io.BytesIO(r.content)).read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet_xml and 'ySplit="1"' in sheet_xml, "the header row is frozen"
    assert "<col " in sheet_xml, "columns have widths"
    return CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()


# ------------------------------------------------------------------ casework, through the API


def finding(api: Api, exception_type: str, **params) -> dict:
    r = api.get("jingban", "/findings", params={"exception_type": exception_type, "size": 500, **params})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, f"the tiny district plants {exception_type}"
    return items[0]


def open_case(api: Api, finding_key: str) -> dict:
    r = api.post("jingban", "/cases", {"finding_key": finding_key, "reason": "数据比对发现疑点，立案核查"})
    assert r.status_code == 201, r.text
    return r.json()


def case_now(api: Api, case_id: int) -> dict:
    r = api.get("jingban", f"/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.json()


def approve(api: Api, case: dict, kind: str, **options) -> dict:
    case = case_now(api, case["id"])
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": kind, "case_version": case["version"], "reason": "经核实", **options},
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    r = api.post("fuhe", f"/proposals/{proposal['id']}/decision", {"approve": True, "version": proposal["version"]})
    assert r.status_code == 200, r.text
    return proposal


def issue_demand(api: Api, case: dict, addressee: str, relation: str) -> dict:
    case = case_now(api, case["id"])
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/demands",
        {"case_version": case["version"], "addressee": addressee, "relation": relation},
    )
    assert r.status_code == 201, r.text
    return r.json()


def record_account(api: Api, **changes) -> dict:
    """The admin records the account repayments are made to (needed before a recovery or return
    notice can be issued)."""
    r = api.post("admin", "/documents/issuer-accounts", {**ACCOUNT, **changes})
    assert r.status_code == 201, r.text
    return r.json()


def settled_demand(
    api: Api, exception_type: str, addressee: str, relation: str, account: bool = True, **params
) -> tuple[dict, dict]:
    """A finding's case taken to its demand: cancellation and offset where the account settles
    first (death, nationality, other pension), suspension otherwise. The repayment account is
    recorded first unless `account=False`."""
    if account and api.get("admin", "/documents/issuer-accounts").json() == []:
        record_account(api)
    f = finding(api, exception_type, **params)
    case = open_case(api, f["finding_key"])
    if exception_type in ("death", "nationality", "other_pension"):
        approve(api, case, "cancellation")
        approve(api, case, "offset")
    else:
        approve(api, case, "suspension")
    return case_now(api, case["id"]), issue_demand(api, case, addressee, relation)


def money(value) -> str:
    """How the documents write an amount in figures."""
    from reports.chinese import amount_in_figures

    return amount_in_figures(value)
