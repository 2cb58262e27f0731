"""Plain, frozen inputs of a label: everything printed on it, nothing it looks up."""

from __future__ import annotations

from dataclasses import dataclass


class LabelError(ValueError):
    """A label or a layout cannot be printed as asked; the message is French, for the user."""


class LayoutError(LabelError):
    """A label layout is invalid (bad config, labels outside the page, bad start position)."""


@dataclass(frozen=True, slots=True)
class LabelData:
    """What one label shows: the asset tag (Code 128), the item's URL (QR) and human text."""

    tag: str
    url: str
    kind: str = ""
    model: str = ""
    site: str = ""
    association: str = ""
