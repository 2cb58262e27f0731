"""JSON API for loans: check-out (with Idempotency-Key), reading, renewal, returns, losses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta, Struct

from inventory.api.schemas import Strict, decode_json
from inventory.domain.loans import is_overdue
from inventory.services import checkout, idempotency
from inventory.services import loans as svc
from inventory.services.common import today

Tag = Annotated[str, Meta(max_length=40)]
Accessories = Annotated[list[Annotated[str, Meta(max_length=80)]], Meta(max_length=30)]


class LineCreate(Strict, kw_only=True):
    tag: Tag
    accessories: Accessories = []
    condition: Annotated[str, Meta(max_length=300)] = ""


class LoanCreate(Strict, kw_only=True):
    """Lend items to one person. The due date is the policy's unless chosen within it."""

    beneficiary_number: Annotated[str, Meta(max_length=20)]
    lines: Annotated[list[LineCreate], Meta(min_length=1, max_length=10)]
    due_on: dt.date | None = None
    deposit_cents: int | None = None
    deposit_form: Annotated[str, Meta(max_length=20)] | None = None
    note: Annotated[str, Meta(max_length=1000)] = ""
    enrollment_id: int | None = None  # the learning-path enrollment the loan serves


class LineRead(Struct, kw_only=True):
    id: int
    tag: str
    kind: str
    family: str
    model: str
    serial: str | None
    due_on: dt.date | None
    accessories_out: list[str]
    condition_out: str
    grade_out: str | None
    closed_at: dt.datetime | None
    outcome: str | None
    missing_accessories: list[str]
    condition_back: str


class LoanRead(Struct, kw_only=True):
    reference: str
    beneficiary_number: str
    site_code: str
    started_on: dt.date
    due_on: dt.date | None
    status: str
    overdue: bool
    renewals_done: int = 0
    deposit_cents: int | None
    deposit_form: str | None
    lines: list[LineRead]
    vouchers: dict[str, str] = {}  # card codes, in the check-out answer only
    enrollment_id: int | None = None  # the learning-path enrollment the loan serves


class LoanSummary(Struct, kw_only=True):
    reference: str
    beneficiary_number: str
    site_code: str
    started_on: dt.date
    due_on: dt.date | None
    status: str
    overdue: bool


class ReturnCreate(Strict, kw_only=True):
    tag: Tag
    accessories_back: Accessories = []
    condition: Annotated[str, Meta(max_length=300)] = ""


class LossCreate(Strict, kw_only=True):
    tag: Tag
    outcome: Annotated[str, Meta(pattern=r"^(lost|stolen)$")]
    on: dt.date
    circumstances: Annotated[str, Meta(min_length=1, max_length=2000)]


class LossResolve(Strict, kw_only=True):
    note: Annotated[str, Meta(min_length=1, max_length=500)]


def loan_read(row: dict[str, Any]) -> LoanRead:
    lines = [LineRead(
        id=r["id"], tag=r["tag"], kind=r["kind"], family=r["family"],
        model=" ".join(p for p in (r["brand"], r["model"]) if p), serial=r["serial"],
        due_on=r["due_on"], accessories_out=decode_json(r["accessories_out"], []),
        condition_out=r["condition_out"], grade_out=r["grade_out"], closed_at=r["closed_at"],
        outcome=r["outcome"], missing_accessories=decode_json(r["missing_accessories"], []),
        condition_back=r["condition_back"]) for r in row["lines"]]
    return LoanRead(
        reference=row["reference"], beneficiary_number=row["beneficiary_number"],
        site_code=row["site_code"], started_on=row["started_on"], due_on=row["due_on"],
        status=row["status"], overdue=row["status"] == "open" and is_overdue(row["due_on"], today()),
        renewals_done=row["renewals_done"], deposit_cents=row["deposit_cents"],
        deposit_form=row["deposit_form"], lines=lines, vouchers=row.get("vouchers", {}),
        enrollment_id=row.get("enrollment"))


def _check_out_request(data: LoanCreate) -> checkout.CheckOut:
    return checkout.CheckOut(
        beneficiary=data.beneficiary_number,
        lines=tuple(checkout.LineRequest(line.tag, tuple(line.accessories), line.condition)
                    for line in data.lines),
        due_on=data.due_on, deposit_cents=data.deposit_cents, deposit_form=data.deposit_form,
        note=data.note, enrollment_id=data.enrollment_id)


