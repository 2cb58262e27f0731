"""The items list's vocabulary: the filters a person may choose, and how a typed text matches."""

from __future__ import annotations

from dataclasses import dataclass, fields

from inventory.domain.errors import N_
from inventory.domain.lifecycle import Family, Kind, State

GRADES = ("A+", "A", "B", "C", "D")
SORT_LABELS: dict[str, str] = {
    "tag": N_("asset tag"),
    "-updated": N_("last change, newest first"),
    "updated": N_("last change, oldest first"),
    "-tag": N_("asset tag, last first"),
}
DEFAULT_SORT = "tag"
NOT_A_CHOICE = N_("Choose a value from the list.")
_LIMITS = {"q": 80, "site": 12, "intake_batch": 80}
_CHOICES: dict[str, tuple[str, ...]] = {
    "family": tuple(Family), "kind": tuple(Kind), "state": tuple(State), "grade": GRADES,
    "sort": tuple(SORT_LABELS),
}


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) for values containing ``text``, case folded."""
    folded = text.strip().lower()
    for char in ("\\", "%", "_"):
        folded = folded.replace(char, "\\" + char)
    return f"%{folded}%"


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """What the items list was asked for, every value checked (empty: no filter)."""

    q: str = ""
    family: str = ""
    kind: str = ""
    state: str = ""
    site: str = ""
    intake_batch: str = ""
    grade: str = ""
    sort: str = DEFAULT_SORT

    def params(self) -> list[tuple[str, str]]:
        """The query-string pairs that reproduce this query (the default sort left out)."""
        pairs = [(f.name, getattr(self, f.name)) for f in fields(self)]
        return [(k, v) for k, v in pairs if v and not (k == "sort" and v == DEFAULT_SORT)]

    @property
    def filtered(self) -> bool:
        return any(v for k, v in self.params() if k != "sort")


def read_item_query(raw: dict[str, str]) -> tuple[ItemQuery, dict[str, str]]:
    """The query from a query string; a value out of its list is an error on that field
    (message id), and the field is left empty."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, limit in _LIMITS.items():
        values[name] = str(raw.get(name) or "").strip()[:limit]
    for name, allowed in _CHOICES.items():
        value = str(raw.get(name) or "").strip()
        if value and value not in allowed:
            errors[name] = NOT_A_CHOICE
            value = ""
        values[name] = value
    values["sort"] = values["sort"] or DEFAULT_SORT
    return ItemQuery(**values), errors
