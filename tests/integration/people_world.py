"""A small world for the people tests: two sites, two partner organisations, one account of
each role, each with its own signed-in HTTP client."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.factories import PASSWORD, make_org, make_site, make_user

PERSON = {
    "first_name": "Élodie", "last_name": "N'Diaye", "birth_year": 1985, "commune": "Bordeaux",
    "situation": "minima_sociaux", "consent_on": "2026-11-02", "consent_version": "2026-1",
    "site_code": "AUB", "phone": "06 12 34 56 78",
}


@dataclass
class Caller:
    """One signed-in person: ``get``/``post``/``patch``/``put`` with their session."""

    username: str
    http: httpx.AsyncClient
    headers: dict[str, str]

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.http.get(url, **kw)

    async def post(self, url: str, json: Any = None) -> httpx.Response:
        return await self.http.post(url, json=json, headers=self.headers)

    async def patch(self, url: str, json: Any = None) -> httpx.Response:
        return await self.http.patch(url, json=json, headers=self.headers)

    async def put(self, url: str, json: Any = None) -> httpx.Response:
        return await self.http.put(url, json=json, headers=self.headers)


@dataclass
class World:
    org_a: int
    org_b: int
    callers: dict[str, Caller] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Caller:
        try:
            return self.callers[name]
        except KeyError:
            raise AttributeError(name) from None

    async def person(self, caller: Caller, **overrides: Any) -> dict[str, Any]:
        """Register a person through ``caller``; returns the record."""
        body = {**PERSON, **overrides}
        response = await caller.post("/api/v1/beneficiaries/", body)
        assert response.status_code == 201, response.text
        return response.json()


ACCOUNTS = {
    # name: (role, site, organisation)
    "admin": ("admin", "AUB", None),
    "coordinator": ("coordinator", "AUB", None),
    "desk_aub": ("front_desk", "AUB", None),
    "desk_bac": ("front_desk", "BAC", None),
    "technician": ("technician", "AUB", None),
    "sw_a": ("social_worker", None, "a"),
    "sw_b": ("social_worker", None, "b"),
}


async def build_world(app, stack: AsyncExitStack) -> World:
    await make_site("AUB", "Les Aubiers")
    await make_site("BAC", "Bacalan")
    world = World(org_a=await make_org("CCAS de Bordeaux"),
                  org_b=await make_org("Mission locale Bordeaux"))
    orgs = {"a": world.org_a, "b": world.org_b}
    for name, (role, site, org) in ACCOUNTS.items():
        await make_user(role, name, site_code=site, partner_org_id=orgs.get(org))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000"))
        response = await http.post("/api/v1/auth/login",
                                   json={"username": name, "password": PASSWORD})
        assert response.status_code == 200, response.text
        world.callers[name] = Caller(name, http, {"x-csrf-token": response.json()["csrf_token"]})
    return world
