"""JSON API of the desk's reminders: late loans a page at a time, and one reminder now."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from msgspec import Struct

from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.domain.reminders import explain_failure
from inventory.i18n import gettext_for, negotiate
from inventory.services import reminders as svc


class LastReminder(Struct, kw_only=True):
    kind: str
    channel: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class OverdueLoanRead(Struct, kw_only=True):
    """A late loan: who (no phone number or address, only whether one is known), since when."""

    reference: str
    beneficiary_number: str
    first_name: str
    last_name: str
    site_code: str
    due_on: dt.date
    days_late: int
    has_mobile: bool
    has_email: bool
    channel: str  # where a reminder would go now: sms, email or letter
    items: str
    last_reminder: LastReminder | None


class OverdueLoanPage(Struct, kw_only=True):
    items: list[OverdueLoanRead]
    total: int
    page: int
    per_page: int


class ReminderRead(Struct, kw_only=True):
    """A reminder asked for now: ``status`` sent, failed (``error`` says why) or pending (a
    letter, to print)."""

    id: int
    loan_reference: str
    kind: str
    channel: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    error: str
    message: str  # the error in plain words, in the reader's language ("" when none)


def _locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"), request.user.locale)


class ReminderController(Controller):
    path = "/api/v1"
    tags = ["reminders"]

    @get("/reminders/overdue", opt={"permission": "reminders.send"})
    async def overdue(
        self, request: Request,
        site: Annotated[str | None, QueryParameter(max_length=12)] = None,
        page: PageParam = 1, per_page: PerPageParam = PER_PAGE,
    ) -> OverdueLoanPage:
        """Late loans you may remind, longest overdue first (a chosen site for managers)."""
        rows, total = await svc.overdue_loans(request.user, site, page=page,
                                              per_page=per_page, locale=_locale(request))
        return OverdueLoanPage(items=[OverdueLoanRead(
            reference=r["reference"], beneficiary_number=r["number"],
            first_name=r["first_name"], last_name=r["last_name"], site_code=r["site_code"],
            due_on=r["due_on"], days_late=r["days_late"], has_mobile=r["has_mobile"],
            has_email=r["has_email"], channel=r["channel"], items=r["items"],
            last_reminder=LastReminder(**{k: r["last"][k] for k in (
                "kind", "channel", "status", "created_at", "sent_at")}) if r["last"] else None,
        ) for r in rows], total=total, page=page, per_page=per_page)

    @post("/loans/{reference:str}/reminders", opt={"permission": "reminders.send"},
          status_code=201)
    async def remind_now(self, request: Request, reference: FromPath[str]) -> ReminderRead:
        """Send the late loan's reminder now (at most one a day: 409 after that). A person
        without mobile phone or e-mail gets a letter to print: status "pending"."""
        settings = request.app.state.settings
        done = await svc.remind_now(request.user, reference[:20],
                                    request.app.state.reminder_sender,
                                    association=settings.association_name,
                                    locale=settings.default_locale)
        message = explain_failure(done.error, gettext_for(_locale(request))) \
            if done.status == "failed" else ""
        return ReminderRead(id=done.id, loan_reference=done.reference, kind=done.kind,
                            channel=done.channel, status=done.status,
                            created_at=done.created_at, sent_at=done.sent_at,
                            error=done.error, message=message)
