"""Label stock: A4 sheets and thermal rolls, built in or read from a small TOML file.

All lengths are millimetres, measured from the top-left corner of the page. Positions on a
sheet are numbered 1..rows*columns, left to right then top to bottom, as on Avery's boxes.

Example of a custom layout file (every length in mm)::

    name = "herma-4360"
    title = "Herma 4360, 3 × 8"
    page_width = 210          # or: page = "A4"
    page_height = 297
    columns = 3
    rows = 8
    label_width = 70
    label_height = 36
    margin_top = 4.5
    margin_left = 0
    gap_x = 0                 # between columns
    gap_y = 0                 # between rows
    barcode = true            # optional; default: when it fits at a scannable size
    dpi = 300                 # optional; the printer's resolution, codes snap to its dots
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from labels.model import LayoutError, N_

# Rounding slack when checking that labels fit the page (stock data is given to 0.05 mm).
_FIT_SLACK = 0.01
PAGE_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "LETTER": (215.9, 279.4)}


@dataclass(frozen=True, slots=True)
class Layout:
    """A grid of labels on a page; a thermal roll is a 1×1 grid the size of its label."""

    name: str
    title: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_top: float = 0.0
    margin_left: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    barcode: bool | None = None
    dpi: int = 300

    def __post_init__(self) -> None:
        _check(self)

    @property
    def per_page(self) -> int:
        """How many labels one page holds."""
        return self.rows * self.columns

    @property
    def is_roll(self) -> bool:
        """True for a thermal roll: one label per page, the page being the label."""
        return self.per_page == 1

    def origin(self, position: int) -> tuple[float, float]:
        """Top-left corner (x, y) in mm of the label at a 1-based position on the page."""
        if not 1 <= position <= self.per_page:
            raise LayoutError(
                N_("Position {position} does not exist on “{title}” (positions 1 to {last})."),
                position=position, title=self.title, last=self.per_page,
            )
        row, column = divmod(position - 1, self.columns)
        x = self.margin_left + column * (self.label_width + self.gap_x)
        y = self.margin_top + row * (self.label_height + self.gap_y)
        return x, y


def _check(layout: Layout) -> None:
    """Raise LayoutError unless every label of the grid lies inside the page."""
    for name in ("name", "title"):
        if not isinstance(getattr(layout, name), str):
            raise LayoutError(N_("{field} must be text (got {value})."), field=name,
                              value=repr(getattr(layout, name)))
    t = layout.title or layout.name
    for name in ("columns", "rows", "dpi"):
        value = getattr(layout, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise LayoutError(N_("“{title}”: {field} must be a positive whole number (got "
                                 "{value})."), title=t, field=name, value=repr(value))
    for name in ("page_width", "page_height", "label_width", "label_height"):
        value = getattr(layout, name)
        if not _is_number(value) or value <= 0:
            raise LayoutError(N_("“{title}”: {field} must be a positive number (got {value})."),
                              title=t, field=name, value=repr(value))
    for name in ("margin_top", "margin_left", "gap_x", "gap_y"):
        value = getattr(layout, name)
        if not _is_number(value) or value < 0:
            raise LayoutError(N_("“{title}”: {field} must be a number ≥ 0 (got {value})."),
                              title=t, field=name, value=repr(value))
    _check_fit(layout, t)


def _check_fit(layout: Layout, t: str) -> None:
    """Raise LayoutError if the grid runs off the page, saying by how much."""
    right = layout.margin_left + layout.columns * layout.label_width
    right += (layout.columns - 1) * layout.gap_x
    bottom = layout.margin_top + layout.rows * layout.label_height
    bottom += (layout.rows - 1) * layout.gap_y
    if right > layout.page_width + _FIT_SLACK:
        raise LayoutError(
            N_("“{title}”: the {count} columns run off the page in width ({size} mm for a "
               "page of {page} mm)."),
            title=t, count=layout.columns, size=f"{right:.2f}", page=f"{layout.page_width:g}",
        )
    if bottom > layout.page_height + _FIT_SLACK:
        raise LayoutError(
            N_("“{title}”: the {count} rows run off the page in height ({size} mm for a "
               "page of {page} mm)."),
            title=t, count=layout.rows, size=f"{bottom:.2f}", page=f"{layout.page_height:g}",
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _sheet(name: str, title: str, columns: int, rows: int, size: tuple[float, float],
           top: float, left: float, gap_x: float) -> Layout:
    return Layout(name, title, 210.0, 297.0, columns, rows, size[0], size[1],
                  margin_top=top, margin_left=left, gap_x=gap_x)


def _roll(width: float, height: float) -> Layout:
    name = f"roll-{width:g}x{height:g}"
    title = f"Rouleau thermique {width:g} × {height:g} mm"
    return Layout(name, title, width, height, 1, 1, width, height, dpi=203)


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        _sheet("a4-3x7", "A4 3 × 7, 63,5 × 38,1 mm (Avery L7160)", 3, 7, (63.5, 38.1),
               15.15, 7.2, 2.5),
        _sheet("a4-2x7", "A4 2 × 7, 99,1 × 38,1 mm (Avery L7163)", 2, 7, (99.1, 38.1),
               15.15, 4.65, 2.5),
        _sheet("a4-5x13", "A4 5 × 13, 38,1 × 21,2 mm (Avery L7651)", 5, 13, (38.1, 21.2),
               10.7, 4.75, 2.5),
        _roll(62.0, 29.0),
        _roll(57.0, 32.0),
        _roll(50.0, 25.0),
    )
}


def get_layout(layout: str | Layout) -> Layout:
    """The Layout itself, or the built-in one of that name."""
    if isinstance(layout, Layout):
        return layout
    try:
        return LAYOUTS[layout]
    except KeyError:
        known = ", ".join(LAYOUTS)
        raise LayoutError(N_("Unknown label layout: “{layout}” (known: {known})."),
                          layout=layout, known=known) from None


def load_layout(source: str | Path) -> Layout:
    """A custom Layout from a TOML file (a Path) or TOML text (a str)."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(N_("Unreadable label layout file: {reason}."),
                          reason=str(exc)) from None
    return layout_from_dict(data)


def layout_from_dict(data: dict) -> Layout:
    """A Layout from a mapping with the keys of the TOML format; unknown keys are refused."""
    data = dict(data)
    page = data.pop("page", None)
    if page is not None:
        if str(page).upper() not in PAGE_SIZES:
            raise LayoutError(N_("Unknown page size: “{page}” (known: A4, A5, LETTER)."),
                              page=page)
        data.setdefault("page_width", PAGE_SIZES[str(page).upper()][0])
        data.setdefault("page_height", PAGE_SIZES[str(page).upper()][1])
    data.setdefault("name", "personnalisé")
    data.setdefault("title", str(data["name"]))
    known = {f.name for f in fields(Layout)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise LayoutError(N_("Unknown key(s) in the label layout: {keys}."),
                          keys=", ".join(unknown))
    missing = sorted(known - set(data) - _OPTIONAL)
    if missing:
        raise LayoutError(N_("Missing key(s) in the label layout: {keys}."),
                          keys=", ".join(missing))
    barcode = data.get("barcode")
    if barcode is not None and not isinstance(barcode, bool):
        raise LayoutError(N_("barcode must be true or false (got {value})."),
                          value=repr(barcode))
    return Layout(**data)


_OPTIONAL = {"margin_top", "margin_left", "gap_x", "gap_y", "barcode", "dpi"}
