"""Referrals: a partner refers a person; the association accepts or declines, with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.db.tables import Beneficiary, Referral
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.people import ReferralStatus, check_requested_kinds
from inventory.services.beneficiaries import find_visible, log_access, scope_condition
from inventory.services.common import Actor, today, unit_of_work, utcnow

COLUMNS = (
    Referral.id, Referral.beneficiary, Referral.partner_org, Referral.referrer,
    Referral.referred_on, Referral.need, Referral.requested_kinds, Referral.path_wish,
    Referral.status, Referral.answered_by, Referral.answered_at, Referral.decline_reason,
    Referral.created_at, Referral.beneficiary.number.as_alias("beneficiary_number"),
    Referral.partner_org.name.as_alias("partner_org_name"),
)
NEED_MAX = 1000


def _query(actor: Actor):
    """Referrals of the beneficiaries the actor may see."""
    query = Referral.select(*COLUMNS)
    condition = scope_condition(actor)
    if condition is not None:
        visible = Beneficiary.select(Beneficiary.id).where(condition)
        query = query.where(Referral.beneficiary.is_in(visible))
    return query


async def get_referral(actor: Actor, referral_id: int) -> dict[str, Any]:
    row = await _query(actor).where(Referral.id == referral_id).first()
    if row is None:
        raise NotFound(N_("No referral with number {id}."), id=referral_id)
    return row


async def read_referral(actor: Actor, referral_id: int) -> dict[str, Any]:
    """One referral; reading it is reading the person's record, so it is logged."""
    async with unit_of_work():
        row = await get_referral(actor, referral_id)
        await log_access(actor, "referral.read", [row["beneficiary"]])
    return row


async def create_referral(actor: Actor, number: str, *, requested_kinds: list[str],
                          need: str = "", path_wish: str = "",
                          referred_on: date | None = None) -> dict[str, Any]:
    """Refer a person in the actor's scope; the organisation is the person's referring one."""
    kinds = check_requested_kinds(requested_kinds)
    need = need.strip()
    if len(need) > NEED_MAX:
        raise InvalidInput(N_("The need is limited to {limit} characters."), limit=NEED_MAX)
    day = referred_on or today()
    if day > today():
        raise InvalidInput(N_("A referral cannot be dated in the future."))
    async with unit_of_work():
        person = await find_visible(actor, number)
        row = Referral(
            beneficiary=person["id"], partner_org=person["partner_org"],
            referrer=actor.user_id, referred_on=day, need=need, requested_kinds=list(kinds),
            path_wish=" ".join(path_wish.split())[:120], status=ReferralStatus.PENDING,
            created_at=utcnow(),
        )
        await row.save()
        await log_access(actor, "referral.create", [person["id"]])
        return await get_referral(actor, row.id)


async def answer_referral(actor: Actor, referral_id: int, *, accept: bool,
                          reason: str = "") -> dict[str, Any]:
    """Accept or decline a pending referral; declining needs a reason the partner will read."""
    reason = " ".join(reason.split())
    if not accept and not reason:
        raise InvalidInput(N_("Say why the referral is declined."))
    async with unit_of_work():
        current = await get_referral(actor, referral_id)
        if current["status"] != ReferralStatus.PENDING:
            raise Conflict(N_("This referral was already answered."))
        status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
        updated = await Referral.update({
            Referral.status: status, Referral.answered_by: actor.user_id,
            Referral.answered_at: utcnow(), Referral.decline_reason: reason[:300],
        }).where((Referral.id == referral_id)
                 & (Referral.status == ReferralStatus.PENDING)).returning(Referral.id)
        if not updated:
            raise Conflict(N_("This referral was already answered."))
        await log_access(actor, f"referral.{status.value}", [current["beneficiary"]])
        return await get_referral(actor, referral_id)


async def list_referrals(actor: Actor, *, status: str | None = None, number: str | None = None,
                         page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Referrals in scope, newest first, optionally of one status or one person."""
    query = _query(actor)
    if status:
        query = query.where(Referral.status == status)
    async with unit_of_work():
        if number:
            person = await find_visible(actor, number)
            query = query.where(Referral.beneficiary == person["id"])
        rows = await query.order_by(Referral.id, ascending=False).limit(per_page).offset(
            (page - 1) * per_page)
        await log_access(actor, "referral.list", sorted({r["beneficiary"] for r in rows}))
    return rows, await _count(actor, status, number)


async def _count(actor: Actor, status: str | None, number: str | None) -> int:
    count = Referral.count()
    condition = scope_condition(actor)
    if condition is not None:
        count = count.where(Referral.beneficiary.is_in(
            Beneficiary.select(Beneficiary.id).where(condition)))
    if status:
        count = count.where(Referral.status == status)
    if number:
        count = count.where(Referral.beneficiary.number == number)
    return await count
