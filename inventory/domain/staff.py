"""Sites and staff accounts as the back office edits them: what a valid code, account and
language are."""

from __future__ import annotations

import re

from inventory.domain.access import Role
from inventory.domain.errors import InvalidInput, N_

SITE_CODE = re.compile(r"^[A-Z0-9]{2,12}$")
LOCALE_LABELS: dict[str, str] = {"fr": "Français", "en": "English"}  # each in its own language
# Roles whose work happens at one site: their account names it.
SITE_ROLES = frozenset({Role.FRONT_DESK, Role.TECHNICIAN})


class BadSiteCode(InvalidInput):
    message = N_("A site code has 2 to 12 capital letters or digits, like AUB.")


class SiteNeeded(InvalidInput):
    message = N_("A front-desk volunteer or a technician works at a site: choose it.")


class OrgNeeded(InvalidInput):
    message = N_("A social worker must belong to a partner organisation.")


class UnknownLocale(InvalidInput):
    message = N_("Choose French or English.")


def clean_site_code(code: str) -> str:
    """The code in capitals; anything else than 2 to 12 letters or digits is refused."""
    cleaned = (code or "").strip().upper()
    if not SITE_CODE.match(cleaned):
        raise BadSiteCode()
    return cleaned


def check_locale(locale: str) -> str:
    if locale not in LOCALE_LABELS:
        raise UnknownLocale()
    return locale


def account_place(role: str, site_code: str | None,
                  partner_org_id: int | None) -> tuple[str | None, int | None]:
    """Where an account belongs: social workers to an organisation, site roles to a site;
    the other field is dropped so that an account never belongs to both."""
    if role == Role.SOCIAL_WORKER:
        if partner_org_id is None:
            raise OrgNeeded()
        return None, partner_org_id
    if role in SITE_ROLES and not site_code:
        raise SiteNeeded()
    return site_code or None, None
