"""Piccolo tables: sites, partners, staff, items and their history, beneficiaries, decisions,
learning paths, loans and stocktakes."""

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
from inventory.domain.eligibility import Situation
from inventory.domain.learning import (
    AssessmentKind, AssessmentTool, EnrollmentStatus, Level, ModuleFormat, Objective, Outcome,
    SessionKind,
)
from inventory.domain.lifecycle import Family, Kind, State
from inventory.domain.people import OrgType, ReferralStatus
from inventory.domain.stocktake import Outcome as StocktakeOutcome
from inventory.domain.stocktake import Result as StocktakeResult
from inventory.domain.stocktake import Status as StocktakeStatus


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
    org_type = Varchar(length=40, default="association", choices=OrgType)
    siret = Varchar(length=14, null=True, default=None)  # unique index in migrations
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
    updated_at = Timestamptz(index=True)  # the items list sorts by last change


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
    # Chained per item (inventory.domain.history); NULL on rows written before the chain.
    prev_hash = Varchar(length=64, null=True, default=None)
    hash = Varchar(length=64, null=True, default=None)


class Beneficiary(Table):
    """A person referred by a partner organisation: as little personal data as the service needs.

    ``number`` is printed on cards and agreements and says nothing about the person;
    ``search_name`` is the folded name for accent- and case-insensitive search.
    """

    number = Varchar(length=16, unique=True, index=True)
    first_name = Varchar(length=80)
    last_name = Varchar(length=80)
    search_name = Varchar(length=170, index=True)
    duplicate_key = Varchar(length=220, index=True)
    phone = Varchar(length=20, null=True, default=None, index=True)
    email = Varchar(length=254, null=True, default=None)
    birth_year = SmallInt()
    commune = Varchar(length=120)
    in_priority_area = Boolean(default=False)
    household_ref = Varchar(length=16, index=True)
    situation = Varchar(length=30, choices=Situation)
    has_guardian = Boolean(default=False)
    consent_on = Date()
    consent_version = Varchar(length=20)
    partner_org = ForeignKey(references=PartnerOrg, on_delete=OnDelete.restrict, index=True)
    referrer = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    notes = Text(default="")
    merged_into = Varchar(length=16, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    last_contact_on = Date()
    # Set when identity, contact and notes were removed (retention or erasure on request).
    anonymised_at = Timestamptz(null=True, default=None)


class Referral(Table):
    """A social worker's request that the association take a person on."""

    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    partner_org = ForeignKey(references=PartnerOrg, on_delete=OnDelete.restrict, index=True)
    referrer = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    referred_on = Date()
    need = Text(default="")
    requested_kinds = JSON(default="[]")
    path_wish = Varchar(length=120, default="")
    status = Varchar(length=10, choices=ReferralStatus, default=ReferralStatus.PENDING)
    answered_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    answered_at = Timestamptz(null=True, default=None)
    decline_reason = Varchar(length=300, default="")
    created_at = Timestamptz()


class RuleSetVersion(Table):
    """One saved version of the eligibility and loan rules; the latest is in force."""

    version = Varchar(length=40, unique=True)
    text = Text()
    saved_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    saved_at = Timestamptz()


class EligibilityDecision(Table):
    """A decision on a person's eligibility, with what was seen and the rules' every answer.

    ``proofs`` holds proof types and the dates they were seen, never a document.
    """

    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    partner_org = ForeignKey(references=PartnerOrg, on_delete=OnDelete.restrict, index=True)
    decided_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    decided_on = Date()
    answers = JSON(default="{}")
    proofs = JSON(default="[]")
    ruleset_version = Varchar(length=40)
    eligible = Boolean()
    outcomes = JSON(default="[]")
    reasons = JSON(default="[]")
    covers = JSON(default="[]")
    valid_until = Date()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    revoke_reason = Varchar(length=300, default="")
    created_at = Timestamptz()


class AccessLog(Table):
    """Who read which beneficiary record, when: ids only, no personal data."""

    at = Timestamptz(index=True)
    actor = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    actor_role = Varchar(length=20)
    action = Varchar(length=40)
    beneficiary = ForeignKey(references=Beneficiary, null=True, on_delete=OnDelete.restrict,
                             index=True)
    # Chained per beneficiary (inventory.domain.history); NULL on rows written before the chain.
    prev_hash = Varchar(length=64, null=True, default=None)
    hash = Varchar(length=64, null=True, default=None)


class Assessment(Table):
    """A digital-skills assessment of a person, at entry or at exit: tool, levels, assessor.

    ``area_levels`` maps the five DigComp/Pix areas to a level; areas not assessed are absent.
    """

    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=10, choices=AssessmentKind)
    tool = Varchar(length=20, choices=AssessmentTool)
    overall_level = Varchar(length=20, choices=Level)
    area_levels = JSON(default="{}")
    assessed_on = Date()
    assessor = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class LearningPath(Table):
    """A typical path (parcours) towards an objective, made of ordered modules."""

    name = Varchar(length=120, unique=True)
    objective = Varchar(length=20, choices=Objective)
    description = Text(default="")
    sessions_per_week = SmallInt(default=1)
    active = Boolean(default=True)
    created_at = Timestamptz()


