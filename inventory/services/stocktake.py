"""Stocktake use cases: start a count at a site, scan items into it, close it with its report,
or cancel it; and the reads its pages need (counts, recent scans, report lines).

Two volunteers scanning into one count at once: every scan takes a shared lock on the count
(PostgreSQL; SQLite has one writer at a time) and inserts its row with ``ON CONFLICT DO
NOTHING`` on the unique (count, item) index, so an item is recorded once whoever is first,
and a close waits for the scans in flight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from inventory.db import sql
from inventory.db.engine import is_sqlite
from inventory.db.tables import Site, Stocktake
from inventory.domain.access import MANAGERS
from inventory.domain.errors import Conflict, InvalidInput, N_, NotFound
from inventory.domain.lifecycle import Family, State
from inventory.domain.scan import resolve_code
from inventory.domain.stocktake import (
    SHELF_STATES, AlreadyCounting, Outcome, Record, Result, Status, check_open, check_site,
    classify, report,
)
from inventory.services.common import Actor, engine, unit_of_work, utcnow
from inventory.services.history import append_item_events

LINE_KINDS = ("found", "missing", "left", "unexpected")
_CHUNK = 500  # ids per IN list when writing the results at closing

# One condition for "on a shelf", family by family (constants only: no user input here).
_ON_SHELF = " OR ".join(
    f"(i.family = '{family.value}' AND i.state IN "
    f"({', '.join(repr(s.value) for s in sorted(states))}))"
    for family, states in SHELF_STATES.items())

_COUNT_SQL = (
    "SELECT t.id, t.status, t.note, t.started_at, t.closed_at, t.expected_count, "
    "t.found_count, t.missing_count, t.left_count, t.unexpected_count, t.site AS site_id, "
    "s.code AS site_code, s.name AS site_name, su.display_name AS started_by, "
    "cu.display_name AS closed_by FROM stocktake t JOIN site s ON s.id = t.site "
    "LEFT JOIN staff_user su ON su.id = t.started_by "
    "LEFT JOIN staff_user cu ON cu.id = t.closed_by ")
_LIVE_SQL = ("SELECT count(*) AS scanned, coalesce(sum(CASE WHEN outcome = 'found' THEN 1 "
             "ELSE 0 END), 0) AS found FROM stocktake_scan WHERE stocktake = {}")
_ITEM_SQL = ("SELECT i.id, i.tag, i.kind, i.family, i.brand, i.model, i.state, i.site, "
             "s.code AS site_code FROM item i JOIN site s ON s.id = i.site WHERE i.tag = $1")
_SCAN_COLUMNS = (
    "SELECT i.tag, i.kind, i.brand, i.model, sc.outcome AS result, sc.item_state AS state, "
    "s.code AS site_code, sc.scanned_at, u.display_name AS scanned_by FROM stocktake_scan sc "
    "JOIN item i ON i.id = sc.item LEFT JOIN site s ON s.id = sc.item_site "
    "LEFT JOIN staff_user u ON u.id = sc.scanned_by ")
_EXPECTED_COLUMNS = (
    "SELECT i.tag, i.kind, i.brand, i.model, e.result AS result, e.state_at_close AS state, "
    "s.code AS site_code, sc.scanned_at, u.display_name AS scanned_by FROM stocktake_expected e "
    "JOIN item i ON i.id = e.item LEFT JOIN site s ON s.id = e.site_at_close "
    "LEFT JOIN stocktake_scan sc ON sc.stocktake = e.stocktake AND sc.item = e.item "
    "LEFT JOIN staff_user u ON u.id = sc.scanned_by ")
_NOT_SCANNED_COLUMNS = (
    "SELECT i.tag, i.kind, i.brand, i.model, 'missing' AS result, i.state AS state, "
    "s.code AS site_code, NULL AS scanned_at, NULL AS scanned_by FROM stocktake_expected e "
    "JOIN item i ON i.id = e.item JOIN site s ON s.id = i.site ")
_NOT_SCANNED = ("NOT EXISTS (SELECT 1 FROM stocktake_scan sc WHERE sc.stocktake = e.stocktake "
                "AND sc.item = e.item)")


def _manages(actor: Actor) -> bool:
    return actor.role in MANAGERS


async def _lock(stocktake_id: int, mode: str) -> dict[str, Any]:
    """The count's row, locked ``FOR SHARE`` (a scan) or ``FOR UPDATE`` (closing) on
    PostgreSQL; SQLite's single writer already orders them."""
    lock = "" if is_sqlite(engine()) else f" {mode}"
    row = await sql.fetchrow(engine(), "SELECT t.id, t.site, t.status, s.code AS site_code "
                             "FROM stocktake t JOIN site s ON s.id = t.site WHERE t.id = $1"
                             + lock, stocktake_id)
    if row is None:
        raise NotFound(N_("No count with number {id}."), id=stocktake_id)
    return row


