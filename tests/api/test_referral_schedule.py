"""Referral needs no one to remember it: Dagster's daily job refers every overdue demand."""

from __future__ import annotations

from orchestration.case_store_assets import REFERRAL_SCHEDULE, referral_job
from orchestration.resources import DataHome
from pension_audit.settings import Settings
from tests.api.conftest import Api


def test_the_daily_job_refers_a_demand_left_unpaid_past_its_deadline(api: Api, store_settings: Settings):
    finding = api.get("jingban", "/findings", params={"exception_type": "duplicate_payment"}).json()["items"][0]
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    demand = api.post(
        "jingban",
        f"/cases/{case['id']}/demands",
        {"case_version": case["version"], "addressee": "本人", "relation": "本人"},
    ).json()
    assert demand["deadline"] < "2026-11-29", "issued on the test clock's day, long overdue today"

    result = referral_job.execute_in_process(resources={"data_home": DataHome.from_settings(store_settings)})
    assert result.success
    assert result.output_for_node("refer_overdue_demands") == 1
    assert [r["demand_id"] for r in api.get("renshe", "/referrals").json()] == [demand["id"]]
    assert REFERRAL_SCHEDULE.cron_schedule == "0 6 * * *"
