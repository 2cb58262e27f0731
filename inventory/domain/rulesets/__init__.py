"""The versioned rule set: eligibility settings and loan terms, read from TOML and checked.

An admin edits the rule set as text; ``parse`` reports every problem at once (unknown or
missing settings, wrong types, out-of-range numbers) so a broken rule set never replaces the
one in force. ``default.toml`` next to this file is the rule set shipped with the service.
"""

from __future__ import annotations

import math
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from types import MappingProxyType
from typing import Any

from inventory.domain.eligibility import Situation
from inventory.domain.errors import Gettext, InvalidInput, N_
from inventory.domain.lifecycle import KIND_FAMILY, Family, Kind
from inventory.domain.loan_policy import KindPolicy, LoanPolicy, Reason

DEFAULT_FILE = "default.toml"


def normalise_commune(name: str) -> str:
    """A commune name compared without case, accents, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    for mark in "-'’":
        text = text.replace(mark, " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class RuleSet:
    """One version of the association's rules, as read from the rule-set file."""

    version: str
    served_communes: tuple[str, ...]
    target_publics: frozenset[Situation]
    minimum_age: int
    person_limits: Mapping[Family, int]
    household_limits: Mapping[Family, int]
    cooldown_days: Mapping[Kind, int]
    programme_max_months: int
    card_budget_per_month_eur: Decimal
    decision_valid_months: int
    enrollment_required_for_devices: bool
    loan_policy: LoanPolicy = field(default_factory=LoanPolicy)
    priority_area_required: bool = False
    referral_valid_days: int | None = None

    def __post_init__(self) -> None:
        for name in ("person_limits", "household_limits", "cooldown_days"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        served = frozenset(normalise_commune(c) for c in self.served_communes)
        object.__setattr__(self, "_served", served)

    def serves(self, commune: str) -> bool:
        """Whether the commune (name or INSEE code, as written in the file) is served."""
        return normalise_commune(commune) in self._served  # type: ignore[attr-defined]

    def limit(self, scope: str, family: Family) -> int:
        """The most active loans of a family for a ``person`` or a ``household``."""
        limits = self.person_limits if scope == "person" else self.household_limits
        return limits[family]

    @classmethod
    def parse(cls, text: str) -> RuleSet:
        return parse(text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        return from_dict(data)


class InvalidRuleSet(InvalidInput):
    """The rule set cannot be used; ``problems`` lists every problem found."""

    message = N_("The rule set is not valid: {problems}")

    def __init__(self, problems: Iterable[Reason]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(p.message.format(**p.params) for p in self.problems)
        super().__init__(self.message, problems=listed)

    def render(self, gettext: Gettext) -> str:
        listed = "; ".join(p.render(gettext) for p in self.problems)
        return gettext(self.message).format(problems=listed)


MISSING = N_("Missing setting “{key}”.")
UNKNOWN = N_("Unknown setting “{key}”.")
NOT_TABLE = N_("“{key}” must be a section of settings.")
NOT_INTEGER = N_("“{key}” must be a whole number, not “{value}”.")
TOO_SMALL = N_("“{key}” must be at least {minimum}, not {value}.")
TOO_LARGE = N_("“{key}” must be at most {maximum}, not {value}.")
NOT_BOOLEAN = N_("“{key}” must be true or false, not “{value}”.")
NOT_TEXT = N_("“{key}” must be a non-empty text.")
NOT_TEXT_LIST = N_("“{key}” must be a non-empty list of texts.")
NOT_AMOUNT = N_("“{key}” must be an amount in euros, zero or more, not “{value}”.")
UNKNOWN_CHOICE = N_("“{value}” is not a known value for “{key}”; known values: {known}.")
NOT_TOML = N_("The rule set is not valid TOML: {error}.")
HOUSEHOLD_BELOW_PERSON = N_(
    "The household limit “{key}” ({household}) is below the limit for one person ({person})."
)
DEFAULT_OVER_MAX = N_(
    "In “{key}”, the default duration ({default} months) exceeds the maximum ({maximum} months)."
)

_ABSENT = object()


class _Reader:
    """Reads settings out of nested tables, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Reason] = []

    def problem(self, message: str, **params: Any) -> None:
        self.problems.append(Reason(message, params))

    def only(self, table: Mapping[str, Any], allowed: Iterable[str], prefix: str) -> None:
        allowed = set(allowed)
        for key in table:
            if key not in allowed:
                self.problem(UNKNOWN, key=prefix + str(key))

    def get(self, table: Mapping[str, Any], key: str, prefix: str, required: bool) -> Any:
        if key in table:
            return table[key]
        if required:
            self.problem(MISSING, key=prefix + key)
        return _ABSENT

    def table(self, table: Mapping[str, Any], key: str, prefix: str = "",
              required: bool = True) -> Mapping[str, Any] | None:
        value = self.get(table, key, prefix, required)
        if value is _ABSENT:
            return None
        if not isinstance(value, Mapping):
            self.problem(NOT_TABLE, key=prefix + key)
            return None
        return value

    def integer(self, table: Mapping[str, Any], key: str, prefix: str = "", *,
                minimum: int = 0, maximum: int | None = None,
                required: bool = True) -> int | None:
        value, name = self.get(table, key, prefix, required), prefix + key
        if value is _ABSENT:
            return None
        # bool is an int in Python; "true" is not a number of days.
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(NOT_INTEGER, key=name, value=value)
        elif value < minimum:
            self.problem(TOO_SMALL, key=name, minimum=minimum, value=value)
        elif maximum is not None and value > maximum:
            self.problem(TOO_LARGE, key=name, maximum=maximum, value=value)
        else:
            return value
        return None

    def boolean(self, table: Mapping[str, Any], key: str, prefix: str = "",
                required: bool = True) -> bool | None:
        value = self.get(table, key, prefix, required)
        if value is _ABSENT:
            return None
        if not isinstance(value, bool):
            self.problem(NOT_BOOLEAN, key=prefix + key, value=value)
            return None
        return value

    def text(self, table: Mapping[str, Any], key: str) -> str | None:
        value = self.get(table, key, "", True)
        if value is _ABSENT:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(NOT_TEXT, key=key)
            return None
        return value.strip()

    def texts(self, table: Mapping[str, Any], key: str,
              choices: Iterable[str] | None = None) -> tuple[str, ...] | None:
        value = self.get(table, key, "", True)
        if value is _ABSENT:
            return None
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            self.problem(NOT_TEXT_LIST, key=key)
            return None
        items = tuple(v.strip() for v in value)
        if choices is not None:
            known = tuple(choices)
            for item in items:
                if item not in known:
                    self.problem(UNKNOWN_CHOICE, key=key, value=item, known=", ".join(known))
        return items

    def amount(self, table: Mapping[str, Any], key: str) -> Decimal | None:
        value = self.get(table, key, "", True)
        if value is _ABSENT:
            return None
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value < 0):
            self.problem(NOT_AMOUNT, key=key, value=value)
            return None
        # Through str, so that 12.3 in the file is 12.30 €, not 12.2999…
        return Decimal(str(value))


_TOP_LEVEL = (
    "version", "served_communes", "target_publics", "minimum_age", "max_active_loans",
    "cooldown_days", "programme_max_months", "card_budget_per_month_eur",
    "decision_valid_months", "enrollment_required_for_devices", "priority_area_required",
    "referral_valid_days", "loan_policy",
)
_TERMS = ("default_months", "max_months", "renewals", "renewal_months")


def _limits(r: _Reader, data: Mapping[str, Any]) -> dict[str, dict[Family, int]]:
    """``[max_active_loans.person]`` and ``[max_active_loans.household]``, per family."""
    found: dict[str, dict[Family, int]] = {"person": {}, "household": {}}
    loans = r.table(data, "max_active_loans")
    if loans is None:
        return found
    r.only(loans, found, "max_active_loans.")
    for scope, limits in found.items():
        prefix = f"max_active_loans.{scope}."
        table = r.table(loans, scope, "max_active_loans.")
        if table is None:
            continue
        r.only(table, (f.value for f in Family), prefix)
        for family in Family:
            value = r.integer(table, family.value, prefix)
            if value is not None:
                limits[family] = value
    for family in Family:
        person, household = found["person"].get(family), found["household"].get(family)
        if person is not None and household is not None and household < person:
            r.problem(HOUSEHOLD_BELOW_PERSON, key=f"max_active_loans.household.{family.value}",
                      household=household, person=person)
    return found


def _cooldowns(r: _Reader, data: Mapping[str, Any]) -> dict[Kind, int]:
    """``[cooldown_days]``: days between two loans of a kind; a kind left out has none."""
    table = r.table(data, "cooldown_days")
    if table is None:
        return {}
    r.only(table, (k.value for k in Kind), "cooldown_days.")
    found = {}
    for kind in Kind:
        value = r.integer(table, kind.value, "cooldown_days.", required=False)
        if value is not None:
            found[kind] = value
    return found


def _terms(r: _Reader, table: Mapping[str, Any], prefix: str) -> KindPolicy | None:
    r.only(table, _TERMS, prefix)
    default = r.integer(table, "default_months", prefix, minimum=1)
    maximum = r.integer(table, "max_months", prefix, minimum=1)
    renewals = r.integer(table, "renewals", prefix)
    # Months added by one renewal: needed, and at least one, only if renewals are allowed.
    renewal_months = r.integer(table, "renewal_months", prefix, minimum=1 if renewals else 0,
                               required=bool(renewals))
    if default is not None and maximum is not None and default > maximum:
        r.problem(DEFAULT_OVER_MAX, key=prefix.rstrip("."), default=default, maximum=maximum)
        return None
    if default is None or maximum is None or renewals is None:
        return None
    if renewals and renewal_months is None:
        return None
    return KindPolicy(default, maximum, renewals, renewal_months or 0)


def _loan_policy(r: _Reader, data: Mapping[str, Any]) -> LoanPolicy:
    """``[loan_policy.<kind>]`` sections; every device kind needs one, cards may have one."""
    table = r.table(data, "loan_policy")
    if table is None:
        return LoanPolicy()
    r.only(table, (k.value for k in Kind), "loan_policy.")
    terms = {}
    for kind in Kind:
        required = KIND_FAMILY[kind] == Family.DEVICE
        section = r.table(table, kind.value, "loan_policy.", required=required)
        if section is not None:
            term = _terms(r, section, f"loan_policy.{kind.value}.")
            if term is not None:
                terms[kind] = term
    return LoanPolicy(terms)


def from_dict(data: Mapping[str, Any]) -> RuleSet:
    """A RuleSet from plain data (as TOML gives it), or InvalidRuleSet with every problem."""
    r = _Reader()
    if not isinstance(data, Mapping):
        raise InvalidRuleSet([Reason(NOT_TABLE, {"key": "rule set"})])
    r.only(data, _TOP_LEVEL, "")
    values = {
        "version": r.text(data, "version"),
        "served_communes": r.texts(data, "served_communes"),
        "target_publics": r.texts(data, "target_publics", choices=(s.value for s in Situation)),
        "minimum_age": r.integer(data, "minimum_age", maximum=120),
        "programme_max_months": r.integer(data, "programme_max_months", minimum=6, maximum=18),
        "card_budget_per_month_eur": r.amount(data, "card_budget_per_month_eur"),
        "decision_valid_months": r.integer(data, "decision_valid_months", minimum=1),
        "enrollment_required_for_devices": r.boolean(data, "enrollment_required_for_devices"),
    }
    optional = {
        "priority_area_required": r.boolean(data, "priority_area_required", required=False),
        "referral_valid_days": r.integer(data, "referral_valid_days", minimum=1,
                                         required=False),
    }
    limits = _limits(r, data)
    cooldowns = _cooldowns(r, data)
    policy = _loan_policy(r, data)
    if r.problems:
        raise InvalidRuleSet(r.problems)
    values["target_publics"] = frozenset(Situation(s) for s in values["target_publics"])
    return RuleSet(
        **values, **{k: v for k, v in optional.items() if v is not None},
        person_limits=limits["person"], household_limits=limits["household"],
        cooldown_days=cooldowns, loan_policy=policy,
    )


def parse(text: str) -> RuleSet:
    """A RuleSet from the text of a rule-set file, or InvalidRuleSet with every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidRuleSet([Reason(NOT_TOML, {"error": str(error)})]) from None
    return from_dict(data)


def default_text() -> str:
    """The text of the rule set shipped with the service."""
    return resources.files(__name__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def load_default() -> RuleSet:
    """The rule set shipped with the service, parsed."""
    return parse(default_text())