async def start_count(actor: Actor, site_code: str, *, note: str = "") -> dict[str, Any]:
    """Open a count at a site; the items expected there are fixed now (the snapshot)."""
    if len(note) > 300:
        raise InvalidInput(N_("The note is at most {limit} characters."), limit=300)
    try:
        async with unit_of_work():
            site = await Site.select(Site.id, Site.code).where(Site.code == site_code).first()
            if site is None:
                raise NotFound(N_("No site with code “{code}”."), code=site_code)
            check_site(manages=_manages(actor), own_site=actor.site_id, site_id=site["id"])
            if await Stocktake.exists().where((Stocktake.site == site["id"])
                                              & (Stocktake.status == Status.OPEN)):
                raise AlreadyCounting(site["code"])
            row = Stocktake(site=site["id"], status=Status.OPEN, started_by=actor.user_id,
                            started_at=utcnow(), note=note.strip())
            await row.save()
            await sql.execute(engine(), "INSERT INTO stocktake_expected (stocktake, item) "
                              f"SELECT $1, i.id FROM item i WHERE i.site = $2 AND ({_ON_SHELF})",
                              row.id, site["id"])
            expected = await sql.fetchrow(engine(), "SELECT count(*) AS n FROM "
                                          "stocktake_expected WHERE stocktake = $1", row.id)
            await sql.execute(engine(), "UPDATE stocktake SET expected_count = $1 WHERE id = $2",
                              expected["n"], row.id)
    except Conflict as exc:
        # Another count opened at this site between our check and our insert (unique index).
        if exc.__cause__ is not None:
            raise AlreadyCounting(site_code) from exc
        raise
    return await get_count(row.id)


async def scan(actor: Actor, stocktake_id: int, code: str, prefix: str) -> dict[str, Any]:
    """Record one scanned item in an open count, once; says what the scan means."""
    tag = resolve_code(code, prefix)
    async with unit_of_work():
        count = await _lock(stocktake_id, "FOR SHARE OF t")
        check_open(count["status"])
        item = await sql.fetchrow(engine(), _ITEM_SQL, tag)
        if item is None:
            raise NotFound(N_("No item with tag “{tag}”."), tag=tag)
        answer = {"tag": item["tag"], "kind": item["kind"], "brand": item["brand"],
                  "model": item["model"], "state": item["state"],
                  "site_code": item["site_code"], "previous": None}
        previous = await _previous_scan(stocktake_id, item["id"])
        if previous is None:
            expected = await sql.fetchrow(
                engine(), "SELECT 1 AS yes FROM stocktake_expected WHERE stocktake = $1 "
                "AND item = $2", stocktake_id, item["id"])
            record = Record(item["id"], Family(item["family"]), State(item["state"]),
                            item["site"])
            outcome = classify(record, site_id=count["site"], expected=expected is not None,
                               already_scanned=False)
            inserted = await sql.fetch(
                engine(), "INSERT INTO stocktake_scan (stocktake, item, scanned_by, scanned_at, "
                "outcome, item_state, item_site) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (stocktake, item) DO NOTHING RETURNING id",
                stocktake_id, item["id"], actor.user_id, utcnow(), outcome.value,
                item["state"], item["site"])
            if inserted:
                return {**answer, "outcome": outcome.value}
            # Someone else scanned it a moment before us: theirs is the one recorded.
            previous = await _previous_scan(stocktake_id, item["id"])
    return {**answer, "outcome": Outcome.DUPLICATE.value, "previous": previous}


