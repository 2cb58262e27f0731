"""Request and response bodies of the JSON API (msgspec Structs; unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from msgspec import Meta, Struct

from inventory.services.common import from_json

Text80 = Annotated[str, Meta(max_length=80)]
Text120 = Annotated[str, Meta(max_length=120)]
Text200 = Annotated[str, Meta(max_length=200)]
Note = Annotated[str, Meta(max_length=2000)]
Grade = Annotated[str, Meta(pattern=r"^(A\+|A|B|C|D)$")]
Percent = Annotated[int, Meta(ge=0, le=100)]
Positive = Annotated[int, Meta(ge=0, le=10_000_000)]
Accessories = Annotated[list[Annotated[str, Meta(max_length=80)]], Meta(max_length=30)]


class Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: a field the API does not know is an error, not ignored."""


class LoginRequest(Strict, kw_only=True):
    username: Text80
    password: Annotated[str, Meta(max_length=200)]


class SessionRead(Struct, kw_only=True):
    username: str
    display_name: str
    role: str
    site_id: int | None
    partner_org_id: int | None
    locale: str
    csrf_token: str | None = None


class TokenCreate(Strict, kw_only=True):
    label: Text80 = ""
    days: Annotated[int, Meta(ge=1, le=366)] = 90


class TokenRead(Struct, kw_only=True):
    token: str
    label: str
    expires_in_days: int


class PasswordChange(Strict, kw_only=True):
    old_password: Annotated[str, Meta(max_length=200)]
    new_password: Annotated[str, Meta(min_length=1, max_length=200)]


class PasswordReset(Strict, kw_only=True):
    new_password: Annotated[str, Meta(min_length=1, max_length=200)]


class SiteCreate(Strict, kw_only=True):
    code: Annotated[str, Meta(pattern=r"^[A-Z0-9]{2,12}$")]
    name: Text120
    address: Text200 = ""


class SiteUpdate(Strict, kw_only=True):
    name: Text120 | None = None
    address: Text200 | None = None
    active: bool | None = None


class SiteRead(Struct, kw_only=True):
    id: int
    code: str
    name: str
    address: str
    active: bool


class UserCreate(Strict, kw_only=True):
    username: Text80
    password: Annotated[str, Meta(max_length=200)]
    role: Annotated[str, Meta(pattern=r"^(admin|coordinator|front_desk|technician|social_worker)$")]
    display_name: Text120 = ""
    site_code: str | None = None
    partner_org_id: int | None = None
    locale: Annotated[str, Meta(pattern=r"^(fr|en)$")] = "fr"


class UserRead(Struct, kw_only=True):
    id: int
    username: str
    display_name: str
    role: str
    site_id: int | None
    partner_org_id: int | None
    active: bool


class UserUpdate(Strict, kw_only=True):
    active: bool


class _ItemFields(Strict, kw_only=True):
    """Descriptive fields shared by creation and update; all optional on update."""

    brand: Text80 | None = None
    model: Text120 | None = None
    serial: Text80 | None = None
    cpu: Text120 | None = None
    ram_gb: Annotated[int, Meta(ge=0, le=4096)] | None = None
    storage_gb: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    screen_inches: Annotated[float, Meta(ge=0, le=100)] | None = None
    battery_health: Percent | None = None
    os_image: Text120 | None = None
    cosmetic_grade: Grade | None = None
    functional_grade: Grade | None = None
    intake_batch: Text80 | None = None
    donor: Text120 | None = None
    accessories: Accessories | None = None
    operator: Annotated[str, Meta(max_length=60)] | None = None
    iccid: Annotated[str, Meta(pattern=r"^\d{18,22}$")] | None = None
    phone_number: Annotated[str, Meta(pattern=r"^\+?[0-9 .]{6,20}$")] | None = None
    data_allowance_mb: Positive | None = None
    price_cents: Positive | None = None
    validity_days: Annotated[int, Meta(ge=1, le=3650)] | None = None
    activated_on: dt.date | None = None
    expires_on: dt.date | None = None
    notes: Note | None = None


class ItemCreate(_ItemFields, kw_only=True):
    kind: Annotated[str, Meta(
        pattern=r"^(laptop|desktop|tablet|smartphone|hotspot|sim|data_card)$")]
    site_code: str
    tag: Annotated[str, Meta(max_length=40)] | None = None
    voucher_code: Annotated[str, Meta(min_length=4, max_length=64)] | None = None


class ItemUpdate(_ItemFields, kw_only=True):
    pass


class ItemRead(Struct, kw_only=True):
    tag: str
    family: str
    kind: str
    state: str
    state_label: str
    site_code: str
    brand: str
    model: str
    serial: str | None
    cpu: str
    ram_gb: int | None
    storage_gb: int | None
    screen_inches: float | None
    battery_health: int | None
    os_image: str
    cosmetic_grade: str | None
    functional_grade: str | None
    intake_batch: str
    donor: str
    accessories: list[str]
    operator: str
    iccid: str | None
    phone_number: str
    data_allowance_mb: int | None
    price_cents: int | None
    validity_days: int | None
    activated_on: dt.date | None
    expires_on: dt.date | None
    notes: str
    url: str
    next_states: list[str]


class ItemPage(Struct, kw_only=True):
    items: list[ItemRead]
    total: int
    page: int
    per_page: int


class TransitionRequest(Strict, kw_only=True):
    to: Annotated[str, Meta(max_length=20)]
    reason: Text200 = ""
    note: Note = ""


class VoucherRequest(Strict, kw_only=True):
    reason: Annotated[str, Meta(min_length=3, max_length=200)]


class VoucherRead(Struct, kw_only=True):
    tag: str
    voucher_code: str


class EventRead(Struct, kw_only=True):
    id: int
    at: dt.datetime
    action: str
    from_state: str | None
    to_state: str | None
    reason: str
    note: str
    actor: str | None
    site_code: str | None
    details: dict[str, Any]


class ErrorBody(Struct, kw_only=True):
    status_code: int
    detail: str
    extra: Any = None


def to_item_fields(body: _ItemFields) -> dict[str, Any]:
    """The fields the client actually sent (None means 'not given')."""
    return {
        name: getattr(body, name)
        for name in _ItemFields.__struct_fields__
        if getattr(body, name) is not None
    }


def decode_json(value: Any, default: Any) -> Any:
    """Piccolo hands JSON columns back as text on SQLite and PostgreSQL alike."""
    return from_json(value, default)
