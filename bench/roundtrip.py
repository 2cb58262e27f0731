"""PDF round trips over HTTP against the real server: ``python -m bench.roundtrip [--quick]``.

On a throw-away SQLite database (eligible people and laptops, as bench.loans loads them),
with ``inventory serve`` in a subprocess, one client measures request → complete PDF bytes:

- an A4 sheet of 21 labels (``GET /api/v1/labels/sheet.pdf?tags=…``);
- a loan agreement (``GET /api/v1/loans/<reference>/agreement.pdf``) of a loan made first
  through the API; the first print (which records the hash) is reported apart.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from bench.common import Row, percentile, print_table
from bench.loans import BENCH_DIR, load
from bench.scan import PREFIX, Connection, Database, Server, request_bytes
from inventory.domain.people import beneficiary_number
from inventory.domain.tags import encode

# No targets of their own: the renderers' targets are in bench.labels and bench.documents;
# these say what a person at the desk waits for, HTTP and database included.


def _timed(conn: Connection, raw: bytes, runs: int) -> tuple[list[float], int, str]:
    times, status, kind = [], 0, ""
    for _ in range(runs):
        started = time.perf_counter()
        status, head, body = conn.send(raw)
        times.append((time.perf_counter() - started) * 1000)
        kind = "pdf" if body.startswith(b"%PDF") else body[:80].decode("latin-1")
    return times, status, kind


def _row(case: str, times: list[float], status: int, kind: str) -> Row:
    p50, worst = percentile(times, 50), max(times)
    measured = f"median {p50:.0f} ms, slowest {worst:.0f} ms (n={len(times)}, {status} {kind})"
    return Row(case, "sqlite", "—", measured, "—", None if status == 200 else False)


def run(quick: bool = False) -> list[Row]:
    runs = 5 if quick else 20
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = Database("sqlite", 200)
    db.path = db.path.with_name(db.path.name.replace("scan-", "roundtrip-"))
    db.url = f"sqlite:///{db.path}"
    rows = []
    try:
        db.create()
        load(db, 200, 200)
        with Server(db) as server:
            auth = {"Authorization": f"Bearer {server.token}"}
            conn = Connection(server.port)
            try:
                tags = ",".join(encode(PREFIX, n) for n in range(1, 22))
                sheet = request_bytes("GET", f"/api/v1/labels/sheet.pdf?tags={tags}", auth)
                _timed(conn, sheet, 2)  # warm: fonts, templates, code paths
                rows.append(_row("label sheet, 21 labels, HTTP round trip",
                                 *_timed(conn, sheet, runs)))
                body = json.dumps({"beneficiary_number": beneficiary_number(1),
                                   "lines": [{"tag": encode(PREFIX, 100)}]}).encode()
                status, _, answer = conn.send(request_bytes(
                    "POST", "/api/v1/loans/", {**auth, "Content-Type": "application/json"},
                    body))
                if status != 201:
                    raise RuntimeError(f"check-out failed: {status} {answer[:300]!r}")
                reference = json.loads(answer)["reference"]
                agreement = request_bytes("GET", f"/api/v1/loans/{reference}/agreement.pdf",
                                          auth)
                rows.append(_row("agreement, first print (records its hash)",
                                 *_timed(conn, agreement, 1)))
                rows.append(_row("agreement, reprint, HTTP round trip",
                                 *_timed(conn, agreement, runs)))
            finally:
                conn.close()
    finally:
        db.drop()
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.roundtrip")
    parser.add_argument("--quick", action="store_true")
    print_table(run(parser.parse_args(argv).quick))


if __name__ == "__main__":
    main()
