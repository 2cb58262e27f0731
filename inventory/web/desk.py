"""Front-desk pages: lend items to a person (with the card codes shown once) and take a
device back (to wipe, or straight to repair). Plain forms; htmx only adds live search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery

from inventory.api.errors import DOMAIN_STATUS
from inventory.documents.render import prepare_in_background
from inventory.domain.decisions import DECISION_STATUS_LABELS
from inventory.domain.eligibility import NotEligible
from inventory.domain.errors import DomainError, InvalidInput, N_
from inventory.domain.lifecycle import STATE_LABELS, STATE_TONES, Family
from inventory.domain.loan_policy import DEPOSIT_FORM_LABELS, DepositForm
from inventory.domain.loans import MAX_ITEMS
from inventory.i18n import gettext_for
from inventory.services import checkout, repairs
from inventory.services import desk as desk_svc
from inventory.services import loans as loan_svc
from inventory.services.beneficiaries import Search, search_beneficiaries
from inventory.services.common import from_json
from inventory.services.items import get_item
from inventory.web.pages import render

PER_PAGE = 50
TagList = list[str] | None


def status_of(exc: DomainError) -> int:
    """The HTTP status a domain error gets everywhere (404, 409, 422…)."""
    return next(code for cls, code in DOMAIN_STATUS if isinstance(exc, cls))


def _message(exc: DomainError, _) -> tuple[str, list[str]]:
    """The message and, for a refusal by the rules, every reason."""
    if isinstance(exc, NotEligible):
        return _("Not eligible for this loan:"), exc.evaluation.reasons(_)
    return exc.render(_), []


@dataclass
class LendForm:
    """What the lend form holds, from the query string or the posted form."""

    person: str = ""
    tags: list[str] = field(default_factory=list)
    ticked: dict[str, list[str]] = field(default_factory=dict)
    due_on: str = ""
    due_default: str = ""
    deposit_amount: str = ""
    deposit_form: str = ""
    note: str = ""

    @classmethod
    def from_post(cls, form) -> "LendForm":
        tags = [t[:40] for t in form.getall("tag", [])][:MAX_ITEMS + 1]
        return cls(person=form.get("person", "")[:20], tags=list(dict.fromkeys(tags)),
                   ticked={t: [a[:80] for a in form.getall(f"acc:{t}", [])] for t in tags},
                   due_on=form.get("due_on", "")[:10], due_default=form.get("due_default", ""),
                   deposit_amount=form.get("deposit_amount", "")[:12],
                   deposit_form=form.get("deposit_form", "")[:20], note=form.get("note", "")[:1000])

    def due_date(self, default: date | None) -> date | None:
        """The date chosen, None when left at the policy's default."""
        if not self.due_on or self.due_on == self.due_default or (
                default and self.due_on == default.isoformat()):
            return None
        try:
            return date.fromisoformat(self.due_on)
        except ValueError:
            raise InvalidInput(N_("The due date is not a valid date.")) from None

    def deposit_cents(self) -> int | None:
        text = self.deposit_amount.replace(",", ".").replace("€", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(N_("The deposit amount must be a number of euros, like 50 or "
                                  "50,00.")) from None
        if not amount.is_finite():
            raise InvalidInput(N_("The deposit amount must be a number of euros, like 50 or "
                                  "50,00."))
        return int((amount * 100).to_integral_value())

    def request(self, default: date | None) -> checkout.CheckOut:
        return checkout.CheckOut(
            beneficiary=self.person,
            lines=tuple(checkout.LineRequest(t, tuple(self.ticked.get(t, ()))) for t in self.tags),
            due_on=self.due_date(default), deposit_cents=self.deposit_cents(),
            deposit_form=self.deposit_form or None, note=self.note)


async def _lines(form: LendForm) -> list[dict[str, Any]]:
    """The items of the form, as shown (an item that vanished is dropped)."""
    lines = []
    for tag in form.tags:
        try:
            item = await get_item(tag)
        except DomainError:
            continue
        item["accessory_list"] = from_json(item["accessories"], [])
        lines.append(item)
    return lines


async def _lend_page(request: Request, form: LendForm, *, status: int = 200, error: str = "",
                     reasons: list[str] | None = None, scan: str = "", scan_error: str = "",
                     q: str = "", page: int = 1) -> Response:
    """The lend form in its current state: person, eligibility, lines, due date, deposit."""
    _ = gettext_for(request.user.locale)
    lines = await _lines(form)
    form.tags = [line["tag"] for line in lines]
    person = standing = None
    if form.person:
        try:
            person, standing = await desk_svc.person_for_loan(
                request.user, form.person, [line["kind"] for line in lines])
        except DomainError as exc:
            error, status, form.person = exc.render(_), max(status, status_of(exc)), ""
    people, total = [], 0
    if not person and q.strip():
        people, total = await search_beneficiaries(request.user, Search(
            text=q, page=max(page, 1), per_page=PER_PAGE))
    default = await desk_svc.default_due(
        [line["kind"] for line in lines if line["family"] == Family.DEVICE])
    if not form.due_on or form.due_on == form.due_default:
        form.due_on = default.isoformat() if default else ""
    return render(request, "desk/lend.html", status=status, form=form, lines=lines,
                  person=person, standing=standing, people=people, total=total, q=q[:100],
                  page=page, per_page=PER_PAGE, due_default=default, error=error,
                  reasons=reasons or [], scan=scan[:80], scan_error=scan_error,
                  outcome="bad" if status >= 400 else "ok",
                  focus="lend-tag" if person else "lend-person",
                  status_labels=DECISION_STATUS_LABELS, deposit_labels=DEPOSIT_FORM_LABELS,
                  deposit_forms=list(DepositForm), max_items=MAX_ITEMS)


async def _add_line(request: Request, form: LendForm, scan: str) -> Response:
    """One more scanned item in the list, with all its accessories ticked."""
    _ = gettext_for(request.user.locale)
    if not scan.strip():
        return await _lend_page(request, form, status=422,
                                scan_error=_("Scan or type the tag of the item first."))
    try:
        item = await desk_svc.lendable_item(scan, request.app.state.settings.tag_prefix)
    except DomainError as exc:
        return await _lend_page(request, form, status=status_of(exc), scan=scan,
                                scan_error=exc.render(_))
    if item["tag"] in form.tags:
        return await _lend_page(request, form, status=422, scan=scan,
                                scan_error=_("{tag} is already in the list.").format(
                                    tag=item["tag"]))
    if len(form.tags) >= MAX_ITEMS:
        return await _lend_page(request, form, status=422, scan=scan, scan_error=_(
            "At most {limit} items in one loan.").format(limit=MAX_ITEMS))
    form.tags.append(item["tag"])
    form.ticked[item["tag"]] = list(item["accessory_list"])
    return await _lend_page(request, form)


async def _confirm(request: Request, form: LendForm) -> Response:
    """Run the check-out; the confirmation shows the reference and the card codes once."""
    _ = gettext_for(request.user.locale)
    lines = await _lines(form)
    default = await desk_svc.default_due(
        [line["kind"] for line in lines if line["family"] == Family.DEVICE])
    try:
        loan = await checkout.check_out(request.user, form.request(default),
                                        request.app.state.settings.tag_prefix)
    except DomainError as exc:
        message, reasons = _message(exc, _)
        return await _lend_page(request, form, status=status_of(exc), error=message,
                                reasons=reasons)
    return render(request, "desk/lend_done.html", loan=loan, outcome="ok",
                  deposit_labels=DEPOSIT_FORM_LABELS)


class DeskController(Controller):
    include_in_schema = False

    @get("/lend", opt={"permission": "loans.create"})
    async def lend_page(self, request: Request, person: FromQuery[str] = "",
                        q: FromQuery[str] = "", page: FromQuery[int] = 1,
                        tag: FromQuery[TagList] = None) -> Response:
        """The lend form; ``tag`` (from an item page) and ``person`` pre-fill it."""
        prepare_in_background()  # the agreement is printed a minute later
        form = LendForm(person=person[:20])
        _ = gettext_for(request.user.locale)
        for code in (tag or [])[:MAX_ITEMS]:
            try:
                item = await desk_svc.lendable_item(code, request.app.state.settings.tag_prefix)
            except DomainError as exc:
                return await _lend_page(request, form, status=status_of(exc), scan=code,
                                        scan_error=exc.render(_), q=q, page=page)
            if item["tag"] not in form.tags:
                form.tags.append(item["tag"])
                form.ticked[item["tag"]] = list(item["accessory_list"])
        return await _lend_page(request, form, q=q, page=page)

    @get("/lend/people", opt={"permission": "loans.create"})
    async def lend_people(self, request: Request, q: FromQuery[str] = "",
                          tag: FromQuery[TagList] = None) -> Response:
        """The people matching what was typed, as a fragment for live search."""
        people, total = ([], 0)
        if q.strip():
            people, total = await search_beneficiaries(request.user, Search(
                text=q, per_page=PER_PAGE))
        return render(request, "desk/people.html", people=people, total=total, q=q[:100],
                      tags=[t[:40] for t in (tag or [])[:MAX_ITEMS]], page=1, per_page=PER_PAGE)

    @post("/lend", opt={"permission": "loans.create"})
    async def lend(self, request: Request) -> Response:
        """Add a scanned item, remove one, or confirm the loan (the button pressed says which)."""
        posted = await request.form()
        form = LendForm.from_post(posted)
        action = posted.get("action", "add")
        if action.startswith("remove:"):
            dropped = action.removeprefix("remove:")
            form.tags = [t for t in form.tags if t != dropped]
            return await _lend_page(request, form)
        if action == "confirm":
            return await _confirm(request, form)
        return await _add_line(request, form, posted.get("scan", "")[:200])

    @get("/return", opt={"permission": "loans.return"})
    async def return_page(self, request: Request, tag: FromQuery[str] = "") -> Response:
        """Scan a device: the form lists the accessories that went out with it."""
        if not tag.strip():
            return render(request, "desk/return.html", item=None, line=None, tag="",
                          error="", focus="return-tag")
        _ = gettext_for(request.user.locale)
        try:
            item, line = await desk_svc.returnable(tag, request.app.state.settings.tag_prefix)
        except DomainError as exc:
            return render(request, "desk/return.html", status=status_of(exc), item=None,
                          line=None, tag=tag[:80], error=exc.render(_), outcome="bad",
                          focus="return-tag")
        return render(request, "desk/return.html", item=item, line=line, tag=item["tag"],
                      error="", outcome="ok", back=line["accessories_out"], condition="",
                      focus="return-submit")

    @post("/return", opt={"permission": "loans.return"})
    async def take_back(self, request: Request) -> Response:
        """The device is back: to wipe; what is missing is listed."""
        posted = await request.form()
        tag, condition = posted.get("tag", "")[:80], posted.get("condition", "")[:300]
        back = [a[:80] for a in posted.getall("back", [])][:30]
        prefix = request.app.state.settings.tag_prefix
        _ = gettext_for(request.user.locale)
        try:
            loan = await loan_svc.return_item(request.user, tag, prefix, accessories_back=back,
                                              condition=condition)
        except DomainError as exc:
            item = line = None
            try:
                item, line = await desk_svc.returnable(tag, prefix)
            except DomainError:
                pass
            return render(request, "desk/return.html", status=status_of(exc), item=item,
                          line=line, tag=tag, error=exc.render(_), outcome="bad", back=back,
                          condition=condition, focus="return-tag")
        item = await get_item(desk_svc.canonical_tag(tag, prefix))
        returned = next(ln for ln in loan["lines"] if ln["tag"] == item["tag"])
        return render(request, "desk/return_done.html", item=item, loan=loan, outcome="ok",
                      missing=from_json(returned["missing_accessories"], []),
                      labels=STATE_LABELS, tones=STATE_TONES, ticket=None, error="",
                      problem="")

    @post("/return/repair", opt={"permission": "repairs.open"})
    async def send_to_repair(self, request: Request) -> Response:
        """A device just returned goes to repair instead of the wipe queue."""
        posted = await request.form()
        tag, problem = posted.get("tag", "")[:80], posted.get("problem", "")[:2000]
        prefix = request.app.state.settings.tag_prefix
        _ = gettext_for(request.user.locale)
        try:
            ticket = await repairs.open_repair(request.user, tag, prefix, problem,
                                               workshop=False)
        except DomainError as exc:
            item = await get_item(desk_svc.canonical_tag(tag, prefix))
            return render(request, "desk/return_done.html", status=status_of(exc), item=item,
                          loan=None, missing=[], labels=STATE_LABELS, tones=STATE_TONES,
                          ticket=None, error=exc.render(_), problem=problem, outcome="bad")
        item = await get_item(ticket["tag"])
        return render(request, "desk/return_done.html", item=item, loan=None, missing=[],
                      labels=STATE_LABELS, tones=STATE_TONES, ticket=ticket, error="",
                      problem="", outcome="ok")
