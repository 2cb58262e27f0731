"""The social-worker portal: their organisation's people, referring someone, eligibility.

Everything goes through the services, which scope every read by the signed-in person: a
number outside their organisation is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import MultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from inventory.db.tables import PartnerOrg, Site
from inventory.domain.access import may
from inventory.domain.decisions import DECISION_STATUS_LABELS, DecisionSummary, decision_status
from inventory.domain.eligibility import SITUATION_LABELS, Situation
from inventory.domain.errors import DomainError, InvalidInput, N_
from inventory.domain.lifecycle import Kind
from inventory.domain.people import (
    CONSENT_VERSION, PROOF_LABELS, REFERRAL_STATUS_LABELS, REQUESTABLE_KINDS, ProofType,
    clean_email, clean_phone, display_phone,
)
from inventory.i18n import gettext_for, negotiate
from inventory.services import beneficiaries as people_svc
from inventory.services import eligibility as elig_svc
from inventory.services import portal as portal_svc
from inventory.services import referrals as ref_svc
from inventory.services.beneficiaries import PossibleDuplicate
from inventory.services.common import from_json, today
from inventory.web.forms import FormReader, error_status
from inventory.web.pages import render
from inventory.web.paging import read_page

PER_PAGE = 50
LABELS = {"situation_labels": SITUATION_LABELS, "proof_labels": PROOF_LABELS,
          "referral_labels": REFERRAL_STATUS_LABELS, "decision_labels": DECISION_STATUS_LABELS,
          "requestable": REQUESTABLE_KINDS, "proof_types": [p.value for p in ProofType],
          "situations": [s.value for s in Situation], "display_phone": display_phone}


def gettext_of(request: Request):
    return gettext_for(negotiate(request.headers.get("accept-language"), request.user.locale))


async def _choices(request: Request) -> dict[str, Any]:
    """Sites, and the active organisations when the account has none of its own."""
    sites = await Site.select(Site.code, Site.name).where(Site.active.eq(True)).order_by(
        Site.code)
    orgs = [] if request.user.partner_org_id else await PartnerOrg.select(
        PartnerOrg.id, PartnerOrg.name).where(PartnerOrg.active.eq(True)).order_by(
        PartnerOrg.name)
    return {"sites": sites, "orgs": orgs}


def _refer_defaults() -> MultiDict:
    return MultiDict({"consent_on": today().isoformat(), "consent_version": CONSENT_VERSION,
                      "situation": Situation.AUTRE.value})


def _read_person(form: FormReader) -> dict[str, Any]:
    """The person's fields as create_beneficiary takes them; problems go next to each field."""
    person: dict[str, Any] = {
        "first_name": form.text("first_name", 80, required=True),
        "last_name": form.text("last_name", 80, required=True),
        "birth_year": form.whole("birth_year", 1900, today().year),
        "commune": form.text("commune", 120, required=True),
        "situation": form.text("situation", 30, required=True),
        "phone": form.text("phone", 40) or None, "email": form.text("email", 254) or None,
        "in_priority_area": form.flag("in_priority_area"),
        "has_guardian": form.flag("has_guardian"),
        "consent_on": form.day("consent_on"),
        "consent_version": form.text("consent_version", 20, required=True),
        "site_code": form.text("site_code", 12, required=True),
        "notes": form.text("notes", 500), "household_of": form.text("household_of", 20) or None,
        "confirm_duplicate": form.flag("confirm_duplicate"),
    }
    for name, check in (("phone", clean_phone), ("email", clean_email)):
        try:
            check(person[name])
        except DomainError as exc:
            form.fail_with(name, exc)
    org = form.text("partner_org_id", 12)
    if org:
        person["partner_org_id"] = int(org) if org.isdigit() else -1
    return person


def _read_referral(form: FormReader) -> dict[str, Any]:
    kinds = form.many("kinds")
    if not kinds:
        form.fail("kinds", N_("Say what is requested: at least one kind of equipment."))
    return {"requested_kinds": kinds, "need": form.text("need", 1000),
            "path_wish": form.text("path_wish", 120)}


def _decision_request(form: FormReader) -> elig_svc.DecisionRequest:
    proofs = []
    for kind in form.many("proof"):
        seen = form.day(f"proof_on_{kind}")
        if seen is not None:
            proofs.append(elig_svc.Proof(kind, seen))
    cents = form.cents("card_amount", 100_000)
    return elig_svc.DecisionRequest(
        requested_kinds=tuple(form.many("kinds")), proofs=tuple(proofs),
        card_amount_eur=Decimal(cents) / 100,
        serves_active_enrollment=form.flag("serves_active_enrollment"))


