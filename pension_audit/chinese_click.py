"""Click's own words in Chinese: the usage errors it raises (a bad or missing option, an
unknown command), the usage line and the help's headings. The platform's messages are
Chinese, and click would frame them in English ("Error: Invalid value for --month: …")."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import click
from click.exceptions import NoSuchCommand

HELP = "显示本帮助并退出。"


def _hint(exc: click.BadParameter) -> str:
    """The parameter a bad value was given for, as typed (click quotes it: '--month')."""
    if exc.param_hint is not None:
        hint: str | Sequence[str] | None = exc.param_hint
    elif exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx)
    else:
        hint = None
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(hint)
    return (hint or "").replace("'", "")


def _did_you_mean(possibilities: Iterable[str] | None) -> str:
    return f"（是否要用：{'、'.join(sorted(possibilities))}）" if possibilities else ""


def in_chinese(exc: click.ClickException) -> str:
    """What went wrong, in Chinese; a message the platform wrote itself is kept as it is."""
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "")
        return f"缺少{'参数' if kind == 'argument' else '选项'} {_hint(exc)}".rstrip()
    if isinstance(exc, click.BadParameter):
        return f"{_hint(exc)} 的值无效：{exc.message}" if _hint(exc) else f"取值无效：{exc.message}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}{_did_you_mean(exc.possibilities)}"
    if isinstance(exc, NoSuchCommand):
        return f"没有命令 {exc.command_name}{_did_you_mean(exc.possibilities)}"
    if isinstance(exc, click.BadOptionUsage) and "requires" in exc.message:
        return f"选项 {exc.option_name} 后面应有取值"
    if exc.message.startswith("Got unexpected extra argument"):  # click's words: "… (a b)"
        return f"多余的参数：{exc.message.split('(', 1)[-1].rstrip(')')}"
    return exc.format_message()


HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}  # the sections click names


class ChineseFormatter(click.HelpFormatter):
    """Click's help with Chinese headings: the usage line and the sections click names."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def section(self, name: str) -> Any:
        return super().section(HEADINGS.get(name, name))


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class ChineseHelp(click.Command):
    """A command whose usage line and help are headed in Chinese."""

    context_class = ChineseContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP
        return option


class ChineseGroup(ChineseHelp, click.Group):
    """The platform's command group: its commands and subgroups speak Chinese too, and a
    usage error is shown as 用法 / 查看帮助 / 错误 rather than click's English frame."""

    command_class = ChineseHelp
    group_class = type  # subgroups are ChineseGroups

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"查看帮助：{exc.ctx.command_path} --help\n", err=True)
            _fail(exc)
        except click.ClickException as exc:
            _fail(exc)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # the reader went away (| head): as click does
                sys.exit(1)
            raise
        sys.exit(code if isinstance(code, int) else 0)


def _fail(exc: click.ClickException) -> NoReturn:
    click.echo(f"错误：{in_chinese(exc)}", err=True)
    sys.exit(exc.exit_code)