async def _previous_scan(stocktake_id: int, item_id: int) -> dict[str, Any] | None:
    return await sql.fetchrow(
        engine(), "SELECT sc.outcome, sc.scanned_at, u.display_name AS scanned_by FROM "
        "stocktake_scan sc LEFT JOIN staff_user u ON u.id = sc.scanned_by "
        "WHERE sc.stocktake = $1 AND sc.item = $2", stocktake_id, item_id)


async def close_count(actor: Actor, stocktake_id: int) -> dict[str, Any]:
    """Close a count: write each expected item's result and the totals; every missing item
    gets a ``stocktake_missing`` history entry. No item's state changes."""
    async with unit_of_work():
        count = await _lock(stocktake_id, "FOR UPDATE OF t")
        check_open(count["status"])
        check_site(manages=_manages(actor), own_site=actor.site_id, site_id=count["site"])
        rows = await sql.fetch(
            engine(), "SELECT i.id, i.family, i.state, i.site FROM stocktake_expected e "
            "JOIN item i ON i.id = e.item WHERE e.stocktake = $1", stocktake_id)
        now = {r["id"]: Record(r["id"], Family(r["family"]), State(r["state"]), r["site"])
               for r in rows}
        scans = {r["item"]: Outcome(r["outcome"]) for r in await sql.fetch(
            engine(), "SELECT item, outcome FROM stocktake_scan WHERE stocktake = $1",
            stocktake_id)}
        result = report(frozenset(now), scans, count["site"], now)
        groups: dict[tuple[Result, str, int], list[int]] = defaultdict(list)
        for kind, ids in ((Result.FOUND, result.found), (Result.MISSING, result.missing),
                          (Result.LEFT, result.left)):
            for item_id in ids:
                groups[(kind, now[item_id].state.value, now[item_id].site_id)].append(item_id)
        for (kind, state, site), ids in groups.items():
            await _write_results(stocktake_id, kind, state, site, sorted(ids))
        await append_item_events(result.missing, actor.user_id, "stocktake_missing",
                                 site=count["site"], reason=f"#{stocktake_id}",
                                 details={"stocktake": stocktake_id})
        await sql.execute(
            engine(), "UPDATE stocktake SET status = $1, closed_by = $2, closed_at = $3, "
            "found_count = $4, missing_count = $5, left_count = $6, unexpected_count = $7 "
            "WHERE id = $8", Status.CLOSED.value, actor.user_id, utcnow(), len(result.found),
            len(result.missing), len(result.left), len(result.unexpected), stocktake_id)
    return await get_count(stocktake_id)


async def _write_results(stocktake_id: int, kind: Result, state: str, site: int,
                         ids: list[int]) -> None:
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        await sql.execute(
            engine(), "UPDATE stocktake_expected SET result = $1, state_at_close = $2, "
            f"site_at_close = $3 WHERE stocktake = $4 AND item IN "
            f"({sql.placeholders(5, len(chunk))})",
            kind.value, state, site, stocktake_id, *chunk)


async def cancel_count(actor: Actor, stocktake_id: int) -> dict[str, Any]:
    """Abandon an open count: no report, no history entry; its scans stay readable."""
    async with unit_of_work():
        count = await _lock(stocktake_id, "FOR UPDATE OF t")
        check_open(count["status"])
        check_site(manages=_manages(actor), own_site=actor.site_id, site_id=count["site"])
        await sql.execute(engine(), "UPDATE stocktake SET status = $1, closed_by = $2, "
                          "closed_at = $3 WHERE id = $4", Status.CANCELLED.value,
                          actor.user_id, utcnow(), stocktake_id)
    return await get_count(stocktake_id)