def decision_view(row: dict[str, Any], locale: str) -> dict[str, Any]:
    """A recorded decision as the page shows it: status, validity, what it covers, why."""
    covers = from_json(row["covers"], [])
    status = decision_status(DecisionSummary(
        id=row["id"], eligible=row["eligible"], covers=frozenset(Kind(k) for k in covers),
        decided_on=row["decided_on"], valid_until=row["valid_until"],
        revoked=row["revoked_at"] is not None), today())
    key = "text_en" if locale == "en" else "text_fr"
    return {**row, "status": status.value, "covers_list": covers,
            "outcome_list": [{"passed": o["passed"], "text": o[key]}
                             for o in from_json(row["outcomes"], [])]}


class PortalController(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/", opt={"permission": "beneficiaries.read"})
    async def people(self, request: Request, q: FromQuery[str] = "",
                     page: FromQuery[int] = 1) -> Response:
        async def overview(page: int, per_page: int):
            return await portal_svc.people_overview(request.user, people_svc.Search(
                text=q[:100], page=page, per_page=per_page))
        rows, at = await read_page(overview, page, PER_PAGE)
        return render(request, "portal/people.html", people=rows, total=at.total,
                      page=at.number, pages=at.pages, q=q[:100],
                      may_refer=may(request.user.role, "referrals.create"), **LABELS)

    @get("/refer", opt={"permission": "referrals.create"})
    async def refer_form(self, request: Request) -> Response:
        return render(request, "portal/refer.html", form=_refer_defaults(), errors={},
                      error=None, duplicate=False, **await _choices(request), **LABELS)

    @post("/refer", opt={"permission": "referrals.create"})
    async def refer(self, request: Request) -> Response:
        """Register the person and their referral together; a likely duplicate asks first."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        person, referral = _read_person(form), _read_referral(form)
        status, error, duplicate = 422, None, False
        if not form.errors:
            try:
                created, _made = await portal_svc.refer_person(request.user, person, referral)
            except PossibleDuplicate as exc:
                status, error, duplicate = 409, exc.render(_), True
            except DomainError as exc:
                status, error = error_status(exc), exc.render(_)
            else:
                return Redirect(f"/portal/people/{created['number']}?referred=1",
                                status_code=303)
        return render(request, "portal/refer.html", status=status, form=form.data,
                      errors=form.errors, error=error, duplicate=duplicate,
                      **await _choices(request), **LABELS)

    @get("/people/{number:str}", opt={"permission": "beneficiaries.read"})
    async def person(self, request: Request, number: FromPath[str],
                     referred: FromQuery[bool] = False) -> Response:
        return await self._person_page(request, number, referred=referred)

    async def _person_page(self, request: Request, number: str, status: int = 200,
                           form: Any = None, **extra: Any) -> Response:
        actor = request.user
        person = await people_svc.get_beneficiary(actor, number)
        referrals, _total = await ref_svc.list_referrals(actor, number=number, per_page=20)
        decisions = []
        if may(actor.role, "decisions.read"):
            locale = negotiate(request.headers.get("accept-language"), actor.locale)
            decisions = [decision_view(r, locale)
                         for r in await elig_svc.list_decisions(actor, number)]
        if form is None:
            wanted = from_json(referrals[0]["requested_kinds"], []) if referrals else []
            form = MultiDict([("kinds", k) for k in wanted])
        return render(request, "portal/person.html", status=status, person=person,
                      referrals=referrals, decisions=decisions, form=form,
                      today=today().isoformat(), may_decide=may(actor.role, "decisions.write"),
                      **{"outcomes": None, "problem": None, "errors": {}, "referred": False,
                         **extra}, **LABELS)

    @post("/people/{number:str}/preview", opt={"permission": "decisions.write"},
          status_code=200)
    async def preview(self, request: Request, number: FromPath[str]) -> Response:
        """Every rule's outcome for the answers so far: a fragment for htmx, else the page."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        outcomes, problem = None, None
        try:
            evaluation = await elig_svc.preview(request.user, number, _decision_request(form))
            outcomes = [{"passed": o.passed, "text": o.render(_)} for o in evaluation.outcomes]
            eligible = evaluation.eligible
        except InvalidInput as exc:
            problem, eligible = exc.render(_), False
        if request.headers.get("hx-request"):
            return render(request, "portal/_outcomes.html", outcomes=outcomes,
                          problem=problem, eligible=eligible, errors=form.errors)
        return await self._person_page(request, number, status=422 if problem else 200,
                                       form=form.data, outcomes=outcomes, problem=problem,
                                       eligible=eligible, errors=form.errors)

    @post("/people/{number:str}/decide", opt={"permission": "decisions.write"})
    async def decide(self, request: Request, number: FromPath[str]) -> Response:
        """Record the decision, then show it with its status and validity."""
        _ = gettext_of(request)
        form = await FormReader.of(request, _)
        decision = _decision_request(form)
        problem = next(iter(form.errors.values()), None)
        if problem is None:
            try:
                await elig_svc.decide(request.user, number, decision)
            except InvalidInput as exc:
                problem = exc.render(_)
            else:
                return Redirect(f"/portal/people/{number}#decision", status_code=303)
        return await self._person_page(request, number, status=422, form=form.data,
                                       problem=problem, errors=form.errors)
