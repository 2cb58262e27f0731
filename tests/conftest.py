"""Test fixtures: every database test runs on SQLite and on PostgreSQL (ids sqlite, postgres).

PostgreSQL: ``TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/test). Each
test session migrates its own schema once; each test starts from empty tables. Where
PostgreSQL is unreachable these tests skip with the reason, unless
``INVENTORY_REQUIRE_POSTGRES=1`` (set by .ci/run), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from piccolo.engine.postgres import PostgresEngine

from inventory.app import bind_tables, create_app
from inventory.config import Settings
from inventory.db.engine import engine_from_url
from inventory.db.piccolo_app import APP_CONFIG
from inventory.services import auth

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("INVENTORY_REQUIRE_POSTGRES") == "1"
TABLES = [t._meta.tablename for t in APP_CONFIG.table_classes]

# A shared two-core machine makes timings noisy: property tests are bounded by examples only.
hypothesis_settings.register_profile("inventory", deadline=None, max_examples=100,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("inventory")

# Passwords in tests need not resist attackers: a cheap hash keeps the suite fast.
auth.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def run_migrations(url: str) -> None:
    """Migrate a database in a fresh process, as `inventory migrate` does."""
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "inventory.piccolo_conf"}
    done = subprocess.run([sys.executable, "-m", "inventory", "migrate"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"migration failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    run_migrations(f"sqlite:///{path}")
    return path


async def _pg_reachable() -> str | None:
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}"
    await conn.close()
    return None


def run_async(coro_fn, *args):
    """Run a coroutine to completion from sync code, even inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn(*args))).result()


def _database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A migrated database of its own for this test session, dropped at the end.

    A database rather than a schema: Piccolo looks for its migration table in every schema.
    """
    problem = run_async(_pg_reachable)
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"{problem} (INVENTORY_REQUIRE_POSTGRES=1: not skipping)")
        pytest.skip(problem)
    name = f"inventory_test_{os.getpid()}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_async(admin, f'CREATE DATABASE "{name}"')
    url = _database_url(PG_ADMIN_URL, name)
    run_migrations(url)
    yield url
    run_async(admin, f'DROP DATABASE "{name}" WITH (FORCE)')


@dataclass
class Db:
    """The database a test runs on."""

    kind: str
    url: str
    engine: object


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request, tmp_path) -> AsyncIterator[Db]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        engine = engine_from_url(url)
        bind_tables(engine)
        yield Db("sqlite", url, engine)
        await engine.close_pool()
        return
    url = request.getfixturevalue("pg_url")
    engine = PostgresEngine(config={"dsn": url})
    await engine.start_connection_pool(min_size=1, max_size=8)
    tables = ", ".join(f'"{t}"' for t in TABLES)
    await engine._run_in_pool(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    bind_tables(engine)
    yield Db("postgres", url, engine)
    await engine.close_connection_pool()


def settings_for(db: Db, **overrides) -> Settings:
    return Settings(database_url=db.url, **overrides)


@pytest.fixture
async def app(db: Db):
    application = create_app(settings_for(db), engine=db.engine)
    yield application


@pytest.fixture
async def client(app):
    """An HTTP client calling the app in this test's event loop (the db fixture owns the
    engine, so the app's start-up and shut-down hooks are not needed)."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        yield c
