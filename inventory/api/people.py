"""JSON API for partner organisations, beneficiaries, referrals, decisions and the rule set.

Every beneficiary route is scoped by the signed-in person (see services.beneficiaries):
outside the scope, the answer is 404, as for a record that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.api.people_schemas import (
    BeneficiaryCreate, BeneficiaryPage, BeneficiaryRead, BeneficiaryUpdate, DecisionCreate,
    DecisionRead, EvaluationRead, MergeRequest, OrgCreate, OrgRead, OrgUpdate, ReferralAnswer,
    ReferralCreate, ReferralPage, ReferralRead, RevokeRequest, RuleOutcomeRead, RuleSetRead,
    RuleSetUpdate, RuleSetVersionRead,
)
from inventory.api.schemas import decode_json
from inventory.domain.decisions import DECISION_STATUS_LABELS, DecisionSummary, decision_status
from inventory.domain.eligibility import SITUATION_LABELS, Evaluation
from inventory.domain.lifecycle import Kind
from inventory.domain.people import ORG_TYPE_LABELS, REFERRAL_STATUS_LABELS, display_phone
from inventory.i18n import gettext_for, negotiate
from inventory.services import beneficiaries as people_svc
from inventory.services import eligibility as elig_svc
from inventory.services import partners as org_svc
from inventory.services import referrals as ref_svc
from inventory.services.common import today

PerPage = Annotated[int, QueryParameter(ge=1, le=200)]
Page = Annotated[int, QueryParameter(ge=1, le=100_000)]


def _gettext(request: Request):
    return gettext_for(negotiate(request.headers.get("accept-language"), request.user.locale))


def _set(data: Any) -> dict[str, Any]:
    """The fields a PATCH body actually carries."""
    return {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}


def org_read(row: dict[str, Any], _) -> OrgRead:
    return OrgRead(id=row["id"], name=row["name"], org_type=row["org_type"],
                   org_type_label=_(ORG_TYPE_LABELS.get(row["org_type"], row["org_type"])),
                   siret=row["siret"], commune=row["commune"], active=row["active"])


def beneficiary_read(row: dict[str, Any], _) -> BeneficiaryRead:
    return BeneficiaryRead(
        number=row["number"], first_name=row["first_name"], last_name=row["last_name"],
        phone=row["phone"], phone_display=display_phone(row["phone"]), email=row["email"],
        birth_year=row["birth_year"], commune=row["commune"],
        in_priority_area=row["in_priority_area"], household_ref=row["household_ref"],
        situation=row["situation"], situation_label=_(SITUATION_LABELS[row["situation"]]),
        has_guardian=row["has_guardian"], consent_on=row["consent_on"],
        consent_version=row["consent_version"], partner_org_id=row["partner_org"],
        partner_org_name=row["partner_org_name"], site_code=row["site_code"],
        notes=row["notes"], merged_into=row["merged_into"],
        last_contact_on=row["last_contact_on"], anonymised_at=row.get("anonymised_at"),
    )


def referral_read(row: dict[str, Any], _) -> ReferralRead:
    return ReferralRead(
        id=row["id"], beneficiary_number=row["beneficiary_number"],
        partner_org_id=row["partner_org"], partner_org_name=row["partner_org_name"],
        referred_on=row["referred_on"], need=row["need"],
        requested_kinds=decode_json(row["requested_kinds"], []), path_wish=row["path_wish"],
        status=row["status"], status_label=_(REFERRAL_STATUS_LABELS[row["status"]]),
        decline_reason=row["decline_reason"], answered_at=row["answered_at"],
    )


def _outcomes(stored: list[dict[str, Any]], locale: str) -> list[RuleOutcomeRead]:
    key = "text_en" if locale == "en" else "text_fr"
    return [RuleOutcomeRead(rule=o["rule"], passed=o["passed"], text=o[key], kinds=o["kinds"])
            for o in stored]


def decision_read(row: dict[str, Any], request: Request) -> DecisionRead:
    _ = _gettext(request)
    locale = negotiate(request.headers.get("accept-language"), request.user.locale)
    outcomes = decode_json(row["outcomes"], [])
    covers = decode_json(row["covers"], [])
    status = decision_status(DecisionSummary(
        id=row["id"], eligible=row["eligible"], covers=frozenset(Kind(k) for k in covers),
        decided_on=row["decided_on"], valid_until=row["valid_until"],
        revoked=row["revoked_at"] is not None), today())
    reasons = decode_json(row["reasons"], [])
    if locale == "en":
        reasons = [o["text_en"] for o in outcomes if not o["passed"]]
    return DecisionRead(
        id=row["id"], beneficiary_number=row["beneficiary_number"],
        partner_org_id=row["partner_org"], decided_by=row["decided_by_name"] or "",
        decided_on=row["decided_on"], ruleset_version=row["ruleset_version"],
        eligible=row["eligible"], status=status.value,
        status_label=_(DECISION_STATUS_LABELS[status]), covers=covers, reasons=reasons,
        outcomes=_outcomes(outcomes, locale), answers=decode_json(row["answers"], {}),
        proofs=decode_json(row["proofs"], []), valid_until=row["valid_until"],
        revoked_at=row["revoked_at"], revoke_reason=row["revoke_reason"],
    )


def evaluation_read(evaluation: Evaluation, _) -> EvaluationRead:
    return EvaluationRead(
        eligible=evaluation.eligible, covers=sorted(evaluation.covers),
        reasons=evaluation.reasons(_), ruleset_version=evaluation.ruleset_version,
        outcomes=[RuleOutcomeRead(rule=o.rule_id, passed=o.passed, text=o.render(_),
                                  kinds=sorted(o.kinds)) for o in evaluation.outcomes],
    )


def _decision_request(data: DecisionCreate) -> elig_svc.DecisionRequest:
    return elig_svc.DecisionRequest(
        requested_kinds=tuple(data.requested_kinds),
        proofs=tuple(elig_svc.Proof(p.type, p.seen_on) for p in data.proofs),
        card_amount_eur=data.card_amount_eur,
        serves_active_enrollment=data.serves_active_enrollment,
    )


class PartnerOrgController(Controller):
    path = "/api/v1/partner-orgs"
    tags = ["partner organisations"]

    @get("/", opt={"permission": "orgs.read"})
    async def list_orgs(self, request: Request, active: FromQuery[bool | None] = None,
                        page: PageParam = 1,
                        per_page: PerPageParam = PER_PAGE) -> list[OrgRead]:
        """Partner organisations by name, one page at a time (``active=true``: only those
        that may refer)."""
        _ = _gettext(request)
        rows, _total = await org_svc.list_orgs(active_only=bool(active), page=page,
                                               per_page=per_page)
        return [org_read(r, _) for r in rows]

    @post("/", opt={"permission": "orgs.write"}, status_code=201)
    async def create(self, request: Request, data: JSONBody[OrgCreate]) -> OrgRead:
        """Add a partner organisation; a SIRET, if given, must be valid."""
        row = await org_svc.create_org(request.user, **_set(data))
        return org_read(row, _gettext(request))

    @get("/{org_id:int}", opt={"permission": "orgs.read"})
    async def get_org(self, request: Request, org_id: FromPath[int]) -> OrgRead:
        return org_read(await org_svc.get_org(org_id), _gettext(request))

    @patch("/{org_id:int}", opt={"permission": "orgs.write"})
    async def update(self, request: Request, org_id: FromPath[int],
                     data: JSONBody[OrgUpdate]) -> OrgRead:
        """Edit or deactivate an organisation (its people's records stay)."""
        row = await org_svc.update_org(request.user, org_id, _set(data))
        return org_read(row, _gettext(request))


class BeneficiaryController(Controller):
    path = "/api/v1/beneficiaries"
    tags = ["beneficiaries"]

    @get("/", opt={"permission": "beneficiaries.read"})
    async def search(
        self, request: Request,
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        site: Annotated[str | None, QueryParameter(max_length=12)] = None,
        include_merged: FromQuery[bool] = False, page: Page = 1, per_page: PerPage = 50,
    ) -> BeneficiaryPage:
        """Find people by name (accents and case ignored), number or phone, in your scope."""
        rows, total = await people_svc.search_beneficiaries(request.user, people_svc.Search(
            text=q, site_code=site, include_merged=include_merged, page=page,
            per_page=per_page))
        _ = _gettext(request)
        return BeneficiaryPage(items=[beneficiary_read(r, _) for r in rows], total=total,
                               page=page, per_page=per_page)

    @post("/", opt={"permission": "beneficiaries.write"}, status_code=201)
    async def create(self, request: Request, data: JSONBody[BeneficiaryCreate]) -> BeneficiaryRead:
        """Register a referred person (409 if they may already be recorded: confirm or merge)."""
        fields = {f: getattr(data, f) for f in data.__struct_fields__}
        row = await people_svc.create_beneficiary(request.user, **fields)
        return beneficiary_read(row, _gettext(request))

    @get("/duplicates", opt={"permission": "beneficiaries.merge"})
    async def duplicates(self, request: Request, page: PageParam = 1,
                         per_page: PerPageParam = PER_PAGE) -> list[list[str]]:
        """Groups of records that are probably the same person, to check and merge, one
        page of groups at a time."""
        return await people_svc.possible_duplicates(request.user, page=page,
                                                    per_page=per_page)

    @get("/{number:str}", opt={"permission": "beneficiaries.read"})
    async def read(self, request: Request, number: FromPath[str]) -> BeneficiaryRead:
        """One person's record (the reading is logged)."""
        row = await people_svc.get_beneficiary(request.user, number)
        return beneficiary_read(row, _gettext(request))

    @patch("/{number:str}", opt={"permission": "beneficiaries.write"})
    async def update(self, request: Request, number: FromPath[str],
                     data: JSONBody[BeneficiaryUpdate]) -> BeneficiaryRead:
        row = await people_svc.update_beneficiary(request.user, number, _set(data))
        return beneficiary_read(row, _gettext(request))

    @post("/{number:str}/merge", opt={"permission": "beneficiaries.merge"}, status_code=200)
    async def merge(self, request: Request, number: FromPath[str],
                    data: JSONBody[MergeRequest]) -> BeneficiaryRead:
        """Merge this (duplicate) record into ``keep``: referrals and decisions move over."""
        row = await people_svc.merge_beneficiaries(request.user, number, data.keep)
        return beneficiary_read(row, _gettext(request))

    @get("/{number:str}/decisions", opt={"permission": "decisions.read"})
    async def decisions(self, request: Request, number: FromPath[str]) -> list[DecisionRead]:
        """A person's eligibility decisions, newest first."""
        rows = await elig_svc.list_decisions(request.user, number)
        return [decision_read(r, request) for r in rows]

    @post("/{number:str}/decisions", opt={"permission": "decisions.write"}, status_code=201)
    async def decide(self, request: Request, number: FromPath[str],
                     data: JSONBody[DecisionCreate]) -> DecisionRead:
        """Record a decision: every rule's outcome, the version of the rules, what it covers."""
        row = await elig_svc.decide(request.user, number, _decision_request(data))
        return decision_read(row, request)

    @post("/{number:str}/decisions/preview", opt={"permission": "decisions.write"},
          status_code=200)
    async def preview(self, request: Request, number: FromPath[str],
                      data: JSONBody[DecisionCreate]) -> EvaluationRead:
        """What the rules would say today; nothing is recorded."""
        evaluation = await elig_svc.preview(request.user, number, _decision_request(data))
        return evaluation_read(evaluation, _gettext(request))


class ReferralController(Controller):
    path = "/api/v1/referrals"
    tags = ["referrals"]

    @get("/", opt={"permission": "referrals.read"})
    async def list_referrals(
        self, request: Request,
        status: Annotated[str | None,
                          QueryParameter(pattern=r"^(pending|accepted|declined)$")] = None,
        beneficiary: Annotated[str | None, QueryParameter(max_length=20)] = None,
        page: Page = 1, per_page: PerPage = 50,
    ) -> ReferralPage:
        """Referrals in your scope, newest first."""
        rows, total = await ref_svc.list_referrals(request.user, status=status,
                                                   number=beneficiary, page=page,
                                                   per_page=per_page)
        _ = _gettext(request)
        return ReferralPage(items=[referral_read(r, _) for r in rows], total=total, page=page,
                            per_page=per_page)

    @post("/", opt={"permission": "referrals.create"}, status_code=201)
    async def create(self, request: Request, data: JSONBody[ReferralCreate]) -> ReferralRead:
        """Refer a person: the need, the kinds of equipment asked for, a learning-path wish."""
        row = await ref_svc.create_referral(
            request.user, data.beneficiary_number, requested_kinds=data.requested_kinds,
            need=data.need, path_wish=data.path_wish, referred_on=data.referred_on)
        return referral_read(row, _gettext(request))

    @get("/{referral_id:int}", opt={"permission": "referrals.read"})
    async def read(self, request: Request, referral_id: FromPath[int]) -> ReferralRead:
        return referral_read(await ref_svc.read_referral(request.user, referral_id),
                             _gettext(request))

    @post("/{referral_id:int}/answer", opt={"permission": "referrals.answer"}, status_code=200)
    async def answer(self, request: Request, referral_id: FromPath[int],
                     data: JSONBody[ReferralAnswer]) -> ReferralRead:
        """Accept, or decline with a reason the partner will read."""
        row = await ref_svc.answer_referral(request.user, referral_id, accept=data.accept,
                                            reason=data.reason)
        return referral_read(row, _gettext(request))


class DecisionController(Controller):
    path = "/api/v1/decisions"
    tags = ["eligibility decisions"]

    @get("/{decision_id:int}", opt={"permission": "decisions.read"})
    async def read(self, request: Request, decision_id: FromPath[int]) -> DecisionRead:
        return decision_read(await elig_svc.get_decision(request.user, decision_id), request)

    @post("/{decision_id:int}/revoke", opt={"permission": "decisions.write"}, status_code=200)
    async def revoke(self, request: Request, decision_id: FromPath[int],
                     data: JSONBody[RevokeRequest]) -> DecisionRead:
        """Withdraw a decision, with the reason."""
        row = await elig_svc.revoke_decision(request.user, decision_id, data.reason)
        return decision_read(row, request)


class RuleSetController(Controller):
    path = "/api/v1/ruleset"
    tags = ["rule set"]

    @get("/", opt={"permission": "ruleset.read"})
    async def in_force(self) -> RuleSetRead:
        """The rules in force, as text (TOML with French comments)."""
        current = await elig_svc.ruleset_in_force()
        return RuleSetRead(version=current.rules.version, text=current.text,
                           shipped_default=current.saved_at is None, saved_at=current.saved_at)

    @put("/", opt={"permission": "ruleset.write"})
    async def save(self, request: Request, data: JSONBody[RuleSetUpdate]) -> RuleSetRead:
        """Put a new version in force; a broken text is refused (422) with every problem."""
        saved = await elig_svc.save_ruleset(request.user, data.text)
        return RuleSetRead(version=saved.rules.version, text=saved.text, shipped_default=False,
                           saved_at=saved.saved_at)

    @get("/versions", opt={"permission": "ruleset.read"})
    async def versions(self, page: PageParam = 1,
                       per_page: PerPageParam = PER_PAGE) -> list[RuleSetVersionRead]:
        """Saved versions, newest first, one page at a time."""
        rows, _total = await elig_svc.ruleset_versions(page=page, per_page=per_page)
        return [RuleSetVersionRead(**r) for r in rows]

