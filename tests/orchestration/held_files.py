"""The case store as the build that found a payments file held published it: what a release
from the console starts from (test_console_release, test_release_by_sensor)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from casework.models import Role
from casework.published import FeedFile, Publication, PublicationStatus
from casework.services.users import add_user
from tests.api.conftest import PASSWORD


def held_and_published(s: Session, period: str) -> None:
    """A data engineer (shuju), and the build that held payments of `period` as published."""
    add_user(s, "shuju", "数据组陈工", Role.data_engineer, PASSWORD, None)
    s.add(Publication(id=1, status=PublicationStatus.published, as_of_month="2025-04", next_pay_month="2025-06"))
    s.add(
        FeedFile(
            feed="payments",
            period=period,
            path=f"payments/{period}.csv",
            file_hash="h",
            status="held",
            reason="too_few_rows",
            ingested_at=dt.datetime(2026, 6, 5),
            row_hash="x",
            built_in=1,
        )
    )
