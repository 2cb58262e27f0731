"""The other printed documents of a loan: the return receipt and the card handover slip.

Both are rebuilt from the database and rendered off the event loop; every date and number in
them comes from the records, so a reprint gives the same bytes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inventory.config import Settings
from inventory.documents import model as doc
from inventory.documents.render import render_card_handover_async, render_return_receipt_async
from inventory.domain.access import Role
from inventory.domain.errors import Conflict, N_, NotFound
from inventory.domain.lifecycle import Family, Kind
from inventory.domain.loans import LineOutcome
from inventory.domain.people import display_phone
from inventory.domain.tags import decode
from inventory.services.agreements import (
    brand_model, deposit_of, kind_label, loan_context, loan_lines,
)
from inventory.services.common import Actor, from_json, today, unit_of_work
from inventory.services.items import read_voucher

ACTIVATION_STEPS = (
    "Éteignez l’appareil (téléphone ou routeur 4G) et insérez la carte SIM.",
    "Rallumez-le ; si un code PIN est demandé, il figure sur le support de la carte.",
    "Suivez le message de l’opérateur pour activer la ligne, ou demandez de l’aide à l’accueil.",
)


def _returned(line: dict[str, Any]) -> doc.ReturnedItem:
    return doc.ReturnedItem(
        tag=line["tag"], kind_label=kind_label(line["kind"]), brand_model=brand_model(line),
        serial=line["serial"] or line["iccid"] or "—",
        condition=line["condition_back"] or "—",
        accessories_returned=tuple(from_json(line["accessories_back"], [])),
        accessories_missing=tuple(from_json(line["missing_accessories"], [])))


async def return_receipt_pdf(actor: Actor, reference: str, settings: Settings) -> bytes:
    """The receipt for everything given back on a loan so far."""
    async with unit_of_work():
        ctx = await loan_context(actor, reference, settings)
        lines = [line for line in await loan_lines(ctx.loan["id"])
                 if line["outcome"] == LineOutcome.RETURNED]
    if not lines:
        raise Conflict(N_("Nothing of this loan has been given back yet."))
    data = doc.ReturnReceiptData(
        reference=f"RR-{reference}", agreement_reference=reference,
        association=ctx.association, site=ctx.doc_site, beneficiary=ctx.beneficiary,
        items=tuple(_returned(line) for line in lines),
        return_date=max(line["closed_at"] for line in lines).date(),
        staff_name=ctx.staff_name, deposit=deposit_of(ctx.loan),
        deposit_returned=ctx.loan["status"] == "closed" and ctx.loan["deposit_cents"] is not None)
    return await render_return_receipt_async(data)


def _allowance(megabytes: int | None) -> str:
    if not megabytes:
        return "—"
    return f"{megabytes / 1000:g} Go".replace(".", ",") if megabytes >= 1000 else f"{megabytes} Mo"


async def _voucher(actor: Actor, line: dict[str, Any], ctx, with_code: bool) -> str | None:
    """The code, only when asked: at the desk on the day of the handover, or by an admin."""
    if not with_code:
        return None
    at_handover = ctx.loan["started_on"] == today() and actor.role in (
        Role.FRONT_DESK, Role.COORDINATOR, Role.ADMIN)
    if not (at_handover or actor.role == Role.ADMIN):
        raise Conflict(N_("The code is printed only on the day of the handover; after that, "
                          "an administrator can read it."))
    return await read_voucher(actor, line["item_id"], site=line["item_site"],
                              reason=f"fiche de remise {ctx.loan['reference']}")


async def card_slip_pdf(actor: Actor, reference: str, tag: str, prefix: str,
                        settings: Settings, *, with_code: bool = False) -> bytes:
    """The handover slip of one card of a loan; the code only if staff ask for it."""
    canonical = str(decode(tag, prefix)) if tag else ""
    async with unit_of_work():
        ctx = await loan_context(actor, reference, settings)
        lines = await loan_lines(ctx.loan["id"])
        line = next((x for x in lines if x["tag"] == canonical
                     and x["family"] == Family.CARD), None)
        if line is None:
            raise NotFound(N_("No connection card {tag} in this loan."), tag=canonical or tag[:40])
        code = await _voucher(actor, line, ctx, with_code)
    started = ctx.loan["started_on"]
    valid_until = line["expires_on"] or started + timedelta(days=line["validity_days"] or 30)
    hotspot = any(x["kind"] == Kind.HOTSPOT for x in lines)
    data = doc.CardHandoverData(
        reference=f"CC-{reference}-{canonical}", association=ctx.association,
        site=ctx.doc_site, beneficiary=ctx.beneficiary, operator=line["operator"] or "—",
        phone_number=display_phone(line["phone_number"]) or "—", iccid=line["iccid"] or "—",
        data_allowance=_allowance(line["data_allowance_mb"]), valid_until=valid_until,
        activation_steps=ACTIVATION_STEPS, handover_date=started, staff_name=ctx.staff_name,
        voucher_code=code, returnable=hotspot)
    return await render_card_handover_async(data)
