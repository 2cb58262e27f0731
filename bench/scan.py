"""Scan resolution, item page and memory benchmark, over HTTP against the real server.

Run from the repository root: ``.venv/bin/python -m bench.scan [--quick] [--million]
[--db sqlite|postgres]``. For each database it creates throw-away databases holding 10,000 and
100,000 items (``--million``: also 1,000,000; ``--quick``: 10,000 only and 2 s a case), loaded
in bulk with SQL (three history events per item), migrated with ``inventory migrate``, then
starts ``inventory serve`` as a subprocess on a free loopback port and measures:

- scan resolution (``GET /api/v1/scan?code=<tag>``, bearer token, random tags of the loaded
  set) with one client: p50 and p99 latency. The 10k and 100k servers run side by side and are
  measured in interleaved blocks, so that a change in the machine's load hits both alike and
  the p99 ratio compares the data sizes, not two moments;
- the same with 20 concurrent keep-alive clients: requests per second (and, on PostgreSQL,
  again with ``--workers 2``);
- the item page (``GET /i/<tag>`` with the session cookie) with one client: p99;
- the resident memory (VmRSS, the server and its child processes) after start-up and a few
  hundred requests.

Latencies are measured by the client on loopback, so they include the client's own share. The
load generator is a small asyncio HTTP/1.1 keep-alive client (on uvloop when installed) in this
process; on a two-core machine it takes CPU from the server, so throughput is a lower bound.
Databases and files made here are removed at the end (SQLite files live under ``var/bench/``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from bench.common import (
    Row,
    cpu_available,
    cpu_counters,
    load_average,
    percentile,
    print_table,
    steal_share,
)
from inventory.domain.tags import encode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "var" / "bench"
PREFIX = "ESN"
USER, PASSWORD = "bench", "bench-password-123"
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

P99_SCAN_MS = 5.0
P99_RATIO = 1.5
SCAN_RPS = 1000.0
P99_PAGE_MS = 20.0
RSS_MB = 150.0
CLIENTS = 20
EVENTS = (  # every loaded item has this history
    (1, "created", None, "received"),
    (2, "transition", "received", "refurbishing"),
    (3, "transition", "refurbishing", "available"),
)


def log(message: str) -> None:
    print(f"[scan {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- HTTP clients

def request_bytes(method: str, path: str, headers: dict[str, str] | None = None,
                  body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise RuntimeError(f"response without Content-Length: {head[:200]!r}")


class Connection:
    """A blocking HTTP/1.1 keep-alive connection: the one-client latency probe.

    The server closes a connection left idle for 5 s (uvicorn's keep-alive timeout): one idle
    for more than ``IDLE_S`` is reopened before the next request, outside the timed part when
    the caller uses ``fresh()`` first, and a request the server dropped unanswered is resent
    once on a new connection.
    """

    IDLE_S = 2.0

    def __init__(self, port: int) -> None:
        self.port, self.sock, self.used = port, None, 0.0
        self._open()

    def _open(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf, self.used = b"", time.perf_counter()

    def fresh(self) -> None:
        """Reopen the connection if the server may have closed it meanwhile."""
        if time.perf_counter() - self.used > self.IDLE_S:
            self._open()

    def send(self, raw: bytes) -> tuple[int, bytes, bytes]:
        """Status, header block and body of the response to the request ``raw``."""
        self.fresh()
        try:
            response = self._exchange(raw)
        except (ConnectionError, BrokenPipeError) as exc:
            if getattr(exc, "partial", True):
                raise
            self._open()
            response = self._exchange(raw)
        self.used = time.perf_counter()
        return response

    def _exchange(self, raw: bytes) -> tuple[int, bytes, bytes]:
        self.sock.sendall(raw)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self.buf += self._recv_chunk()
        head, rest = self.buf[:end], self.buf[end + 4:]
        length = _content_length(head)
        while len(rest) < length:
            rest += self._recv_chunk()
        self.buf = rest[length:]
        return int(head[9:12]), head, rest[:length]

    def _recv_chunk(self) -> bytes:
        chunk = self.sock.recv(262144)
        if not chunk:
            exc = ConnectionError("server closed the connection")
            exc.partial = bool(self.buf)  # nothing of a response yet: safe to resend a GET
            raise exc
        return chunk

    def close(self) -> None:
        self.sock.close()


class _LoadClient(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as a response is complete."""

    def __init__(self, load: _Load) -> None:
        self.load, self.buf, self.started = load, b"", 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._next()

    def _next(self) -> None:
        if time.perf_counter() >= self.load.deadline:
            self.transport.close()
            return
        self.started = time.perf_counter()
        self.transport.write(next(self.load.requests))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            length = _content_length(self.buf[:end])
            if len(self.buf) < end + 4 + length:
                return
            status = int(self.buf[9:12])
            self.buf = self.buf[end + 4 + length:]
            self.load.record(status, time.perf_counter() - self.started)
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.load.closed += 1
        if self.load.closed == self.load.clients and not self.load.done.done():
            self.load.done.set_result(None)


@dataclass
class _Load:
    requests: Iterator[bytes]
    deadline: float
    clients: int
    done: asyncio.Future
    closed: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def record(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        if status != 200:
            self.errors += 1


async def _run_load(port: int, requests: Sequence[bytes], clients: int, seconds: float) -> _Load:
    loop = asyncio.get_running_loop()
    load = _Load(itertools.cycle(requests), time.perf_counter() + seconds, clients,
                 loop.create_future())
    for _ in range(clients):
        await loop.create_connection(lambda: _LoadClient(load), "127.0.0.1", port)
    await asyncio.wait_for(load.done, seconds + 30)
    return load


def concurrent_load(port: int, requests: Sequence[bytes], clients: int,
                    seconds: float) -> tuple[float, int, int, list[float]]:
    """Requests per second, responses, errors and latencies of ``clients`` busy connections."""
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        start = time.perf_counter()
        load = runner.run(_run_load(port, requests, clients, seconds))
        elapsed = time.perf_counter() - start
    return len(load.latencies) / elapsed, len(load.latencies), load.errors, load.latencies


# --------------------------------------------------------------------------- databases

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _items(count: int, sites: Sequence[int]) -> Iterator[tuple]:
    now = _now()
    for number in range(1, count + 1):
        yield (encode(PREFIX, number), "device", "laptop", "available", sites[number % len(sites)],
               "Lenovo", "ThinkPad T480", now, now)


_ITEM_COLUMNS = ("tag", "family", "kind", "state", "site", "brand", "model", "created_at",
                 "updated_at")
_EVENTS_SELECT = " UNION ALL ".join(
    f"SELECT {n} AS n, '{action}' AS action, {f'{chr(39)}{src}{chr(39)}' if src else 'NULL'} "
    f"AS from_state, '{dst}' AS to_state" for n, action, src, dst in EVENTS)


_USER_SQL = ("INSERT INTO staff_user (username, display_name, password_hash, role, created_at) "
             "VALUES ({0}, {0}, {1}, 'front_desk', {2})")


def _password_hash() -> str:
    from inventory.services.auth import HASHER  # the service's own argon2 settings

    return HASHER.hash(PASSWORD)


def load_sqlite(path: Path, count: int) -> None:
    """``count`` items, their history and the bench user, in one sqlite3 transaction."""
    now = str(_now())
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a throw-away file: no need to sync
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes stay in memory
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO site (code, name) VALUES (?, ?)",
                         [("AUB", "Les Aubiers"), ("BAC", "Bacalan")])
        sites = [r[0] for r in conn.execute("SELECT id FROM site ORDER BY id")]
        rows = ((*r[:7], str(r[7]), str(r[8])) for r in _items(count, sites))
        conn.executemany(f"INSERT INTO item ({', '.join(_ITEM_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})", rows)
        conn.execute(
            "INSERT INTO item_event (item, at, action, from_state, to_state, site) "
            f"SELECT i.id, ?, e.action, e.from_state, e.to_state, i.site FROM item i "
            f"CROSS JOIN ({_EVENTS_SELECT}) e ORDER BY i.id, e.n", (now,))
        conn.execute(_USER_SQL.format("?1", "?2", "?3"), (USER, _password_hash(), now))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def _load_postgres(url: str, count: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.executemany("INSERT INTO site (code, name) VALUES ($1, $2)",
                                   [("AUB", "Les Aubiers"), ("BAC", "Bacalan")])
            sites = [r["id"] for r in await conn.fetch("SELECT id FROM site ORDER BY id")]
            await conn.copy_records_to_table("item", records=_items(count, sites),
                                             columns=_ITEM_COLUMNS)
            await conn.execute(
                "INSERT INTO item_event (item, at, action, from_state, to_state, site) "
                f"SELECT i.id, $1::timestamptz, e.action, e.from_state, e.to_state, i.site "
                f"FROM item i CROSS JOIN ({_EVENTS_SELECT}) e ORDER BY i.id, e.n", _now())
            await conn.execute(_USER_SQL.format("$1", "$2", "now()"), USER, _password_hash())
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        asyncio.run(asyncio.wait_for(_admin("SELECT 1"), 5))
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return f"{type(exc).__name__}: {exc}"
    return None


class Database:
    """A throw-away database holding ``count`` items and the bench user."""

    def __init__(self, engine: str, count: int) -> None:
        self.engine, self.count = engine, count
        tag = f"{count}_{os.getpid()}"
        if engine == "sqlite":
            self.path = BENCH_DIR / f"scan-{tag}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"bench_scan_{tag}"
            self.url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url, "PYTHONUNBUFFERED": "1"}

    def create(self, template: Database | None = None) -> None:
        """An empty migrated database: ``inventory migrate``, or a copy of ``template``."""
        self.drop()
        if self.engine == "postgres":
            clone = f' TEMPLATE "{template.name}"' if template else ""
            asyncio.run(_admin(f'CREATE DATABASE "{self.name}"{clone}'))
        elif template is not None:
            with sqlite3.connect(template.path) as src, sqlite3.connect(self.path) as dst:
                src.backup(dst)
        if template is None:
            _cli(["migrate"], self.env())

    def load(self) -> None:
        started = time.perf_counter()
        if self.engine == "sqlite":
            load_sqlite(self.path, self.count)
        else:
            asyncio.run(_load_postgres(self.url, self.count))
        log(f"{self.engine}: {self.count:,} items loaded in {time.perf_counter() - started:.1f} s")

    def drop(self) -> None:
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def _cli(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([str(BIN / "inventory"), *args], env=env, cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"inventory {args[0]} failed:\n{done.stdout}{done.stderr}")


# --------------------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Server:
    """``inventory serve`` in a subprocess, signed in with a cookie and an API token."""

    def __init__(self, db: Database, workers: int = 1) -> None:
        self.db, self.workers, self.port = db, workers, free_port()
        self.log_path = BENCH_DIR / f"serve-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.cookie = self.token = ""
        self.tags: list[str] = []

    def __enter__(self) -> Self:
        env = {**self.db.env(), "INVENTORY_PORT": str(self.port)}
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "inventory"), "serve", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready()
            self._sign_in()
        except BaseException:
            self.__exit__()
            raise
        rng = random.Random(self.db.count)
        self.tags = [encode(PREFIX, rng.randint(1, self.db.count)) for _ in range(20_000)]
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                conn = Connection(self.port)
                try:
                    if conn.send(request_bytes("GET", "/health"))[0] == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after 120 s:\n{self.log_path.read_text()[-3000:]}")

    def _sign_in(self) -> None:
        conn = Connection(self.port)
        try:
            body = json.dumps({"username": USER, "password": PASSWORD}).encode()
            status, head, data = conn.send(request_bytes(
                "POST", "/api/v1/auth/login", {"Content-Type": "application/json"}, body))
            if status != 200:
                raise RuntimeError(f"login failed: {status} {data[:300]!r}")
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "set-cookie" and value.strip().startswith("esn_session="):
                    self.cookie = value.strip().split(";", 1)[0]
            csrf = json.loads(data)["csrf_token"]
            status, _, data = conn.send(request_bytes(
                "POST", "/api/v1/auth/tokens",
                {"Content-Type": "application/json", "Cookie": self.cookie,
                 "x-csrf-token": csrf}, json.dumps({"label": "bench"}).encode()))
            if status != 201:
                raise RuntimeError(f"token creation failed: {status} {data[:300]!r}")
            self.token = json.loads(data)["token"]
        finally:
            conn.close()

    def scan_requests(self) -> list[bytes]:
        auth = {"Authorization": f"Bearer {self.token}"}
        return [request_bytes("GET", f"/api/v1/scan?code={tag}", auth) for tag in self.tags]

    def page_requests(self) -> list[bytes]:
        cookie = {"Cookie": self.cookie}
        return [request_bytes("GET", f"/i/{tag}", cookie) for tag in self.tags]

    def rss(self) -> list[int]:
        """VmRSS in KiB of the server process and of each of its descendants."""
        return [_rss_kib(pid) for pid in [self.proc.pid, *_children(self.proc.pid)]]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its live descendants."""
        return sum(_cpu_seconds(pid) for pid in [self.proc.pid, *_children(self.proc.pid)])

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.log_path.unlink(missing_ok=True)


def warm_up(server: Server, requests: int = 300) -> None:
    """A few hundred scans and pages, over several connections (each worker gets some)."""
    scans, pages = server.scan_requests(), server.page_requests()
    conn = Connection(server.port)
    try:
        for i in range(requests):
            for raw in (scans[i], pages[i]) if i % 6 == 0 else (scans[i],):
                status, _, body = conn.send(raw)
                if status != 200:
                    raise RuntimeError(f"warm-up request failed: {status} {body[:300]!r}")
    finally:
        conn.close()
    concurrent_load(server.port, scans, CLIENTS, 0.3)


def interleaved_latency(servers: Sequence[Server], kind: str, seconds: float,
                        block: int = 100) -> list[tuple[list[float], int, float]]:
    """Latencies, errors and server CPU seconds of one client per server, alternating blocks
    of ``block`` requests between servers for ``seconds`` of each server's time."""
    conns = [Connection(s.port) for s in servers]
    reqs = [s.scan_requests() if kind == "scan" else s.page_requests() for s in servers]
    results: list[tuple[list[float], int, float]] = [([], 0, 0.0) for _ in servers]
    spent = [0.0] * len(servers)
    try:
        while min(spent) < seconds:
            for k, conn in enumerate(conns):
                lat, errors, cpu = results[k]
                conn.fresh()
                start, cpu_start = time.perf_counter(), servers[k].cpu_seconds()
                for _ in range(block):
                    raw = reqs[k][len(lat) % len(reqs[k])]
                    t0 = time.perf_counter()
                    status = conn.send(raw)[0]
                    lat.append(time.perf_counter() - t0)
                    errors += status != 200
                results[k] = (lat, errors, cpu + servers[k].cpu_seconds() - cpu_start)
                spent[k] += time.perf_counter() - start
    finally:
        for conn in conns:
            conn.close()
    return results


# --------------------------------------------------------------------------- the cases

def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _label(count: int) -> str:
    return f"{count // 1_000_000}M" if count >= 1_000_000 else f"{count // 1000}k"


def _errors(errors: int) -> str:
    return f", **{errors} errors**" if errors else ""


def _cpu(cpu: float, count: int) -> str:
    """Server CPU time per request: steadier than wall time on a busy machine."""
    return f"server CPU {cpu / max(1, count) * 1e6:,.0f} µs/req"


def _memory_row(server: Server, engine: str) -> Row:
    sizes = server.rss()
    total, top = sum(sizes) / 1024, max(sizes) / 1024
    if len(sizes) == 1:
        return Row("memory at rest (VmRSS)", engine, _label(server.db.count),
                   f"{total:.0f} MB", f"≤ {RSS_MB:.0f} MB", total <= RSS_MB)
    return Row(f"memory at rest, --workers {server.workers} (VmRSS)", engine,
               _label(server.db.count),
               f"{total:.0f} MB in {len(sizes)} processes, largest {top:.0f} MB",
               f"≤ {RSS_MB:.0f} MB a process", top <= RSS_MB)


def _throughput_row(server: Server, engine: str, seconds: float) -> Row:
    cpu = server.cpu_seconds()
    rps, count, errors, lat = concurrent_load(server.port, server.scan_requests(), CLIENTS,
                                              seconds)
    cpu = server.cpu_seconds() - cpu
    workers = f", --workers {server.workers}" if server.workers > 1 else ""
    return Row(f"scan, {CLIENTS} clients{workers}", engine, _label(server.db.count),
               f"{rps:,.0f} req/s (n={count:,}, p50 {_ms(percentile(lat, 50))}, "
               f"p99 {_ms(percentile(lat, 99))}, {_cpu(cpu, count)}{_errors(errors)})",
               f"≥ {SCAN_RPS:,.0f} req/s", rps >= SCAN_RPS and not errors)


def bench_engine(engine: str, sizes: Sequence[int], seconds: float) -> list[Row]:
    """Every case on one database engine."""
    rows: list[Row] = []
    dbs = [Database(engine, n) for n in sizes]
    try:
        for db in dbs:
            db.create(template=None if db is dbs[0] else dbs[0])
        for db in dbs:
            db.load()
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(Server(db)) for db in dbs]
            for server in servers:
                warm_up(server)
                time.sleep(0.5)
                rows.append(_memory_row(server, engine))
            log(f"{engine}: scan latency, 1 client")
            scan = interleaved_latency(servers, "scan", seconds)
            p99s = []
            for server, (lat, errors, cpu) in zip(servers, scan, strict=True):
                p99s.append(percentile(lat, 99))
                rows.append(Row("scan, 1 client: p50 / p99", engine, _label(server.db.count),
                                f"{_ms(percentile(lat, 50))} / {_ms(p99s[-1])} "
                                f"(n={len(lat):,}, {_cpu(cpu, len(lat))}{_errors(errors)})",
                                f"p99 ≤ {P99_SCAN_MS:g} ms",
                                p99s[-1] * 1000 <= P99_SCAN_MS and not errors))
            for server, p99 in zip(servers[1:], p99s[1:], strict=True):
                ratio = p99 / p99s[0]
                rows.append(Row(f"scan p99 ratio {_label(server.db.count)} / "
                                f"{_label(sizes[0])}", engine, _label(server.db.count),
                                f"{ratio:.2f}", f"≤ {P99_RATIO:g}", ratio <= P99_RATIO))
            log(f"{engine}: item page latency, 1 client")
            pages = interleaved_latency(servers, "page", seconds, block=50)
            for server, (lat, errors, cpu) in zip(servers, pages, strict=True):
                p99 = percentile(lat, 99)
                rows.append(Row("item page /i/‹tag›, 1 client: p50 / p99", engine,
                                _label(server.db.count),
                                f"{_ms(percentile(lat, 50))} / {_ms(p99)} "
                                f"(n={len(lat):,}, {_cpu(cpu, len(lat))}{_errors(errors)})",
                                f"p99 ≤ {P99_PAGE_MS:g} ms",
                                p99 * 1000 <= P99_PAGE_MS and not errors))
            for server in servers:
                log(f"{engine}: scan throughput, {_label(server.db.count)}")
                rows.append(_throughput_row(server, engine, seconds))
        if engine == "postgres":
            db = dbs[-1]
            log(f"{engine}: --workers 2, {_label(db.count)}")
            with Server(db, workers=2) as server:
                warm_up(server)
                time.sleep(0.5)
                rows.append(_memory_row(server, engine))
                rows.append(_throughput_row(server, engine, seconds))
    finally:
        for db in dbs:
            with contextlib.suppress(Exception):
                db.drop()
    return rows


