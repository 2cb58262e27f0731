"""Secrets: the production key, login throttling, sessions that end, and the session cookie.

Every database test runs on SQLite and PostgreSQL. Throttling lives in the database (one row
per failure), so it holds across app processes and restarts; the window is tested by moving
the recorded failures back in time rather than by sleeping.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from http.cookies import SimpleCookie

import httpx
import pytest

from inventory.app import create_app
from inventory.config import DEFAULT_SECRET, MIN_SECRET_LENGTH, Settings, SettingsError
from inventory.db.tables import LoginFailure
from inventory.services import auth
from tests.conftest import ROOT, settings_for
from tests.factories import PASSWORD, make_site, make_user, sign_in, staff_client
from tests.integration.test_instances import free_port, two_instances, wait_ready  # noqa: F401

LOCKED = "Trop d’essais infructueux. Patientez quelques minutes puis réessayez."
NEW_PASSWORD = "a brand new passphrase"
WINDOW = Settings().login_window_seconds
MAX_FAILURES = Settings().login_max_failures
BAD_SECRETS = {
    "unset": None,
    "empty": "",
    "blank": " " * 40,
    "development default": DEFAULT_SECRET,
    "too short": secrets.token_urlsafe(48)[:MIN_SECRET_LENGTH - 1],
    "one character repeated": "x" * 64,
    "a short pattern repeated": "ab12" * 16,
}


def production_env(secret: str | None) -> dict[str, str]:
    env = {"INVENTORY_ENV": "production"}
    if secret is not None:
        env["INVENTORY_SECRET_KEY"] = secret
    return env


def client_from(app, ip: str) -> httpx.AsyncClient:
    """A client whose requests come from address ``ip``."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def attempt(client: httpx.AsyncClient, username: str,
                  password: str = "bad") -> httpx.Response:
    """One sign-in through the API."""
    return await client.post("/api/v1/auth/login",
                             json={"username": username, "password": password})


def set_cookie(response: httpx.Response) -> str:
    return response.headers["set-cookie"].lower()


def cookie_token(response: httpx.Response) -> str:
    jar = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar["esn_session"].value


# --- the production key ------------------------------------------------------------------

