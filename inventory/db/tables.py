"""Piccolo tables: sites, partner organisations, staff, items, their history and vouchers."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from inventory.domain.access import Role
from inventory.domain.lifecycle import Family, Kind, State


class Grade(StrEnum):
    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Site(Table):
    """A place of the association where items are kept and lent."""

    code = Varchar(length=12, unique=True, index=True)
    name = Varchar(length=120)
    address = Text(default="")
    active = Boolean(default=True)


class PartnerOrg(Table):
    """A partner social structure that refers people (CCAS, mission locale, centre social…)."""

    name = Varchar(length=200)
    org_type = Varchar(length=40, default="association")
    siret = Varchar(length=14, null=True, default=None)
    commune = Varchar(length=120, default="")
    active = Boolean(default=True)


class StaffUser(Table):
    """A person who signs in: volunteer, technician, coordinator, admin or social worker."""

    username = Varchar(length=80, unique=True, index=True)
    display_name = Varchar(length=120)
    password_hash = Varchar(length=200)
    role = Varchar(length=20, choices=Role)
    site = ForeignKey(references=Site, null=True, on_delete=OnDelete.restrict)
    partner_org = ForeignKey(references=PartnerOrg, null=True, on_delete=OnDelete.restrict)
    locale = Varchar(length=5, default="fr")
    active = Boolean(default=True)
    created_at = Timestamptz()


class StaffSession(Table):
    """A signed-in browser or API session; only a hash of its token is stored."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    csrf_token = Varchar(length=64)
    is_api_token = Boolean(default=False)
    label = Varchar(length=80, default="")
    created_at = BigInt()
    expires_at = BigInt()


class LoginFailure(Table):
    """A failed sign-in, kept for throttling; shared by every app instance."""

    username_key = Varchar(length=80, index=True)
    client_ip = Varchar(length=45, index=True)
    at = BigInt(index=True)


class Counter(Table):
    """Named sequences (asset tag numbers…), incremented inside write transactions."""

    name = Varchar(length=40, unique=True)
    value = BigInt(default=0)


class Item(Table):
    """A lendable item: a refurbished device or a connection card."""

    tag = Varchar(length=24, unique=True, index=True)
    family = Varchar(length=10, choices=Family, index=True)
    kind = Varchar(length=20, choices=Kind, index=True)
    state = Varchar(length=20, choices=State, index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    brand = Varchar(length=80, default="")
    model = Varchar(length=120, default="")
    serial = Varchar(length=80, null=True, default=None, unique=True)
    # device specs
    cpu = Varchar(length=120, default="")
    ram_gb = SmallInt(null=True, default=None)
    storage_gb = Integer(null=True, default=None)
    screen_inches = Numeric(digits=(4, 1), null=True, default=None)
    battery_health = SmallInt(null=True, default=None)
    os_image = Varchar(length=120, default="")
    cosmetic_grade = Varchar(length=2, choices=Grade, null=True, default=None)
    functional_grade = Varchar(length=2, choices=Grade, null=True, default=None)
    intake_batch = Varchar(length=80, default="", index=True)
    donor = Varchar(length=120, default="")
    accessories = JSON(default="[]")
    # connection cards
    operator = Varchar(length=60, default="")
    iccid = Varchar(length=22, null=True, default=None, unique=True)
    phone_number = Varchar(length=20, default="")
    data_allowance_mb = Integer(null=True, default=None)
    price_cents = Integer(null=True, default=None)
    validity_days = Integer(null=True, default=None)
    activated_on = Date(null=True, default=None)
    expires_on = Date(null=True, default=None)
    notes = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CardVoucher(Table):
    """A card's voucher code, apart from the item so that no list or export can carry it."""

    item = ForeignKey(references=Item, unique=True, on_delete=OnDelete.cascade)
    code = Varchar(length=64)


class ItemEvent(Table):
    """One history entry of an item: who did what, when, from which state to which."""

    item = ForeignKey(references=Item, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz(index=True)
    actor = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    action = Varchar(length=30)
    from_state = Varchar(length=20, null=True, default=None)
    to_state = Varchar(length=20, null=True, default=None)
    site = ForeignKey(references=Site, null=True, on_delete=OnDelete.restrict)
    reason = Varchar(length=200, default="")
    note = Text(default="")
    details = JSON(default="{}")
