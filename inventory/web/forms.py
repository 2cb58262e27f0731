"""Reading HTML form posts: each field checked on its own, every problem kept by field name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request

from inventory.api.errors import DOMAIN_STATUS
from inventory.domain.errors import DomainError, Gettext, N_

TOO_LONG = N_("At most {limit} characters.")
REQUIRED = N_("This field is required.")
NOT_WHOLE = N_("Type a whole number between {low} and {high}.")
NOT_DATE = N_("Type a date as dd/mm/yyyy.")
NOT_EUROS = N_("Type an amount in euros, for example 12,50.")


def _date(text: str) -> date:
    """A date typed as 2026-11-27 (the browser's date input) or 27/11/2026."""
    if "/" in text:
        day, month, year = (int(p) for p in text.split("/"))
        return date(year, month, day)
    return date.fromisoformat(text)


@dataclass
class FormReader:
    """Typed access to a posted form; ``errors`` maps a field to the message shown next to it."""

    data: Any  # a multi-dict: .get(name) and .getall(name)
    gettext: Gettext
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def of(cls, request: Request, gettext: Gettext) -> FormReader:
        return cls(await request.form(), gettext)

    def fail(self, name: str, message: str, **params: Any) -> None:
        self.errors.setdefault(name, self.gettext(message).format(**params))

    def fail_with(self, name: str, exc: DomainError) -> None:
        self.errors.setdefault(name, exc.render(self.gettext))

    def text(self, name: str, limit: int, *, required: bool = False) -> str:
        value = str(self.data.get(name) or "").strip()
        if len(value) > limit:
            self.fail(name, TOO_LONG, limit=limit)
        elif required and not value:
            self.fail(name, REQUIRED)
        return value[:limit]

    def many(self, name: str) -> list[str]:
        return [str(v)[:40] for v in self.data.getall(name, [])][:20]

    def flag(self, name: str) -> bool:
        return str(self.data.get(name) or "") in {"on", "1", "true", "yes"}

    def whole(self, name: str, low: int, high: int, *, default: int | None = None) -> int | None:
        text = str(self.data.get(name) or "").strip()
        if not text:
            if default is None:
                self.fail(name, REQUIRED)
            return default
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.fail(name, NOT_WHOLE, low=low, high=high)
            return default
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        text = str(self.data.get(name) or "").strip()
        if not text:
            if required:
                self.fail(name, REQUIRED)
            return None
        try:
            return _date(text[:20])
        except ValueError:
            self.fail(name, NOT_DATE)
            return None

    def cents(self, name: str, high: int) -> int:
        """Euros typed with a comma or a point (12,50 or 12.50), as cents."""
        text = str(self.data.get(name) or "").strip().replace(" ", "").replace("€", "")
        if not text:
            return 0
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount * 100 > high \
                or amount != amount.quantize(Decimal("0.01")):
            self.fail(name, NOT_EUROS)
            return 0
        return int(amount * 100)


def error_status(exc: DomainError) -> int:
    """The HTTP status a domain error is answered with (the same table as the API's)."""
    return next(code for cls, code in DOMAIN_STATUS if isinstance(exc, cls))
