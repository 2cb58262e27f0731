"""The back office in the browser's way, on both databases: partner organisations with a
checked SIRET, and the rule set, where a broken text is kept with every problem listed."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from markupsafe import escape

from inventory.db.tables import PartnerOrg, RuleSetVersion
from inventory.domain.rulesets import default_text
from inventory.i18n import gettext_for
from tests.integration.people_world import build_world
from tests.integration.test_web_portal import send

FR = gettext_for("fr")


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


async def test_a_coordinator_adds_an_organisation_with_a_valid_siret(world):
    page = await world.coordinator.get("/admin")
    assert page.status_code == 200 and "CCAS de Bordeaux" in page.text
    response = await send(world.coordinator, "/admin/orgs", {
        "name": "Centre social Bastide", "org_type": "centre_social",
        "siret": "732 829 320 00074", "commune": "Bordeaux"})
    assert response.status_code == 303
    row = await PartnerOrg.select().where(PartnerOrg.name == "Centre social Bastide").first()
    assert row["siret"] == "73282932000074" and row["org_type"] == "centre_social"
    listing = await world.coordinator.get(response.headers["location"])
    assert "Centre social Bastide" in listing.text
    assert FR("The organisation was added.") in listing.text


async def test_a_wrong_siret_is_shown_next_to_the_field_and_the_values_kept(world):
    response = await send(world.coordinator, "/admin/orgs", {
        "name": "Mission locale Rive droite", "org_type": "mission_locale",
        "siret": "73282932000075", "commune": "Lormont"})
    assert response.status_code == 422
    assert 'id="err-siret"' in response.text and 'value="73282932000075"' in response.text
    assert 'value="Mission locale Rive droite"' in response.text
    assert 'value="mission_locale" selected' in response.text
    assert await PartnerOrg.count() == 2


async def test_a_siret_already_known_is_refused_next_to_the_field(world):
    body = {"name": "A", "org_type": "ccas", "siret": "73282932000074", "commune": ""}
    assert (await send(world.coordinator, "/admin/orgs", body)).status_code == 303
    again = await send(world.coordinator, "/admin/orgs", {**body, "name": "B"})
    assert again.status_code == 409 and 'id="err-siret"' in again.text


async def test_a_broken_rule_set_keeps_the_text_and_shows_every_problem(world):
    text = default_text().replace("minimum_age = 18", "minimum_age = \"dix-huit\"").replace(
        'version = "2026.1"', 'version = "2026.2"\ncolour = "blue"')
    response = await send(world.admin, "/admin/ruleset", {"text": text})
    assert response.status_code == 422
    assert 'data-testid="ruleset-problems"' in response.text
    assert str(escape(FR("Unknown setting “{key}”.").format(key="colour"))) in response.text
    assert str(escape(FR("“{key}” must be a whole number, not “{value}”.").format(
        key="minimum_age", value="dix-huit"))) in response.text
    assert str(escape('colour = "blue"\n')) in response.text
    assert await RuleSetVersion.count() == 0


async def test_an_admin_puts_a_new_rule_set_in_force(world):
    text = default_text().replace('version = "2026.1"', 'version = "2026.2"')
    response = await send(world.admin, "/admin/ruleset", {"text": text})
    assert response.status_code == 303
    page = await world.admin.get(response.headers["location"])
    assert 'data-testid="ruleset-versions"' in page.text and "2026.2" in page.text
    same = await send(world.admin, "/admin/ruleset", {"text": text})
    assert same.status_code == 409 and await RuleSetVersion.count() == 1


async def test_a_coordinator_reads_the_rule_set_but_only_an_admin_saves_it(world):
    page = await world.coordinator.get("/admin/ruleset")
    assert page.status_code == 200 and " readonly" in page.text
    assert 'data-testid="ruleset-submit"' not in page.text
    refused = await send(world.coordinator, "/admin/ruleset", {"text": default_text()})
    assert refused.status_code == 403
    for name in ("sw_a", "technician", "desk_aub"):
        assert (await getattr(world, name).get("/admin")).status_code == 403
