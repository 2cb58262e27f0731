"""Dashboard benchmark: ``python -m bench reports`` (or ``python -m bench.reports [--quick]
[--db sqlite|postgres]``).

For each database, a throw-away migrated database receives, with bulk SQL (not the services),
four years of a busy association: 10,000 beneficiaries (1 % merged duplicates), 50,000 loans
with 60,000 lines (a device each, a connection card with one in five; losses, thefts, open
and overdue loans), 200,000 item history events, 14,000 items, 6,000 enrollments (exits and
follow-ups), 3,000 sessions with 30,000 attendances, 3,000 repairs, 2,500 waiting-list
entries, 5,000 card top-ups and 12,000 referrals from 20 partner organisations. Then, warm,
in this process (server time: no network, no client):

- ``services.reports.dashboard`` for this calendar year, for one site, and for four years;
- ``GET /api/v1/reports/dashboard`` and ``GET /api/v1/reports/breakdown-commune.csv`` through
  the application (authentication, serialisation), with an ASGI client.

Each case runs 20 times (``--quick``: 10) after 3 warm-up calls: median and p95, target
p95 ≤ 300 ms. The databases are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time as clock, timedelta
from typing import Any

from bench.common import Row, percentile, print_table
from bench.scan import ADMIN_URL, BENCH_DIR, Database, postgres_available
from inventory.domain.people import beneficiary_number, duplicate_key, search_key
from inventory.domain.tags import encode

TARGET_MS = 300.0
PEOPLE, LOANS, EVENTS = 10_000, 50_000, 200_000
DEVICES, CARDS = 8_000, 6_000
WARM_UP = 3
COMMUNES = (("Bordeaux", 50), ("Cenon", 8), ("Lormont", 8), ("Floirac", 6), ("Bègles", 6),
            ("Talence", 5), ("Mérignac", 5), ("Pessac", 4), ("Eysines", 3), ("Bruges", 2),
            ("Le Bouscat", 2), ("Ambarès-et-Lagrave", 1))
SITUATIONS = ("minima_sociaux", "demandeur_emploi", "sans_domicile", "jeune_16_25",
              "retraite_faibles_revenus", "autre")
DEVICE_KINDS = ("laptop",) * 5 + ("tablet",) * 2 + ("smartphone",) * 2 + ("hotspot",)
RESTING = ("available",) * 6 + ("refurbishing", "returned", "in_repair", "retired", "received")
Table = tuple[tuple[str, ...], list[tuple]]


def log(message: str) -> None:
    print(f"[reports {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ReportDatabase(Database):
    """A throw-away database for this benchmark (named apart from the scan benchmark's)."""

    def __init__(self, engine: str) -> None:
        super().__init__(engine, PEOPLE)
        if engine == "sqlite":
            self.path = BENCH_DIR / f"reports-{os.getpid()}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"bench_reports_{os.getpid()}"
            self.url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name


# --------------------------------------------------------------------------- data

class World:
    """Every row to load, generated once (same seed, same rows) for both databases."""

    def __init__(self, today: date, seed: int = 7) -> None:
        self.rnd, self.today = random.Random(seed), today
        self.first_day = date(today.year - 3, 1, 1)
        self.now = datetime.combine(today, clock(12), tzinfo=UTC)
        self.tables: dict[str, Table] = {}
        self._places()
        self._people()
        self._items()
        self._loans()
        self._events()
        self._learning()
        self._workshop_and_desk()

    def day(self, start: date | None = None, end: date | None = None) -> date:
        start, end = start or self.first_day, end or self.today
        return start + timedelta(days=self.rnd.randrange((end - start).days + 1))

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, clock(8), tzinfo=UTC) + timedelta(
            seconds=self.rnd.randrange(10 * 3600))

    def _places(self) -> None:
        self.tables["site"] = (("id", "code", "name"), [
            (1, "AUB", "Les Aubiers"), (2, "BAC", "Bacalan"), (3, "GRA", "Grand Parc")])
        self.tables["partner_org"] = (("id", "name", "org_type", "commune"), [
            (n, f"Structure partenaire {n}", "association", "Bordeaux") for n in range(1, 21)])
        self.tables["learning_path"] = (("id", "name", "objective", "created_at"), [
            (1, "Initiation", "other", self.now)])

    def _people(self) -> None:
        rnd, rows = self.rnd, []
        communes = [name for name, weight in COMMUNES for _ in range(weight)]
        for n in range(1, PEOPLE + 1):
            number, first, last = beneficiary_number(n), "Awa", f"Sy{n}"
            year = rnd.randrange(1940, 2009)
            merged = beneficiary_number(n - 1) if n % 100 == 0 else None
            rows.append((n, number, first, last, search_key(first, last),
                         duplicate_key(first, last, year, None), year, rnd.choice(communes),
                         rnd.random() < 0.3, number, rnd.choice(SITUATIONS), self.first_day,
                         "1", 1 + n % 20, 1 + n % 3, merged, self.now, self.now, self.today))
        self.tables["beneficiary"] = (
            ("id", "number", "first_name", "last_name", "search_name", "duplicate_key",
             "birth_year", "commune", "in_priority_area", "household_ref", "situation",
             "consent_on", "consent_version", "partner_org", "site", "merged_into",
             "created_at", "updated_at", "last_contact_on"), rows)
        self.tables["referral"] = (
            ("beneficiary", "partner_org", "referred_on", "status", "created_at"),
            [(1 + n % PEOPLE, 1 + (n % PEOPLE) % 20, self.day(), "accepted", self.now)
             for n in range(12_000)])

    def _items(self) -> None:
        self.states = {n: self.rnd.choice(RESTING) for n in range(1, DEVICES + 1)}
        self.states |= {n: self.rnd.choice(("in_stock", "expired", "depleted"))
                        for n in range(DEVICES + 1, DEVICES + CARDS + 1)}

    def _item_rows(self) -> list[tuple]:
        rows = []
        for n, state in self.states.items():
            device = n <= DEVICES
            rows.append((n, encode("ESN", n), "device" if device else "card",
                         DEVICE_KINDS[n % 10] if device else ("sim", "data_card")[n % 2],
                         state, 1 + n % 3, None if device else (1000, 5000, 20000)[n % 3],
                         self.now, self.now))
        return rows

    def _loans(self) -> None:
        rnd, loans, lines = self.rnd, [], []
        free_devices = list(range(1, DEVICES + 1))
        free_cards = list(range(DEVICES + 1, DEVICES + CARDS + 1))
        rnd.shuffle(free_devices)
        rnd.shuffle(free_cards)
        for n in range(1, LOANS + 1):
            person, started = rnd.randrange(1, PEOPLE + 1), self.day()
            due = started + timedelta(days=rnd.choice((90, 120, 180)))
            recent = (self.today - started).days < 180
            open_ = rnd.random() < (0.5 if recent else 0.01)
            closed = None if open_ else self.moment(min(
                self.today, started + timedelta(days=rnd.randrange(20, 200))))
            loans.append((n, encode("P", n), person, 1 + person % 3, started, due,
                          "open" if open_ else "closed", self.now, closed))
            lines.append(self._line(n, person, due, closed, open_, free_devices, True))
            if rnd.random() < 0.2:
                lines.append(self._line(n, person, due, closed, open_, free_cards, False))
        self.tables["loan"] = (("id", "reference", "beneficiary", "site", "started_on",
                                "due_on", "status", "created_at", "closed_at"), loans)
        self.tables["item"] = (("id", "tag", "family", "kind", "state", "site",
                                "data_allowance_mb", "created_at", "updated_at"),
                               self._item_rows())
        self.tables["loan_line"] = (
            ("loan", "item", "beneficiary", "kind", "family", "due_on", "closed_at", "outcome",
             "loss_on", "loss_resolved_at"), lines)

    def _line(self, loan: int, person: int, due: date, closed: datetime | None, open_: bool,
              free: list[int], device: bool) -> tuple:
        rnd = self.rnd
        item = free.pop() if open_ else rnd.randrange(1, DEVICES + 1) if device else \
            rnd.randrange(DEVICES + 1, DEVICES + CARDS + 1)
        outcome, loss_on, resolved = None, None, None
        if open_:
            self.states[item] = "on_loan" if device else "issued"
        elif device and rnd.random() < 0.04:
            outcome = rnd.choice(("lost", "lost", "stolen"))
            loss_on = closed.date()
            resolved = closed + timedelta(days=30) if rnd.random() < 0.5 else None
            self.states[item] = outcome
        else:
            outcome = "returned" if device else "expired"
        kind = DEVICE_KINDS[item % 10] if device else ("sim", "data_card")[item % 2]
        return (loan, item, person, kind, "device" if device else "card", due, closed, outcome,
                loss_on, resolved)

    def _events(self) -> None:
        rnd = self.rnd
        self.tables["item_event"] = (
            ("item", "at", "action", "from_state", "to_state", "site"),
            [(rnd.randrange(1, DEVICES + CARDS + 1), self.moment(self.day()), "transition",
              "available", rnd.choice(RESTING), 1 + n % 3) for n in range(EVENTS)])

    def _learning(self) -> None:
        rnd, rows = self.rnd, []
        for n, person in enumerate(rnd.sample(range(1, PEOPLE + 1), 6_000), start=1):
            started = self.day()
            expected = started + timedelta(days=rnd.randrange(21, 120))
            exited = expected <= self.today and rnd.random() < 0.9
            outcome = rnd.choice(("autonomous",) * 9 + ("partly",) * 7 + ("assisted",) * 4)
            follow = exited and (self.today - expected).days > 190 and rnd.random() < 0.6
            rows.append((n, person, 1, started, expected,
                         rnd.choice(("completed", "abandoned")) if exited else "active",
                         expected if exited else None, outcome if exited else None,
                         expected + timedelta(days=183) if follow else None,
                         rnd.choice(("autonomous", "partly")) if follow else None, self.now))
        self.tables["enrollment"] = (
            ("id", "beneficiary", "path", "started_on", "expected_end_on", "status", "exit_on",
             "exit_outcome", "follow_up_on", "follow_up_outcome", "created_at"), rows)
        sessions, attendance = [], []
        for n in range(1, 3_001):
            sessions.append((n, self.day(), 1 + n % 3, 120, ("workshop", "drop_in")[n % 4 == 0],
                             self.now))
            for person in rnd.sample(range(1, PEOPLE + 1), 10):
                attendance.append((n, person, rnd.random() < 0.85, self.now))
        self.tables["workshop"] = (("id", "held_on", "site", "duration_minutes", "kind",
                                    "created_at"), sessions)
        self.tables["attendance"] = (("workshop", "beneficiary", "present", "recorded_at"),
                                     attendance)

    def _workshop_and_desk(self) -> None:
        rnd, repairs, waiting = self.rnd, [], []
        for n in range(3_000):
            opened = self.moment(self.day())
            closed = opened + timedelta(days=rnd.randrange(1, 40), hours=rnd.randrange(8))
            done = rnd.random() < 0.85 and closed < self.now
            repairs.append((1 + n % DEVICES, 1 + n % 3, opened, "done" if done else "open",
                            "available" if done else None, closed if done else None))
        self.tables["repair_ticket"] = (("item", "site", "opened_at", "status", "outcome",
                                         "closed_at"), repairs)
        for n in range(2_500):
            shut = rnd.random() < 0.85  # the others wait still, since the last few months
            since = self.moment(self.day() if shut else self.day(
                self.today - timedelta(days=150)))
            closed = min(since + timedelta(days=rnd.randrange(1, 90)), self.now)
            waiting.append((1 + n * 3 % PEOPLE, DEVICE_KINDS[n % 10], 1 + n % 3, since,
                            rnd.choice(("served", "cancelled")) if shut else "waiting",
                            closed if shut else None))
        self.tables["waiting_entry"] = (("beneficiary", "kind", "site", "since", "status",
                                         "closed_at"), waiting)
        self.tables["card_top_up"] = (
            ("item", "amount_cents", "data_mb", "topped_up_on", "created_at"),
            [(DEVICES + 1 + n % CARDS, 1000, 5000, self.day(), self.now) for n in range(5_000)])


