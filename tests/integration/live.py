"""A throw-away database with eligible people and laptops, served by a real ``inventory serve``
process (the helpers of bench.loans and bench.scan), and the loan invariants read in SQL."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.loans import load
from bench.scan import BENCH_DIR, PREFIX, Connection, Database, request_bytes
from inventory.domain.people import beneficiary_number
from inventory.domain.tags import encode
from tests.conftest import PG_ADMIN_URL, ROOT, _database_url, run_async, run_migrations

# Each check names what must be zero (or equal) for the loans to be whole.
INVARIANTS = {
    "loans": "SELECT count(*) FROM loan",
    "loans_with_lines": "SELECT count(DISTINCT loan) FROM loan_line",
    "lines": "SELECT count(*) FROM loan_line",
    "open_lines": "SELECT count(*) FROM loan_line WHERE closed_at IS NULL",
    "on_loan": "SELECT count(*) FROM item WHERE state = 'on_loan'",
    "on_loan_events": "SELECT count(*) FROM item_event WHERE to_state = 'on_loan'",
    "lent_twice": "SELECT count(*) FROM (SELECT item FROM loan_line WHERE closed_at IS NULL "
                  "GROUP BY item HAVING count(*) > 1) AS twice",
    "loans_without_lines": "SELECT count(*) FROM loan l WHERE NOT EXISTS (SELECT 1 FROM "
                           "loan_line ll WHERE ll.loan = l.id)",
    "on_loan_without_open_line": "SELECT count(*) FROM item i WHERE i.state = 'on_loan' AND "
                                 "NOT EXISTS (SELECT 1 FROM loan_line ll WHERE ll.item = i.id "
                                 "AND ll.closed_at IS NULL)",
    "open_line_not_on_loan": "SELECT count(*) FROM loan_line ll JOIN item i ON i.id = ll.item "
                             "WHERE ll.closed_at IS NULL AND i.state <> 'on_loan'",
}


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class LiveDatabase(Database):
    """bench.scan's throw-away database, on the test PostgreSQL server (TEST_DATABASE_URL)."""

    def drop(self) -> None:
        if self.engine == "sqlite":
            super().drop()
        else:
            run_async(_pg_admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request) -> str:
    """The database engine of a live-server test."""
    if request.param == "postgres":
        request.getfixturevalue("pg_url")  # skips (or fails under CI) without PostgreSQL
    return request.param


@pytest.fixture(scope="session")
def pg_live_template(pg_url) -> Iterator[str]:
    """A migrated, empty PostgreSQL database to clone: faster than migrating each time."""
    name = f"test_live_tpl_{os.getpid()}_{secrets.token_hex(3)}"
    run_async(_pg_admin, f'CREATE DATABASE "{name}"')
    run_migrations(_database_url(PG_ADMIN_URL, name))
    yield name
    run_async(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def template(kind, request) -> Path | str:
    """What new databases of this engine are copied from."""
    if kind == "sqlite":
        return request.getfixturevalue("sqlite_template")
    return request.getfixturevalue("pg_live_template")


def new_database(kind: str, tmp_path: Path, template: Path | str | None = None) -> Database:
    """A database of its own, migrated when copied from ``template`` (else empty, without
    tables); ``db.drop()`` removes it."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = LiveDatabase(kind, 0)
    if kind == "sqlite":
        db.path = tmp_path / f"live-{secrets.token_hex(3)}.sqlite3"
        db.url = f"sqlite:///{db.path}"
        if template is not None:
            shutil.copyfile(template, db.path)
    else:
        db.name = f"test_live_{os.getpid()}_{secrets.token_hex(3)}"
        db.url = _database_url(PG_ADMIN_URL, db.name)
        clone = f' TEMPLATE "{template}"' if template else ""
        run_async(_pg_admin, f'CREATE DATABASE "{db.name}"{clone}')
    return db


def loaded_database(kind: str, tmp_path: Path, template: Path | str, people: int) -> Database:
    """A migrated database with ``people`` eligible people and as many available laptops."""
    db = new_database(kind, tmp_path, template)
    db.count = people
    load(db, people, people)
    return db


def query(db: Database, sql: str, *args) -> list[tuple]:
    """Rows of one SQL query (``$1`` placeholders) on the database, outside the service."""
    if db.engine == "sqlite":
        with sqlite3.connect(db.path) as conn:
            return conn.execute(sql.replace("$", "?"), args).fetchall()

    async def fetch():
        import asyncpg

        conn = await asyncpg.connect(db.url)
        try:
            return [tuple(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def invariants(db: Database) -> dict[str, int]:
    return {name: query(db, sql)[0][0] for name, sql in INVARIANTS.items()}


def integrity(db: Database) -> list[str]:
    """``PRAGMA integrity_check`` of a SQLite database (["ok"] when sound)."""
    with sqlite3.connect(db.path) as conn:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]


def cli(db: Database, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``inventory <args>`` on this database, in a fresh process."""
    env = {**os.environ, "DATABASE_URL": db.url}
    return subprocess.run([sys.executable, "-m", "inventory", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


class Desk:
    """One front-desk client on a keep-alive connection: check-outs and returns."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = Connection(port)
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def check_out(self, person: int, laptop: int) -> tuple[int, dict]:
        body = json.dumps({"beneficiary_number": beneficiary_number(person),
                           "lines": [{"tag": encode(PREFIX, laptop)}]}).encode()
        status, _, data = self.conn.send(request_bytes("POST", "/api/v1/loans/", self.auth,
                                                       body))
        return status, json.loads(data) if data else {}

    def give_back(self, laptop: int) -> int:
        body = json.dumps({"tag": encode(PREFIX, laptop)}).encode()
        return self.conn.send(request_bytes("POST", "/api/v1/returns", self.auth, body))[0]

    def close(self) -> None:
        self.conn.close()
