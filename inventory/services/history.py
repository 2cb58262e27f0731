"""Append-only history: the one writer of each hash chain, and the walk that verifies them.

Item history is chained per item, the access log per beneficiary (rows without one form a
chain of their own). A writer reads the chain's last hash after taking the lock that orders
writers of that chain: on PostgreSQL the item's or the beneficiary's row (SELECT … FOR NO KEY
UPDATE, which still lets other transactions insert rows that reference it); SQLite has one
writer at a time already. Nothing in the application updates or deletes these rows.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from inventory.db import sql
from inventory.db.engine import is_sqlite
from inventory.db.tables import AccessLog
from inventory.domain.history import (
    ACCESS_LOG_FIELDS, ITEM_EVENT_FIELDS, BrokenLink, entry_hash, verify_chain,
)
from inventory.services.common import engine, unit_of_work, utcnow

_NULL_CHAIN_LOCK = 0x5EC1A55  # advisory lock of the access-log chain without beneficiary
_PAGE = 5000
_BATCH = 400  # ids per IN list, rows per INSERT: 400 x 12 parameters fit every driver

_LAST_EVENT = "SELECT hash FROM item_event WHERE item = $1 ORDER BY id DESC LIMIT 1"
_INSERT_EVENT = (
    "INSERT INTO item_event (item, at, actor, action, from_state, to_state, site, reason, "
    "note, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
_INSERT_EVENTS = ("INSERT INTO item_event (item, at, actor, action, from_state, to_state, site, "
                  "reason, note, details, prev_hash, hash) VALUES {}")
_INSERT_ACCESS = ("INSERT INTO access_log (at, actor, actor_role, action, beneficiary, "
                  "prev_hash, hash) VALUES {}")


def _text(value: Any) -> str | None:
    """Enum members as their plain value (both database drivers want exact strings)."""
    return value.value if isinstance(value, Enum) else value


async def _lock(table: str, row_ids: list[int]) -> None:
    """Order this chain's writers (PostgreSQL): lock the owning rows in id order (``row_ids``
    sorted), a batch at a time."""
    if is_sqlite(engine()):
        return
    for start in range(0, len(row_ids), _BATCH):
        chunk = row_ids[start:start + _BATCH]
        await sql.execute(engine(), f"SELECT id FROM {table} WHERE id IN "  # noqa: S608
                          f"({sql.placeholders(1, len(chunk))}) ORDER BY id FOR NO KEY UPDATE",
                          *chunk)


async def _last_hashes(table: str, key: str, ids: list[int]) -> dict[int, str | None]:
    """The last hash of each chain ``key`` (an item, a beneficiary) among ``ids``; chains
    without rows are absent."""
    last: dict[int, str | None] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        rows = await sql.fetch(
            engine(), f"SELECT {key} AS chain, hash FROM {table} WHERE id IN "  # noqa: S608
            f"(SELECT max(id) FROM {table} WHERE {key} IN "
            f"({sql.placeholders(1, len(chunk))}) GROUP BY {key})", *chunk)
        last.update({r["chain"]: r["hash"] for r in rows})
    return last


async def _insert_rows(template: str, rows: list[list[Any]]) -> None:
    """Insert ``rows`` with one multi-row VALUES (``template``'s ``{}``) a batch at a time."""
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start:start + _BATCH]
        width = len(chunk[0])
        groups = ", ".join(f"({sql.placeholders(n * width + 1, width)})"
                           for n in range(len(chunk)))
        await sql.execute(engine(), template.format(groups),
                          *(value for row in chunk for value in row))


async def append_item_event(item_id: int, actor_id: int | None, action: str, *,
                            at: datetime | None = None, from_state: Any = None,
                            to_state: Any = None, site: int | None = None, reason: str = "",
                            note: str = "", details: dict | None = None,
                            item_locked: bool = False) -> None:
    """Append one entry to an item's history chain (joins the use case's transaction);
    ``item_locked``: the caller already holds the item row FOR UPDATE (check-out)."""
    row = {"item": item_id, "at": at or utcnow(), "actor": actor_id, "action": _text(action),
           "from_state": _text(from_state), "to_state": _text(to_state), "site": site,
           "reason": reason, "note": note,
           "details": json.dumps(details or {}, ensure_ascii=False, default=str)}
    async with unit_of_work():
        if not item_locked:
            await _lock("item", [item_id])
        last = await sql.fetchrow(engine(), _LAST_EVENT, item_id)
        prev = last["hash"] if last else None
        await sql.execute(engine(), _INSERT_EVENT, *(row[f] for f in ITEM_EVENT_FIELDS), prev,
                          entry_hash(prev, row, ITEM_EVENT_FIELDS))


