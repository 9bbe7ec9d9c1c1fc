"""`python -m pension_audit`: the `pension-audit` command."""

from pension_audit.console import main

main()
