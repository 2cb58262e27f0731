"""Printing asset labels: a PDF sheet or ZPL for a selection of items, one label as SVG."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter

from inventory.api.items import resolve_or_404
from inventory.config import Settings
from inventory.domain.errors import Gettext, InvalidInput, N_, NotFound
from inventory.domain.loan_policy import KIND_LABELS
from inventory.domain.scan import item_url, resolve_code
from inventory.i18n import gettext_for
from inventory.services import items as svc
from labels import LabelData, LabelError, get_layout, render_pdf_async, render_svg, render_zpl

# A bigger batch is a mistake more often than a need, and takes minutes on a loaded server.
MAX_LABELS = 5000


class LabelsRefused(InvalidInput):
    """A renderer's LabelError as a 422, its reason translated with the rest of the message."""

    message = N_("These labels cannot be printed: {reason}")

    def __init__(self, error: LabelError) -> None:
        self.error = error
        super().__init__(reason=str(error))

    def render(self, gettext: Gettext) -> str:
        """The message and the renderer's reason, both in the user's language."""
        return gettext(self.message).format(reason=self.error.render(gettext))


@contextmanager
def label_errors_as_invalid_input() -> Iterator[None]:
    """Turn a renderer's LabelError (bad layout, start position…) into a 422."""
    try:
        yield
    except LabelError as exc:
        raise LabelsRefused(exc) from None


def too_many(count: int) -> InvalidInput:
    return InvalidInput(
        N_("At most {limit} labels per request, and this selection has {count}: print it in "
           "several parts (by intake batch, site or state)."),
        limit=MAX_LABELS, count=count,
    )


def selection(
    request: Request,
    tags: FromQuery[str | None] = None,
    intake_batch: Annotated[str | None, QueryParameter(max_length=80)] = None,
    kind: Annotated[str | None, QueryParameter(max_length=20)] = None,
    state_: Annotated[str | None, QueryParameter(name="state", max_length=20)] = None,
    site: Annotated[str | None, QueryParameter(max_length=12)] = None,
    family: Annotated[str | None, QueryParameter(max_length=10)] = None,
    q: Annotated[str | None, QueryParameter(max_length=80)] = None,
    grade: Annotated[str | None, QueryParameter(max_length=2)] = None,
) -> svc.ItemFilter:
    """The items to print: comma-separated tags (any spelling) and/or filters (those of the
    items list: family, kind, state, site, intake batch, grade, text), all ANDed."""
    codes = [code.strip() for code in (tags or "").split(",") if code.strip()]
    if len(codes) > MAX_LABELS:
        raise too_many(len(codes))
    prefix = request.app.state.settings.tag_prefix
    canonical = tuple(dict.fromkeys(resolve_code(code, prefix) for code in codes))
    if not (canonical or intake_batch or kind or state_ or site or family or q or grade):
        raise InvalidInput(N_("Choose what to print: tags, an intake batch, a kind, a state "
                              "or a site."))
    return svc.ItemFilter(family=family, kind=kind, state=state_, site_code=site,
                          intake_batch=intake_batch, grade=grade, text=q or "",
                          tags=canonical, per_page=MAX_LABELS)


def label_of(row: dict[str, Any], settings: Settings) -> LabelData:
    """What an item's label shows; labels are always printed in French."""
    kind = gettext_for("fr")(KIND_LABELS[row["kind"]])
    return LabelData(
        tag=row["tag"],
        url=item_url(settings.base_url, row["tag"]),
        kind=kind[:1].upper() + kind[1:],
        model=" ".join(part for part in (row.get("brand"), row.get("model")) if part),
        site=row.get("site_name") or "",
        association=settings.association_name,
    )


async def selected_labels(flt: svc.ItemFilter, settings: Settings) -> list[LabelData]:
    """The labels of the selected items, in the order the tags were given (else intake order)."""
    rows, total = await svc.list_items(flt)
    if total > MAX_LABELS:
        raise too_many(total)
    if flt.tags:
        by_tag = {row["tag"]: row for row in rows}
        missing = [tag for tag in flt.tags if tag not in by_tag]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise NotFound(N_("No item matches these tags: {tags}."), tags=shown)
        rows = [by_tag[tag] for tag in flt.tags]
    if not rows:
        raise NotFound(N_("No item matches this selection."))
    return [label_of(row, settings) for row in rows]


class LabelController(Controller):
    path = "/api/v1/labels"
    tags = ["labels"]
    dependencies = {"flt": Provide(selection, sync_to_thread=False)}

    @get("/sheet.pdf", opt={"permission": "labels.print"}, media_type="application/pdf")
    async def sheet(
        self, request: Request, flt: NamedDependency[svc.ItemFilter],
        layout: Annotated[str, QueryParameter(max_length=40)] = "a4-3x7",
        start_at: FromQuery[int] = 1,
    ) -> Response[bytes]:
        """Labels of the selection as a PDF, the first at position start_at of a used sheet."""
        with label_errors_as_invalid_input():
            get_layout(layout)
        labels = await selected_labels(flt, request.app.state.settings)
        with label_errors_as_invalid_input():
            pdf = await render_pdf_async(labels, layout, start_at)
        return Response(pdf, media_type="application/pdf",
                        headers={"content-disposition": 'inline; filename="etiquettes.pdf"'})

    @get("/zpl", opt={"permission": "labels.print"}, media_type="text/plain")
    async def zpl(
        self, request: Request, flt: NamedDependency[svc.ItemFilter],
        layout: Annotated[str, QueryParameter(max_length=40)] = "roll-62x29",
    ) -> Response[str]:
        """Labels of the selection as ZPL II for a Zebra roll printer (203 dpi)."""
        with label_errors_as_invalid_input():
            get_layout(layout)
        labels = await selected_labels(flt, request.app.state.settings)
        with label_errors_as_invalid_input():
            text = await anyio.to_thread.run_sync(render_zpl, labels, layout)
        return Response(text, media_type="text/plain; charset=utf-8")

    @get("/{filename:str}", opt={"permission": "labels.print"}, media_type="image/svg+xml")
    async def one_svg(
        self, request: Request, filename: FromPath[str],
        layout: Annotated[str, QueryParameter(max_length=40)] = "a4-3x7",
    ) -> Response[str]:
        """One item's label as SVG (GET /api/v1/labels/ESN-00001-3.svg), to reprint it."""
        if not filename.endswith(".svg"):
            raise NotFound(N_("No item with tag “{tag}”."), tag=filename)
        settings = request.app.state.settings
        row = await svc.get_item(resolve_or_404(filename.removesuffix(".svg"),
                                                settings.tag_prefix))
        with label_errors_as_invalid_input():
            svg = render_svg(label_of(row, settings), layout)
        return Response(svg, media_type="image/svg+xml")
