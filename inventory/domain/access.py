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
}


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