ORDER = ("site", "partner_org", "learning_path", "beneficiary", "referral", "item", "loan",
         "loan_line", "item_event", "enrollment", "workshop", "attendance", "repair_ticket",
         "waiting_entry", "card_top_up")


def _sqlite_value(value: Any) -> Any:
    """As Piccolo stores it on SQLite: ISO dates, UTC timestamps as ``str``, 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_sqlite(db: ReportDatabase, world: World) -> None:
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a throw-away file
        conn.execute("BEGIN")
        for name in ORDER:
            columns, rows = world.tables[name]
            conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES "
                             f"({', '.join('?' * len(columns))})",
                             ([_sqlite_value(v) for v in row] for row in rows))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def load_postgres(db: ReportDatabase, world: World) -> None:
    import asyncpg

    conn = await asyncpg.connect(db.url)
    try:
        async with conn.transaction():
            for name in ORDER:
                columns, rows = world.tables[name]
                await conn.copy_records_to_table(name, records=rows, columns=columns)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# --------------------------------------------------------------------------- measures

async def timed(action: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float]:
    """Median and p95 of ``runs`` calls (ms), after a few warm-up calls."""
    for _ in range(WARM_UP):
        await action()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, percentile(seconds, 95) * 1000


async def _signed_in(app) -> Any:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    from inventory.services import auth

    await auth.create_user(username="bench-coordinator", password="bench-password-123",
                           role="coordinator")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url="http://127.0.0.1:8000")
    answer = await client.post("/api/v1/auth/login", json={
        "username": "bench-coordinator", "password": "bench-password-123"})
    answer.raise_for_status()
    return client


async def measure(db: ReportDatabase, runs: int) -> list[tuple[str, float, float]]:
    from inventory.app import bind_tables, create_app
    from inventory.config import Settings
    from inventory.db.engine import close_engine, engine_from_url, is_sqlite
    from inventory.domain.reports import Period, calendar_year
    from inventory.services import reports
    from inventory.services.common import SYSTEM, today

    engine = engine_from_url(db.url)
    if not is_sqlite(engine):
        await engine.start_connection_pool(min_size=1, max_size=4)
    bind_tables(engine)
    app = create_app(Settings(database_url=db.url), engine=engine)
    year, day = calendar_year(today().year), today()
    history = Period(date(day.year - 3, 1, 1), day)
    client = await _signed_in(app)

    async def get(url: str) -> None:
        (await client.get(url)).raise_for_status()

    cases = [
        ("dashboard(), this year, all sites", lambda: reports.dashboard(SYSTEM, year)),
        ("dashboard(), this year, one site", lambda: reports.dashboard(SYSTEM, year, "AUB")),
        ("dashboard(), four years", lambda: reports.dashboard(SYSTEM, history)),
        ("GET /api/v1/reports/dashboard (JSON)", lambda: get("/api/v1/reports/dashboard")),
        ("GET /reports (the dashboard page, HTML and SVG)", lambda: get("/reports")),
        ("GET /api/v1/reports/breakdown-commune.csv",
         lambda: get("/api/v1/reports/breakdown-commune.csv")),
    ]
    results = []
    try:
        for name, action in cases:
            median, p95 = await timed(action, runs)
            results.append((name, median, p95))
            log(f"{db.engine}: {name}: median {median:.0f} ms, p95 {p95:.0f} ms")
    finally:
        await client.aclose()
        await close_engine(engine)
    return results


def bench_engine(engine: str, world: World, runs: int) -> list[Row]:
    db = ReportDatabase(engine)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    try:
        db.create()
        started = time.perf_counter()
        if engine == "sqlite":
            load_sqlite(db, world)
        else:
            asyncio.run(load_postgres(db, world))
        log(f"{engine}: loaded in {time.perf_counter() - started:.1f} s")
        results = asyncio.run(measure(db, runs))
    finally:
        db.drop()
    size = f"{PEOPLE:,} people, {LOANS:,} loans, {EVENTS:,} events"
    return [Row(name, engine, size, f"median {median:.0f} ms, p95 {p95:.0f} ms",
                f"p95 ≤ {TARGET_MS:.0f} ms", p95 <= TARGET_MS)
            for name, median, p95 in results]


def run(quick: bool = False, engines: Sequence[str] = ("sqlite", "postgres")) -> list[Row]:
    """Every case on each database (PostgreSQL skipped, with a row saying why, if down)."""
    from inventory.services.common import today

    started = time.perf_counter()
    world = World(today())
    log(f"data generated in {time.perf_counter() - started:.1f} s")
    rows: list[Row] = []
    for engine in engines:
        if engine == "postgres" and (problem := postgres_available()):
            rows.append(Row("all cases", engine, "—", f"skipped: {problem}"))
            continue
        rows.extend(bench_engine(engine, world, 10 if quick else 20))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reports",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 calls a case instead of 20")
    parser.add_argument("--db", choices=("sqlite", "postgres"), action="append",
                        help="only this database (repeatable; default: both)")
    args = parser.parse_args(argv)
    rows = run(args.quick, tuple(args.db or ("sqlite", "postgres")))
    print_table(rows)
    sys.exit(0 if all(row.ok is not False for row in rows) else 1)


if __name__ == "__main__":
    main()
