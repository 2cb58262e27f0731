"""Backup and restore of the whole database: SQLite online backup API, or pg_dump/pg_restore.

Never a half-written backup: the copy is written under a temporary name in the target
directory, checked, synced, then renamed. Never a half-restored database: SQLite restores
into a temporary file that is checked before being copied into the target in one SQLite
transaction (or renamed, when there is no target yet); PostgreSQL restores with
``pg_restore --single-transaction``. Messages are for the command line, in French.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from inventory.config import PROJECT_ROOT, Settings

BACKUP_DIR = PROJECT_ROOT / "var" / "backups"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# The tables counted after a restore, with their French names; the first five tell whether
# a database holds data.
MAIN_TABLES = (
    ("item", "articles"), ("beneficiary", "bénéficiaires"), ("loan", "prêts"),
    ("staff_user", "comptes"), ("item_event", "événements d'historique"),
    ("loan_line", "lignes de prêt"), ("site", "sites"), ("partner_org", "structures"),
    ("access_log", "entrées du journal d'accès"),
)
REQUIRED_TABLES = ("item", "loan", "loan_line", "item_event", "migration")
PG_TIMEOUT_S = 3600


class BackupError(RuntimeError):
    """A backup or restore failed; the message (French) says why and what to do."""


def default_output(settings: Settings, now: datetime | None = None) -> Path:
    """``var/backups/inventory-YYYYmmdd-HHMMSS.sqlite3`` (``.pgdump`` on PostgreSQL)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return BACKUP_DIR / f"inventory-{stamp}.{'pgdump' if settings.is_postgres else 'sqlite3'}"


# --------------------------------------------------------------------------- files

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


@contextmanager
def _partial(output: Path) -> Iterator[Path]:
    """A temporary name next to ``output``, renamed to it when the block succeeds."""
    output = output.resolve()
    if output.exists():
        raise BackupError(f"le fichier {output} existe déjà : choisissez un autre nom.")
    try:
        output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"impossible de créer le dossier {output.parent} ({exc}).") from exc
    tmp = output.with_name(f".{output.name}.partiel-{os.getpid()}")
    try:
        yield tmp
        os.chmod(tmp, 0o600)  # personal data: readable by the service account only
        _fsync_file(tmp)
        os.replace(tmp, output)
        _fsync_dir(output.parent)
    except OSError as exc:
        raise BackupError(f"écriture de {output} impossible ({exc}).") from exc
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgres`` from the file's first bytes; BackupError otherwise."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"fichier illisible : {path} ({exc.strerror or exc}).") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgres"
    raise BackupError(f"{path} n'est pas une sauvegarde de l'inventaire (ni fichier SQLite, "
                      "ni archive pg_dump au format custom).")


# --------------------------------------------------------------------------- SQLite

def _uri(path: Path, mode: str) -> str:
    """A SQLite URI that opens an existing file only (``ro`` or ``rw``), never creates one."""
    return f"{Path(path).resolve().as_uri()}?mode={mode}"


def _check_sqlite_copy(conn: sqlite3.Connection, what: str) -> None:
    """Raise BackupError unless ``conn`` passes integrity_check and holds the tables."""
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE "
                                             "type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} est illisible ({exc}).") from exc
    if problems != ["ok"]:
        raise BackupError(f"{what} est endommagé(e) : {'; '.join(problems[:5])}")
    if missing := [t for t in REQUIRED_TABLES if t not in tables]:
        raise BackupError(f"{what} n'est pas une base de l'inventaire (tables absentes : "
                          f"{', '.join(missing)}).")


def backup_sqlite(db_path: Path, output: Path) -> None:
    """Copy the live database with the online backup API (one consistent snapshot)."""
    if not db_path.is_file():
        raise BackupError(f"base SQLite introuvable : {db_path}.")
    with _partial(output) as tmp:
        try:
            with closing(sqlite3.connect(_uri(db_path, "rw"), uri=True, timeout=30)) as src, \
                    closing(sqlite3.connect(tmp)) as dst:
                # All pages in one step: one read transaction, which WAL never blocks writers
                # with, so the copy is the database as of one commit.
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                _check_sqlite_copy(dst, "la copie")
        except sqlite3.Error as exc:
            raise BackupError(f"copie de la base SQLite impossible ({exc}).") from exc


def _target_in_use(conn: sqlite3.Connection, target: Path) -> None:
    """Take the target for this process alone, or say that the service still uses it."""
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise BackupError(f"la base {target} est ouverte par un autre processus : arrêtez "
                          "le service avant de restaurer.") from exc


def _has_data_sqlite(conn: sqlite3.Connection) -> bool:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return any(conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0]
               for t, _ in MAIN_TABLES[:5] if t in tables)


