"""schemathesis against the OpenAPI schema: whatever a client sends, no server error.

Signed in as a reviewer (who may call every case route) over the tiny district's published
findings, with a case already open so that generated ids sometimes hit real records."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import Api

EXAMPLES_PER_ROUTE = 30


def test_no_input_produces_a_server_error(api: Api):
    finding = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "cancellation", "case_version": case["version"], "reason": "死亡"},
    )
    headers = api.login("fuhe")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        fuzz(operation, headers)


def fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def no_server_error(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    no_server_error()
