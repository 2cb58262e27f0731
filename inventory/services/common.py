"""What every use case shares: the acting user, the clock, the engine and conflict mapping."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from datetime import UTC, date, datetime

import asyncpg
from piccolo.engine.base import Engine

from inventory.db.engine import write_transaction
from inventory.db.tables import Counter, Item
from inventory.domain.days import LOCAL_TZ
from inventory.domain.errors import Conflict, N_


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in person a use case acts for."""

    user_id: int | None
    username: str
    role: str
    display_name: str = ""
    site_id: int | None = None
    partner_org_id: int | None = None
    locale: str = "fr"


SYSTEM = Actor(user_id=None, username="system", role="admin", display_name="Système")




def from_json(value: Any, default: Any) -> Any:
    """A JSON column's value: Piccolo hands it back as text on both databases."""
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in France: a decision taken at 00:30 in Bordeaux is dated that day."""
    return datetime.now(LOCAL_TZ).date()


async def next_counter(name: str, count: int = 1) -> int:
    """The next value of a named sequence (call inside a write transaction); with ``count``,
    that many values are taken at once and the last of them returned."""
    while True:
        rows = await Counter.raw(
            "UPDATE counter SET value = value + {} WHERE name = {} RETURNING value", count, name
        )
        if rows:
            return rows[0]["value"]
        await Counter.insert(Counter(name=name, value=0))


def engine() -> Engine:
    """The engine the tables are bound to (from piccolo_conf, or a test's)."""
    return Item._meta.db


# Unique constraints people can run into, by "table.column", with what to tell them.
_DUPLICATES = {
    "item.tag": N_("An item with this asset tag already exists."),
    "item.serial": N_("An item with this serial number or IMEI already exists."),
    "item.iccid": N_("A card with this ICCID already exists."),
    "site.code": N_("A site with this code already exists."),
    "staff_user.username": N_("This username is already taken."),
    "partner_org.siret": N_("A partner organisation with this SIRET already exists."),
    "rule_set_version.version": N_("A rule set with this version already exists: change "
                                   "“version” in the text."),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
_PG_KEY = re.compile(r"Key \((\w+)\)")


def _conflict_from(exc: Exception) -> Conflict:
    """One place that turns either database's integrity error into a Conflict."""
    key = None
    if isinstance(exc, sqlite3.IntegrityError):
        match = _SQLITE_UNIQUE.search(str(exc))
        key = f"{match.group(1)}.{match.group(2)}" if match else None
    elif isinstance(exc, asyncpg.UniqueViolationError):
        match = _PG_KEY.search(getattr(exc, "detail", "") or "")
        table = getattr(exc, "table_name", "") or ""
        key = f"{table}.{match.group(1)}" if match else None
    message = _DUPLICATES.get(key or "")
    return Conflict(message) if message else Conflict()


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[None]:
    """A use case's single transaction; integrity errors come out as Conflict."""
    try:
        async with write_transaction(engine()):
            yield
    except (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError) as exc:
        raise _conflict_from(exc) from exc
