"""Request and response bodies for partners, beneficiaries, referrals and decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from msgspec import Meta, Struct

from inventory.api.schemas import Strict, Text120

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Phone = Annotated[str, Meta(max_length=40)]
Email = Annotated[str, Meta(max_length=254)]
BirthYear = int  # checked by the service, with a message people understand
Notes = Annotated[str, Meta(max_length=500)]
Reason = Annotated[str, Meta(min_length=1, max_length=300)]
Number = Annotated[str, Meta(max_length=20)]
KindList = Annotated[list[Annotated[str, Meta(max_length=20)]], Meta(max_length=10)]


class OrgCreate(Strict, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    org_type: Annotated[str, Meta(max_length=40)] = "association"
    siret: Annotated[str, Meta(max_length=20)] | None = None
    commune: Text120 = ""
    active: bool = True


class OrgUpdate(Strict, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    org_type: Annotated[str, Meta(max_length=40)] | None = None
    siret: Annotated[str, Meta(max_length=20)] | None = None
    commune: Text120 | None = None
    active: bool | None = None


class OrgRead(Struct, kw_only=True):
    id: int
    name: str
    org_type: str
    org_type_label: str
    siret: str | None
    commune: str
    active: bool


class BeneficiaryCreate(Strict, kw_only=True):
    """A referred person. A social worker's organisation comes from their account."""

    first_name: Name
    last_name: Name
    birth_year: BirthYear
    commune: Annotated[str, Meta(min_length=1, max_length=120)]
    situation: Annotated[str, Meta(max_length=30)]
    consent_on: dt.date
    consent_version: Annotated[str, Meta(min_length=1, max_length=20)]
    site_code: Annotated[str, Meta(max_length=12)]
    phone: Phone | None = None
    email: Email | None = None
    in_priority_area: bool = False
    has_guardian: bool = False
    notes: Notes = ""
    partner_org_id: int | None = None
    household_of: Number | None = None
    confirm_duplicate: bool = False


class BeneficiaryUpdate(Strict, kw_only=True):
    first_name: Name | None = None
    last_name: Name | None = None
    birth_year: BirthYear | None = None
    commune: Annotated[str, Meta(min_length=1, max_length=120)] | None = None
    situation: Annotated[str, Meta(max_length=30)] | None = None
    consent_on: dt.date | None = None
    consent_version: Annotated[str, Meta(min_length=1, max_length=20)] | None = None
    site_code: Annotated[str, Meta(max_length=12)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    in_priority_area: bool | None = None
    has_guardian: bool | None = None
    notes: Notes | None = None
    household_of: Number | None = None


class BeneficiaryRead(Struct, kw_only=True):
    number: str
    first_name: str
    last_name: str
    phone: str | None
    phone_display: str
    email: str | None
    birth_year: int
    commune: str
    in_priority_area: bool
    household_ref: str
    situation: str
    situation_label: str
    has_guardian: bool
    consent_on: dt.date
    consent_version: str
    partner_org_id: int
    partner_org_name: str
    site_code: str
    notes: str
    merged_into: str | None
    last_contact_on: dt.date
    anonymised_at: dt.datetime | None = None


class BeneficiaryPage(Struct, kw_only=True):
    items: list[BeneficiaryRead]
    total: int
    page: int
    per_page: int


class MergeRequest(Strict, kw_only=True):
    keep: Number


class ReferralCreate(Strict, kw_only=True):
    beneficiary_number: Number
    requested_kinds: KindList
    need: Annotated[str, Meta(max_length=1000)] = ""
    path_wish: Text120 = ""
    referred_on: dt.date | None = None


class ReferralAnswer(Strict, kw_only=True):
    accept: bool
    reason: Annotated[str, Meta(max_length=300)] = ""


class ReferralRead(Struct, kw_only=True):
    id: int
    beneficiary_number: str
    partner_org_id: int
    partner_org_name: str
    referred_on: dt.date
    need: str
    requested_kinds: list[str]
    path_wish: str
    status: str
    status_label: str
    decline_reason: str
    answered_at: dt.datetime | None


class ReferralPage(Struct, kw_only=True):
    items: list[ReferralRead]
    total: int
    page: int
    per_page: int


class ProofSeen(Strict, kw_only=True):
    type: Annotated[str, Meta(max_length=40)]
    seen_on: dt.date


class DecisionCreate(Strict, kw_only=True):
    """What is asked for and the proofs seen (their types and dates, never the documents)."""

    requested_kinds: KindList
    proofs: Annotated[list[ProofSeen], Meta(max_length=10)] = []
    card_amount_eur: Decimal = Decimal(0)  # checked by the service: 0 to 1,000 €
    serves_active_enrollment: bool = False


class RuleOutcomeRead(Struct, kw_only=True):
    rule: str
    passed: bool
    text: str
    kinds: list[str]


class EvaluationRead(Struct, kw_only=True):
    """A preview: what the rules say today; nothing is recorded."""

    eligible: bool
    covers: list[str]
    reasons: list[str]
    outcomes: list[RuleOutcomeRead]
    ruleset_version: str


class DecisionRead(Struct, kw_only=True):
    id: int
    beneficiary_number: str
    partner_org_id: int
    decided_by: str
    decided_on: dt.date
    ruleset_version: str
    eligible: bool
    status: str
    status_label: str
    covers: list[str]
    reasons: list[str]
    outcomes: list[RuleOutcomeRead]
    answers: dict[str, Any]
    proofs: list[dict[str, str]]
    valid_until: dt.date
    revoked_at: dt.datetime | None
    revoke_reason: str


class RevokeRequest(Strict, kw_only=True):
    reason: Reason


class RuleSetUpdate(Strict, kw_only=True):
    text: Annotated[str, Meta(min_length=1, max_length=50_000)]


class RuleSetRead(Struct, kw_only=True):
    version: str
    text: str
    shipped_default: bool
    saved_at: dt.datetime | None


class RuleSetVersionRead(Struct, kw_only=True):
    id: int
    version: str
    saved_at: dt.datetime
    saved_by: str | None


class ImportResult(Struct, kw_only=True):
    imported: int
