"""Schemathesis against the app's own OpenAPI schema, for each role, on both databases.

The schema is loaded in process from ``/schema/openapi.json`` (``schemathesis.openapi.from_asgi``)
and the cases are generated once per session, deterministically (positive and negative data,
a few examples per operation, generation phase only: nothing to shrink). Each case is then sent
through httpx into the app in the test's own event loop: the database fixtures own their engine
in that loop, which schemathesis's threaded ASGI client could not share.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AsyncExitStack

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation

from inventory.app import create_app
from inventory.config import Settings
from tests.integration.people_world import build_world

EXAMPLES = 3  # per operation and generation mode: 4 roles x 2 databases stay under ~90 s
ROLES = {"anonymous": None, "front_desk": "desk_aub", "social_worker": "sw_a", "admin": "admin"}
# Operations anyone may call (/health is outside the schema).
PUBLIC = {"POST /api/v1/auth/login"}
# Ends the caller's session: run last so that the other cases keep a signed-in caller.
LAST = {"POST /api/v1/auth/logout"}
# An admin may disable any account, their own included: a generated user_id 1 would sign the
# admin out halfway. These cases aim at sw_b (id 7), who is never the caller here.
FIXED_PATH = {"PATCH /api/v1/users/{user_id}": {"user_id": 7},
              "POST /api/v1/users/{user_id}/password": {"user_id": 7}}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
BASE_URL = "http://127.0.0.1:8000"


def _collect(operation, mode: GenerationMode) -> list:
    cases: list = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode,
                                 path_parameters=FIXED_PATH.get(operation.label)))
    def collect(case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:  # no invalid input exists (e.g. an operation without parameters)
        pass
    return cases


@pytest.fixture(scope="session")
def api_cases(tmp_path_factory) -> list:
    """Every operation's generated cases, the session-ending ones last."""
    # A session fixture is set up before each test's `db`, which binds the tables again.
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
    schema = schemathesis.openapi.from_asgi(
        "/schema/openapi.json", create_app(Settings(database_url=f"sqlite:///{path}")))
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.label in LAST)
    return [case for op in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            for case in _collect(op, mode)]


async def _send(http: httpx.AsyncClient, case, headers: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    data = kwargs.get("data")
    return await http.request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params") or None,
        headers={**kwargs.get("headers", {}), **headers}, json=kwargs.get("json"),
        content=data if isinstance(data, (bytes, str)) else None,
        data=data if isinstance(data, dict) else None, files=kwargs.get("files"))


def _names_no_route(case, response: httpx.Response) -> bool:
    """A path parameter of the wrong type (``/decisions/x`` for an integer id) matches no route:
    Litestar answers 404 before authentication runs, to anyone alike, revealing nothing."""
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return (response.status_code == 404 and path is not None
            and path.mode is GenerationMode.NEGATIVE)


async def _caller(app, stack: AsyncExitStack, role: str) -> tuple[httpx.AsyncClient, dict]:
    world = await build_world(app, stack)
    account = ROLES[role]
    if account is None:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        http = await stack.enter_async_context(httpx.AsyncClient(transport=transport,
                                                                 base_url=BASE_URL))
        return http, {}
    caller = world.callers[account]
    return caller.http, caller.headers


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_api_operation_answers_without_server_error_and_as_documented(
        app, role, api_cases):
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    async with AsyncExitStack() as stack:
        http, headers = await _caller(app, stack, role)
        for case in api_cases:
            response = await _send(http, case, headers)
            statuses[response.status_code] += 1
            label = case.operation.label
            if role == "anonymous" and label not in PUBLIC and response.status_code != 401 \
                    and not _names_no_route(case, response):
                failures.append(f"{label}: anonymous call answered {response.status_code}")
            if role != "anonymous" and response.status_code == 401 and label not in PUBLIC | LAST:
                failures.append(f"{label}: signed-in call answered 401")
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                failures += [f"{label} [{response.status_code}]: {failure.title}"
                             for failure in group.exceptions]
    print(f"{role}: {len(api_cases)} cases, statuses {dict(sorted(statuses.items()))}")
    distinct = Counter(failures)
    assert not distinct, f"{len(failures)} failures:\n" + "\n".join(
        f"{count} x {failure}" for failure, count in sorted(distinct.items()))
