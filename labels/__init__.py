"""Asset labels: QR + Code 128 + text on A4 sheets and thermal rolls, as PDF, SVG or ZPL.

Pure renderers: plain LabelData in, bytes or text out; nothing is read or fetched.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread

from labels import pdf, svg, zpl
from labels.layouts import LAYOUTS, Layout, get_layout, load_layout
from labels.model import LabelData, LabelError, LayoutError
from labels.pdf import Progress, paginate

__all__ = [
    "LAYOUTS", "LabelData", "LabelError", "Layout", "LayoutError", "Progress", "get_layout",
    "load_layout", "paginate", "render_pdf", "render_pdf_async", "render_svg", "render_zpl",
]


def render_pdf(
    labels: Sequence[LabelData],
    layout: str | Layout,
    start_at: int = 1,
    progress: Progress | None = None,
) -> bytes:
    """A PDF of the labels; progress(done, total) is called after each page.

    An exception raised by progress stops the render: that is how a job is cancelled.
    """
    return pdf.render_pdf(labels, get_layout(layout), start_at, progress)


async def render_pdf_async(
    labels: Sequence[LabelData],
    layout: str | Layout,
    start_at: int = 1,
    progress: Progress | None = None,
) -> bytes:
    """render_pdf in a worker thread, so the event loop keeps serving scans meanwhile.

    progress is called from that thread: hand it to the loop with anyio.from_thread.run_sync.
    """
    return await anyio.to_thread.run_sync(pdf.render_pdf, labels, get_layout(layout), start_at,
                                          progress)


def render_svg(label: LabelData, layout: str | Layout = "a4-3x7") -> str:
    """One label as SVG at the layout's label size."""
    return svg.render_svg(label, get_layout(layout))


def render_zpl(labels: Sequence[LabelData], layout: str | Layout = "roll-62x29") -> str:
    """ZPL II for a Zebra printer at 203 dpi, one ^XA…^XZ block per label."""
    return zpl.render_zpl(labels, get_layout(layout))
