"""Sign-in that holds, on SQLite and PostgreSQL: guessing is throttled per name and address and
per address, without letting anyone lock a colleague out from elsewhere; every attempt is in
the audit log; tokens can be revoked, users disabled, enabled and given new passwords (API and
command line), with passwords that are not trivially guessed."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from pension_audit.cli import main
from tests.api.conftest import PASSWORD, Api
from tests.api.test_audit_log import verify
from tests.api.test_one_validation import console

WRONG = "not the password at all"


def attempt(client: TestClient, username: str, password: str, **headers: str):
    return client.post("/auth/token", data={"username": username, "password": password}, headers=headers)


def logged(api: Api, action: str) -> int:
    with api.engine.connect() as c:
        return c.scalar(text("SELECT count(*) FROM audit_log WHERE action = :a"), {"a": action})


def from_address(api: Api, address: str) -> TestClient:
    return TestClient(api.client.app, client=(address, 40000))


def test_ten_failures_lock_that_name_from_that_address_only(api: Api):
    here = from_address(api, "192.0.2.10")
    for _ in range(10):
        assert attempt(here, "fuhe", WRONG).status_code == 401
    refused = attempt(here, "fuhe", PASSWORD)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert "分钟后再试" in refused.json()["message"]
    assert attempt(from_address(api, "192.0.2.99"), "fuhe", PASSWORD).status_code == 200, (
        "nobody can lock the only reviewer out from elsewhere"
    )
    assert attempt(here, "fuhe2", PASSWORD).status_code == 200, "other names from that address still sign in"
    assert (logged(api, "sign_in_failed"), logged(api, "sign_in_locked"), logged(api, "sign_in_throttled")) == (
        10,
        1,
        1,
    )
    assert logged(api, "signed_in") >= 2


def test_thirty_failures_across_names_lock_the_address(api: Api):
    here = from_address(api, "192.0.2.20")
    for n in range(30):
        assert attempt(here, f"guess{n % 3}", WRONG).status_code == 401
    assert attempt(here, "jingban", PASSWORD).status_code == 429
    assert attempt(from_address(api, "192.0.2.21"), "jingban", PASSWORD).status_code == 200


def test_an_admin_lifts_a_lock(api: Api):
    here = from_address(api, "192.0.2.30")
    for _ in range(10):
        attempt(here, "jingban2", WRONG)
    assert attempt(here, "jingban2", PASSWORD).status_code == 429
    locks = api.get("admin", "/sign-in-locks").json()
    assert [(lock["username"], lock["client"]) for lock in locks] == [("jingban2", "192.0.2.30")]
    user_id = next(u["id"] for u in api.get("admin", "/users").json() if u["username"] == "jingban2")
    assert api.post("jingban", f"/users/{user_id}/unlock").status_code == 403
    assert api.post("admin", f"/users/{user_id}/unlock").status_code == 204
    assert attempt(here, "jingban2", PASSWORD).status_code == 200
    assert api.get("admin", "/sign-in-locks").json() == []


def test_only_a_trusted_proxy_says_who_the_client_is(api: Api, store_settings):
    app = create_app(store_settings.with_overrides(trusted_proxies=["10.1.0.0/16"]))
    proxy = TestClient(app, client=("10.1.0.5", 40000))
    for _ in range(10):
        attempt(proxy, "fuhe", WRONG, **{"X-Forwarded-For": "198.51.100.7"})
    assert attempt(proxy, "fuhe", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert attempt(proxy, "fuhe", PASSWORD, **{"X-Forwarded-For": "198.51.100.8"}).status_code == 200
    stranger = TestClient(app, client=("192.0.2.40", 40000))
    assert attempt(stranger, "fuhe", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200, (
        "a header from anyone else counts for nothing"
    )


def test_signing_out_revokes_the_token(api: Api):
    headers = api.login("jingban")
    assert api.client.get("/auth/me", headers=headers).status_code == 200
    assert api.client.post("/auth/logout", headers=headers).status_code == 204
    assert api.client.get("/auth/me", headers=headers).status_code == 401
    assert logged(api, "signed_out") == 1


def user_id(api: Api, username: str) -> int:
    return next(u["id"] for u in api.get("admin", "/users").json() if u["username"] == username)


def test_an_admin_disables_enables_and_resets_passwords(api: Api):
    headers = api.login("jingban")
    target = user_id(api, "jingban")
    assert api.post("fuhe", f"/users/{target}/disable").status_code == 403
    assert api.post("admin", f"/users/{target}/disable").json()["active"] is False
    assert api.client.get("/auth/me", headers=headers).status_code == 401, "every sign-in ends"
    assert attempt(api.client, "jingban", PASSWORD).status_code == 401
    assert api.post("admin", f"/users/{target}/enable").json()["active"] is True
    assert attempt(api.client, "jingban", PASSWORD).status_code == 200
    for weak, says in (("short", "至少 10 位"), ("qwertyuiop", "过于常见"), ("Password123", "过于常见")):
        r = api.post("admin", f"/users/{target}/password", {"password": weak})
        assert r.status_code == 422 and says in r.json()["message"], (weak, r.text)
    assert api.post("admin", f"/users/{target}/password", {"password": "a new long secret"}).status_code == 204
    assert attempt(api.client, "jingban", PASSWORD).status_code == 401
    assert attempt(api.client, "jingban", "a new long secret").status_code == 200
    last_admin = api.post("admin", f"/users/{user_id(api, 'admin')}/disable")
    assert last_admin.status_code == 409 and last_admin.json()["code"] == "last_admin"
    for action in ("user_disabled", "user_enabled", "password_changed"):
        assert logged(api, action) >= 1, action


def test_a_password_that_is_the_user_name_is_refused(api: Api):
    r = api.post(
        "admin",
        "/users",
        {"username": "longusername1", "display_name": "某某", "role": "inspector", "password": "LongUserName1"},
    )
    assert r.status_code == 422 and "不能与用户名相同" in r.json()["message"]


def test_the_command_line_disables_enables_resets_and_unlocks(api: Api, store_settings):
    env = {
        "PENSION_AUDIT_AUDIT_KEY_FILE": str(store_settings.audit_key_path),
        "PENSION_AUDIT_AUDIT_ANCHORS": str(store_settings.audit_anchors_path),
    }
    where = ["--home", str(store_settings.home), "--database-url", store_settings.store_url]

    def run(*args: str, password: str | None = None):
        extra = {"PENSION_AUDIT_PASSWORD": password} if password else {}
        return CliRunner(env={**env, **extra}).invoke(main, ["users", *args, *where])

    assert run("disable", "jingban").exit_code == 0
    assert attempt(api.client, "jingban", PASSWORD).status_code == 401
    assert run("enable", "jingban").exit_code == 0
    weak = run("passwd", "jingban", password="123456")
    assert weak.exit_code != 0 and "至少 10 位" in weak.output
    assert run("passwd", "jingban", password="another long secret").exit_code == 0
    here = from_address(api, "192.0.2.50")
    for _ in range(10):
        attempt(here, "jingban", WRONG)
    assert attempt(here, "jingban", "another long secret").status_code == 429
    assert run("unlock", "jingban").exit_code == 0
    assert attempt(here, "jingban", "another long secret").status_code == 200
    assert run("disable", "nobody").exit_code != 0
    assert verify(store_settings)[0] == 0, "the command line's changes are in the sealed log too"


def test_the_admin_console_manages_users_and_shows_the_anchors(api: Api):
    admin = console(api, "admin")
    added = admin.post(
        "/web/admin/users",
        data={
            "username": "jingban3",
            "display_name": "周经办",
            "role": "inspector",
            "township_code": "",
            "password": "short",
        },
    )
    assert added.status_code == 422 and "至少 10 位" in added.text
    added = admin.post(
        "/web/admin/users",
        data={
            "username": "jingban3",
            "display_name": "周经办",
            "role": "inspector",
            "township_code": "",
            "password": "a long enough secret",
        },
    )
    assert added.status_code == 303
    target = user_id(api, "jingban3")
    assert admin.post(f"/web/admin/users/{target}/active", data={"active": "0"}).status_code == 303
    assert attempt(api.client, "jingban3", "a long enough secret").status_code == 401
    assert admin.post(f"/web/admin/users/{target}/active", data={"active": "1"}).status_code == 303
    assert admin.post(f"/web/admin/users/{target}/password", data={"password": "another secret 42"}).status_code == 303
    here = from_address(api, "192.0.2.60")
    for _ in range(10):
        attempt(here, "jingban3", WRONG)
    page = admin.get("/web/admin/users")
    assert "登录已锁定" in page.text and "192.0.2.60" in page.text
    assert admin.post(f"/web/admin/users/{target}/unlock").status_code == 303
    assert attempt(here, "jingban3", "another secret 42").status_code == 200
    audit = admin.get("/web/admin/audit")
    assert audit.status_code == 200 and 'data-testid="anchors"' in audit.text
    assert console(api, "jingban").get("/web/admin/users").status_code == 403
    assert console(api, "jingban").post(f"/web/admin/users/{target}/active", data={"active": "0"}).status_code == 403
