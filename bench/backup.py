"""Backup and restore times: ``python -m bench.backup [--quick] [--db sqlite|postgres]``.

For each database, a throw-away database holding 100,000 items (``--quick``: 10,000) with
three history events each (bench.scan's loader), then, timed from the command line as an
operator runs them: ``inventory backup --output FILE`` and ``inventory restore FILE`` into a
fresh database (SQLite: a file that does not exist yet; PostgreSQL: an empty database). The
restored database must hold as many items and events as the source.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence

from bench.common import Row, print_table
from bench.scan import (
    ADMIN_URL, BENCH_DIR, BIN, EVENTS, ROOT, Database, _admin, postgres_available,
)

BACKUP_S = 60.0
RESTORE_S = 120.0


def log(message: str) -> None:
    print(f"[backup {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _database(engine: str, count: int, role: str) -> Database:
    db = Database(engine, count)
    if engine == "sqlite":
        db.path = BENCH_DIR / f"backup-{role}-{count}_{os.getpid()}.sqlite3"
        db.url = f"sqlite:///{db.path}"
    else:
        db.name = f"bench_backup_{role}_{count}_{os.getpid()}"
        db.url = ADMIN_URL.rsplit("/", 1)[0] + "/" + db.name
    return db


def _timed_cli(db: Database, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "inventory"), *args], env=db.env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"inventory {args[0]} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


def _count(db: Database, table: str) -> int:
    if db.engine == "sqlite":
        import sqlite3

        with sqlite3.connect(db.path) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    async def fetch() -> int:
        import asyncpg

        conn = await asyncpg.connect(db.url)
        try:
            return await conn.fetchval(f"SELECT count(*) FROM {table}")
        finally:
            await conn.close()

    return asyncio.run(fetch())


def bench_engine(engine: str, count: int) -> list[Row]:
    source, target = _database(engine, count, "src"), _database(engine, count, "dst")
    output = BENCH_DIR / f"backup-{engine}-{count}_{os.getpid()}.bin"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    try:
        source.create()
        source.load()
        target.drop()
        if engine == "postgres":
            asyncio.run(_admin(f'CREATE DATABASE "{target.name}"'))
        output.unlink(missing_ok=True)
        saved = _timed_cli(source, "backup", "--output", str(output))
        size = output.stat().st_size / 1_000_000
        log(f"{engine}: backup of {count:,} items in {saved:.1f} s ({size:.1f} MB)")
        restored = _timed_cli(target, "restore", str(output))
        log(f"{engine}: restore in {restored:.1f} s")
        same = all(_count(source, t) == _count(target, t) for t in ("item", "item_event"))
        events = count * len(EVENTS)
        return [
            Row("inventory backup (wall time, CLI)", engine, f"{count:,}",
                f"{saved:.1f} s, {size:.1f} MB ({events:,} history events)",
                f"≤ {BACKUP_S:.0f} s", saved <= BACKUP_S),
            Row("inventory restore into a fresh database", engine, f"{count:,}",
                f"{restored:.1f} s, same item and event counts: {'yes' if same else 'NO'}",
                f"≤ {RESTORE_S:.0f} s, same counts", restored <= RESTORE_S and same),
        ]
    finally:
        output.unlink(missing_ok=True)
        source.drop()
        target.drop()


def run(quick: bool = False, engines: Sequence[str] = ("sqlite", "postgres")) -> list[Row]:
    count = 10_000 if quick else 100_000
    rows = []
    for engine in engines:
        if engine == "postgres" and (problem := postgres_available()):
            rows.append(Row("backup and restore", engine, "—", f"skipped: {problem}"))
            continue
        rows += bench_engine(engine, count)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backup",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items instead of 100,000")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args(argv)
    print_table(run(args.quick, args.db or ("sqlite", "postgres")))


if __name__ == "__main__":
    main()
