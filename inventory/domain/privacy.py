"""Retention and erasure rules: when a record is anonymised and what it keeps."""

from __future__ import annotations

from datetime import date
from typing import Any

from inventory.domain.loan_policy import add_months

RETENTION_MONTHS = 24
# What an anonymised record shows instead of a name.
ANONYMOUS_FIRST_NAME = "Anonyme"
ANONYMOUS_LAST_NAME = ""
# Search keys are folded words and "name|year|phone": this prefix never comes out of them.
ANONYMOUS_KEY_PREFIX = "~anonymised~"
# Decision answers kept after anonymisation: coarse attributes that statistics read.
KEPT_ANSWERS = ("commune", "situation", "in_priority_area", "requested_kinds",
                "card_amount_eur", "serves_active_enrollment")


def birth_band(year: int) -> int:
    """The first year of the decade a birth year falls in: 1984 → 1980."""
    return year - year % 10


def retention_cutoff(day: date, months: int = RETENTION_MONTHS) -> date:
    """People with no contact since before this day are anonymised."""
    if months < 1:
        raise ValueError("the retention period is at least one month")
    return add_months(day, -months)


def anonymous_key(number: str) -> str:
    """A duplicate key unique to the record that no name, year or phone can produce."""
    return f"{ANONYMOUS_KEY_PREFIX}{number}"


def coarse_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """A decision's answers without anything that singles the person out."""
    kept = {key: answers[key] for key in KEPT_ANSWERS if key in answers}
    if isinstance(answers.get("birth_year"), int):
        kept["birth_year_band"] = birth_band(answers["birth_year"])
    return kept