@pytest.mark.parametrize("secret", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
def test_production_settings_refuse_a_missing_default_short_or_repetitive_secret(secret):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(production_env(secret))
    message = str(refused.value)
    assert "INVENTORY_SECRET_KEY" in message and str(MIN_SECRET_LENGTH) in message
    if secret and secret.strip():
        assert secret not in message, "the message must not echo the key"


def test_production_accepts_a_random_secret_and_development_needs_none():
    key = secrets.token_urlsafe(48)
    assert Settings.from_env(production_env(key)).secret_key == key
    assert Settings.from_env(production_env(secrets.token_hex(16))).is_production
    assert Settings.from_env({}).secret_key == DEFAULT_SECRET


def test_the_app_refuses_production_settings_built_in_code_with_the_default_secret():
    with pytest.raises(SettingsError, match="INVENTORY_SECRET_KEY"):
        create_app(Settings(environment="production"))


@pytest.mark.parametrize("case", ["unset", "development default", "too short",
                                  "one character repeated"])
def test_inventory_serve_in_production_with_a_weak_secret_exits_with_a_message(case, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("INVENTORY_SECRET_KEY", "INVENTORY_ENV")}
    env.update(production_env(BAD_SECRETS[case]), INVENTORY_PORT=str(free_port()),
               DATABASE_URL=f"sqlite:///{tmp_path / 'never.sqlite3'}")
    done = subprocess.run([sys.executable, "-m", "inventory", "serve"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "INVENTORY_SECRET_KEY" in done.stderr and "production" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Service sur" not in done.stdout, "nothing was served"


async def test_a_production_server_with_a_random_secret_starts_and_sets_a_secure_cookie(db):
    await make_user("admin")
    port = free_port()
    env = {**os.environ, **production_env(secrets.token_urlsafe(48)), "DATABASE_URL": db.url,
           "INVENTORY_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "inventory", "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(port, server)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            signed_in = await attempt(http, "admin", PASSWORD)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert signed_in.status_code == 200, signed_in.text
    cookie = set_cookie(signed_in)
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


# --- the session cookie ------------------------------------------------------------------

async def test_the_session_cookie_is_httponly_and_samesite_and_not_secure_in_development(client):
    await make_site()
    await make_user("front_desk")
    response = await attempt(client, "front_desk", PASSWORD)
    cookie = set_cookie(response)
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # development over plain HTTP; production adds it
    assert response.json()["role"] == "front_desk"


async def test_in_production_both_sign_in_routes_set_a_secure_cookie(db):
    app = create_app(settings_for(db, environment="production",
                                  secret_key=secrets.token_urlsafe(48)), engine=db.engine)
    await make_user("admin")
    async with client_from(app, "127.0.0.1") as http:
        api = await attempt(http, "admin", PASSWORD)
        form = await http.post("/login", data={"username": "admin", "password": PASSWORD})
    assert api.status_code == 200 and form.status_code in (302, 303)
    for response in (api, form):
        cookie = set_cookie(response)
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


# --- login throttling --------------------------------------------------------------------

async def test_repeated_failures_lock_the_username_with_a_french_429_and_retry_after(client):
    await make_user("admin")
    for name in ("admin", "ghost"):  # the same answer whether the account exists or not
        answers = [await attempt(client, name) for _ in range(MAX_FAILURES + 1)]
        assert [a.status_code for a in answers] == [401] * MAX_FAILURES + [429], name
        locked = answers[-1]
        assert locked.json()["detail"] == LOCKED
        assert 0 < int(locked.headers["retry-after"]) <= WINDOW


async def test_the_right_password_is_refused_while_the_username_is_locked(client):
    await make_user("admin")
    for _ in range(MAX_FAILURES):
        await attempt(client, "admin")
    right = await attempt(client, "admin", PASSWORD)
    assert right.status_code == 429
    assert "set-cookie" not in right.headers


async def move_failures_back(seconds: int) -> None:
    """As if the recorded failures had happened ``seconds`` earlier."""
    await LoginFailure.raw("UPDATE login_failure SET at = at - {}", seconds)


async def test_the_lock_lifts_when_the_window_has_passed(client):
    await make_user("admin")
    for _ in range(MAX_FAILURES):
        await attempt(client, "admin")
    await move_failures_back(WINDOW - 30)
    still = await attempt(client, "admin", PASSWORD)
    assert still.status_code == 429
    assert 25 <= int(still.headers["retry-after"]) <= 30, "the wait left, not the whole window"
    await move_failures_back(31)
    assert (await attempt(client, "admin", PASSWORD)).status_code == 200


async def test_failures_from_one_address_lock_it_for_every_username_but_not_other_addresses(
        app):
    await make_user("admin")
    per_address = 4 * MAX_FAILURES  # room for several volunteers behind one site's address
    async with client_from(app, "10.0.0.1") as busy, client_from(app, "10.0.0.2") as other:
        for i in range(per_address):  # one failure per username: no username is locked
            assert (await attempt(busy, f"guess{i}")).status_code == 401
        locked = await attempt(busy, "admin", PASSWORD)
        assert locked.status_code == 429 and locked.json()["detail"] == LOCKED
        assert int(locked.headers["retry-after"]) > 0
        assert (await attempt(other, "admin", PASSWORD)).status_code == 200


async def test_the_login_form_is_throttled_too_in_french_with_retry_after(client):
    await make_user("admin")
    for _ in range(MAX_FAILURES):
        await client.post("/login", data={"username": "admin", "password": "bad"})
    page = await client.post("/login", data={"username": "admin", "password": PASSWORD},
                             headers={"accept-language": "fr"})
    assert page.status_code == 429
    assert LOCKED in page.text
    assert int(page.headers["retry-after"]) > 0
    assert "set-cookie" not in page.headers


async def test_failures_are_counted_across_server_processes(db, two_instances):
    await make_user("admin")
    first, second = two_instances
    async with httpx.AsyncClient() as http:
        codes = [(await http.post(f"{(first, second)[i % 2]}/api/v1/auth/login",
                                  json={"username": "admin", "password": "bad"})).status_code
                 for i in range(MAX_FAILURES + 1)]
    assert codes == [401] * MAX_FAILURES + [429]


# --- sessions that end -------------------------------------------------------------------

async def other_session(username: str) -> dict[str, str]:
    """A second browser session of ``username`` (as from another computer)."""
    new = await auth.login(username, PASSWORD, client_ip="192.0.2.7", hours=1, window=WINDOW,
                           max_failures=MAX_FAILURES)
    return {"cookie": f"esn_session={new.token}"}


async def api_token(client, headers: dict[str, str]) -> dict[str, str]:
    created = await client.post("/api/v1/auth/tokens", json={"label": "script"},
                                headers=headers)
    assert created.status_code == 201, created.text
    return {"authorization": f"Bearer {created.json()['token']}"}


async def works(client, headers: dict[str, str]) -> bool:
    """Whether these credentials (alone, without the client's own cookie) are signed in."""
    saved = dict(client.cookies)
    client.cookies.clear()
    try:
        status = (await client.get("/api/v1/auth/me", headers=headers)).status_code
    finally:
        client.cookies.update(saved)
    assert status in (200, 401)
    return status == 200


async def test_disabling_a_user_ends_their_sessions_and_api_tokens_at_once(client, app):
    await make_site()
    admin = await staff_client(client, "admin")
    volunteer = await make_user("front_desk", username="benevole", site_code="AUB")
    browser = await other_session("benevole")
    async with client_from(app, "192.0.2.8") as own:
        token = await api_token(own, await sign_in(own, "benevole"))
    assert await works(client, browser) and await works(client, token)
    disabled = await client.patch(f"/api/v1/users/{volunteer['id']}", json={"active": False},
                                  headers=admin)
    assert disabled.status_code == 200, disabled.text
    assert not await works(client, browser) and not await works(client, token)
    assert (await attempt(client, "benevole", PASSWORD)).status_code == 401


async def test_changing_ones_password_ends_every_other_session_and_renews_this_one(client):
    headers = await staff_client(client, "technician")
    old_cookie = {"cookie": f"esn_session={client.cookies['esn_session']}"}
    elsewhere = await other_session("technician")
    token = await api_token(client, headers)
    changed = await client.post("/api/v1/auth/password", headers=headers, json={
        "old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    # Every credential from before is dead, this browser's old cookie included …
    for before in (old_cookie, elsewhere, token):
        assert not await works(client, before)
    # … and this browser carries on with a fresh session: new cookie, new CSRF token.
    renewed = set_cookie(changed)
    assert "httponly" in renewed and "samesite=lax" in renewed
    assert cookie_token(changed) != old_cookie["cookie"].split("=", 1)[1]
    assert changed.json()["csrf_token"] not in (None, headers["x-csrf-token"])
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    new_headers = {"x-csrf-token": changed.json()["csrf_token"]}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 403
    assert (await client.post("/api/v1/auth/logout", headers=new_headers)).status_code == 200
    assert (await attempt(client, "technician", PASSWORD)).status_code == 401
    assert (await attempt(client, "technician", NEW_PASSWORD)).status_code == 200


async def test_changing_the_password_with_an_api_token_ends_that_token_too(client):
    token = await api_token(client, await staff_client(client, "coordinator"))
    client.cookies.clear()
    changed = await client.post("/api/v1/auth/password", headers=token, json={
        "old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert "set-cookie" not in changed.headers and changed.json()["csrf_token"] is None
    assert not await works(client, token)


async def test_a_wrong_current_password_changes_nothing_and_ends_nothing(client):
    headers = await staff_client(client, "technician")
    elsewhere = await other_session("technician")
    refused = await client.post("/api/v1/auth/password", headers=headers, json={
        "old_password": "not my password", "new_password": NEW_PASSWORD})
    assert refused.status_code == 422, "a wrong answer, not an expired session"
    assert "mot de passe actuel" in refused.json()["detail"].lower()
    assert await works(client, elsewhere)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert (await attempt(client, "technician", NEW_PASSWORD)).status_code == 401


async def test_a_stolen_session_cannot_guess_the_current_password(client):
    headers = await staff_client(client, "technician")
    answers = [await client.post("/api/v1/auth/password", headers=headers, json={
        "old_password": f"guess number {i}", "new_password": NEW_PASSWORD})
        for i in range(MAX_FAILURES + 1)]
    assert [a.status_code for a in answers] == [422] * MAX_FAILURES + [429]
    assert "retry-after" in answers[-1].headers
    locked = await client.post("/api/v1/auth/password", headers=headers, json={
        "old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert locked.status_code == 429, "even the right password waits for the lock"


async def test_an_admin_reset_ends_every_session_and_token_of_that_user(client, app):
    await make_site()
    admin = await staff_client(client, "admin")
    volunteer = await make_user("front_desk", username="benevole", site_code="AUB")
    browser = await other_session("benevole")
    async with client_from(app, "192.0.2.8") as own:
        token = await api_token(own, await sign_in(own, "benevole"))
    reset = await client.post(f"/api/v1/users/{volunteer['id']}/password", headers=admin,
                              json={"new_password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
    assert reset.json()["username"] == "benevole" and "password" not in reset.text
    assert not await works(client, browser) and not await works(client, token)
    assert (await client.get("/api/v1/auth/me")).status_code == 200, "the admin stays"
    assert (await attempt(client, "benevole", PASSWORD)).status_code == 401
    assert (await attempt(client, "benevole", NEW_PASSWORD)).status_code == 200


async def test_only_an_admin_resets_a_password_and_only_to_a_strong_one(client):
    await make_site()
    admin = await staff_client(client, "admin")
    volunteer = await make_user("front_desk", username="benevole", site_code="AUB")
    url = f"/api/v1/users/{volunteer['id']}/password"
    weak = await client.post(url, headers=admin, json={"new_password": "short"})
    assert weak.status_code == 422 and "10 caractères" in weak.json()["detail"]
    unknown = await client.post("/api/v1/users/9999/password", headers=admin,
                                json={"new_password": NEW_PASSWORD})
    assert unknown.status_code == 404
    client.cookies.clear()
    coordinator = await staff_client(client, "coordinator")
    refused = await client.post(url, headers=coordinator, json={"new_password": NEW_PASSWORD})
    assert refused.status_code == 403
    assert (await attempt(client, "benevole", PASSWORD)).status_code == 200