class LoanController(Controller):
    path = "/api/v1/loans"
    tags = ["loans"]

    @post("/", opt={"permission": "loans.create"}, status_code=201)
    async def check_out(self, request: Request,
                        data: JSONBody[LoanCreate]) -> Response[LoanRead]:
        """Lend items to one eligible person. With an ``Idempotency-Key`` header, a retried
        request gets the first answer and lends nothing more (card codes are not repeated)."""
        prefix = request.app.state.settings.tag_prefix
        actor = request.user

        async def use_case() -> tuple[bytes, bytes]:
            loan = loan_read(await checkout.check_out(actor, _check_out_request(data), prefix))
            kept = msgspec.structs.replace(loan, vouchers={})
            return msgspec.json.encode(loan), msgspec.json.encode(kept)

        key = request.headers.get("idempotency-key")
        if key is None:
            body, _kept = await use_case()
            return Response(body, status_code=201, media_type="application/json")
        answer = await idempotency.run_once(
            actor, key, idempotency.fingerprint("POST", request.url.path, await request.body()),
            201, use_case)
        headers = {"idempotent-replayed": "true"} if answer.replayed else {}
        return Response(answer.body, status_code=answer.status_code,
                        media_type="application/json", headers=headers)

    @get("/", opt={"permission": "loans.read"})
    async def list_loans(
        self, request: Request,
        status: Annotated[str | None, QueryParameter(pattern=r"^(open|closed)$")] = None,
        overdue: FromQuery[bool] = False,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[LoanSummary]:
        """Loans in your scope, soonest due first; ``overdue=true`` for the late ones."""
        rows = await svc.list_loans(request.user, status=status, overdue=overdue, page=page,
                                    per_page=per_page)
        day = today()
        return [LoanSummary(
            reference=r["reference"], beneficiary_number=r["beneficiary_number"],
            site_code=r["site_code"], started_on=r["started_on"], due_on=r["due_on"],
            status=r["status"], overdue=r["status"] == "open" and is_overdue(r["due_on"], day),
        ) for r in rows]

    @get("/{reference:str}", opt={"permission": "loans.read"})
    async def read(self, request: Request, reference: FromPath[str]) -> LoanRead:
        return loan_read(await svc.get_loan(request.user, reference))

    @post("/{reference:str}/renew", opt={"permission": "loans.renew"}, status_code=200)
    async def renew(self, request: Request, reference: FromPath[str]) -> LoanRead:
        """Extend the devices still out per the loan policy; refused, with the reason, when
        the limit is reached or someone waits for the kind at the loan's site."""
        return loan_read(await svc.renew_loan(request.user, reference))


class ReturnController(Controller):
    path = "/api/v1"
    tags = ["loans"]

    @post("/returns", opt={"permission": "loans.return"}, status_code=200)
    async def return_item(self, request: Request, data: JSONBody[ReturnCreate]) -> LoanRead:
        """A device comes back (scan it): it waits for its data wipe; missing accessories are
        recorded."""
        row = await svc.return_item(request.user, data.tag,
                                    request.app.state.settings.tag_prefix,
                                    accessories_back=data.accessories_back,
                                    condition=data.condition)
        return loan_read(row)

    @post("/losses", opt={"permission": "loans.return"}, status_code=200)
    async def declare_loss(self, request: Request, data: JSONBody[LossCreate]) -> LoanRead:
        """Declare a lent item lost or stolen; new loans wait until the loss is settled."""
        row = await svc.declare_loss(request.user, data.tag,
                                     request.app.state.settings.tag_prefix,
                                     outcome=data.outcome, on=data.on,
                                     circumstances=data.circumstances)
        return loan_read(row)

    @post("/losses/{line_id:int}/resolve", opt={"permission": "losses.resolve"},
          status_code=204)
    async def resolve_loss(self, request: Request, line_id: FromPath[int],
                           data: JSONBody[LossResolve]) -> None:
        """The loss is settled: the person may borrow again."""
        await svc.resolve_loss(request.user, line_id, data.note)
