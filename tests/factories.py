"""Small builders for test data, through the real services."""

from __future__ import annotations

from typing import Any

from inventory.db.tables import PartnerOrg, Site
from inventory.services import auth, items
from inventory.services.common import SYSTEM

PASSWORD = "correct horse battery"


async def make_site(code: str = "AUB", name: str = "Aubiers") -> int:
    site = Site(code=code, name=name)
    await site.save()
    return site.id


async def make_org(name: str = "CCAS de Bordeaux") -> int:
    org = PartnerOrg(name=name, org_type="ccas", commune="Bordeaux")
    await org.save()
    return org.id


async def make_user(role: str, username: str | None = None, **kwargs: Any) -> dict[str, Any]:
    if role == "social_worker" and "partner_org_id" not in kwargs:
        kwargs["partner_org_id"] = await make_org()
    return await auth.create_user(username=username or role, password=PASSWORD, role=role,
                                  **kwargs)


async def make_item(kind: str = "laptop", site_code: str = "AUB", **fields: Any) -> dict[str, Any]:
    return await items.register_item(SYSTEM, kind=kind, site_code=site_code, prefix="ESN",
                                     **fields)


async def sign_in(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the API; returns the headers a browser would send on writes."""
    response = await client.post("/api/v1/auth/login",
                                 json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"x-csrf-token": response.json()["csrf_token"]}


async def staff_client(client, role: str = "admin") -> dict[str, str]:
    """Create a site and a user of ``role``, sign in; returns the CSRF headers."""
    if not await Site.exists().where(Site.code == "AUB"):
        await make_site()
    await make_user(role, site_code="AUB")
    return await sign_in(client, role)
