"""Plain, frozen inputs of a label: everything printed on it, nothing it looks up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def N_(message: str) -> str:
    """Mark a message for the translation catalogue without translating it here."""
    return message


class LabelError(ValueError):
    """A label or a layout cannot be printed as asked: an English message id and its params.

    str() is the English text; callers show the user ``render`` with the user's gettext.
    """

    def __init__(self, message: str, /, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)

    def render(self, gettext: Callable[[str], str]) -> str:
        """The message in the user's language."""
        return gettext(self.message).format(**self.params)


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
