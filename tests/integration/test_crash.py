"""SIGKILL the real server in the middle of check-outs and returns, start it again on the same
database: every acknowledged operation is there, no half-done one is (issue 8, item 6)."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field

from bench.scan import PREFIX, Server
from inventory.domain.tags import encode
from tests.integration import live
from tests.integration.live import Desk, integrity, invariants, loaded_database, query

PEOPLE = 1_500
CLIENTS = 3
RETURN_EVERY = 2  # a return of an earlier laptop after every second check-out

# The live-server fixtures (engine, and the migrated database new ones are copied from).
kind, template, pg_live_template = live.kind, live.template, live.pg_live_template


@dataclass
class Journal:
    """What the server acknowledged (2xx), and what it never answered."""

    lent: dict[int, str] = field(default_factory=dict)  # laptop → loan reference
    returned: set[int] = field(default_factory=set)
    unanswered: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def operations(self) -> int:
        return len(self.lent) + len(self.returned)


def desk_stream(port: int, token: str, first: int, journal: Journal) -> None:
    """Lend laptop n to person n, and now and then take an earlier one back, until cut off."""
    desk = Desk(port, token)
    mine: list[int] = []
    try:
        for n in range(first + 1, PEOPLE + 1, CLIENTS):
            status, body = desk.check_out(n, n)
            with journal.lock:
                if status == 201:
                    journal.lent[n] = body["reference"]
                    mine.append(n)
                else:
                    journal.refused.append(("check-out", status))
            if len(mine) % RETURN_EVERY == 0 and len(mine) > 1:
                laptop = mine.pop(0)
                status = desk.give_back(laptop)
                with journal.lock:
                    if status == 200:
                        journal.returned.add(laptop)
                    else:
                        journal.refused.append(("return", status))
    except (OSError, ValueError) as exc:  # the server died under this request
        with journal.lock:
            journal.unanswered.append(type(exc).__name__)
    finally:
        desk.close()


def kill_during_stream(server: Server, journal: Journal, operations: int) -> None:
    threads = [threading.Thread(target=desk_stream, args=(server.port, server.token, n,
                                                          journal)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while journal.operations < operations and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(10)
    server.log_path.unlink(missing_ok=True)
    for thread in threads:
        thread.join(30)


def check_journal(db, journal: Journal) -> None:
    """Every acknowledged check-out and return is in the database, whole."""
    loans = dict(query(db, "SELECT i.tag, l.reference FROM loan_line ll JOIN loan l "
                           "ON l.id = ll.loan JOIN item i ON i.id = ll.item"))
    states = dict(query(db, "SELECT tag, state FROM item"))
    open_tags = {r[0] for r in query(db, "SELECT i.tag FROM loan_line ll JOIN item i ON "
                                         "i.id = ll.item WHERE ll.closed_at IS NULL")}
    for laptop, reference in journal.lent.items():
        tag = encode(PREFIX, laptop)
        assert loans.get(tag) == reference, f"acknowledged check-out {reference} lost"
        if laptop in journal.returned:
            assert states[tag] == "returned" and tag not in open_tags
        else:
            assert states[tag] in ("on_loan", "returned")  # an unanswered return may be in


def test_a_killed_server_loses_no_acknowledged_loan_and_leaves_nothing_half_done(
        kind, template, tmp_path):
    db = loaded_database(kind, tmp_path, template, PEOPLE)
    journal = Journal()
    try:
        with Server(db) as server:
            kill_during_stream(server, journal, operations=150)
        assert journal.refused == []
        assert journal.operations >= 150 and journal.returned

        if kind == "sqlite":
            assert integrity(db) == ["ok"]
        with Server(db) as again:
            desk = Desk(again.port, again.token)
            status, _ = desk.check_out(PEOPLE, PEOPLE)  # the service works again
            desk.close()
        assert status == 201
        check_journal(db, journal)
        counts = invariants(db)
        assert counts["loans"] == counts["loans_with_lines"] == counts["lines"]
        assert counts["on_loan_events"] == counts["lines"]
        assert counts["on_loan"] == counts["open_lines"]
        assert counts["lent_twice"] == counts["loans_without_lines"] == 0
        assert counts["on_loan_without_open_line"] == counts["open_line_not_on_loan"] == 0
        assert counts["loans"] >= len(journal.lent) + 1
        if kind == "sqlite":
            assert integrity(db) == ["ok"]
    finally:
        db.drop()