def restore_sqlite(backup: Path, target: Path, force: bool) -> None:
    """Stage the backup next to the target, check it, then put it in place atomically."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restauration-{os.getpid()}")
    try:
        try:
            with closing(sqlite3.connect(_uri(backup, "ro"), uri=True)) as src, \
                    closing(sqlite3.connect(staged)) as stage:
                src.backup(stage)
                stage.execute("PRAGMA journal_mode=WAL")  # as `inventory migrate` sets it
                _check_sqlite_copy(stage, f"la sauvegarde {backup}")
        except sqlite3.Error as exc:
            raise BackupError(f"la sauvegarde {backup} est endommagée ou illisible ({exc}) : "
                              "rien n'a été modifié.") from exc
        try:
            _put_in_place(staged, target, force)
        except sqlite3.Error as exc:
            raise BackupError(f"restauration impossible, rien n'a été modifié ({exc}).") from exc
    finally:
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{staged}{leftover}").unlink(missing_ok=True)


def _put_in_place(staged: Path, target: Path, force: bool) -> None:
    if not target.exists():
        if any(Path(f"{target}{s}").exists() for s in ("-wal", "-journal")):
            raise BackupError(f"{target} est absente mais son journal est là : vérifiez le "
                              "dossier avant de restaurer.")
        os.replace(staged, target)
        _fsync_dir(target.parent)
        return
    with closing(sqlite3.connect(staged)) as stage, \
            closing(sqlite3.connect(target, timeout=0.2, isolation_level=None)) as dst:
        _target_in_use(dst, target)
        if not force and _has_data_sqlite(dst):
            raise BackupError(f"la base {target} contient déjà des données : ajoutez --force "
                              "pour la remplacer.")
        stage.backup(dst)  # one write transaction on the target: all or nothing
        _check_sqlite_copy(dst, "la base restaurée")


def counts_sqlite(db_path: Path) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(_uri(db_path, "rw"), uri=True)) as conn:
        return [(label, conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                for table, label in MAIN_TABLES]


# --------------------------------------------------------------------------- PostgreSQL

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} introuvable : installez le client PostgreSQL (paquet "
                          "postgresql-client, de la version du serveur ou plus récente).")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying it (not on the command
    line, where any user of the machine could read it)."""
    parts = urlsplit(url)
    env = {**os.environ}
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)  # libpq decodes %xx in URLs
        userinfo, _, hostport = parts.netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}@{hostport}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url, env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True,
                              timeout=PG_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} a échoué ({exc}).") from exc
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-1500:]
        raise BackupError(f"{what} a échoué :\n{detail}")
    return done.stdout


def _pg_list(archive: Path, env: dict[str, str]) -> str:
    listing = _run([_tool("pg_restore"), "--list", str(archive)], env,
                   f"la lecture de l'archive {archive} (tronquée ou endommagée ?)")
    if not all(f"TABLE DATA public {t} " in listing for t in REQUIRED_TABLES):
        raise BackupError(f"{archive} n'est pas une sauvegarde de l'inventaire (tables "
                          "absentes de l'archive).")
    return listing


def backup_postgres(url: str, output: Path) -> None:
    """``pg_dump --format=custom`` (one consistent snapshot), read back with pg_restore."""
    pg_dump = _tool("pg_dump")
    dsn, env = _libpq(url)
    with _partial(output) as tmp:
        _run([pg_dump, "--format=custom", "--no-password", f"--file={tmp}", f"--dbname={dsn}"],
             env, "pg_dump")
        _pg_list(tmp, env)
        # Read every block back (as a script thrown away): the archive is whole.
        _run([_tool("pg_restore"), f"--file={os.devnull}", str(tmp)], env,
             "la relecture de l'archive écrite")


async def _pg_fetch_counts(url: str) -> dict[str, int | None]:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        raise BackupError(f"connexion à PostgreSQL impossible ({exc}).") from exc
    try:
        counts: dict[str, int | None] = {}
        for table, _ in MAIN_TABLES:
            exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{table}"')
            counts[table] = await conn.fetchval(f'SELECT count(*) FROM "{table}"') \
                if exists else None
        return counts
    finally:
        await conn.close()


def counts_postgres(url: str) -> list[tuple[str, int]]:
    counts = asyncio.run(_pg_fetch_counts(url))
    return [(label, counts[table] or 0) for table, label in MAIN_TABLES]


def restore_postgres(backup: Path, url: str, force: bool) -> None:
    """``pg_restore --clean --if-exists --no-owner --single-transaction``: all or nothing."""
    pg_restore = _tool("pg_restore")
    dsn, env = _libpq(url)
    _pg_list(backup, env)
    counts = asyncio.run(_pg_fetch_counts(url))
    if not force and any(counts[t] for t, _ in MAIN_TABLES[:5]):
        raise BackupError("la base PostgreSQL cible contient déjà des données : ajoutez "
                          "--force pour la remplacer.")
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", "--no-password", f"--dbname={dsn}", str(backup)], env,
         "pg_restore (rien n'a été modifié)")


# --------------------------------------------------------------------------- entry points

def backup(settings: Settings, output: Path | None = None) -> tuple[Path, float]:
    """Write a backup of the configured database; its path and the seconds it took."""
    output = Path(output) if output else default_output(settings)
    started = time.perf_counter()
    if settings.is_postgres:
        backup_postgres(settings.database_url, output)
    else:
        backup_sqlite(settings.sqlite_path, output)
    return output.resolve(), time.perf_counter() - started


def restore(settings: Settings, backup_file: Path,
            force: bool = False) -> tuple[list[tuple[str, int]], float]:
    """Replace the configured database by a backup; the row counts and the seconds taken."""
    backup_file = Path(backup_file)
    kind = backup_kind(backup_file)
    configured = "postgres" if settings.is_postgres else "sqlite"
    if kind != configured:
        names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
        raise BackupError(f"{backup_file} est une sauvegarde {names[kind]}, mais la base "
                          f"configurée (DATABASE_URL) est {names[configured]} : rien n'a été "
                          "modifié.")
    started = time.perf_counter()
    if settings.is_postgres:
        restore_postgres(backup_file, settings.database_url, force)
        counts = counts_postgres(settings.database_url)
    else:
        restore_sqlite(backup_file, settings.sqlite_path, force)
        counts = counts_sqlite(settings.sqlite_path)
    return counts, time.perf_counter() - started
