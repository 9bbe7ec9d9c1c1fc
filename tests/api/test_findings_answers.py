"""The findings list keeps its answers only while the findings stand still: whatever changes
them — a case action, publishing, SQL from another program — the next list shows the change,
on SQLite and PostgreSQL, and one user's kept answer never reaches a user who sees less. A kept
answer is sent without a session or a worker thread, yet a signed-out or disabled user is
refused at once, and each showing of full identity numbers is in the audit log, however many
arrive together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from api.cache import AnswerCache
from casework.chain import verify
from casework.db import open_store
from tests.api.conftest import Api


def first_death(api: Api, who: str = "jingban") -> dict:
    return api.get(who, "/findings", params={"exception_type": "death"}).json()["items"][0]


def test_a_case_taken_up_shows_in_the_next_list_at_once(api: Api):
    finding = first_death(api)
    assert finding["case_id"] is None
    assert first_death(api) == finding  # asked again: the same answer

    r = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案核查"})
    assert r.status_code == 201, r.text
    assert first_death(api)["case_id"] == r.json()["id"]


def test_a_change_written_by_another_program_shows_in_the_next_list(api: Api, store_url: str):
    finding = first_death(api)
    other_program = create_engine(store_url)
    with other_program.begin() as c:
        c.execute(
            text("UPDATE findings SET status = 'resolved_by_data' WHERE finding_key = :k"),
            {"k": finding["finding_key"]},
        )
    other_program.dispose()
    again = api.get("jingban", "/findings", params={"exception_type": "death", "status": "resolved_by_data"})
    assert [f["finding_key"] for f in again.json()["items"]] == [finding["finding_key"]]
    assert first_death(api)["status"] == "resolved_by_data"


def test_a_township_officer_is_not_sent_the_answer_kept_for_the_whole_district(api: Api):
    everyone = api.get("jingban", "/findings", params={"size": 500}).json()
    township = api.get("xiangzhen", "/findings", params={"size": 500}).json()
    other = api.get("xiangzhen_other", "/findings", params={"size": 500}).json()
    assert township["total"] < everyone["total"]
    assert len({f["township_code"] for f in township["items"]}) == 1
    assert {f["finding_key"] for f in township["items"]}.isdisjoint(f["finding_key"] for f in other["items"])


def test_an_answer_read_before_a_newer_revision_is_not_kept():
    answers = AnswerCache()
    answers.put(2, "page 1", b"new")
    answers.put(1, "page 1", b"old")  # a request that read the store before the change
    assert answers.get(2, "page 1") == b"new"
    assert answers.get(1, "page 1") is None


def test_kept_answers_stay_within_their_bound_least_recently_used_going_first():
    answers = AnswerCache(max_bytes=10)
    answers.put(1, "a", b"12345")
    answers.put(1, "b", b"12345")
    answers.get(1, "a")
    answers.put(1, "c", b"12345")
    assert answers.get(1, "a") == b"12345" and answers.get(1, "c") == b"12345"
    assert answers.get(1, "b") is None


def test_routes_run_on_the_configured_number_of_worker_threads(tmp_path):
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from api.app import create_app
    from pension_audit.settings import Settings

    async def worker_threads() -> int:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cases.sqlite'}", home=str(tmp_path), threads=3))
    with TestClient(app) as client:
        assert client.portal.call(worker_threads) == 3


def test_what_the_service_started_with_is_out_of_the_collectors_sight_while_it_runs(tmp_path):
    """A full collection walks every tracked object with the GIL held: the imports and the app
    alone were ~0.5 million, a pause of 0.3 s that every request in flight waited out (the
    findings list's p99 at 50 clients)."""
    import gc

    from fastapi.testclient import TestClient

    from api.app import create_app
    from pension_audit.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cases.sqlite'}", home=str(tmp_path)))
    before = gc.get_threshold()
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > len(gc.get_objects())  # most of what lives is never walked again
        assert gc.get_threshold()[0] > before[0]  # requests in flight are not promoted every 700 allocations
    assert gc.get_freeze_count() == 0  # a stopped app leaves the process's collector as it was
    assert gc.get_threshold() == before


def test_a_kept_answer_is_refused_to_a_token_signed_out_or_a_user_disabled(api: Api):
    """The list and the person page sign their user in from the event loop (api.cache.Glance),
    not through a session: the same refusals."""
    person = f"/persons/{first_death(api)['person_ref']}"
    headers = api.login("jingban")
    assert api.client.get("/findings", headers=headers).status_code == 200
    assert api.client.get("/findings", headers=headers).status_code == 200  # the kept answer
    assert api.client.get(person, headers=headers).status_code == 200
    assert api.client.post("/auth/logout", headers=headers).status_code == 204
    assert api.client.get("/findings", headers=headers).status_code == 401
    assert api.client.get(person, headers=headers).status_code == 401

    reviewer = api.login("fuhe")
    assert api.client.get("/findings", headers=reviewer).status_code == 200
    assert api.client.get(person, headers=reviewer).status_code == 200
    fuhe = next(u["id"] for u in api.get("admin", "/users").json() if u["username"] == "fuhe")
    assert api.post("admin", f"/users/{fuhe}/disable").status_code == 200
    assert api.client.get("/findings", headers=reviewer).status_code == 401
    assert api.client.get(person, headers=reviewer).status_code == 401
    assert api.get("shuju", "/findings").status_code == 403, "a role that may not read is refused, kept or not"
    assert api.get("shuju", person).status_code == 403


def test_lists_asked_for_together_are_each_in_the_audit_log_and_the_chain_holds(api: Api, store_settings):
    def viewed() -> int:
        with api.engine.connect() as c:
            return c.scalar(
                text("SELECT count(*) FROM audit_log WHERE action = 'ids_viewed' AND entity_id = 'GET /findings'")
            )

    api.login("jingban")
    before = viewed()
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: api.get("jingban", "/findings"), range(36)))
    assert [r.status_code for r in answers] == [200] * 36
    assert len({r.content for r in answers}) == 1, "one kept answer, sent 36 times"
    assert viewed() == before + 36
    engine = open_store(store_settings)
    with engine.connect() as c:
        assert verify(c, engine.get_execution_options()["audit_seal"]).intact
    engine.dispose()
