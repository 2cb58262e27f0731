"""Hot-path reads (scan resolution, session lookup) on a long-lived connection.

Piccolo's SQLite engine opens a new connection (and thread) per query, which caps a scan
endpoint near 800 requests/s; a point lookup on one long-lived connection takes ~20 µs. On
SQLite we keep one read connection (WAL: readers never wait for the writer) and run these
indexed lookups directly; on PostgreSQL we use the engine's asyncpg pool.
SQL is written with ``$1, $2`` placeholders; SQLite reads them as ``?1, ?2``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from piccolo.engine.base import Engine

from inventory.db.engine import is_sqlite

_PLACEHOLDER = re.compile(r"\$(\d+)")


class Reader:
    """Run small read-only queries fast, on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite: sqlite3.Connection | None = None

    def _sqlite_connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            conn = sqlite3.connect(
                self.engine.connection_kwargs["database"], check_same_thread=False,
                isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES, timeout=5.0,
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only = 1")
            self._sqlite = conn
        return self._sqlite

    async def fetch_one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        """The first row of a read query, as a dict, or None."""
        if is_sqlite(self.engine):
            row = self._sqlite_connection().execute(_PLACEHOLDER.sub(r"?\1", sql), args).fetchone()
            return dict(row) if row is not None else None
        pool = self.engine.pool
        if pool is None:
            conn = await self.engine.get_new_connection()
            try:
                row = await conn.fetchrow(sql, *args)
            finally:
                await conn.close()
        else:
            row = await pool.fetchrow(sql, *args)
        return dict(row) if row is not None else None

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
