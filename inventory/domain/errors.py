"""Domain errors. Each carries an English message id and parameters; the web and API layers
translate it (French first) through ``render`` with the user's gettext."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a message for the translation catalogue without translating it here."""
    return message


class DomainError(Exception):
    """A rule of the association was not met; the message says which, in plain words."""

    message: str = N_("This operation is not allowed.")

    def __init__(self, message: str | None = None, /, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)

    def render(self, gettext: Gettext) -> str:
        """The message in the user's language."""
        return gettext(self.message).format(**self.params)


class NotFound(DomainError):
    message = N_("Nothing found.")


class Conflict(DomainError):
    message = N_("This conflicts with existing data.")


class InvalidInput(DomainError):
    message = N_("Invalid value.")


class InvalidTag(InvalidInput):
    """What was typed or scanned is not a valid asset tag."""

    _MESSAGES = {
        "prefix": N_("The tag prefix must be 1 to 6 capital letters, not “{prefix}”."),
        "number": N_("The tag number must be between 1 and 999,999,999, not {number}."),
        "shape": N_("This is not an asset tag: expected letters, digits and a check digit."),
        "other_prefix": N_("This tag does not belong to this association (prefix {prefix})."),
        "check": N_("The check digit does not match: a digit was probably mistyped."),
    }

    def __init__(self, reason: str, **params: Any) -> None:
        self.reason = reason
        super().__init__(self._MESSAGES[reason], **params)
