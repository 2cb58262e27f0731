"""Loan policy per kind: due dates, renewals, deposit forms; and the reasons rules give.

This is the lowest of the rule modules (the rule set and eligibility build on it), so the
small shared pieces live here: month arithmetic, kind labels and ``Reason``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from inventory.domain.errors import DomainError, Gettext, InvalidInput, N_
from inventory.domain.lifecycle import Family, Kind

KIND_LABELS: dict[str, str] = {
    Kind.LAPTOP: N_("laptop"),
    Kind.DESKTOP: N_("desktop computer"),
    Kind.TABLET: N_("tablet"),
    Kind.SMARTPHONE: N_("smartphone"),
    Kind.HOTSPOT: N_("mobile hotspot"),
    Kind.SIM: N_("SIM card"),
    Kind.DATA_CARD: N_("data top-up card"),
}

FAMILY_LABELS: dict[str, str] = {
    Family.DEVICE: N_("devices"),
    Family.CARD: N_("connection cards"),
}


class DepositForm(StrEnum):
    CHEQUE_NOT_CASHED = "cheque_not_cashed"
    CASH = "cash"
    WAIVED = "waived"

    @property
    def label(self) -> str:
        return DEPOSIT_FORM_LABELS[self]


DEPOSIT_FORM_LABELS: dict[str, str] = {
    DepositForm.CHEQUE_NOT_CASHED: N_("cheque, not cashed"),
    DepositForm.CASH: N_("cash"),
    DepositForm.WAIVED: N_("waived"),
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def display(value: Any, gettext: Gettext) -> str:
    """A parameter as people read it: kinds and enums by label, dates as dd/mm/yyyy."""
    if isinstance(value, Kind):
        return gettext(KIND_LABELS[value])
    if isinstance(value, Family):
        return gettext(FAMILY_LABELS[value])
    if isinstance(value, StrEnum) and hasattr(value, "label"):
        return gettext(value.label)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        # French first: the decimal comma, always two decimals for euros.
        return f"{value:.2f}".replace(".", ",")
    return str(value)


@dataclass(frozen=True, slots=True)
class Reason:
    """An English message id with its parameters, translated only when shown."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, gettext: Gettext) -> str:
        """The reason in the user's language."""
        values = {k: display(v, gettext) for k, v in self.params.items()}
        return gettext(self.message).format(**values)


class _Explained(DomainError):
    """A domain error whose parameters are shown with ``display`` (labels, dates)."""

    def render(self, gettext: Gettext) -> str:
        return Reason(self.message, self.params).render(gettext)


class InvalidDueDate(_Explained, InvalidInput):
    """The due date chosen for a loan is outside the loan policy."""

    _MESSAGES = {
        "no_term": N_("Kind “{kind}” is handed over, not lent for a period: it has no due date."),
        "not_after_start": N_("The due date ({due}) must come after the loan starts ({start})."),
        "beyond_max": N_(
            "Kind “{kind}” is lent for {max_months} months at most: the due date can be"
            " {latest} at the latest, not {due}."
        ),
    }

    def __init__(self, reason: str, **params: Any) -> None:
        self.reason = reason
        super().__init__(self._MESSAGES[reason], **params)


class RenewalRefused(_Explained):
    """The loan cannot be renewed; the message says why."""


@dataclass(frozen=True, slots=True)
class KindPolicy:
    """How long one kind is lent, and how often and how long it can be renewed."""

    default_months: int
    max_months: int
    renewals: int = 0
    renewal_months: int = 0


@dataclass(frozen=True, slots=True)
class LoanFacts:
    """What renewal needs to know about an open loan."""

    kind: Kind
    started_on: date
    due_on: date | None
    renewals_done: int = 0


@dataclass(frozen=True, slots=True)
class Renewal:
    """The answer to "can this loan be renewed?", with the new due date when it can."""

    allowed: bool
    reason: Reason
    new_due_on: date | None = None


@dataclass(frozen=True)
class LoanPolicy:
    """Terms per kind; a kind without terms (connection cards) is handed over, not lent."""

    terms: Mapping[Kind, KindPolicy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", MappingProxyType(dict(self.terms)))

    def due_date(
        self,
        kind: Kind,
        start: date,
        requested: date | None = None,
        path_end: date | None = None,
    ) -> date | None:
        """The due date of a loan of ``kind`` starting on ``start``; None if it has no term."""
        # The staff's choice wins if within the maximum (else InvalidDueDate); then the
        # learning path's end; then the default duration.
        kind = Kind(kind)
        term = self.terms.get(kind)
        if term is None:
            if requested is not None:
                raise InvalidDueDate("no_term", kind=kind)
            return None
        latest = add_months(start, term.max_months)
        if requested is not None:
            if requested <= start:
                raise InvalidDueDate("not_after_start", due=requested, start=start)
            if requested > latest:
                raise InvalidDueDate(
                    "beyond_max", kind=kind, max_months=term.max_months, latest=latest,
                    due=requested,
                )
            return requested
        if path_end is not None and path_end > start:
            # The loan serves the path; a path longer than the maximum is followed as far
            # as the policy allows, and the loan can then be renewed.
            return min(path_end, latest)
        return add_months(start, term.default_months)

    def can_renew(self, loan: LoanFacts, someone_waiting_for_kind: bool) -> Renewal:
        """Whether the loan can be renewed now, and until when."""
        term = self.terms.get(Kind(loan.kind))
        if term is None or loan.due_on is None or term.renewals == 0:
            return Renewal(False, Reason(N_("A loan of kind “{kind}” cannot be renewed."),
                                         {"kind": Kind(loan.kind)}))
        if loan.renewals_done >= term.renewals:
            return Renewal(False, Reason(
                N_("This loan was already renewed {done} time(s); the limit is {limit}."),
                {"done": loan.renewals_done, "limit": term.renewals},
            ))
        if someone_waiting_for_kind:
            return Renewal(False, Reason(
                N_("Someone is waiting for the kind “{kind}”: the loan cannot be renewed."),
                {"kind": Kind(loan.kind)},
            ))
        new_due = add_months(loan.due_on, term.renewal_months)
        reason = Reason(N_("Renewed until {due}."), {"due": new_due})
        return Renewal(True, reason, new_due)

    def renew(self, loan: LoanFacts, someone_waiting_for_kind: bool) -> date:
        """The new due date, or RenewalRefused saying why not."""
        renewal = self.can_renew(loan, someone_waiting_for_kind)
        if not renewal.allowed or renewal.new_due_on is None:
            raise RenewalRefused(renewal.reason.message, **renewal.reason.params)
        return renewal.new_due_on
