"""Documents rendered for real (WeasyPrint, the system's CJK font) from a real case store: the
case store of tests/api with the tiny district published, its staff, and the API over it,
driven as the bureau would. Helpers are in support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import api, store, store_settings  # noqa: F401


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: what a document says does not depend on the database (numbering is also
    checked on PostgreSQL, in test_numbering.py)."""
    return f"sqlite:///{tmp_path / 'cases.sqlite'}"
