"""When an eligibility decision may be relied on: not refused, not revoked, not expired, and
covering what is asked for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from inventory.domain.errors import DomainError, Gettext, N_
from inventory.domain.lifecycle import Kind
from inventory.domain.loan_policy import KIND_LABELS, display


class DecisionStatus(StrEnum):
    VALID = "valid"
    REFUSED = "refused"
    REVOKED = "revoked"
    EXPIRED = "expired"


DECISION_STATUS_LABELS: dict[str, str] = {
    DecisionStatus.VALID: N_("valid"),
    DecisionStatus.REFUSED: N_("not eligible"),
    DecisionStatus.REVOKED: N_("revoked"),
    DecisionStatus.EXPIRED: N_("expired"),
}


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """What a check-out needs to know of a recorded decision."""

    id: int
    eligible: bool
    covers: frozenset[Kind]
    decided_on: date
    valid_until: date
    revoked: bool = False


def decision_status(decision: DecisionSummary, today: date) -> DecisionStatus:
    """Revoked first, then refused, then expired (after its last valid day), else valid."""
    if decision.revoked:
        return DecisionStatus.REVOKED
    if not decision.eligible:
        return DecisionStatus.REFUSED
    if today > decision.valid_until:
        return DecisionStatus.EXPIRED
    return DecisionStatus.VALID


class NoValidDecision(DomainError):
    """No decision in force covers the request; the message says why."""

    _MESSAGES = {
        "none": N_("No eligibility decision was recorded for this person."),
        "refused": N_("The latest eligibility decision ({decided_on}) found the person not "
                      "eligible."),
        "revoked": N_("The eligibility decision of {decided_on} was revoked."),
        "expired": N_("The eligibility decision of {decided_on} expired on {valid_until}."),
        "kinds": N_("The eligibility decision of {decided_on} does not cover: {kinds}."),
    }

    def __init__(self, reason: str, **params: object) -> None:
        self.reason = reason
        super().__init__(self._MESSAGES[reason], **params)

    def render(self, gettext: Gettext) -> str:
        values = {k: display(v, gettext) for k, v in self.params.items() if k != "kinds"}
        if "kinds" in self.params:
            values["kinds"] = ", ".join(gettext(KIND_LABELS[k]) for k in self.params["kinds"])
        return gettext(self.message).format(**values)


def require_valid_decision(decisions: Sequence[DecisionSummary], kinds: Iterable[Kind],
                           today: date) -> DecisionSummary:
    """The most recent valid decision covering every kind, or NoValidDecision saying why.

    Revoked decisions are set aside. The newest remaining one has the last word when it
    found the person not eligible: an older favourable decision no longer counts. When none
    qualifies, the reason given is about the newest decision, the one staff will look at.
    """
    wanted = frozenset(Kind(k) for k in kinds)
    ordered = sorted(decisions, key=lambda d: (d.decided_on, d.id), reverse=True)
    if not ordered:
        raise NoValidDecision("none")
    live = [d for d in ordered if not d.revoked]
    if not live:
        raise NoValidDecision("revoked", decided_on=ordered[0].decided_on)
    newest = live[0]
    if decision_status(newest, today) is DecisionStatus.REFUSED:
        raise NoValidDecision("refused", decided_on=newest.decided_on)
    for decision in live:
        if decision_status(decision, today) is DecisionStatus.VALID and wanted <= decision.covers:
            return decision
    if decision_status(newest, today) is DecisionStatus.VALID:
        missing = sorted(wanted - newest.covers)
        raise NoValidDecision("kinds", decided_on=newest.decided_on, kinds=missing)
    raise NoValidDecision("expired", decided_on=newest.decided_on,
                          valid_until=newest.valid_until)
