"""Check-out benchmark, over HTTP against the real server: ``python -m bench.loans [--quick]``.

A throw-away database per engine holds eligible people (a referral and a valid decision each)
and available laptops, loaded with SQL. Then, with ``inventory serve`` in a subprocess:

- SQLite, 4 concurrent clients, each check-out a different person and laptop: p50 / p99;
- PostgreSQL, 20 concurrent clients, the same: loans per second;
- both: contention, 20 clients fighting over 50 laptops for 1,000 people: exactly 50 loans;
- afterwards, in the database: no item with two open loans, as many open lines as laptops
  on loan, as many loans as successful answers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bench.common import Row, percentile, print_table
from bench.scan import (
    ADMIN_URL, BENCH_DIR, PREFIX, USER, Database, Server, _LoadClient, _now, _password_hash,
    _Load as scan_Load,
    postgres_available, request_bytes,
)
from inventory.domain.people import beneficiary_number, duplicate_key, search_key
from inventory.domain.tags import encode

SQLITE_P99_MS = 50.0
PG_LOANS_PER_S = 300.0
CONTENDED_ITEMS = 50


def log(message: str) -> None:
    print(f"[loans {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data

def _people(count: int, site: int, org: int) -> Iterator[tuple]:
    now, day = _now(), _now().date()
    for n in range(1, count + 1):
        number = beneficiary_number(n)
        first, last = "Awa", f"Sy{n}"
        yield (number, first, last, search_key(first, last),
               duplicate_key(first, last, 1980, None), 1980, "Bordeaux", number,
               "minima_sociaux", day, "1", org, site, now, now, day)


_PERSON_COLUMNS = ("number", "first_name", "last_name", "search_name", "duplicate_key",
                   "birth_year", "commune", "household_ref", "situation", "consent_on",
                   "consent_version", "partner_org", "site", "created_at", "updated_at",
                   "last_contact_on")
_ITEM_COLUMNS = ("tag", "family", "kind", "state", "site", "brand", "model", "accessories",
                 "created_at", "updated_at")
_SQL = {
    "referral": "INSERT INTO referral (beneficiary, partner_org, referred_on, requested_kinds, "
                "status, created_at) SELECT id, partner_org, {day}, '[\"laptop\"]', "
                "'accepted', {now} FROM beneficiary",
    "decision": "INSERT INTO eligibility_decision (beneficiary, partner_org, decided_on, "
                "ruleset_version, eligible, covers, valid_until, created_at) SELECT id, "
                "partner_org, {day}, '2026.1', true, '[\"laptop\"]', {until}, {now} "
                "FROM beneficiary",
    "user": "INSERT INTO staff_user (username, display_name, password_hash, role, site, "
            "created_at) VALUES ({user}, {user}, {hash}, 'coordinator', {site}, {now})",
}


def _items(count: int, site: int) -> Iterator[tuple]:
    now = _now()
    for n in range(1, count + 1):
        yield (encode(PREFIX, n), "device", "laptop", "available", site, "Lenovo", "T480",
               '["chargeur"]', now, now)


def load_sqlite(db: Database, people: int, items: int) -> None:
    now, day = str(_now()), str(_now().date())
    until = str(_now().date().replace(year=_now().year + 1))
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO site (code, name) VALUES ('AUB', 'Les Aubiers')")
        conn.execute("INSERT INTO partner_org (name, org_type, commune) VALUES ('CCAS', 'ccas', "
                     "'Bordeaux')")
        rows = ((*(str(v) if i in (9, 13, 14, 15) else v for i, v in enumerate(r)),)
                for r in _people(people, 1, 1))
        conn.executemany(f"INSERT INTO beneficiary ({', '.join(_PERSON_COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(_PERSON_COLUMNS))})", rows)
        for name in ("referral", "decision"):
            conn.execute(_SQL[name].format(day=f"'{day}'", now=f"'{now}'", until=f"'{until}'"))
        conn.execute(_SQL["user"].format(user="?1", hash="?2", site="1", now="?3"),
                     (USER, _password_hash(), now))
        items_rows = ((*r[:8], str(r[8]), str(r[9])) for r in _items(items, 1))
        conn.executemany(f"INSERT INTO item ({', '.join(_ITEM_COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(_ITEM_COLUMNS))})", items_rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def _load_postgres(db: Database, people: int, items: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(db.url)
    try:
        async with conn.transaction():
            site = await conn.fetchval("INSERT INTO site (code, name) VALUES ('AUB', "
                                       "'Les Aubiers') RETURNING id")
            org = await conn.fetchval("INSERT INTO partner_org (name, org_type, commune) VALUES "
                                      "('CCAS', 'ccas', 'Bordeaux') RETURNING id")
            await conn.copy_records_to_table("beneficiary", records=_people(people, site, org),
                                             columns=_PERSON_COLUMNS)
            for name in ("referral", "decision"):
                await conn.execute(_SQL[name].format(
                    day="current_date", now="now()", until="current_date + 365"))
            await conn.execute(_SQL["user"].format(user="$1", hash="$2", site="$3",
                                                   now="now()"), USER, _password_hash(), site)
            await conn.copy_records_to_table("item", records=_items(items, site),
                                             columns=_ITEM_COLUMNS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def load(db: Database, people: int, items: int) -> None:
    started = time.perf_counter()
    if db.engine == "sqlite":
        load_sqlite(db, people, items)
    else:
        asyncio.run(_load_postgres(db, people, items))
    log(f"{db.engine}: {people:,} people and {items:,} laptops in "
        f"{time.perf_counter() - started:.1f} s")


# --------------------------------------------------------------------------- load

def checkout_requests(server: Server, pairs: Iterator[tuple[int, int]]) -> Iterator[bytes]:
    auth = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    for person, item in pairs:
        body = json.dumps({"beneficiary_number": beneficiary_number(person),
                           "lines": [{"tag": encode(PREFIX, item)}]}).encode()
        yield request_bytes("POST", "/api/v1/loans/", auth, body)


class _FiniteClient(_LoadClient):
    """A load client that stops when its (finite) list of requests is used up."""

    def _next(self) -> None:
        try:
            super()._next()
        except StopIteration:
            self.transport.close()


@dataclass
class _Load(scan_Load):
    """bench.scan's load, counting answers by status; latencies of successful check-outs."""

    statuses: dict[int, int] = field(default_factory=dict)

    def record(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 201:
            self.latencies.append(seconds)


async def _run(port: int, requests: Iterator[bytes], clients: int, seconds: float) -> _Load:
    loop = asyncio.get_running_loop()
    stop = time.perf_counter() + seconds
    load = _Load(requests, stop, clients, loop.create_future())
    for _ in range(clients):
        await loop.create_connection(lambda: _FiniteClient(load), "127.0.0.1", port)
    await asyncio.wait_for(load.done, seconds + 60)
    return load


def run_load(port: int, requests: Iterator[bytes], clients: int,
             seconds: float) -> tuple[_Load, float]:
    started = time.perf_counter()
    load = asyncio.run(_run(port, requests, clients, seconds))
    return load, time.perf_counter() - started


# --------------------------------------------------------------------------- checks

_CHECKS = (
    "SELECT count(*) FROM (SELECT item FROM loan_line WHERE closed_at IS NULL GROUP BY item "
    "HAVING count(*) > 1) AS twice",
    "SELECT count(*) FROM loan_line WHERE closed_at IS NULL",
    "SELECT count(*) FROM item WHERE state = 'on_loan'",
    "SELECT count(*) FROM loan",
)


def database_counts(db: Database) -> tuple[int, ...]:
    """(items lent twice, open lines, items on loan, loans)."""
    if db.engine == "sqlite":
        with sqlite3.connect(db.path) as conn:
            return tuple(conn.execute(sql).fetchone()[0] for sql in _CHECKS)

    async def fetch():
        import asyncpg

        conn = await asyncpg.connect(db.url)
        try:
            return tuple([await conn.fetchval(sql) for sql in _CHECKS])
        finally:
            await conn.close()

    return asyncio.run(fetch())


def _verdict(db: Database, expected_loans: int) -> tuple[str, bool]:
    twice, open_lines, on_loan, loans = database_counts(db)
    ok = twice == 0 and open_lines == on_loan == loans == expected_loans
    return (f"{twice} lent twice; {open_lines:,} open lines, {on_loan:,} on loan, "
            f"{loans:,} loans for {expected_loans:,} successes"), ok


def bench_engine(engine: str, quick: bool) -> list[Row]:
    clients = 4 if engine == "sqlite" else 20
    seconds = 3.0 if quick else 8.0
    people = items = 4_000 if quick else 12_000
    rows = []
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = Database(engine, people)
    db.name = getattr(db, "name", "").replace("bench_scan", "bench_loans")
    if engine == "sqlite":
        db.path = db.path.with_name(db.path.name.replace("scan-", "loans-"))
        db.url = f"sqlite:///{db.path}"
    else:
        db.url = ADMIN_URL.rsplit("/", 1)[0] + "/" + db.name
    try:
        db.create()
        load(db, people, items)
        with Server(db) as server:
            log(f"{engine}: {clients} clients, one person and one laptop each")
            pairs = zip(range(1, people + 1 - 1_000), range(1, items + 1 - CONTENDED_ITEMS))
            load_, elapsed = run_load(server.port, checkout_requests(server, pairs), clients,
                                      seconds)
            ok_count = load_.statuses.get(201, 0)
            rate = ok_count / elapsed
            p50, p99 = (percentile(load_.latencies, p) * 1000 for p in (50, 99))
            other = {k: v for k, v in load_.statuses.items() if k != 201}
            measured = (f"{rate:,.0f} loans/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                        f"(n={ok_count:,}{', other answers ' + str(other) if other else ''})")
            if engine == "sqlite":
                rows.append(Row(f"check-out, {clients} clients: p99", engine, f"{people:,}",
                                measured, f"p99 ≤ {SQLITE_P99_MS:.0f} ms",
                                p99 <= SQLITE_P99_MS and not other))
            else:
                rows.append(Row(f"check-out, {clients} clients: loans/s", engine, f"{people:,}",
                                measured, f"≥ {PG_LOANS_PER_S:.0f} loans/s",
                                rate >= PG_LOANS_PER_S and not other))
            log(f"{engine}: contention, 20 clients, {CONTENDED_ITEMS} laptops")
            first_item = items - CONTENDED_ITEMS + 1
            contested = zip(range(people - 999, people + 1),
                            itertools.cycle(range(first_item, items + 1)))
            fight, _ = run_load(server.port, checkout_requests(server, contested), 20, 3.0)
            won = fight.statuses.get(201, 0)
            rows.append(Row(f"contention: 20 clients, {CONTENDED_ITEMS} laptops", engine,
                            f"{people:,}", f"{won} lent, answers {fight.statuses}",
                            f"exactly {CONTENDED_ITEMS}", won == CONTENDED_ITEMS))
        verdict, ok = _verdict(db, ok_count + won)
        rows.append(Row("no double loan afterwards", engine, f"{people:,}", verdict,
                        "0 twice, counts agree", ok))
    finally:
        db.drop()
    return rows


def run(quick: bool = False, engines: Sequence[str] = ("sqlite", "postgres")) -> list[Row]:
    rows = []
    for engine in engines:
        if engine == "postgres" and (problem := postgres_available()):
            rows.append(Row("check-out", engine, "—", f"skipped: {problem}"))
            continue
        rows += bench_engine(engine, quick)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loans", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer people, 3 s a case")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args(argv)
    print_table(run(args.quick, args.db or ("sqlite", "postgres")))


if __name__ == "__main__":
    main()
