"""The items list of the back office: filters in the address, one page at a time, htmx
refreshing the table only (the same address works without JavaScript)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get

from inventory.db.tables import Site
from inventory.domain.access import may
from inventory.domain.days import local_moment
from inventory.domain.errors import N_
from inventory.domain.item_list import GRADES, SORT_LABELS, ItemQuery, read_item_query
from inventory.domain.lifecycle import STATE_LABELS, STATE_TONES, Family, Kind, State
from inventory.domain.loan_policy import FAMILY_LABELS, KIND_LABELS
from inventory.domain.paging import PAGE_SIZE, link_base
from inventory.services import items as item_svc
from inventory.web.pages import render
from inventory.web.paging import read_page
from inventory.web.portal import gettext_of

PATH = "/admin/items"
RESULTS = "#items-results"  # the part htmx swaps
SITE_CHOICES_MAX = 200
CHOICES = {"families": list(Family), "kinds": list(Kind), "states": list(State),
           "grades": GRADES, "sort_labels": SORT_LABELS, "family_labels": FAMILY_LABELS,
           "state_labels": STATE_LABELS, "tones": STATE_TONES}


def item_filter(query: ItemQuery, page: int) -> item_svc.ItemFilter:
    """The service's filter for the list's query."""
    return item_svc.ItemFilter(
        family=query.family or None, kind=query.kind or None, state=query.state or None,
        site_code=query.site or None, intake_batch=query.intake_batch or None,
        grade=query.grade or None, text=query.q, sort=query.sort, page=page,
        per_page=PAGE_SIZE)


FILTER_NAMES = {"q": N_("Text"), "family": N_("Family"), "kind": N_("Kind"),
                "state": N_("State"), "site": N_("Site"), "intake_batch": N_("Intake batch"),
                "grade": N_("Grade")}
NAME_VALUE = N_("{name}: {value}")
VALUE_LABELS = {"family": FAMILY_LABELS, "kind": KIND_LABELS, "state": STATE_LABELS}


def describe(pairs: list[tuple[str, str]], gettext) -> list[str]:
    """Filters in words, for people: "Kind: laptop"."""
    return [gettext(NAME_VALUE).format(
        name=gettext(FILTER_NAMES[k]),
        value=gettext(VALUE_LABELS[k][v]) if v in VALUE_LABELS.get(k, {}) else v)
        for k, v in pairs if k in FILTER_NAMES]


def labels_link(query: ItemQuery) -> str:
    """The label printing page with this selection filled in (the sort does not matter)."""
    return "/labels?" + urlencode([(k, v) for k, v in query.params() if k != "sort"])


def _local(row: dict[str, Any]) -> dict[str, Any]:
    updated = row.get("updated_at")
    return {**row, "updated_local": local_moment(updated) if updated is not None else None}


def _fragment_only(request: Request) -> bool:
    """htmx asks for the table alone, except when it restores a page from history."""
    return bool(request.headers.get("hx-request")) and not request.headers.get(
        "hx-history-restore-request")


class ItemListController(Controller):
    path = PATH
    include_in_schema = False

    @get("/", opt={"permission": "items.read"})
    async def items(self, request: Request) -> Response:
        """Items matching the filters, a page of at most PAGE_SIZE, sorted as asked."""
        _ = gettext_of(request)
        query, problems = read_item_query(dict(request.query_params))
        flt = item_filter(query, 1)

        async def lister(page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
            return await item_svc.list_items(replace(flt, page=page, per_page=per_page))
        rows, page = await read_page(lister, request.query_params.get("page"))
        context = {
            "items": [_local(r) for r in rows], "page": page, "query": query,
            "errors": {name: _(message) for name, message in problems.items()},
            "base": link_base(PATH, query.params()), "target": RESULTS,
            "labels_href": labels_link(query) if query.filtered
            and may(request.user.role, "labels.print") else None, **CHOICES,
        }
        if _fragment_only(request):  # htmx swaps 2xx answers only: the errors show in it
            return render(request, "admin/_items_table.html", **context)
        status = 422 if problems else 200
        sites = await Site.select(Site.code, Site.name).order_by(Site.code).limit(
            SITE_CHOICES_MAX)
        return render(request, "admin/items.html", status=status, sites=sites,
                      tab="items", **context)
