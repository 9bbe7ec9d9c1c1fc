"""`pension-audit report`: the same documents from the command line, with the same 文号."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pension_audit.cli import main
from pension_audit.settings import Settings
from tests.api.conftest import Api
from tests.reports.support import get_pdf, pdf_text, settled_demand


def test_the_command_line_writes_the_documents_and_keeps_the_numbers(
    api: Api, store_settings: Settings, tiny_district, tmp_path: Path
):
    case, demand = settled_demand(api, "death", "林晓梅", "子女")
    runner = CliRunner(
        env={
            "PENSION_AUDIT_AUDIT_KEY_FILE": str(store_settings.audit_key_path),
            "PENSION_AUDIT_AUDIT_ANCHORS": str(store_settings.audit_anchors_path),
        }
    )
    common = ["--home", str(tiny_district.home), "--database-url", store_settings.store_url]
    out = tmp_path / "追缴通知书.pdf"
    notice = ["report", "recovery-notice", "--case", str(case["id"]), "--out", str(out), *common]
    not_yet = runner.invoke(main, notice)
    assert not_yet.exit_code == 1 and "尚未出具" in not_yet.output, "only a named user issues a notice"
    result = runner.invoke(main, [*notice, "--as", "jingban"])
    assert result.exit_code == 0, result.output
    assert "已出具冒领社会保险待遇追缴通知书" in result.output
    assert "松社保追字〔2026〕1号" in pdf_text(out.read_bytes())
    assert out.read_bytes() == get_pdf(api, "jingban", f"/documents/recovery-notice/{demand['id']}")
    again = runner.invoke(main, notice)
    assert again.exit_code == 0 and out.read_bytes() == get_pdf(
        api, "fuhe", f"/documents/recovery-notice/{demand['id']}"
    )
    xlsx = tmp_path / "问责.xlsx"
    result = runner.invoke(main, ["report", "accountability-report", "--year", "2025", "--out", str(xlsx), *common])
    assert result.exit_code == 0, result.output
    assert xlsx.read_bytes()[:2] == b"PK"
    wrong = runner.invoke(main, ["report", "suspension-list", "--month", "2026-1", "--out", str(out), *common])
    assert wrong.exit_code == 2 and "应为 YYYY-MM" in wrong.output
    missing = runner.invoke(main, ["report", "suspension-list", "--out", str(out), *common])
    assert missing.exit_code == 1 and "待遇暂停名单需要参数 --month" in missing.output
    notice_as_xlsx = runner.invoke(
        main, ["report", "recovery-notice", "--case", str(case["id"]), "--out", str(tmp_path / "x.xlsx"), *common]
    )
    assert notice_as_xlsx.exit_code == 1 and "没有 XLSX 格式" in notice_as_xlsx.output
    assert "冒领社会保险待遇追缴通知书" in runner.invoke(main, ["report", "--help"]).output


def test_the_document_commands_read_a_month_as_the_web_forms_do(tmp_path: Path):
    """`report` and `documents batch` read --month as the forms do (policy.normal_month)."""
    runner, home = CliRunner(), ["--home", str(tmp_path / "home")]
    listed = runner.invoke(
        main, ["report", "suspension-list", "--month", "2026/01", "--out", str(tmp_path / "a.pdf"), *home]
    )
    assert listed.exit_code == 0 and "已生成2026年1月城乡居民基本养老保险待遇暂停名单" in listed.output, listed.output
    batch = ["documents", "batch", "--township", "150404001", "--month", "2026年1月", "--out", str(tmp_path / "b.pdf")]
    printed = runner.invoke(main, [*batch, *home])
    assert printed.exit_code == 1 and "2026年1月没有已出具（未作废）的通知书" in printed.output, printed.output


def refusals(tmp_path: Path, *wrong: str) -> set[tuple[int, str]]:
    """What `report` and `documents batch` answer to the same arguments: exit code and last line."""
    runner, out = CliRunner(), str(tmp_path / "x.pdf")
    said = [
        runner.invoke(main, [*command, "--out", out, *wrong])
        for command in (["report", "inspection-summary"], ["documents", "batch"])
    ]
    return {(r.exit_code, r.output.splitlines()[-1]) for r in said}


def test_the_document_commands_refuse_a_month_in_one_wording(tmp_path: Path):
    assert refusals(tmp_path, "--month", "2026-13", "--township", "150404001") == {
        (2, "错误：--month 的值无效：应为 YYYY-MM，如 2026-01、2026/01、2026年1月")
    }


def test_the_document_commands_refuse_a_township_in_one_wording(tmp_path: Path):
    assert refusals(tmp_path, "--month", "2026年1月", "--township", "1504") == {
        (2, "错误：--township 的值无效：应为9位乡镇（街道）代码")
    }
