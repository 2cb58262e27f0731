"""Signing in, sessions, CSRF and API tokens, on SQLite and PostgreSQL (throttling, cookie
flags and sessions that end with the password: test_secrets.py)."""

from tests.factories import PASSWORD, make_site, make_user, staff_client


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client):
    await make_user("admin")
    wrong = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    unknown = await client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "Identifiant ou mot de passe incorrect."


async def test_every_route_but_health_and_login_needs_a_session(client):
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/api/v1/items/")).status_code == 401
    assert (await client.get("/api/v1/scan", params={"code": "x"})).status_code == 401
    page = await client.get("/desk", headers={"accept": "text/html"})
    assert page.status_code in (302, 303) and page.headers["location"].startswith("/login")


async def test_a_write_from_the_browser_without_the_csrf_token_is_refused(client):
    headers = await staff_client(client, "admin")
    body = {"code": "BAS", "name": "Bastide"}
    refused = await client.post("/api/v1/sites/", json=body)
    assert refused.status_code == 403
    forged = await client.post("/api/v1/sites/", json=body, headers={"x-csrf-token": "forged"})
    assert forged.status_code == 403
    accepted = await client.post("/api/v1/sites/", json=body, headers=headers)
    assert accepted.status_code == 201, accepted.text


async def test_an_api_token_works_without_cookie_or_csrf_and_is_shown_once(client, app):
    headers = await staff_client(client, "admin")
    created = await client.post("/api/v1/auth/tokens", json={"label": "script"},
                                headers=headers)
    token = created.json()["token"]
    client.cookies.clear()
    bearer = {"authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=bearer)).json()["username"] == "admin"
    made = await client.post("/api/v1/sites/", json={"code": "BAS", "name": "Bastide"},
                             headers=bearer)
    assert made.status_code == 201
    assert (await client.get("/api/v1/auth/me",
                             headers={"authorization": "Bearer wrong"})).status_code == 401


async def test_logout_ends_the_session(client):
    headers = await staff_client(client, "front_desk")
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_social_worker_cannot_touch_the_item_catalogue(client):
    await staff_client(client, "social_worker")
    assert (await client.get("/api/v1/items/")).status_code == 403
    assert (await client.get("/api/v1/auth/me")).json()["role"] == "social_worker"


async def test_the_login_form_never_redirects_to_another_site(client):
    await make_user("admin")
    response = await client.post("/login", data={"username": "admin", "password": PASSWORD,
                                                 "next": "//evil.example/"})
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/desk"


async def test_the_last_active_administrator_cannot_be_disabled(client):
    await make_site()
    headers = await staff_client(client, "admin")
    me = (await client.get("/api/v1/auth/me")).json()
    users = (await client.get("/api/v1/users/", headers=headers)).json()
    my_id = next(u["id"] for u in users if u["username"] == me["username"])
    refused = await client.patch(f"/api/v1/users/{my_id}", json={"active": False},
                                 headers=headers)
    assert refused.status_code == 409
    assert "dernier administrateur" in refused.json()["detail"]
    assert (await client.get("/api/v1/auth/me")).status_code == 200, "nothing was changed"
    second = await make_user("admin", username="admin2")
    allowed = await client.patch(f"/api/v1/users/{second['id']}", json={"active": False},
                                 headers=headers)
    assert allowed.status_code == 200
