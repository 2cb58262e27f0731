"""Database engines from a URL, and the write unit of work for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

SQLITE_BUSY_TIMEOUT_S = 5.0
SQLITE_POOL_SIZE = 8


class _Pooled:
    """An aiosqlite connection whose ``close`` gives it back to the engine's pool."""

    def __init__(self, engine: PooledSQLiteEngine, conn: aiosqlite.Connection) -> None:
        self._engine, self._conn = engine, conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def close(self) -> None:
        await self._engine.release(self._conn)


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, reusing open connections.

    The stock engine opens a connection (and its thread) for every query and transaction;
    on a busy two-core machine starting that thread alone took up to 0.5 s.
    """

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._idle: list[aiosqlite.Connection] = []

    async def _open(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(**self.connection_kwargs)
        conn.row_factory = dict_factory
        await conn.execute("PRAGMA foreign_keys = 1")
        # Safe with WAL: a killed process loses nothing committed; only a power cut may drop
        # the last transactions, never corrupt the file.
        await conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def acquire(self) -> aiosqlite.Connection:
        return self._idle.pop() if self._idle else await self._open()

    async def release(self, conn: aiosqlite.Connection) -> None:
        if conn.in_transaction or len(self._idle) >= SQLITE_POOL_SIZE:
            await conn.close()
        else:
            self._idle.append(conn)

    async def get_connection(self) -> Any:
        return _Pooled(self, await self.acquire())

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table: Any = None):
        conn = await self.acquire()
        try:
            async with conn.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
        except BaseException:
            await conn.close()
            raise
        await self.release(conn)
        return rows

    async def close_pool(self) -> None:
        """Close the idle connections (at shutdown)."""
        while self._idle:
            await self._idle.pop().close()


def engine_from_url(url: str) -> Engine:
    """A Piccolo engine for ``sqlite:///path`` or ``postgresql://…``."""
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    raise ValueError(f"unsupported database URL: {url.split(':', 1)[0]}")


async def close_engine(engine: Engine) -> None:
    """Close pooled connections: idle SQLite connections keep threads that block exit."""
    if isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
    elif isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


# One write lock per event loop: SQLite has a single writer, and queuing writers here is far
# faster than letting them collide on "database is locked" (measured: ~0.2 s vs ~4 s for 50).
_write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _write_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        lock = _write_locks[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """One use case's transaction: ``BEGIN IMMEDIATE`` behind a lock on SQLite.

    Inside an open transaction (an all-or-nothing import calling single use cases) it joins it.
    """
    if engine.current_transaction.get() is not None:
        yield
    elif is_sqlite(engine):
        async with _write_lock():
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
    else:
        async with engine.transaction():
            yield
