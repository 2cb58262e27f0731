"""JSON API for the workshop: data wipes (with their certificate) and repair tickets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.api.schemas import Strict
from inventory.config import Settings
from inventory.documents import model as doc
from inventory.documents.render import render_wipe_certificate_async
from inventory.domain.access import may
from inventory.domain.lifecycle import STATE_LABELS
from inventory.domain.loan_policy import KIND_LABELS
from inventory.domain.repairs import OUTCOME_LABELS, STATUS_LABELS
from inventory.domain.wipes import METHOD_LABELS
from inventory.i18n import gettext_for, negotiate
from inventory.services import repairs as repair_svc
from inventory.services import wipes as wipe_svc

Tag = Annotated[str, Meta(max_length=40)]
LongText = Annotated[str, Meta(max_length=4000)]
SiteCode = Annotated[str | None, QueryParameter(max_length=12)]


class WipeCreate(Strict, kw_only=True):
    """A wipe and its quick check (boots, screen, keyboard, battery…), both passed or not."""

    tag: Tag
    method: Annotated[str, Meta(max_length=30)]
    tool: Annotated[str, Meta(max_length=120)]
    wiped_on: dt.date
    passed: bool
    check_passed: bool
    notes: Annotated[str, Meta(max_length=2000)] = ""


class WipeRead(Struct, kw_only=True):
    id: int
    reference: str
    tag: str
    kind: str
    kind_label: str
    model: str
    serial: str | None
    method: str
    method_label: str
    tool: str
    operator: str
    wiped_on: dt.date
    passed: bool
    check_passed: bool
    released: bool
    notes: str
    loan_line_id: int | None
    created_at: dt.datetime
    item_state: str | None = None  # in the answer to a new wipe only
    item_state_label: str | None = None
    message: str | None = None


class WipeQueueEntry(Struct, kw_only=True):
    tag: str
    kind: str
    kind_label: str
    model: str
    serial: str | None
    site_code: str
    since: dt.datetime | None
    failed_attempts: int


class RepairCreate(Strict, kw_only=True):
    tag: Tag
    problem: Annotated[str, Meta(min_length=1, max_length=4000)]


class RepairUpdate(Strict, kw_only=True):
    diagnosis: LongText | None = None
    actions: LongText | None = None
    status: Annotated[str, Meta(max_length=20)] | None = None
    add_minutes: Annotated[int, Meta(ge=0, le=1440)] = 0


class PartCreate(Strict, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=120)]
    cost_cents: Annotated[int, Meta(ge=0, le=1_000_000)] = 0


class RepairClose(Strict, kw_only=True):
    outcome: Annotated[str, Meta(max_length=20)]
    note: Annotated[str, Meta(max_length=2000)] = ""


class PartRead(Struct, kw_only=True):
    id: int
    name: str
    cost_cents: int
    added_at: dt.datetime


class RepairRead(Struct, kw_only=True):
    id: int
    reference: str
    tag: str
    kind: str
    model: str
    item_state: str
    item_state_label: str
    site_code: str
    status: str
    status_label: str
    problem: str
    diagnosis: str
    actions: str
    minutes_spent: int
    outcome: str | None
    outcome_label: str | None
    opened_at: dt.datetime
    opened_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    loan_line_id: int | None
    parts: list[PartRead] = []
    parts_cents: int = 0


def _gettext(request: Request):
    return gettext_for(negotiate(request.headers.get("accept-language"), request.user.locale))


def _model(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row.get("brand"), row.get("model")) if p)


def wipe_read(row: dict[str, Any], _) -> WipeRead:
    state = row.get("item_state")
    return WipeRead(
        id=row["id"], reference=row["reference"], tag=row["tag"], kind=row["kind"],
        kind_label=_(KIND_LABELS[row["kind"]]), model=_model(row), serial=row["serial"],
        method=row["method"], method_label=_(METHOD_LABELS[row["method"]]), tool=row["tool"],
        operator=row["operator_name"], wiped_on=row["wiped_on"], passed=row["passed"],
        check_passed=row["check_passed"], released=row["released"], notes=row["notes"],
        loan_line_id=row["loan_line"], created_at=row["created_at"], item_state=state,
        item_state_label=_(STATE_LABELS[state]) if state else None,
        message=_(row["message"]).format(tag=row["tag"]) if row.get("message") else None)


def repair_read(row: dict[str, Any], _) -> RepairRead:
    outcome = row["outcome"]
    return RepairRead(
        id=row["id"], reference=row["reference"], tag=row["tag"], kind=row["kind"],
        model=_model(row), item_state=row["item_state"],
        item_state_label=_(STATE_LABELS[row["item_state"]]), site_code=row["site_code"],
        status=row["status"], status_label=_(STATUS_LABELS[row["status"]]),
        problem=row["problem"], diagnosis=row["diagnosis"], actions=row["actions"],
        minutes_spent=row["minutes_spent"], outcome=outcome,
        outcome_label=_(OUTCOME_LABELS[outcome]) if outcome else None,
        opened_at=row["opened_at"], opened_by=row["opened_by_name"],
        closed_at=row["closed_at"], closed_by=row["closed_by_name"],
        loan_line_id=row["loan_line"],
        parts=[PartRead(**p) for p in row.get("parts", [])],
        parts_cents=row.get("parts_cents", 0))


def _city(address: str, fallback: str) -> str:
    """The town of a French address ("4 place X, 93100 Montreuil" gives Montreuil)."""
    last = address.replace("\n", ",").split(",")[-1].strip()
    match = re.match(r"^\d{5}\s+(.+)$", last)
    return match.group(1).strip() if match else fallback


def certificate_data(row: dict[str, Any], settings: Settings) -> doc.WipeCertificateData:
    """What the wipe certificate prints; documents are always in French."""
    fr = gettext_for("fr")
    kind = fr(KIND_LABELS[row["kind"]])
    check = "réussi" if row["check_passed"] else "échec"
    details = f"Contrôle de fonctionnement : {check}." + (
        f" {row['notes']}" if row["notes"] else "")
    return doc.WipeCertificateData(
        reference=row["reference"],
        association=doc.Association(name=settings.association_name, address="",
                                    gdpr_contact="", data_retention=""),
        site=doc.Site(name=row["site_name"], address=row["site_address"] or "",
                      city=_city(row["site_address"] or "", row["site_name"])),
        tag=row["tag"], kind_label=kind[:1].upper() + kind[1:], brand_model=_model(row),
        serial=row["serial"] or "—", method=fr(METHOD_LABELS[row["method"]]),
        tool=row["tool"], operator=row["operator_name"], wipe_date=row["wiped_on"],
        result=doc.WipeResult.SUCCESS if row["passed"] else doc.WipeResult.FAILURE,
        details=details)


class WipeController(Controller):
    path = "/api/v1/wipes"
    tags = ["workshop"]

    @post("/", opt={"permission": "wipes.write"}, status_code=201)
    async def record(self, request: Request, data: JSONBody[WipeCreate]) -> WipeRead:
        """Record a wipe and its quick check. Both passed: the device is available again;
        otherwise it stays where it is, to wipe again or repair (the answer says so)."""
        row = await wipe_svc.record_wipe(
            request.user, data.tag, request.app.state.settings.tag_prefix,
            method=data.method, tool=data.tool, wiped_on=data.wiped_on, passed=data.passed,
            check_passed=data.check_passed, notes=data.notes)
        return wipe_read(row, _gettext(request))

    @get("/queue", opt={"permission": "wipes.read"})
    async def queue(self, request: Request, site: SiteCode = None, page: PageParam = 1,
                    per_page: PerPageParam = PER_PAGE) -> list[WipeQueueEntry]:
        """Devices back from a loan waiting for their wipe, longest waiting first, one page
        at a time."""
        _ = _gettext(request)
        rows, _total = await wipe_svc.wipe_queue(site, page=page, per_page=per_page)
        return [WipeQueueEntry(
            tag=r["tag"], kind=r["kind"], kind_label=_(KIND_LABELS[r["kind"]]), model=_model(r),
            serial=r["serial"], site_code=r["site_code"], since=r["since"],
            failed_attempts=r["failed_attempts"]) for r in rows]

    @get("/{wipe_id:int}", opt={"permission": "wipes.read"})
    async def read(self, request: Request, wipe_id: FromPath[int]) -> WipeRead:
        """One recorded wipe."""
        return wipe_read(await wipe_svc.wipe_record(wipe_id), _gettext(request))

    @get("/{wipe_id:int}/certificate.pdf", opt={"permission": "wipes.read"},
         media_type="application/pdf")
    async def certificate(self, request: Request, wipe_id: FromPath[int]) -> Response[bytes]:
        """The wipe certificate (attestation d’effacement) as PDF."""
        row = await wipe_svc.wipe_record(wipe_id)
        pdf = await render_wipe_certificate_async(
            certificate_data(row, request.app.state.settings))
        name = f"attestation-effacement-{row['reference']}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"content-disposition": f'inline; filename="{name}"'})


class RepairController(Controller):
    path = "/api/v1/repairs"
    tags = ["workshop"]

    @post("/", opt={"permission": "repairs.open"}, status_code=201)
    async def open_repair(self, request: Request,
                          data: JSONBody[RepairCreate]) -> RepairRead:
        """Send a device to repair: the desk from a return, the workshop from stock too."""
        row = await repair_svc.open_repair(
            request.user, data.tag, request.app.state.settings.tag_prefix, data.problem,
            workshop=may(request.user.role, "repairs.write"))
        return repair_read(row, _gettext(request))

    @get("/", opt={"permission": "repairs.read"})
    async def list_repairs(
        self, request: Request, site: SiteCode = None,
        status: Annotated[str | None, QueryParameter(max_length=20)] = None,
        page: PageParam = 1, per_page: PerPageParam = PER_PAGE,
    ) -> list[RepairRead]:
        """Repair tickets, oldest first, one page at a time; without a status, those open or
        waiting for parts."""
        _ = _gettext(request)
        rows, _total = await repair_svc.list_repairs(site, status, page=page,
                                                     per_page=per_page)
        return [repair_read(r, _) for r in rows]

    @get("/{ticket_id:int}", opt={"permission": "repairs.read"})
    async def read(self, request: Request, ticket_id: FromPath[int]) -> RepairRead:
        return repair_read(await repair_svc.get_ticket(ticket_id), _gettext(request))

    @patch("/{ticket_id:int}", opt={"permission": "repairs.write"})
    async def update(self, request: Request, ticket_id: FromPath[int],
                     data: JSONBody[RepairUpdate]) -> RepairRead:
        """Diagnosis, actions, waiting for parts or not, and minutes to add."""
        row = await repair_svc.update_repair(
            request.user, ticket_id, diagnosis=data.diagnosis, actions=data.actions,
            status=data.status, add_minutes=data.add_minutes)
        return repair_read(row, _gettext(request))

    @post("/{ticket_id:int}/parts", opt={"permission": "repairs.write"}, status_code=201)
    async def add_part(self, request: Request, ticket_id: FromPath[int],
                       data: JSONBody[PartCreate]) -> RepairRead:
        row = await repair_svc.add_part(request.user, ticket_id, data.name, data.cost_cents)
        return repair_read(row, _gettext(request))

    @post("/{ticket_id:int}/close", opt={"permission": "repairs.write"}, status_code=200)
    async def close(self, request: Request, ticket_id: FromPath[int],
                    data: JSONBody[RepairClose]) -> RepairRead:
        """Close with an outcome: refurbishing, available (after a wipe), recycled or parts."""
        row = await repair_svc.close_repair(request.user, ticket_id, data.outcome, data.note)
        return repair_read(row, _gettext(request))