class PathModule(Table):
    """One module of a path, at its position: topic, level, format, planned sessions and hours."""

    path = ForeignKey(references=LearningPath, on_delete=OnDelete.restrict, index=True)
    position = SmallInt()
    topic = Varchar(length=200)
    level = Varchar(length=20, choices=Level)
    format = Varchar(length=12, choices=ModuleFormat)
    planned_sessions = SmallInt()
    planned_hours = Numeric(digits=(5, 1))


class Workshop(Table):
    """A session held: a group workshop or a drop-in session, possibly of a path's module."""

    held_on = Date(index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    mediator = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    topics = JSON(default="[]")
    module = ForeignKey(references=PathModule, null=True, on_delete=OnDelete.restrict,
                        index=True)
    duration_minutes = SmallInt()
    kind = Varchar(length=10, choices=SessionKind, default=SessionKind.WORKSHOP)
    created_at = Timestamptz()


class Attendance(Table):
    """Whether one person attended one session; one row per session and person (unique
    index in the migrations)."""

    workshop = ForeignKey(references=Workshop, on_delete=OnDelete.restrict, index=True)
    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    present = Boolean(default=True)
    recorded_at = Timestamptz()


class Enrollment(Table):
    """A person enrolled in a path: dates, status, and the outcome at exit and 6 months later.

    At most one active enrollment per person and path (partial unique index, migrations).
    """

    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    path = ForeignKey(references=LearningPath, on_delete=OnDelete.restrict, index=True)
    started_on = Date()
    expected_end_on = Date(index=True)
    status = Varchar(length=10, choices=EnrollmentStatus, default=EnrollmentStatus.ACTIVE,
                     index=True)
    exit_on = Date(null=True, default=None)
    exit_outcome = Varchar(length=12, choices=Outcome, null=True, default=None)
    follow_up_on = Date(null=True, default=None)
    follow_up_outcome = Varchar(length=12, choices=Outcome, null=True, default=None)
    created_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class Loan(Table):
    """One check-out to one person: one or more items, one agreement, one reference."""

    reference = Varchar(length=16, unique=True, index=True)
    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict)
    decision = ForeignKey(references=EligibilityDecision, null=True,
                          on_delete=OnDelete.restrict)
    started_on = Date()
    due_on = Date(null=True, default=None, index=True)
    status = Varchar(length=10, default="open", index=True)
    renewals_done = SmallInt(default=0)
    deposit_cents = Integer(null=True, default=None)
    deposit_form = Varchar(length=20, null=True, default=None)
    note = Text(default="")
    created_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)
    # The agreement handed over: the template version and the SHA-256 of the PDF printed.
    agreement_version = Varchar(length=20, null=True, default=None)
    agreement_sha256 = Varchar(length=64, null=True, default=None)
    # The learning-path enrollment the loan serves, if any.
    enrollment = ForeignKey(references=Enrollment, null=True, on_delete=OnDelete.restrict,
                            index=True)


class LoanLine(Table):
    """One item of a loan. Open while ``closed_at`` is null: at most one open line per item,
    enforced by a partial unique index (see the migrations)."""

    loan = ForeignKey(references=Loan, on_delete=OnDelete.restrict, index=True)
    item = ForeignKey(references=Item, on_delete=OnDelete.restrict, index=True)
    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=20, choices=Kind)
    family = Varchar(length=10, choices=Family)
    price_cents = Integer(null=True, default=None)
    due_on = Date(null=True, default=None)
    accessories_out = JSON(default="[]")
    condition_out = Varchar(length=300, default="")
    grade_out = Varchar(length=2, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    outcome = Varchar(length=12, null=True, default=None)
    accessories_back = JSON(default="[]")
    missing_accessories = JSON(default="[]")
    condition_back = Varchar(length=300, default="")
    loss_on = Date(null=True, default=None)
    circumstances = Text(default="")
    loss_resolved_at = Timestamptz(null=True, default=None)


class IdempotencyKey(Table):
    """A client's retry key and the first response given to it, shared by every instance."""

    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade)
    key = Varchar(length=80)
    request_hash = Varchar(length=64)
    status_code = SmallInt()
    body = Text()
    created_at = Timestamptz(index=True)