async def append_item_events(item_ids: Iterable[int], actor_id: int | None, action: str, *,
                             site: int | None = None, reason: str = "",
                             details: dict | None = None) -> None:
    """Append the same entry to many items' chains at once (a stocktake's missing items):
    the owning rows locked in id order, one query for the last hashes, batched inserts."""
    ids = sorted(set(item_ids))
    if not ids:
        return
    at, text = utcnow(), json.dumps(details or {}, ensure_ascii=False, default=str)
    async with unit_of_work():
        await _lock("item", ids)
        last = await _last_hashes("item_event", "item", ids)
        rows: list[list[Any]] = []
        for item_id in ids:
            row = {"item": item_id, "at": at, "actor": actor_id, "action": _text(action),
                   "from_state": None, "to_state": None, "site": site, "reason": reason,
                   "note": "", "details": text}
            prev = last.get(item_id)
            rows.append([*(row[f] for f in ITEM_EVENT_FIELDS), prev,
                         entry_hash(prev, row, ITEM_EVENT_FIELDS)])
        await _insert_rows(_INSERT_EVENTS, rows)


async def _last_access_hashes(ids: list[int | None]) -> dict[int | None, str | None]:
    """The last hash of each beneficiary's access chain (None: empty or legacy)."""
    last: dict[int | None, str | None] = dict(await _last_hashes(
        "access_log", "beneficiary", sorted({i for i in ids if i is not None})))
    if None in ids:
        if not is_sqlite(engine()):
            await sql.execute(engine(), "SELECT pg_advisory_xact_lock($1)", _NULL_CHAIN_LOCK)
        row = await sql.fetchrow(engine(), "SELECT hash FROM access_log WHERE beneficiary IS "
                                 "NULL ORDER BY id DESC LIMIT 1")
        last[None] = row["hash"] if row else None
    return last


async def append_access(actor_id: int | None, actor_role: Any, action: str,
                        beneficiary_ids: Iterable[int | None]) -> None:
    """Append one access-log entry per beneficiary id, each to that person's chain."""
    ids = list(beneficiary_ids)
    if not ids:
        return
    at = utcnow()
    async with unit_of_work():
        await _lock("beneficiary", sorted({i for i in ids if i is not None}))
        last = await _last_access_hashes(ids)
        rows: list[list[Any]] = []
        for bid in ids:
            row = {"at": at, "actor": actor_id, "actor_role": _text(actor_role),
                   "action": action, "beneficiary": bid}
            digest = entry_hash(last.get(bid), row, ACCESS_LOG_FIELDS)
            rows.append([*(row[f] for f in ACCESS_LOG_FIELDS), last.get(bid), digest])
            last[bid] = digest
        await _insert_rows(_INSERT_ACCESS, rows)


@dataclass
class TableReport:
    """The outcome of one table's chains."""

    table: str
    chains: int = 0
    checked: int = 0
    legacy: int = 0
    broken_chains: int = 0
    first_broken: BrokenLink | None = None


_WALKS = {
    "item_event": ("item", ITEM_EVENT_FIELDS),
    "access_log": ("COALESCE(beneficiary, 0)", ACCESS_LOG_FIELDS),
}


async def _rows(table: str) -> AsyncIterator[dict[str, Any]]:
    """Every row of ``table`` in chain then id order, page by page."""
    key, fields = _WALKS[table]
    columns = ", ".join(f for f in fields)
    chain, last_id = -1, 0
    while True:
        page = await AccessLog.raw(
            f"SELECT id, {key} AS chain, {columns}, prev_hash, hash FROM {table} "  # noqa: S608
            f"WHERE {key} > {{}} OR ({key} = {{}} AND id > {{}}) ORDER BY {key}, id "
            f"LIMIT {_PAGE}", chain, chain, last_id)
        for row in page:
            yield row
        if len(page) < _PAGE:
            return
        chain, last_id = page[-1]["chain"], page[-1]["id"]


async def verify_table(table: str) -> TableReport:
    """Walk every chain of ``table`` ("item_event" or "access_log")."""
    report, fields = TableReport(table), _WALKS[table][1]

    def check(chain: int, group: list[dict[str, Any]]) -> None:
        name = f"item {chain}" if table == "item_event" else (
            f"beneficiary {chain}" if chain else "no beneficiary")
        outcome = verify_chain(group, fields, table=table, chain=name)
        report.chains += 1
        report.checked += outcome.checked
        report.legacy += outcome.legacy
        if outcome.broken:
            report.broken_chains += 1
            report.first_broken = report.first_broken or outcome.broken

    group: list[dict[str, Any]] = []
    async for row in _rows(table):
        if group and row["chain"] != group[0]["chain"]:
            check(group[0]["chain"], group)
            group = []
        group.append(row)
    if group:
        check(group[0]["chain"], group)
    return report


async def verify_history() -> list[TableReport]:
    """Both tables' chains: item history first, then the access log."""
    return [await verify_table("item_event"), await verify_table("access_log")]
