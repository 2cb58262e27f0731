"""JSON API for the waiting list: put on, cancel, list with wait times, next in line, propose."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta, Struct

from inventory.api.errors import locale_of
from inventory.api.paging import PER_PAGE, PageParam, PerPageParam
from inventory.api.schemas import Strict
from inventory.i18n import gettext_for
from inventory.services import waiting as svc

KindParam = Annotated[str, QueryParameter(max_length=20)]
SiteParam = Annotated[str, QueryParameter(max_length=12)]
# The same, optional: the limit inside the union so that Litestar enforces it.
MaybeKind = Annotated[str | None, QueryParameter(max_length=20)]
MaybeSite = Annotated[str | None, QueryParameter(max_length=12)]


class EntryCreate(Strict, kw_only=True):
    """Put a person on the waiting list for a kind of item at a site."""

    beneficiary_number: Annotated[str, Meta(max_length=20)]
    kind: Annotated[str, Meta(max_length=20)]
    site_code: Annotated[str, Meta(max_length=12)]
    note: Annotated[str, Meta(max_length=300)] = ""


class EntryCancel(Strict, kw_only=True):
    note: Annotated[str, Meta(max_length=300)] = ""


class ProposeRequest(Strict, kw_only=True):
    tag: Annotated[str, Meta(max_length=40)]


class EntryRead(Struct, kw_only=True):
    id: int
    beneficiary_number: str
    first_name: str
    last_name: str
    kind: str
    site_code: str
    since: dt.datetime
    wait_days: int
    status: str
    position: int | None = None
    proposed_tag: str | None = None
    proposed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    note: str = ""


class StatsRead(Struct, kw_only=True):
    waiting: int
    longest_days: int
    average_days: float
    served: int
    served_average_days: float


class WaitingListRead(Struct, kw_only=True):
    entries: list[EntryRead]
    stats: StatsRead


class SkippedRead(Struct, kw_only=True):
    entry: EntryRead
    reason: str


class NextRead(Struct, kw_only=True):
    """Who should get the next item (null: nobody eligible) and who was skipped, why."""

    entry: EntryRead | None
    skipped: list[SkippedRead]


def entry_read(row: dict[str, Any]) -> EntryRead:
    return EntryRead(
        id=row["id"], beneficiary_number=row["beneficiary_number"],
        first_name=row["first_name"], last_name=row["last_name"], kind=row["kind"],
        site_code=row["site_code"], since=row["since"], wait_days=row["wait_days"],
        status=row["status"], position=row.get("position"), proposed_tag=row["proposed_tag"],
        proposed_at=row["proposed_at"], closed_at=row["closed_at"], note=row["note"])


class WaitingController(Controller):
    path = "/api/v1/waiting-list"
    tags = ["waiting list"]

    @get("/", opt={"permission": "waiting.read"})
    async def list_entries(self, request: Request, site: MaybeSite = None,
                           kind: MaybeKind = None, page: PageParam = 1,
                           per_page: PerPageParam = PER_PAGE) -> WaitingListRead:
        """People waiting in your scope, first come first, one page at a time, with figures
        for the whole list."""
        found = await svc.list_entries(request.user, site_code=site, kind=kind, page=page,
                                       per_page=per_page)
        stats = found.stats
        return WaitingListRead(
            entries=[entry_read(r) for r in found.entries],
            stats=StatsRead(waiting=stats.waiting, longest_days=stats.longest_days,
                            average_days=float(stats.average_days), served=stats.served,
                            served_average_days=float(stats.served_average_days)))

    @post("/", opt={"permission": "waiting.write"}, status_code=201)
    async def add(self, request: Request, data: JSONBody[EntryCreate]) -> EntryRead:
        """Put a person on the list (one open entry per person, kind and site)."""
        row = await svc.add_entry(request.user, data.beneficiary_number, data.kind,
                                  data.site_code, data.note)
        return entry_read(row)

    @post("/{entry_id:int}/cancel", opt={"permission": "waiting.write"}, status_code=200)
    async def cancel(self, request: Request, entry_id: FromPath[int],
                     data: JSONBody[EntryCancel | None] = None) -> EntryRead:
        """Take a person off the list; an item proposed to them goes back on the shelf."""
        note = data.note if data else ""
        return entry_read(await svc.cancel_entry(request.user, entry_id, note))

    @get("/next", opt={"permission": "waiting.propose"})
    async def next_in_line(self, request: Request, site: SiteParam, kind: KindParam) -> NextRead:
        """Who should get the next item of this kind at this site, and who is skipped, why."""
        found = await svc.next_in_line(request.user, site, kind)
        gettext = gettext_for(locale_of(request))
        return NextRead(
            entry=entry_read(found.entry) if found.entry else None,
            skipped=[SkippedRead(entry=entry_read(row), reason=reason.render(gettext))
                     for row, reason in found.skipped])

    @post("/{entry_id:int}/propose", opt={"permission": "waiting.propose"}, status_code=200)
    async def propose(self, request: Request, entry_id: FromPath[int],
                      data: JSONBody[ProposeRequest]) -> EntryRead:
        """Set an item aside (reserved) for the longest-waiting eligible person."""
        row = await svc.propose(request.user, entry_id, data.tag,
                                request.app.state.settings.tag_prefix)
        return entry_read(row)
