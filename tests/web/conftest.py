"""The console served for real (uvicorn on a free loopback port, in a thread) over a case store
holding the tiny district, and Debian's Chromium driven by Playwright, one browser context
(one signed-in person) per role. Screenshots go to artifacts/web/ at the repository root."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.deps import today
from casework.db import migrate, open_store, session_factory
from casework.models import Finding
from casework.published import SettlementBasis
from orchestration.publish import publish
from tests.api.conftest import PASSWORD, TODAY, add_staff, deployment_settings
from tests.conftest import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"


@dataclass
class Console:
    base_url: str
    engine: object
    home: Path
    death_key: str  # a death finding whose case runs offset → demand → repayment → write-off
    person_id: str
    township: str
    ref: Callable[[str], str]  # a person's reference in URLs

    @property
    def person_ref(self) -> str:
        return self.ref(self.person_id)


def _death_finding(engine) -> Finding:
    """A death whose person has no other finding, and whose overpayment the account balance
    and the funeral subsidy do not cover (so something is left to demand)."""
    for finding in death_findings(engine):
        return finding
    pytest.fail("the tiny district has no death finding with money left to demand")


def death_findings(engine) -> Iterator[Finding]:
    """Deaths whose person has no other finding and whose overpayment the account balance and
    the funeral subsidy do not cover, in key order."""
    with session_factory(engine)() as s:
        single = select(Finding.person_id).group_by(Finding.person_id).having(func.count() == 1)
        rows = s.execute(
            select(Finding, SettlementBasis)
            .join(SettlementBasis, SettlementBasis.finding_key == Finding.finding_key)
            .where(Finding.exception_type == "death", Finding.person_id.in_(single))
            .order_by(Finding.finding_key)
        ).all()
        for finding, basis in rows:
            subsidy = Decimal("1000.00") if basis.receiving_at_event and not basis.died_in_custody else 0
            if finding.overpaid_amount > basis.account_balance + subsidy:
                yield finding


@pytest.fixture(scope="module")
def console(tiny_district, tmp_path_factory) -> Iterator[Console]:
    private = tmp_path_factory.mktemp("web")
    settings = deployment_settings(f"sqlite:///{private / 'cases.sqlite'}", tiny_district.home, private)
    engine = open_store(settings)
    migrate(engine)
    publish(engine, tiny_district.home / "warehouse.duckdb")
    death = _death_finding(engine)
    add_staff(engine, death.township_code)
    app = create_app(settings)
    app.dependency_overrides[today] = lambda: TODAY
    try:
        with served(app) as base_url:
            yield Console(
                base_url,
                engine,
                tiny_district.home,
                death.finding_key,
                death.person_id,
                death.township_code,
                app.state.person_refs.ref,
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: run scripts/setup (as root it installs the chromium package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Screens:
    """Numbered screenshots, in the order the pages were seen."""

    def __init__(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, name: str) -> None:
        self.n += 1
        safe = re.sub(r"[^\w.-]+", "-", name)
        page.screenshot(path=str(ARTIFACTS / f"{self.n:02d}-{safe}.png"), full_page=True)


@pytest.fixture(scope="session")
def shot() -> Screens:
    return Screens()


@pytest.fixture
def sign_in(console: Console, browser):
    """sign_in('jingban') → a page signed in as that person, in their own browser context."""
    contexts = []

    def _sign_in(username: str, password: str = PASSWORD):
        context = browser.new_context(
            base_url=console.base_url, viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/web/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield _sign_in
    for context in contexts:
        context.close()
