"""The command line speaks Chinese in click's own words too: a mistyped command, option or
value is answered with 用法, 查看帮助 and 错误, never click's English frame."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from pension_audit.cli import main

ENGLISH = ("Usage:", "Error:", "Try '", "Options:", "Commands:", "Invalid value", "No such", "Missing")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["runx"], "错误：没有命令 runx（是否要用：run、runs）"),
        (["run", "--nope"], "错误：没有选项 --nope（是否要用：--home、--inbox）"),
        (["report"], "错误：缺少参数 名称"),
        (["documents", "batch", "--township", "150404001", "--month", "2026-01"], "错误：缺少选项 --out"),
        (["report", "suspension-list", "--month"], "错误：选项 --month 后面应有取值"),
        (["findings", "a", "b"], "错误：多余的参数：a b"),
        (["report", "suspension-list", "--year", "二〇二五"], "错误：--year 的值无效："),
        (["users", "add"], "错误：缺少参数 USERNAME"),
    ],
)
def test_a_mistyped_command_is_answered_in_chinese(args: list[str], said: str):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert said in result.output, result.output
    assert not any(word in result.output for word in ENGLISH), result.output


def test_help_is_headed_in_chinese():
    for args in ([], ["users"], ["run"], ["backup"]):
        result = CliRunner().invoke(main, [*args, "--help"], prog_name="pension-audit")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("用法：pension-audit") and "选项:" in result.output, result.output
        assert "显示本帮助并退出。" in result.output
        assert not any(word in result.output for word in ENGLISH), result.output


def test_the_installed_command_exits_as_click_would():
    """As a process: the status codes scripts rely on (0 help, 2 a usage error)."""
    command = [sys.executable, "-m", "pension_audit"]
    assert subprocess.run([*command, "--help"], capture_output=True, check=False).returncode == 0
    wrong = subprocess.run([*command, "runx"], capture_output=True, text=True, check=False)
    assert wrong.returncode == 2 and "错误：没有命令 runx" in wrong.stderr
