"""The `pension-audit` command's entry point, apart from the commands themselves.

A process the platform starts with `spawn` (the run's loader, the loader's typing workers)
imports the main module of the process that started it again. The console script's main
module imports only this one, which imports nothing until the command runs: a child pays for
what it uses, not for every command's libraries (Dagster, dbt, the web service, WeasyPrint:
about 8 s).
"""


def main() -> None:
    from pension_audit.cli import main as commands

    commands()
