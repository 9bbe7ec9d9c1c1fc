"""`pension-audit-dbt`: dbt without the network. dagster-dbt asks `dbt --version` before every
invocation, and dbt answers it by asking the package index for its latest release; this
command answers it from the installed package instead, and runs dbt for everything else."""

from __future__ import annotations

import importlib.metadata
import sys

from dbt.cli.main import cli


def main() -> None:
    if sys.argv[1:2] == ["--version"]:
        print(f"Core:\n  - installed: {importlib.metadata.version('dbt-core')}")
        return
    sys.argv[0] = "dbt"
    cli()


if __name__ == "__main__":
    main()
