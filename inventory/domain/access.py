"""Who may do what: staff roles and the permission table every route is checked against."""

from __future__ import annotations

from enum import StrEnum

from inventory.domain.errors import N_


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FRONT_DESK = "front_desk"
    TECHNICIAN = "technician"
    SOCIAL_WORKER = "social_worker"


STAFF = frozenset({Role.ADMIN, Role.COORDINATOR, Role.FRONT_DESK, Role.TECHNICIAN})
MANAGERS = frozenset({Role.ADMIN, Role.COORDINATOR})
EVERYONE = frozenset(Role)
# Who works with beneficiaries: technicians repair things and never see people.
PEOPLE = frozenset({Role.ADMIN, Role.COORDINATOR, Role.FRONT_DESK, Role.SOCIAL_WORKER})
ASSOCIATION_DESK = frozenset({Role.ADMIN, Role.COORDINATOR, Role.FRONT_DESK})
DECIDERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.SOCIAL_WORKER})
# Who wipes and repairs devices.
WORKSHOP = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN})

# One place for permissions: action name -> roles allowed.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "session.self": EVERYONE,
    "items.read": STAFF,
    "items.scan": STAFF,
    "items.create": frozenset({Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN}),
    "items.update": frozenset({Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN}),
    "items.transition": STAFF,
    "items.voucher": frozenset({Role.ADMIN}),
    "labels.print": STAFF,
    "sites.read": EVERYONE,
    "sites.write": frozenset({Role.ADMIN}),
    "users.read": MANAGERS,
    "users.write": frozenset({Role.ADMIN}),
    "orgs.read": EVERYONE,
    "orgs.write": MANAGERS,
    "beneficiaries.read": PEOPLE,
    "beneficiaries.write": PEOPLE,
    "beneficiaries.merge": MANAGERS,
    # Bringing in the association's spreadsheet of people already followed, all at once.
    "beneficiaries.import": MANAGERS,
    "referrals.read": PEOPLE,
    "referrals.create": PEOPLE,
    "referrals.answer": ASSOCIATION_DESK,
    "decisions.read": PEOPLE,
    "decisions.write": DECIDERS,
    "ruleset.read": EVERYONE,
    "ruleset.write": frozenset({Role.ADMIN}),
    "access_log.read": frozenset({Role.ADMIN}),
    # Right of access (export) and erasure on request, for the association's managers.
    "privacy.export": MANAGERS,
    "privacy.erase": MANAGERS,
    "loans.create": ASSOCIATION_DESK,
    "loans.read": PEOPLE,
    "loans.return": STAFF,
    "losses.resolve": MANAGERS,
    "cards.receive": frozenset({Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN}),
    "cards.update": STAFF,
    "loans.renew": ASSOCIATION_DESK,
    # Send one overdue loan's reminder now, from the desk (the daily run sends the others).
    "reminders.send": ASSOCIATION_DESK,
    "items.transfer": STAFF,
    "waiting.read": PEOPLE,
    # Social workers may put the people they follow on the list; the desk proposes items.
    "waiting.write": PEOPLE,
    "waiting.propose": ASSOCIATION_DESK,
    "wipes.read": STAFF,
    "wipes.write": WORKSHOP,
    "repairs.read": STAFF,
    "repairs.open": STAFF,  # the front desk only from a return (checked by the service)
    "repairs.write": WORKSHOP,
    # Learning paths: social workers read their people's assessments and enrollments.
    "learning.read": PEOPLE,
    "learning.write": ASSOCIATION_DESK,
    "backoffice.read": MANAGERS,  # the back-office pages (organisations, rule set)
    # Stocktake: any staff counts (volunteers of another site may help); the desk and the
    # managers close or cancel (the service keeps the desk to its own site).
    "stocktake.read": STAFF,
    "stocktake.write": STAFF,
    "stocktake.close": ASSOCIATION_DESK,
    # Reports for funders: aggregates of everyone, so the association's managers only.
    "reports.read": MANAGERS,
}


class Scope(StrEnum):
    """Which beneficiaries a person sees."""

    ALL = "all"
    ORGANISATION = "organisation"  # those their partner organisation referred
    SITE = "site"  # those followed at their site
    NONE = "none"


def beneficiary_scope(role: str, *, site_id: int | None,
                      partner_org_id: int | None) -> tuple[Scope, int | None]:
    """The beneficiaries ``role`` may see: all, one organisation's, one site's, or none."""
    if role in MANAGERS:
        return Scope.ALL, None
    if role == Role.SOCIAL_WORKER and partner_org_id is not None:
        return Scope.ORGANISATION, partner_org_id
    if role == Role.FRONT_DESK and site_id is not None:
        return Scope.SITE, site_id
    return Scope.NONE, None


def sees(role: str, *, site_id: int | None, partner_org_id: int | None,
         person_site: int, person_org: int) -> bool:
    """Whether ``role`` may see a person followed at ``person_site`` and referred by
    ``person_org`` (the row form of ``beneficiary_scope``)."""
    scope, key = beneficiary_scope(role, site_id=site_id, partner_org_id=partner_org_id)
    return (scope is Scope.ALL or (scope is Scope.ORGANISATION and person_org == key)
            or (scope is Scope.SITE and person_site == key))


def reads_are_logged(role: str) -> bool:
    """Every read of a person's record is logged, except by the front desk, who serves them."""
    return role != Role.FRONT_DESK


def may(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (unknown actions are refused)."""
    return role in PERMISSIONS.get(action, frozenset())


ROLE_LABELS: dict[str, str] = {
    Role.ADMIN: N_("administrator"),
    Role.COORDINATOR: N_("coordinator"),
    Role.FRONT_DESK: N_("front desk"),
    Role.TECHNICIAN: N_("technician"),
    Role.SOCIAL_WORKER: N_("social worker"),
}
