"""A case store per test, on SQLite and on PostgreSQL, holding the tiny district's findings as
the pipeline publishes them, and an API client that signs in as each role."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.deps import today
from casework.db import migrate, open_store, session_factory, transaction
from casework.models import Finding, Role
from casework.published import Publication, PublicationStatus
from casework.services.policy import add_months, latest_publication
from casework.services.users import add_user
from orchestration.publish import publish
from pension_audit.settings import Settings

PASSWORD = "correct horse battery"
TODAY = dt.date(2026, 1, 10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.sqlite'}"
    return request.getfixturevalue("postgres_url")


STAFF = {
    "jingban": ("张经办", Role.inspector, None),
    "jingban2": ("李经办", Role.inspector, None),
    "fuhe": ("王复核", Role.reviewer, None),
    "fuhe2": ("赵复核", Role.reviewer, None),
    "renshe": ("区人社局刘科长", Role.hr_bureau, None),
    "shuju": ("数据组陈工", Role.data_engineer, None),
    "admin": ("系统管理员", Role.admin, None),
}


@dataclass
class Clock:
    day: dt.date = TODAY


@dataclass
class Api:
    """The API as a user sees it: sign in as someone, then call routes as them."""

    client: TestClient
    engine: object
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = self.client.post("/auth/token", data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, who: str, url: str, **kw):
        return self.client.get(url, headers=self.login(who), **kw)

    def post(self, who: str, url: str, json: dict | None = None, **kw):
        return self.client.post(url, headers=self.login(who), json=json, **kw)


def add_staff(engine, township_code: str) -> None:
    with transaction(session_factory(engine, writing=True)) as s:
        for username, (name, role, _) in STAFF.items():
            add_user(s, username, name, role, PASSWORD, None)
        add_user(s, "xiangzhen", "乡镇经办员", Role.township_officer, PASSWORD, township_code)
        other = "150404001" if township_code != "150404001" else "150404002"
        add_user(s, "xiangzhen_other", "外乡镇经办员", Role.township_officer, PASSWORD, other)


def deployment_settings(store_url: str, home: Path, private: Path) -> Settings:
    """A deployment's settings for a test: its own secret and anchors under `private`."""
    return Settings(
        database_url=store_url,
        home=str(home),
        audit_key_file=private / "audit.key",
        audit_anchors=private / "audit-anchors",
    )


@pytest.fixture
def store_settings(store_url: str, tiny_district, tmp_path: Path) -> Settings:
    return deployment_settings(store_url, tiny_district.home, tmp_path)


@pytest.fixture
def store(store_settings: Settings, tiny_district):
    """A case store with the tiny district's findings published into it."""
    engine = open_store(store_settings)
    migrate(engine)
    publish(engine, tiny_district.home / "warehouse.duckdb")
    yield engine
    engine.dispose()


@pytest.fixture
def api(store, store_settings: Settings) -> Iterator[Api]:
    with serving(store, store_settings) as api:
        yield api


@contextmanager
def serving(engine, settings: Settings) -> Iterator[Api]:
    """The service on a store the tiny district was published into, its staff added (the
    township officer's township has a death finding), its day the test's clock."""
    with session_factory(engine)() as s:
        township = s.scalar(
            select(Finding.township_code)
            .where(Finding.exception_type == "death")
            .order_by(Finding.finding_key)
            .limit(1)
        )
    add_staff(engine, township)
    app = create_app(settings)
    clock = Clock()
    app.dependency_overrides[today] = lambda: clock.day
    with TestClient(app) as client:
        yield Api(client, engine, clock)


@contextmanager
def serving_as_published(tiny_district, home: Path) -> Iterator[Api]:
    """The service in a home of its own holding only what the tiny district's run left it: the
    case store as the run published it and the deployment's audit key."""
    home.mkdir()
    shutil.copyfile(tiny_district.home / "cases.sqlite", home / "cases.sqlite")
    shutil.copytree(tiny_district.home / "secrets", home / "secrets")
    settings = Settings(home=home)
    engine = open_store(settings)
    with serving(engine, settings) as api:
        yield api
    engine.dispose()


def later_publication(api: Api, months: int) -> str:
    """As if the pipeline had published `months` more months of payments: the next 发放年月."""

    with session_factory(api.engine, writing=True)() as s, s.begin():
        last = latest_publication(s)
        s.add(
            Publication(
                as_of_month=add_months(last.as_of_month, months),
                status=PublicationStatus.published,
                next_pay_month=add_months(last.next_pay_month, months),
            )
        )
        return add_months(last.next_pay_month, months)
