"""Back-office pages for sites, users and CSV imports, and the language switch, on both
databases: errors next to their fields with the typed values kept, pages of fifty, CSRF,
permissions, all-or-nothing imports reported by line."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from markupsafe import escape

from inventory.db.tables import Item, PartnerOrg, Site, StaffSession, StaffUser
from inventory.i18n import gettext_for
from inventory.services import imports as import_svc
from tests.factories import PASSWORD, make_site, make_user
from tests.integration.people_world import build_world
from tests.integration.test_web_portal import send

FR, EN = gettext_for("fr"), gettext_for("en")


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def has(text: str, message: str) -> bool:
    return str(escape(message)) in text


async def upload(caller, kind: str, content: bytes, token: str | None = "own", **fields):
    """A multipart form post of ``content`` as the file, as a browser sends it."""
    data = dict(fields)
    if token:
        data["_csrf"] = caller.headers["x-csrf-token"] if token == "own" else token
    return await caller.http.post(f"/admin/imports/{kind}", data=data,
                                  files={"file": ("import.csv", content, "text/csv")},
                                  headers={"accept": "text/html"})


# --- sites -------------------------------------------------------------------------------

async def test_an_admin_opens_a_site_and_its_code_is_written_in_capitals(world):
    response = await send(world.admin, "/admin/sites", {"code": "cen", "name": "Centre",
                                                        "address": "1 rue du Port"})
    assert response.status_code == 303
    row = await Site.select().where(Site.code == "CEN").first()
    assert row["name"] == "Centre" and row["active"]
    page = await world.admin.get(response.headers["location"])
    assert has(page.text, FR("The site was opened.")) and "1 rue du Port" in page.text


@pytest.mark.parametrize(("code", "status"), [("A", 422), ("AU B", 422), ("AUB", 409)])
async def test_a_bad_or_taken_site_code_is_shown_next_to_the_field_with_the_values_kept(
        world, code, status):
    response = await send(world.admin, "/admin/sites", {"code": code, "name": "Nouveau lieu",
                                                        "address": "2 place Stalingrad"})
    assert response.status_code == status
    assert 'id="err-code"' in response.text
    assert 'value="Nouveau lieu"' in response.text and 'value="2 place Stalingrad"' in response.text
    assert await Site.count() == 2


async def test_a_site_is_renamed_and_an_empty_name_stays_on_its_row(world):
    done = await send(world.admin, "/admin/sites/BAC", {"name": "Bacalan — Port",
                                                        "address": "3 quai"})
    assert done.status_code == 303
    assert (await Site.select().where(Site.code == "BAC").first())["name"] == "Bacalan — Port"
    refused = await send(world.admin, "/admin/sites/BAC", {"name": " ", "address": "4 quai"})
    assert refused.status_code == 422
    assert 'id="err-name-BAC"' in refused.text and 'value="4 quai"' in refused.text
    assert (await Site.select().where(Site.code == "BAC").first())["address"] == "3 quai"


async def test_a_site_is_closed_then_reopened(world):
    assert (await send(world.admin, "/admin/sites/BAC/active", {})).status_code == 303
    assert not (await Site.select().where(Site.code == "BAC").first())["active"]
    assert (await send(world.admin, "/admin/sites/BAC/active", {"active": "1"})).status_code == 303
    assert (await Site.select().where(Site.code == "BAC").first())["active"]


async def test_sites_come_fifty_to_a_page(world):
    for n in range(58):
        await make_site(f"S{n:02d}", f"Antenne {n}")
    first = await world.coordinator.get("/admin/sites")
    second = await world.coordinator.get("/admin/sites", params={"page": 2})
    assert first.text.count('data-testid="site-row"') == 50
    assert second.text.count('data-testid="site-row"') == 10
    assert has(second.text, FR("Page {page} of {pages}").format(page=2, pages=2))


async def test_a_coordinator_reads_the_sites_but_only_an_admin_changes_them(world):
    page = await world.coordinator.get("/admin/sites")
    assert page.status_code == 200 and 'data-testid="site-form"' not in page.text
    assert (await send(world.coordinator, "/admin/sites", {"code": "NEW", "name": "N"})
            ).status_code == 403
    assert (await send(world.coordinator, "/admin/sites/BAC/active", {})).status_code == 403
    for name in ("desk_aub", "technician", "sw_a"):
        assert (await getattr(world, name).get("/admin/sites")).status_code == 403


# --- users -------------------------------------------------------------------------------

NEW_ACCOUNT = {"username": "lea", "display_name": "Léa Martin", "password": "un mot de passe",
               "role": "front_desk", "site_code": "BAC", "partner_org_id": "", "locale": "fr"}


async def test_an_admin_creates_a_front_desk_account_who_can_then_sign_in(world, client):
    response = await send(world.admin, "/admin/users", NEW_ACCOUNT)
    assert response.status_code == 303
    listing = await world.admin.get(response.headers["location"])
    assert "Léa Martin" in listing.text and has(listing.text, FR("The account was created."))
    signed = await client.post("/api/v1/auth/login",
                               json={"username": "lea", "password": "un mot de passe"})
    assert signed.status_code == 200 and signed.json()["role"] == "front_desk"


@pytest.mark.parametrize(("changes", "field"), [
    ({"role": "social_worker", "site_code": ""}, "partner_org_id"),
    ({"role": "technician", "site_code": ""}, "site_code"),
    ({"password": "court"}, "password"),
    ({"username": ""}, "username"),
    ({"username": "desk_aub"}, "username"),  # taken
    ({"role": "wizard"}, "role"),
])
async def test_account_problems_are_shown_next_to_the_field_and_the_values_kept(
        world, changes, field):
    before = await StaffUser.count()
    response = await send(world.admin, "/admin/users", {**NEW_ACCOUNT, **changes})
    assert response.status_code in (409, 422)
    assert f'id="err-{field}"' in response.text
    assert 'value="Léa Martin"' in response.text
    assert "un mot de passe" not in response.text  # a password is never sent back
    assert await StaffUser.count() == before


async def test_a_social_worker_account_belongs_to_its_organisation_only(world):
    response = await send(world.admin, "/admin/users", {
        **NEW_ACCOUNT, "role": "social_worker", "partner_org_id": str(world.org_b)})
    assert response.status_code == 303
    row = await StaffUser.select().where(StaffUser.username == "lea").first()
    assert row["partner_org"] == world.org_b and row["site"] is None


async def test_the_last_active_admin_cannot_be_disabled_and_the_row_says_why(world):
    admin = await StaffUser.select().where(StaffUser.username == "admin").first()
    response = await send(world.admin, f"/admin/users/{admin['id']}/active", {})
    assert response.status_code == 409
    assert 'data-testid="user-row-error"' in response.text
    assert has(response.text, FR("This is the last active administrator: enable or create "
                                 "another administrator first."))
    assert (await StaffUser.select().where(StaffUser.id == admin["id"]).first())["active"]


async def test_disabling_an_account_ends_its_sessions_and_enabling_lets_it_back(world):
    desk = await StaffUser.select().where(StaffUser.username == "desk_bac").first()
    assert await StaffSession.count().where(StaffSession.user == desk["id"]) == 1
    assert (await send(world.admin, f"/admin/users/{desk['id']}/active", {})).status_code == 303
    assert await StaffSession.count().where(StaffSession.user == desk["id"]) == 0
    assert (await world.desk_bac.get("/api/v1/auth/me")).status_code == 401
    assert (await send(world.admin, f"/admin/users/{desk['id']}/active", {"active": "1"})
            ).status_code == 303
    assert (await StaffUser.select().where(StaffUser.id == desk["id"]).first())["active"]


async def test_an_admin_resets_a_password_and_the_old_one_stops_working(world, client):
    tech = await StaffUser.select().where(StaffUser.username == "technician").first()
    short = await send(world.admin, f"/admin/users/{tech['id']}/password", {"password": "abc"})
    assert short.status_code == 422 and 'id="err-password"' in short.text
    done = await send(world.admin, f"/admin/users/{tech['id']}/password",
                      {"password": "nouveau mot de passe"})
    assert done.status_code == 303
    assert await StaffSession.count().where(StaffSession.user == tech["id"]) == 0
    old = await client.post("/api/v1/auth/login", json={"username": "technician",
                                                        "password": PASSWORD})
    new = await client.post("/api/v1/auth/login", json={"username": "technician",
                                                        "password": "nouveau mot de passe"})
    assert old.status_code == 401 and new.status_code == 200


async def test_users_come_fifty_to_a_page_with_role_site_and_organisation(world):
    for n in range(50):
        await make_user("front_desk", f"benevole{n:02d}", site_code="AUB")
    first = await world.coordinator.get("/admin/users")
    second = await world.coordinator.get("/admin/users", params={"page": 2})
    assert first.text.count('data-testid="user-row"') == 50
    assert second.text.count('data-testid="user-row"') == 7
    assert "CCAS de Bordeaux" in second.text  # sw_a's organisation, on the last page
    assert 'data-testid="user-form"' not in first.text  # a coordinator only reads


async def test_only_an_admin_changes_accounts(world):
    desk = await StaffUser.select().where(StaffUser.username == "desk_bac").first()
    assert (await send(world.coordinator, "/admin/users", NEW_ACCOUNT)).status_code == 403
    assert (await send(world.coordinator, f"/admin/users/{desk['id']}/active", {})
            ).status_code == 403
    assert (await send(world.coordinator, f"/admin/users/{desk['id']}/password",
                       {"password": "nouveau mot de passe"})).status_code == 403
    for name in ("desk_aub", "technician", "sw_a"):
        assert (await getattr(world, name).get("/admin/users")).status_code == 403


async def test_a_form_post_without_the_csrf_token_is_refused(world):
    response = await world.admin.http.post("/admin/users", data=NEW_ACCOUNT,
                                           headers={"accept": "text/html"})
    assert response.status_code == 403
    assert not await StaffUser.exists().where(StaffUser.username == "lea")
    forged = await world.admin.http.post("/admin/sites", data={
        "code": "CSRF", "name": "x", "_csrf": "forged"}, headers={"accept": "text/html"})
    assert forged.status_code == 403 and not await Site.exists().where(Site.code == "CSRF")


# --- imports -----------------------------------------------------------------------------

ITEMS_CSV = ("kind,site_code,brand,model,serial\n"
             "laptop,AUB,Lenovo,T480,SN-1\n"
             "tablet,BAC,Samsung,Tab A,SN-2\n").encode()


async def test_an_items_file_is_imported_whole(world):
    response = await upload(world.coordinator, "items", ITEMS_CSV)
    assert response.status_code == 303
    assert await Item.count() == 2
    page = await world.coordinator.get(response.headers["location"])
    assert has(page.text, FR("{count} record(s) imported.").format(count=2))


async def test_a_file_with_errors_lists_them_by_line_and_imports_nothing(world):
    content = ITEMS_CSV + b"laptop,NOWHERE,Dell,E5470,SN-3\nspaceship,AUB,,,\n"
    response = await upload(world.coordinator, "items", content)
    assert response.status_code == 422
    assert 'data-testid="import-problem-lines"' in response.text
    assert "<td>5</td>" in response.text  # the unknown kind, on line 5
    assert await Item.count() == 0


async def test_an_organisations_file_reports_every_bad_line_and_imports_none(world):
    content = ("name,org_type,siret,commune\n"
               "Centre social Bastide,centre_social,,Bordeaux\n"
               "Sans SIRET valable,association,12345,Cenon\n").encode("utf-8")
    response = await upload(world.coordinator, "orgs", content)
    assert response.status_code == 422 and "<td>3</td>" in response.text
    assert await PartnerOrg.count() == 2  # the world's two, nothing more


async def test_a_card_batch_needs_its_site_and_batch_and_keeps_what_was_typed(world):
    response = await upload(world.coordinator, "cards", b"operator,iccid\n",
                            intake_batch="OP-2026-12", site_code="")
    assert response.status_code == 422
    assert 'id="err-cards-site_code"' in response.text
    assert 'value="OP-2026-12"' in response.text


async def test_a_file_over_the_limit_gets_a_clear_message(world):
    limit = FR("The file is too large: at most {limit} kB. Split it into several files.")
    message = limit.format(limit=import_svc.MAX_BYTES // 1000)
    just_over = await upload(world.coordinator, "items", b"x" * (import_svc.MAX_BYTES + 1))
    assert just_over.status_code == 422 and has(just_over.text, message)
    huge = await upload(world.coordinator, "items", b"x" * (3 * import_svc.MAX_BYTES))
    assert huge.status_code == 413 and has(huge.text, message)
    assert await Item.count() == 0


async def test_a_file_that_is_not_utf8_or_missing_is_explained(world):
    latin = await upload(world.coordinator, "orgs", "name\nCCAS de Bègles\n".encode("latin-1"))
    assert latin.status_code == 422 and 'id="err-orgs-file"' in latin.text
    none = await world.coordinator.http.post(
        "/admin/imports/orgs", data={"_csrf": world.coordinator.headers["x-csrf-token"]},
        files={"file": ("", b"", "application/octet-stream")}, headers={"accept": "text/html"})
    assert none.status_code == 422 and has(none.text, FR("Choose a CSV file to import."))


async def test_an_import_without_the_csrf_token_is_refused_and_writes_nothing(world):
    assert (await upload(world.coordinator, "items", ITEMS_CSV, token=None)).status_code == 403
    assert (await upload(world.coordinator, "items", ITEMS_CSV, token="x")).status_code == 403
    assert await Item.count() == 0


async def test_imports_follow_the_permissions_of_what_they_create(world):
    page = await world.coordinator.get("/admin/imports")
    assert page.status_code == 200 and 'data-testid="import-form-orgs"' in page.text
    assert (await world.desk_aub.get("/admin/imports")).status_code == 403
    assert (await upload(world.desk_aub, "items", ITEMS_CSV)).status_code == 403
    assert (await upload(world.sw_a, "orgs", b"name\nX\n")).status_code == 403
    assert await Item.count() == 0


# --- language ----------------------------------------------------------------------------

async def test_an_english_user_gets_english_pages_and_a_french_user_french(world, app):
    await StaffUser.update({StaffUser.locale: "en"}).where(StaffUser.username == "desk_bac")
    english = await world.desk_bac.get("/desk", headers={"accept-language": "fr-FR"})
    french = await world.desk_aub.get("/desk", headers={"accept-language": "en-GB"})
    assert '<html lang="en">' in english.text and EN("Sign out") in english.text
    assert '<html lang="fr">' in french.text and FR("Sign out") in french.text
    assert FR("Sign out") != EN("Sign out")


async def test_an_error_page_has_a_heading_and_speaks_the_user_s_language(world):
    await StaffUser.update({StaffUser.locale: "en"}).where(StaffUser.username == "desk_bac")
    html_only = {"accept": "text/html", "accept-language": "fr-FR"}
    english = await world.desk_bac.get("/i/ESN-99999-9", headers=html_only)
    french = await world.desk_aub.get("/i/ESN-99999-9", headers=html_only)
    assert english.status_code == french.status_code == 404
    assert '<html lang="en">' in english.text and "<h1>Error 404</h1>" in english.text
    assert '<html lang="fr">' in french.text and "<h1>Erreur 404</h1>" in french.text
    assert "Traceback" not in english.text + french.text


async def test_the_switch_saves_the_language_and_returns_to_the_same_page(world):
    response = await send(world.coordinator, "/me/locale", {"locale": "en"},
                          referer="http://127.0.0.1:8000/admin/items?kind=laptop")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/items?kind=laptop"
    row = await StaffUser.select().where(StaffUser.username == "coordinator").first()
    assert row["locale"] == "en"
    page = await world.coordinator.get("/admin/items")
    assert '<html lang="en">' in page.text and EN("Items") in page.text
    assert 'data-testid="locale-switch">Français<' in page.text
    back = await send(world.coordinator, "/me/locale", {"locale": "fr"},
                      referer="https://evil.example/phish")
    assert back.headers["location"] == "/desk"  # never back to another site


async def test_an_unknown_language_is_refused(world):
    response = await send(world.coordinator, "/me/locale", {"locale": "de"})
    assert response.status_code == 422
    row = await StaffUser.select().where(StaffUser.username == "coordinator").first()
    assert row["locale"] == "fr"


async def test_the_language_switch_needs_the_csrf_token(world):
    response = await world.sw_a.http.post("/me/locale", data={"locale": "en"},
                                          headers={"accept": "text/html"})
    assert response.status_code == 403
    assert (await StaffUser.select().where(StaffUser.username == "sw_a").first())["locale"] == "fr"
