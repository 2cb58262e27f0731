"""Plain SQL inside the current use case's transaction, for hot paths (check-out).

Building a Piccolo query costs more than running it (joins especially: ~0.3 ms each here);
a check-out runs a dozen. These helpers send SQL straight to the connection that holds the
open transaction, so they see and join exactly what the Piccolo queries of the same use case
do. SQL is written with ``$1, $2`` placeholders (SQLite reads them as ``?1, ?2``) and in the
dialect both databases share.
"""

from __future__ import annotations

import re
from typing import Any

from piccolo.engine.base import Engine

from inventory.db.engine import is_sqlite

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _connection(engine: Engine) -> Any:
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("inventory.db.sql runs inside a unit of work only")
    return transaction.connection


async def fetch(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Every row of a query, as dicts."""
    conn = _connection(engine)
    if is_sqlite(engine):
        # One trip to the connection's thread (a cursor would take three).
        rows = await conn.execute_fetchall(_PLACEHOLDER.sub(r"?\1", sql), args)
        return [dict(row) for row in rows]
    return [dict(row) for row in await conn.fetch(sql, *args)]


async def fetchrow(engine: Engine, sql: str, *args: Any) -> dict[str, Any] | None:
    """The first row of a query, or None."""
    rows = await fetch(engine, sql, *args)
    return rows[0] if rows else None


async def execute(engine: Engine, sql: str, *args: Any) -> None:
    """A statement whose result is not needed."""
    conn = _connection(engine)
    if is_sqlite(engine):
        await conn.execute_fetchall(_PLACEHOLDER.sub(r"?\1", sql), args)
    else:
        await conn.execute(sql, *args)


def placeholders(start: int, count: int) -> str:
    """``$start, $start+1, …`` for an IN list of ``count`` values."""
    return ", ".join(f"${n}" for n in range(start, start + count))
