"""A store made by the previous release (schema revision 0006: an audit log without its seal,
repayments without their voucher key) upgrades by migrations alone when the current code opens
it: every row kept, the log chained and verifying, the service reading it. On SQLite and on
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, text

from api.app import create_app
from casework.db import MIGRATIONS, make_engine, open_store, prepare_store
from casework.models import IssuedFile, Repayment
from casework.security import hash_password
from pension_audit.cli import main
from pension_audit.settings import Settings
from tests.api.conftest import PASSWORD, store_url  # noqa: F401
from tests.operations.test_backup_restore import head_revision

PREVIOUS_RELEASE = "0006"
AT = dt.datetime(2025, 11, 3, 9, 30)
PDF = b"%PDF-1.7\n% a notice issued by the previous release\n%%EOF\n"


def previous_release_rows() -> dict[str, list[dict]]:
    """What a bureau's store held under the previous release: staff, two findings, a case with
    a demand, two repayments whose vouchers differ only in width and case (one key under the
    new rule), an issued notice, and the audit log that recorded it all."""
    user = {
        "id": 1,
        "username": "jingban",
        "display_name": "张经办",
        "role": "inspector",
        "active": True,
        "password_hash": hash_password(PASSWORD),
        "created_at": AT,
    }
    finding = {
        "exception_type": "death",
        "exception_label": "死亡后领取",
        "event_period": "2025-06",
        "improper_months": 4,
        "overpaid_amount": 62_400,
        "identity": "exact",
        "status": "open",
        "version": 1,
        "evidence": {"death_register": ["2025-06.csv:12"]},
        "first_published_at": AT,
        "last_published_at": AT,
        "name": "林某",
        "township_code": "150404101",
        "person_no": "P0001",
    }
    return {
        "users": [user],
        "publications": [
            {
                "id": 1,
                "published_at": AT,
                "as_of_month": "2025-10",
                "next_pay_month": "2025-11",
                "opened": 2,
                "changed": 0,
                "unchanged": 0,
                "resolved": 0,
                "reopened": 0,
                "status": "published",
                "rows_written": 2,
                "rows_retired": 0,
            }
        ],
        "cases": [
            {
                "id": 1,
                "subject_key": "death|P0001",
                "status": "recovering",
                "opened_by": 1,
                "opened_at": AT,
                "updated_at": AT,
                "version": 3,
                "name": "林某",
                "township_code": "150404101",
            }
        ],
        "findings": [
            {**finding, "finding_key": "death|P0001|2025-06", "case_id": 1},
            {**finding, "finding_key": "death|P0002|2025-07", "person_no": "P0002", "name": "王某", "case_id": None},
        ],
        "demands": [
            {
                "id": 1,
                "case_id": 1,
                "notice_kind": "recovery",
                "addressee": "林晓梅",
                "addressee_relation": "子女",
                "amount": 62_400,
                "issued_on": AT.date(),
                "deadline": dt.date(2025, 12, 3),
                "status": "open",
                "issued_by": 1,
            }
        ],
        "repayments": [
            {
                "id": 1,
                "demand_id": 1,
                "voucher_no": "PZ-001",
                "amount": 20_000,
                "paid_on": dt.date(2025, 11, 10),
                "recorded_by": 1,
                "recorded_at": AT,
            },
            {
                "id": 2,
                "demand_id": 1,
                "voucher_no": "ｐｚ－００１ ",
                "amount": 10_000,
                "paid_on": dt.date(2025, 11, 12),
                "recorded_by": 1,
                "recorded_at": AT,
            },
        ],
        "issued_files": [
            {
                "id": 1,
                "kind": "recovery-notice",
                "subject": "demand:1",
                "title": "冒领社会保险待遇追缴通知书",
                "filename": "追缴通知书.pdf",
                "media_type": "application/pdf",
                "content": PDF,
                "sha256": hashlib.sha256(PDF).hexdigest(),
                "issued_by": 1,
                "issued_at": AT,
                "case_id": 1,
            }
        ],
        "audit_log": [
            {
                "id": n + 1,
                "at": AT + dt.timedelta(minutes=n),
                "actor_id": 1,
                "actor": "张经办",
                "action": action,
                "entity": "case",
                "entity_id": "1",
                "case_id": 1,
                "after": {"step": n},
            }
            for n, action in enumerate(("case_opened", "demand_issued", "repayment_recorded"))
        ],
    }


def test_a_store_of_the_previous_release_upgrades_by_migrations_alone(store_url: str, tmp_path: Path):  # noqa: F811
    settings = Settings(home=tmp_path / "home", database_url=store_url)
    old = make_engine(settings.store_url)  # the previous release knew nothing of the seal
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    rows = previous_release_rows()
    with old.begin() as c:
        config.attributes["connection"] = c
        command.upgrade(config, PREVIOUS_RELEASE)
        tables = MetaData()
        tables.reflect(c)
        for name, values in rows.items():
            c.execute(tables.tables[name].insert(), values)
        if c.dialect.name == "postgresql":
            for name in ("users", "cases", "demands", "repayments", "issued_files", "audit_log", "publications"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
        before = {
            name: [
                dict(r)
                for r in c.execute(
                    select(tables.tables[name]).order_by(*tables.tables[name].primary_key.columns)
                ).mappings()
            ]
            for name in rows
        }
    old.dispose()

    prepare_store(settings)  # what `serve` and every command do first

    engine = open_store(settings)
    try:
        with engine.connect() as c:
            assert c.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
            now = MetaData()
            now.reflect(c)
            for name, kept in before.items():
                table = now.tables[name]
                after = [dict(r) for r in c.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
                assert [{k: r[k] for k in kept[0]} for r in after] == kept, f"{name}: every row, every value kept"
            keys = c.execute(select(Repayment.id, Repayment.voucher_key).order_by(Repayment.id)).all()
            assert keys == [(1, "pz-001"), (2, "pz-001#2")], "colliding vouchers kept apart for review"
            assert c.scalar(select(IssuedFile.content)) == PDF
            macs = c.execute(text("SELECT mac FROM audit_log ORDER BY id")).scalars().all()
            assert len(macs) == 3 and all(macs), "the old log is sealed into the chain"
    finally:
        engine.dispose()
    verified = CliRunner().invoke(main, ["audit", "verify", "--home", str(settings.home), "--database-url", store_url])
    assert verified.exit_code == 0 and "共 3 条" in verified.output, verified.output
    with TestClient(create_app(settings)) as client:
        token = client.post("/auth/token", data={"username": "jingban", "password": PASSWORD})
        assert token.status_code == 200, token.text
        case = client.get("/cases/1", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert case.status_code == 200 and case.json()["status"] == "recovering", case.text
