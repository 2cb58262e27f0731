"""`inventory backup` while the real server lends laptops, then `inventory restore` into a
fresh database: the copy is one consistent moment of the loans (issue 8, item 5)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bench.scan import Server
from tests.integration import live
from tests.integration.live import (
    Desk, cli, integrity, invariants, loaded_database, new_database, query,
)

PEOPLE = 1_500
CLIENTS = 2

# The live-server fixtures (engine, and the migrated database new ones are copied from).
kind, template, pg_live_template = live.kind, live.template, live.pg_live_template


class Lending:
    """Clients lending one laptop to one person each, as fast as the server answers."""

    def __init__(self, server: Server) -> None:
        self.server, self.acknowledged, self.stop = server, 0, threading.Event()
        self.failures: list[int] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._lend, args=(n,)) for n in range(CLIENTS)]

    def _lend(self, first: int) -> None:
        desk = Desk(self.server.port, self.server.token)
        try:
            for n in range(first + 1, PEOPLE + 1, CLIENTS):
                if self.stop.is_set():
                    return
                status, _ = desk.check_out(n, n)
                with self.lock:
                    if status == 201:
                        self.acknowledged += 1
                    else:
                        self.failures.append(status)
        finally:
            desk.close()

    def __enter__(self) -> Lending:
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, count: int, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while self.acknowledged < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def test_a_backup_taken_during_check_outs_restores_to_one_consistent_moment(kind, template,
                                                                           tmp_path):
    source = loaded_database(kind, tmp_path, template, PEOPLE)
    # SQLite: into an empty migrated file; PostgreSQL: into a database without tables.
    fresh = new_database(kind, tmp_path, template if kind == "sqlite" else None)
    output = tmp_path / "backup.bin"
    try:
        with Server(source) as server, Lending(server) as lending:
            lending.wait_for(20)
            before = lending.acknowledged
            saved = cli(source, "backup", "--output", str(output))
            after = lending.acknowledged
            lending.wait_for(after + 10)
        assert saved.returncode == 0, saved.stderr
        assert lending.failures == []
        assert after > before, "no check-out was acknowledged while the backup ran"

        restored = cli(fresh, "restore", str(output))
        assert restored.returncode == 0, restored.stderr
        assert "prêts" in restored.stdout and "articles" in restored.stdout

        if kind == "sqlite":
            assert integrity(fresh) == ["ok"]
        counts = invariants(fresh)
        assert before <= counts["loans"] <= after + CLIENTS
        assert counts["loans"] == counts["loans_with_lines"] == counts["lines"]
        assert counts["on_loan"] == counts["open_lines"] == counts["lines"]
        assert counts["on_loan_events"] == counts["lines"]
        assert counts["lent_twice"] == counts["loans_without_lines"] == 0
        assert counts["on_loan_without_open_line"] == counts["open_line_not_on_loan"] == 0
        assert query(fresh, "SELECT count(*) FROM item")[0][0] == PEOPLE
        assert invariants(source)["loans"] >= counts["loans"]
        verified = cli(fresh, "verify-history")  # the check-outs' history chains came over whole
        assert verified.returncode == 0, verified.stderr
        assert query(fresh, "SELECT count(*) FROM item_event WHERE hash IS NOT NULL")[0][0] \
            == counts["on_loan_events"]
    finally:
        source.drop()
        fresh.drop()


def test_a_restore_refuses_a_target_with_data_unless_forced(kind, template, tmp_path):
    source = loaded_database(kind, tmp_path, template, 10)
    output = tmp_path / "backup.bin"
    try:
        assert cli(source, "backup", "-o", str(output)).returncode == 0
        again = cli(source, "backup", "-o", str(output))
        assert again.returncode != 0 and "existe déjà" in again.stderr

        refused = cli(source, "restore", str(output))
        assert refused.returncode != 0 and "--force" in refused.stderr
        forced = cli(source, "restore", str(output), "--force")
        assert forced.returncode == 0, forced.stderr
        assert query(source, "SELECT count(*) FROM item")[0][0] == 10
    finally:
        source.drop()


def test_a_damaged_backup_is_refused_and_the_database_is_left_as_it_was(kind, template,
                                                                          tmp_path):
    source = loaded_database(kind, tmp_path, template, 10)
    output, damaged = tmp_path / "backup.bin", tmp_path / "damaged.bin"
    try:
        assert cli(source, "backup", "-o", str(output)).returncode == 0
        data = output.read_bytes()
        damaged.write_bytes(data[: len(data) // 2])
        done = cli(source, "restore", str(damaged), "--force")
        assert done.returncode != 0 and "erreur" in done.stderr
        assert "Traceback" not in done.stderr
        assert query(source, "SELECT count(*) FROM item")[0][0] == 10
        if kind == "sqlite":
            assert integrity(source) == ["ok"]
            assert list(tmp_path.glob(".*restauration*")) == []
    finally:
        source.drop()


def test_a_restore_refuses_a_file_that_is_not_a_backup_for_this_database(kind, template,
                                                                          tmp_path):
    fresh = new_database(kind, tmp_path, template)
    other = tmp_path / "other.bin"
    other.write_bytes(b"PGDMP..." if kind == "sqlite" else b"SQLite format 3\x00...")
    junk = tmp_path / "junk.csv"
    junk.write_text("tag;modele\n")
    try:
        for path, message in ((other, "mais la base configurée"),
                              (junk, "n'est pas une sauvegarde"),
                              (tmp_path / "absent.bin", "fichier illisible")):
            done = cli(fresh, "restore", str(path))
            assert done.returncode != 0
            assert message in done.stderr
            assert "Traceback" not in done.stderr
    finally:
        fresh.drop()


def test_a_sqlite_restore_refuses_a_database_the_service_still_uses(sqlite_template,
                                                                     tmp_path):
    source = loaded_database("sqlite", tmp_path, sqlite_template, 10)
    output = tmp_path / "backup.sqlite3"
    try:
        assert cli(source, "backup", "-o", str(output)).returncode == 0
        with Server(source):
            busy = cli(source, "restore", str(output), "--force")
        assert busy.returncode != 0 and "arrêtez le service" in busy.stderr
    finally:
        source.drop()


def test_a_failed_backup_leaves_no_file_behind(tmp_path):
    fresh = new_database("sqlite", tmp_path)
    output = tmp_path / "out" / "backup.sqlite3"
    done = cli(fresh, "backup", "-o", str(output))
    assert done.returncode != 0 and "introuvable" in done.stderr
    assert not output.exists() and list(Path(tmp_path / "out").glob("*")) == []