def run(quick: bool = False, million: bool = False,
        engines: Sequence[str] = ("sqlite", "postgres")) -> list[Row]:
    """Measure every case and return the rows (see the module docstring)."""
    sizes = [10_000] if quick else [10_000, 100_000] + ([1_000_000] if million else [])
    seconds = 2.0 if quick else 4.0
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    for engine in engines:
        if engine == "postgres" and (why := postgres_available()):
            rows.append(Row("PostgreSQL not reachable: skipped", engine, "—", why[:80]))
            continue
        try:
            rows += bench_engine(engine, sizes, seconds)
        except Exception as exc:  # noqa: BLE001 - report it in the table, go on
            log(f"{engine}: failed: {traceback.format_exc()}")
            rows.append(Row("**benchmark failed**", engine, "—",
                            f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__.split(
        "\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items only, 2 s a case")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 items (slow)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append",
                        help="only this database (repeatable)")
    args = parser.parse_args(argv)
    before, cpu, share = load_average(), cpu_counters(), cpu_available()
    started = time.perf_counter()
    rows = run(args.quick, args.million, args.db or ("sqlite", "postgres"))
    print(f"Scan resolution, item page and memory: {os.cpu_count()} CPUs, load average "
          f"before {before}, after {load_average()}; CPU steal "
          f"{steal_share(cpu, cpu_counters()):.0%}; a busy loop got {share:.0%} of a CPU before "
          f"the run, {cpu_available():.0%} after; {time.perf_counter() - started:.0f} s.\n")
    print_table(rows)


if __name__ == "__main__":
    main()
