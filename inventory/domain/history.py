"""Hash chains over item history and the access log: canonical form, hashing, verification.

Each entry's hash is SHA-256 over the previous entry's hash in the same chain and the
canonical JSON of the entry's own fields; the first entry of a chain has no previous hash.
Changing, inserting or removing an entry anywhere but at the very end breaks the link that
follows it. Rows written before the chains existed carry no hash: they may only come first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

ITEM_EVENT_FIELDS = ("item", "at", "actor", "action", "from_state", "to_state", "site",
                     "reason", "note", "details")
ACCESS_LOG_FIELDS = ("at", "actor", "actor_role", "action", "beneficiary")


def _instant(value: datetime | str) -> str:
    """A timestamp as ISO 8601 in UTC to the microsecond, whichever way the database gave it."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        return _instant(value)
    if name == "details":
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(value, Enum):
        return value.value
    return value


def canonical(row: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """The entry's fields as canonical JSON: sorted keys, no spaces, UTF-8."""
    data = {name: _plain(name, row.get(name)) for name in fields}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def entry_hash(prev_hash: str | None, row: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    """The hash of one entry chained to ``prev_hash`` (None for a chain's first entry)."""
    digest = hashlib.sha256((prev_hash or "").encode("ascii") + b"\n")
    digest.update(canonical(row, fields))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """Where a chain stops holding: the row, and what differs."""

    table: str
    chain: str
    row_id: int
    kind: str  # "changed", "gap" (an entry before it removed or changed) or "unchained"
    problem: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """One chain's outcome: entries checked, legacy entries without hash, first break."""

    checked: int
    legacy: int
    broken: BrokenLink | None


def verify_chain(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...], *, table: str,
                 chain: str) -> ChainReport:
    """Walk one chain in id order; report the first link that does not hold."""
    previous: str | None = None
    checked = legacy = 0
    started = False
    for row in rows:
        def broken(kind: str, problem: str) -> ChainReport:
            return ChainReport(checked, legacy,
                               BrokenLink(table, chain, row["id"], kind, problem))

        if row.get("hash") is None:
            if started:
                return broken("unchained", "hash missing after chained entries")
            legacy += 1
            continue
        started = True
        if row.get("prev_hash") != previous:
            return broken("gap", f"prev_hash {row.get('prev_hash')} does not follow the previous "
                          f"entry's hash {previous} (an entry before it was removed or "
                          "changed)")
        expected = entry_hash(previous, row, fields)
        if row["hash"] != expected:
            return broken("changed", f"content does not match its hash (stored {row['hash']}, "
                          f"computed {expected}): the entry was changed")
        previous = row["hash"]
        checked += 1
    return ChainReport(checked, legacy, None)