def _with_live(row: dict[str, Any], live: dict[str, Any] | None) -> dict[str, Any]:
    """An open count's totals come from its scans; a closed one's were written at closing."""
    if row["status"] != Status.CLOSED:
        scanned, found = (live or {}).get("scanned") or 0, (live or {}).get("found") or 0
        row = {**row, "found_count": found, "unexpected_count": scanned - found,
               "missing_count": row["expected_count"] - found, "left_count": 0}
    return row


async def get_count(stocktake_id: int) -> dict[str, Any]:
    """One count with its totals (live while it is open)."""
    rows = await Stocktake.raw(_COUNT_SQL + "WHERE t.id = {}", stocktake_id)
    if not rows:
        raise NotFound(N_("No count with number {id}."), id=stocktake_id)
    live = await Stocktake.raw(_LIVE_SQL, stocktake_id)
    return _with_live(rows[0], live[0] if live else None)


async def list_counts(*, site_code: str | None = None, status: str | None = None,
                      page: int = 1, per_page: int = 20) -> tuple[list[dict[str, Any]], int]:
    """One page of counts, newest first, with their totals, and how many there are."""
    where, args = ["1 = 1"], []
    if site_code:
        where.append("s.code = {}")
        args.append(site_code)
    if status:
        where.append("t.status = {}")
        args.append(status)
    condition = " AND ".join(where)
    total = await Stocktake.raw("SELECT count(*) AS n FROM stocktake t JOIN site s ON "
                                f"s.id = t.site WHERE {condition}", *args)
    rows = await Stocktake.raw(_COUNT_SQL + f"WHERE {condition} ORDER BY t.id DESC "
                               "LIMIT {} OFFSET {}", *args, per_page, (page - 1) * per_page)
    counted = []
    for row in rows:
        live = (await Stocktake.raw(_LIVE_SQL, row["id"]))[0] \
            if row["status"] != Status.CLOSED else None
        counted.append(_with_live(row, live))
    return counted, total[0]["n"]


async def recent_scans(stocktake_id: int, limit: int = 15) -> list[dict[str, Any]]:
    """The last items scanned into a count, newest first."""
    return await Stocktake.raw(_SCAN_COLUMNS + "WHERE sc.stocktake = {} ORDER BY sc.id DESC "
                               "LIMIT {}", stocktake_id, limit)


def _line_query(status: str, which: str) -> tuple[str, str] | None:
    """The columns and condition listing one kind of line of a count (None: no such line)."""
    if which == "unexpected":
        return _SCAN_COLUMNS, "sc.stocktake = {} AND sc.outcome <> 'found'"
    if status == Status.CLOSED:
        return _EXPECTED_COLUMNS, "e.stocktake = {} AND e.result = '" + Result(which) + "'"
    if which == "found":
        return _SCAN_COLUMNS, "sc.stocktake = {} AND sc.outcome = 'found'"
    if which == "missing" and status == Status.OPEN:  # not scanned yet
        return _NOT_SCANNED_COLUMNS, "e.stocktake = {} AND " + _NOT_SCANNED
    return None


async def lines(stocktake_id: int, which: str, *, page: int = 1,
                per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of a count's found, missing, left or unexpected items, by tag."""
    if which not in LINE_KINDS:
        raise InvalidInput(N_("Unknown list: choose one of {choices}."),
                           choices=", ".join(LINE_KINDS))
    count = await get_count(stocktake_id)
    query = _line_query(count["status"], which)
    if query is None:
        return [], 0
    columns, condition = query
    source = columns[columns.index(" FROM "):]
    total = await Stocktake.raw(f"SELECT count(*) AS n {source}WHERE {condition}",
                                stocktake_id)
    rows = await Stocktake.raw(f"{columns}WHERE {condition} ORDER BY i.tag LIMIT {{}} "
                               "OFFSET {}", stocktake_id, per_page, (page - 1) * per_page)
    return rows, total[0]["n"]


async def all_lines(stocktake_id: int) -> Iterable[dict[str, Any]]:
    """Every line of a count's report, for the CSV export (one site's items at most)."""
    found: list[dict[str, Any]] = []
    for which in LINE_KINDS:
        rows, _total = await lines(stocktake_id, which, per_page=1_000_000)
        found.extend(rows)
    return found
