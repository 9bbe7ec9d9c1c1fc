"""The district's townships by code: one list for the service, the console and the documents."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

TOWNSHIPS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "townships.csv"


@functools.cache
def township_names() -> dict[str, str]:
    """The district's townships, from the same seed the warehouse loads."""
    with TOWNSHIPS.open(encoding="utf-8") as f:
        return {r["township_code"]: r["township_name"] for r in csv.DictReader(f)}


def township_name(code: str | None) -> str:
    if not code:
        return ""
    return township_names().get(code, code)
