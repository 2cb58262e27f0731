"""Run Piccolo migrations forwards for the configured database."""

from __future__ import annotations

import os
import sqlite3

from inventory.db.engine import close_engine


class MigrationFailed(RuntimeError):
    """A migration did not apply; the message says which."""


async def migrate(database_url: str) -> None:
    """Apply every pending migration; on SQLite, switch the file to WAL mode first."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("PICCOLO_CONF", "inventory.piccolo_conf")
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with sqlite3.connect(path) as conn:
            # WAL lets the scan reader run while a write transaction is open.
            conn.execute("PRAGMA journal_mode=WAL")
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine.finder import engine_finder

    try:
        response = await run_forwards(app_name="inventory", migration_id="all", fake=False)
    finally:
        await close_engine(engine_finder())
    if not response.success:
        raise MigrationFailed(response.message)