class WipeRecord(Table):
    """A data wipe of a returned device: method, tool, who, when, result and the quick check."""

    item = ForeignKey(references=Item, on_delete=OnDelete.restrict, index=True)
    loan_line = ForeignKey(references=LoanLine, null=True, on_delete=OnDelete.restrict)
    method = Varchar(length=30)
    tool = Varchar(length=120, default="")
    operator = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    wiped_on = Date()
    passed = Boolean()
    check_passed = Boolean(default=False)
    notes = Text(default="")
    created_at = Timestamptz()


class RepairTicket(Table):
    """A repair: opened from a return or by a technician, closed with an outcome."""

    item = ForeignKey(references=Item, on_delete=OnDelete.restrict, index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    loan_line = ForeignKey(references=LoanLine, null=True, on_delete=OnDelete.restrict)
    opened_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    opened_at = Timestamptz()
    problem = Text(default="")
    diagnosis = Text(default="")
    actions = Text(default="")
    minutes_spent = Integer(default=0)
    status = Varchar(length=20, default="open", index=True)
    outcome = Varchar(length=20, null=True, default=None)
    closed_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    closed_at = Timestamptz(null=True, default=None)


class RepairPart(Table):
    """A part used in a repair, with its cost."""

    ticket = ForeignKey(references=RepairTicket, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=120)
    cost_cents = Integer(default=0)
    added_at = Timestamptz()


class CardTopUp(Table):
    """Credit added to a connection card."""

    item = ForeignKey(references=Item, on_delete=OnDelete.restrict, index=True)
    amount_cents = Integer()
    data_mb = Integer(null=True, default=None)
    topped_up_on = Date()
    recorded_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class WaitingEntry(Table):
    """A person waiting for a kind of item at a site; the longest-waiting is proposed first."""

    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=20, choices=Kind, index=True)
    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    since = Timestamptz(index=True)
    status = Varchar(length=12, default="waiting", index=True)
    proposed_item = ForeignKey(references=Item, null=True, on_delete=OnDelete.restrict)
    proposed_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    note = Varchar(length=300, default="")


class Reminder(Table):
    """The outbox: one reminder per loan, kind and due date (``dedupe_key``), sent once."""

    loan = ForeignKey(references=Loan, on_delete=OnDelete.restrict, index=True)
    beneficiary = ForeignKey(references=Beneficiary, on_delete=OnDelete.restrict)
    kind = Varchar(length=12)
    channel = Varchar(length=10)
    due_on = Date()
    dedupe_key = Varchar(length=120, unique=True)
    body = Text(default="")
    status = Varchar(length=10, default="pending", index=True)
    attempts = SmallInt(default=0)
    last_error = Varchar(length=300, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class Stocktake(Table):
    """A physical count of one site's shelves (inventaire): who opened and closed it, what
    was expected when it started, and the totals of its report.

    At most one open count per site (partial unique index, migrations).
    """

    site = ForeignKey(references=Site, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=10, choices=StocktakeStatus, default=StocktakeStatus.OPEN,
                     index=True)
    started_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    started_at = Timestamptz()
    closed_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    closed_at = Timestamptz(null=True, default=None)
    note = Varchar(length=300, default="")
    expected_count = Integer(default=0)
    # Written at closing, from the rows below.
    found_count = Integer(default=0)
    missing_count = Integer(default=0)
    left_count = Integer(default=0)
    unexpected_count = Integer(default=0)


class StocktakeExpected(Table):
    """One item the count expects: recorded on a shelf of the site when it started (the
    snapshot). ``result`` and where the item was recorded are written at closing."""

    stocktake = ForeignKey(references=Stocktake, on_delete=OnDelete.cascade)
    item = ForeignKey(references=Item, on_delete=OnDelete.restrict)
    result = Varchar(length=10, choices=StocktakeResult, null=True, default=None)
    state_at_close = Varchar(length=20, null=True, default=None)
    site_at_close = ForeignKey(references=Site, null=True, on_delete=OnDelete.restrict)


class StocktakeScan(Table):
    """One item seen during a count, the first time only: one row per count and item
    (unique index, migrations), so a second scan changes nothing. The item's state and site
    as recorded at the scan say why an unexpected one was not expected."""

    stocktake = ForeignKey(references=Stocktake, on_delete=OnDelete.cascade)
    item = ForeignKey(references=Item, on_delete=OnDelete.restrict)
    scanned_by = ForeignKey(references=StaffUser, null=True, on_delete=OnDelete.restrict)
    scanned_at = Timestamptz()
    outcome = Varchar(length=12, choices=StocktakeOutcome)
    item_state = Varchar(length=20)
    item_site = ForeignKey(references=Site, null=True, on_delete=OnDelete.restrict)
