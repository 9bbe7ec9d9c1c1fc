"""`python -m district_generator`: the same as the `district-generator` command."""

from .cli import main

main()
